"""The doctor's findings: as a private Slack answer (mrkdwn, mentions, `<!date>`), and as plain lines for a
terminal (`msi-bot doctor`), from the same catalog texts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from bot.doctor.findings import Finding, Problem
from bot.slack import formatting
from bot.slack.blockkit import HEADER_LIMIT, Block, plain, section
from bot.steps.salesforce import SalesforceError
from bot.texts import Texts

# Problems listed per check before "and N more": a workspace with many rollouts stays within one section.
PROBLEMS_SHOWN = 10


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
            shown[name] = _common(
                texts,
                name,
                value,
                quote=lambda item: f"`{formatting.escape(item)}`",
                escape=formatting.escape,
            )
    return shown


def _plain_params(texts: Texts, params: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name == "channel":
            shown[name] = f"#{value}"
        elif name == "since" and isinstance(value, datetime):
            shown[name] = value.strftime("%Y-%m-%d %H:%M UTC")
        else:
            shown[name] = _common(texts, name, value, quote=str, escape=str)
    return shown


def _common(
    texts: Texts, name: str, value: Any, *, quote: Callable[[str], str], escape: Callable[[str], str]
) -> Any:
    if isinstance(value, SalesforceError):
        return texts.text(value.key, **value.params)
    if name == "environments":
        return texts.join(texts.text(f"environment.{item}") for item in value)
    if name == "environment":
        return texts.text(f"environment.{value}")
    if isinstance(value, list):
        return texts.join(quote(str(item)) for item in value)
    if isinstance(value, str):
        return escape(value)
    return value


def _lines(
    texts: Texts, finding: Finding, fill: Callable[[Texts, Mapping[str, Any]], dict[str, Any]]
) -> list[str]:
    if finding.ok:
        return [texts.text(finding.ok_key, **fill(texts, finding.ok_params))]

    def render(problem: Problem) -> str:
        return texts.text(problem.key, **fill(texts, problem.params))

    return texts.cut(list(finding.problems), PROBLEMS_SHOWN, render=render)


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
        lines = _lines(texts, finding, _slack_params)
        title = texts.text(
            "doctor.line", mark=_mark(finding), check=texts.text(f"doctor.check.{finding.check}")
        )
        if len(lines) == 1:
            blocks.append(section(f"{title} {lines[0]}"))
        else:
            blocks.append(section("\n".join([title, *(f"• {line}" for line in lines)])))
    return header, blocks


def doctor_report(texts: Texts, findings: list[Finding]) -> list[str]:
    """The same findings as terminal lines: `OK`, `FAIL` or `SKIP`, the check, then what to do."""
    report: list[str] = []
    for finding in findings:
        mark = "OK  " if finding.ok else ("SKIP" if finding.skipped else "FAIL")
        check = texts.text(f"doctor.check.{finding.check}")
        lines = _lines(texts, finding, _plain_params)
        report.append(f"{mark} {check}: {lines[0]}")
        report.extend(f"     {line}" for line in lines[1:])
    return report
