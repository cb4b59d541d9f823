"""The doctor's findings as a private Slack answer to `/msi doctor` (mrkdwn, mentions, `<!date>`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.doctor.findings import Finding
from bot.doctor.wording import common_value, finding_lines
from bot.slack import formatting
from bot.slack.blockkit import HEADER_LIMIT, Block, plain, section
from bot.texts import Texts


def _slack_params(texts: Texts, params: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name == "channel":
            shown[name] = formatting.channel(str(value))
        elif name == "user":
            shown[name] = formatting.user(str(value))
        elif name == "since" and isinstance(value, datetime):
            shown[name] = texts.date(value)
        else:
            shown[name] = common_value(
                texts,
                name,
                value,
                quote=lambda item: f"`{formatting.escape(item)}`",
                escape=formatting.escape,
            )
    return shown


# Emoji, the same in every language.
MARK_OK, MARK_FAILED, MARK_SKIPPED = ":white_check_mark:", ":x:", ":white_circle:"


def _mark(finding: Finding) -> str:
    if finding.ok:
        return MARK_OK
    return MARK_SKIPPED if finding.skipped else MARK_FAILED


def doctor_answer(texts: Texts, findings: list[Finding]) -> tuple[str, list[Block]]:
    """The private answer to `/msi doctor`: a header with the tally, then one section per check."""
    passed = sum(1 for finding in findings if finding.ok)
    header = texts.text("doctor.header", passed=passed, total=len(findings))
    blocks: list[Block] = [{"type": "header", "text": plain(header, HEADER_LIMIT)}]
    for finding in findings:
        lines = finding_lines(texts, finding, _slack_params)
        title = texts.text(
            "doctor.line", mark=_mark(finding), check=texts.text(f"doctor.check.{finding.check}")
        )
        if len(lines) == 1:
            blocks.append(section(f"{title} {lines[0]}"))
        else:
            blocks.append(section("\n".join([title, *(f"• {line}" for line in lines)])))
    return header, blocks
