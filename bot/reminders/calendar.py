"""When a person may be reminded: MSI_WORKING_HOURS read in their own time zone, minus the public holidays
of MSI_HOLIDAYS and the rollout's own non-working dates (both judged on the person's own local date: 1 January
in Tokyo starts nine hours before it does in London)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.config import WorkingHours

# Working hours and holidays repeat within a year; a search that finds no opening in that span never will.
SEARCH_DAYS = 400

# A rollout's own non-working dates: (first, last) pairs, inclusive.
OffDays = Sequence[tuple[date, date]]


def off_days(rows: list[list[str]] | None) -> tuple[tuple[date, date], ...]:
    """The pairs a rollout row stores (`Rollout.off_dates`: [first, last, note]); malformed rows skipped."""
    found = []
    for row in rows or []:
        try:
            found.append((date.fromisoformat(str(row[0])), date.fromisoformat(str(row[1]))))
        except (IndexError, TypeError, ValueError):
            continue
    return tuple(found)


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone; UTC for a name Slack or an old row gave that this system does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class WorkingCalendar:
    def __init__(self, hours: WorkingHours, holiday_countries: Iterable[str] = ()):
        self.hours = hours
        # One table per country, filled year by year on first use by the holidays package.
        self._holidays = [holidays.country_holidays(code) for code in holiday_countries]

    def is_holiday(self, day: date, off: OffDays = ()) -> bool:
        return any(first <= day <= last for first, last in off) or any(
            day in table for table in self._holidays
        )

    def is_working(self, moment: datetime, time_zone: str | None, off: OffDays = ()) -> bool:
        local = moment.astimezone(zone(time_zone))
        return self.hours.contains(local) and not self.is_holiday(local.date(), off)

    def next_opening(self, moment: datetime, time_zone: str | None, off: OffDays = ()) -> datetime:
        """The first moment at or after `moment` that is working time in `time_zone`, outside `off`."""
        local = moment.astimezone(zone(time_zone))
        for _ in range(SEARCH_DAYS):
            opening = self.hours.next_opening(local)
            if not self.is_holiday(opening.date(), off):
                return opening
            # The whole local day is off: look again from the next local midnight.
            following = opening.date() + timedelta(days=1)
            local = datetime(following.year, following.month, following.day, tzinfo=local.tzinfo)
        raise ValueError("working hours and holidays leave no opening")

    def next_working_day(self, moment: datetime, time_zone: str | None, off: OffDays = ()) -> datetime:
        """The start of the working hours of the first working day after `moment`'s local date (tomorrow's,
        or the next after weekends, holidays and the rollout's own non-working dates `off`)."""
        local = moment.astimezone(zone(time_zone))
        return self.next_opening(_midnight(local, local.date() + timedelta(days=1)), time_zone, off)

    def next_monday(self, moment: datetime, time_zone: str | None, off: OffDays = ()) -> datetime:
        """The start of the working hours of next Monday (a week on, when `moment` is a Monday), or of the
        first working day after it when that Monday is a holiday (or one of `off`)."""
        local = moment.astimezone(zone(time_zone))
        monday = local.date() + timedelta(days=7 - local.weekday())
        return self.next_opening(_midnight(local, monday), time_zone, off)


def _midnight(local: datetime, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=local.tzinfo)
