"""English school calendars: which academic year a date falls in, and believable term dates.

An English school year runs from 1 September to about 22 July, in three terms: Autumn
(September to just before Christmas), Spring (January to about Easter) and Summer (April to
July), each with a week's half-term holiday. Real dates vary by local authority; these follow
the common pattern closely enough for a demo, and always add up to the 38 teaching weeks most
schools cost a year at.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

MONDAY, WEDNESDAY, FRIDAY = 0, 2, 4


@dataclass(frozen=True)
class TermDates:
    number: int
    name: str
    start: dt.date
    end: dt.date
    weeks: Decimal


@dataclass(frozen=True)
class YearDates:
    start_year: int
    start: dt.date
    end: dt.date
    weeks: Decimal
    terms: tuple[TermDates, ...]

    @property
    def name(self) -> str:
        """For example 2025-26."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"


def current_start_year(today: dt.date) -> int:
    """The September that starts the school's current year. In August the year about to
    start counts as current: that is the year schools are planning for."""
    return today.year if today.month >= 8 else today.year - 1


def start_year_of(day: dt.date) -> int:
    """The September that starts the academic year a date belongs to (August ends a year)."""
    return day.year if day.month >= 9 else day.year - 1


def _on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def _last_weekday_on_or_before(day: dt.date) -> dt.date:
    while day.weekday() > FRIDAY:
        day -= dt.timedelta(days=1)
    return day


def year_dates(start_year: int) -> YearDates:
    """The academic year starting in September `start_year`, with Autumn, Spring and Summer
    terms of 14, 12 and 12 teaching weeks."""
    autumn_start = _on_or_after(dt.date(start_year, 9, 2), WEDNESDAY)
    autumn_end = _on_or_before(dt.date(start_year, 12, 20), FRIDAY)
    spring_start = _on_or_after(dt.date(start_year + 1, 1, 5), MONDAY)
    # Twelve teaching weeks and the February half-term: thirteen weeks, Monday to Friday.
    spring_end = spring_start + dt.timedelta(weeks=13, days=-3)
    summer_start = spring_end + dt.timedelta(days=17)
    summer_end = _last_weekday_on_or_before(dt.date(start_year + 1, 7, 22))
    terms = (
        TermDates(1, "Autumn", autumn_start, autumn_end, Decimal("14")),
        TermDates(2, "Spring", spring_start, spring_end, Decimal("12")),
        TermDates(3, "Summer", summer_start, summer_end, Decimal("12")),
    )
    return YearDates(
        start_year=start_year,
        start=dt.date(start_year, 9, 1),
        end=summer_end,
        weeks=sum((term.weeks for term in terms), Decimal(0)),
        terms=terms,
    )


def year_group_birth_range(nc_year: int, start_year: int) -> tuple[dt.date, dt.date]:
    """First and last dates of birth for NC year `nc_year` in the year starting `start_year`
    (Year 7 in 2025-26: born 1 September 2013 to 31 August 2014)."""
    first = dt.date(start_year - nc_year - 5, 9, 1)
    return first, dt.date(first.year + 1, 8, 31)


def age_in_months(date_of_birth: dt.date, on: dt.date) -> int:
    months = (on.year - date_of_birth.year) * 12 + on.month - date_of_birth.month
    return months - 1 if on.day < date_of_birth.day else months
