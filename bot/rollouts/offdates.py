"""A rollout's own non-working dates as the owner types them in Edit: one date or date range per line,
each optionally followed by a note (`2026-12-29..2027-01-03 年末年始`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MAX_LINES = 50
MAX_DAYS = 366  # one range covers at most a year
NOTE_LIMIT = 60
TEXT_LIMIT = 3000  # the input's max_length

# NFKC first turns full-width digits and the full-width tilde into ASCII; the wave dash U+301C stays.
_LINE = re.compile(r"(?P<first>\S+?)(?:\s*(?:\.\.|~|〜)\s*(?P<last>\S+?))?(?:\s+(?P<note>.*))?")


@dataclass(frozen=True)
class OffDates:
    first: date
    last: date
    note: str = ""

    def stored(self) -> list[str]:
        return [self.first.isoformat(), self.last.isoformat(), self.note]

    def line(self) -> str:
        span = self.first.isoformat() if self.first == self.last else f"{self.first}..{self.last}"
        return f"{span} {self.note}".strip()


@dataclass(frozen=True)
class LineProblem:
    """Why a line was refused: a catalog key of bot.texts, the line's number and its text."""

    key: str
    number: int
    line: str


def _day(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse(text: str) -> tuple[list[OffDates], LineProblem | None]:
    """The ranges, sorted, or the first problem."""
    found: list[OffDates] = []
    lines = [line.strip() for line in unicodedata.normalize("NFKC", text or "").splitlines()]
    numbered = [(number, line) for number, line in enumerate(lines, start=1) if line]
    if len(numbered) > MAX_LINES:
        return [], LineProblem("edit.off_dates.error.too_many", numbered[MAX_LINES][0], "")
    for number, line in numbered:
        match = _LINE.fullmatch(line)
        first = _day(match.group("first")) if match else None
        last = _day(match.group("last")) if match and match.group("last") else first
        if match is None or first is None or last is None:
            return [], LineProblem("edit.off_dates.error.not_a_date", number, line)
        if last < first:
            return [], LineProblem("edit.off_dates.error.backwards", number, line)
        if (last - first).days >= MAX_DAYS:
            return [], LineProblem("edit.off_dates.error.too_long", number, line)
        note = " ".join((match.group("note") or "").split())[:NOTE_LIMIT]
        found.append(OffDates(first, last, note))
    return sorted(found, key=lambda off: (off.first, off.last)), None


def from_stored(rows: list[list[str]] | None) -> list[OffDates]:
    """What the rollout row holds; rows this code did not write are skipped."""
    ranges = []
    for row in rows or []:
        try:
            first, last = date.fromisoformat(str(row[0])), date.fromisoformat(str(row[1]))
        except (IndexError, TypeError, ValueError):
            continue
        ranges.append(OffDates(first, last, str(row[2]) if len(row) > 2 else ""))
    return ranges


def as_text(rows: list[list[str]] | None) -> str:
    return "\n".join(off.line() for off in from_stored(rows))
