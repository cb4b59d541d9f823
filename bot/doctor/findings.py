"""What the doctor's checks find: plain values, for the checks (service.py) and their texts (wording.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """Something wrong, as a catalog key (`doctor.<check>.<problem>`) whose text says what to fix."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: fine (`ok_key`'s text) or its problems; `skipped` when it could not run."""

    check: str
    problems: tuple[Problem, ...] = ()
    ok_key: str = ""
    ok_params: Mapping[str, Any] = field(default_factory=dict)
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and not self.skipped
