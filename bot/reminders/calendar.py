"""When a person may be reminded: MSI_WORKING_HOURS read in their own time zone, minus the public holidays
of MSI_HOLIDAYS (judged on the person's own local date: 1 January in Tokyo starts nine hours before it does
in London)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from bot.config import WorkingHours

# Working hours and holidays repeat within a year; a search that finds no opening in that span never will.
SEARCH_DAYS = 400


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

    def is_holiday(self, day: date) -> bool:
        return any(day in table for table in self._holidays)

    def is_working(self, moment: datetime, time_zone: str | None) -> bool:
        local = moment.astimezone(zone(time_zone))
        return self.hours.contains(local) and not self.is_holiday(local.date())

    def next_opening(self, moment: datetime, time_zone: str | None) -> datetime:
        """The first moment at or after `moment` that is working time in `time_zone`."""
        local = moment.astimezone(zone(time_zone))
        for _ in range(SEARCH_DAYS):
            opening = self.hours.next_opening(local)
            if not self.is_holiday(opening.date()):
                return opening
            # The whole local day is off: look again from the next local midnight.
            following = opening.date() + timedelta(days=1)
            local = datetime(following.year, following.month, following.day, tzinfo=local.tzinfo)
        raise ValueError("working hours and holidays leave no opening")

    def next_working_day(self, moment: datetime, time_zone: str | None) -> datetime:
        """The start of the working hours of the first working day after `moment`'s local date (tomorrow's,
        or the next after weekends and holidays)."""
        local = moment.astimezone(zone(time_zone))
        return self.next_opening(_midnight(local, local.date() + timedelta(days=1)), time_zone)

    def next_monday(self, moment: datetime, time_zone: str | None) -> datetime:
        """The start of the working hours of next Monday (a week on, when `moment` is a Monday), or of the
        first working day after it when that Monday is a holiday."""
        local = moment.astimezone(zone(time_zone))
        monday = local.date() + timedelta(days=7 - local.weekday())
        return self.next_opening(_midnight(local, monday), time_zone)


def _midnight(local: datetime, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=local.tzinfo)
