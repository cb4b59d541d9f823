"""The doctor's findings as plain terminal lines, for `msi-bot doctor` (its operator reads English)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.doctor.findings import Finding
from bot.doctor.wording import common_value, finding_lines
from bot.texts import Texts


def _plain_params(texts: Texts, params: Mapping[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in params.items():
        if name == "channel":
            shown[name] = f"#{value}"
        elif name == "since" and isinstance(value, datetime):
            shown[name] = value.strftime("%Y-%m-%d %H:%M UTC")
        else:
            shown[name] = common_value(texts, name, value, quote=str, escape=str)
    return shown


def doctor_report(texts: Texts, findings: list[Finding]) -> list[str]:
    """The same findings as terminal lines: `OK`, `FAIL` or `SKIP`, the check, then what to do."""
    report: list[str] = []
    for finding in findings:
        mark = "OK  " if finding.ok else ("SKIP" if finding.skipped else "FAIL")
        check = texts.text(f"doctor.check.{finding.check}")
        lines = finding_lines(texts, finding, _plain_params)
        report.append(f"{mark} {check}: {lines[0]}")
        report.extend(f"     {line}" for line in lines[1:])
    return report
