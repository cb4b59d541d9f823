"""What the doctor's findings say, shared by its Slack answer (blocks.py) and its terminal report
(terminal.py): the catalog text of each problem, with the values every surface shows alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.doctor.findings import Finding, Problem
from bot.steps.salesforce import SalesforceError
from bot.texts import Texts

# Problems listed per check before "and N more": a workspace with many rollouts stays within one section.
PROBLEMS_SHOWN = 10


def common_value(
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


def finding_lines(
    texts: Texts, finding: Finding, fill: Callable[[Texts, Mapping[str, Any]], dict[str, Any]]
) -> list[str]:
    if finding.ok:
        return [texts.text(finding.ok_key, **fill(texts, finding.ok_params))]

    def render(problem: Problem) -> str:
        return texts.text(problem.key, **fill(texts, problem.params))

    return texts.cut(list(finding.problems), PROBLEMS_SHOWN, render=render)
