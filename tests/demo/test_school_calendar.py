"""English school calendars: which year a day belongs to, and term dates that add up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import pairwise

import pytest

from provmap.demo.school_calendar import (
    age_in_months,
    current_start_year,
    start_year_of,
    year_dates,
    year_group_birth_range,
)


@pytest.mark.parametrize(
    ("today", "start_year"),
    [
        (dt.date(2026, 2, 10), 2025),
        (dt.date(2025, 9, 1), 2025),
        (dt.date(2026, 7, 31), 2025),
        (dt.date(2026, 8, 1), 2026),  # August plans the coming year
        (dt.date(2026, 12, 31), 2026),
    ],
)
def test_current_start_year(today: dt.date, start_year: int) -> None:
    assert current_start_year(today) == start_year


def test_start_year_of_a_day() -> None:
    assert start_year_of(dt.date(2025, 7, 22)) == 2024
    assert start_year_of(dt.date(2025, 8, 31)) == 2024
    assert start_year_of(dt.date(2025, 9, 1)) == 2025


@pytest.mark.parametrize("start_year", range(2020, 2032))
def test_terms_are_in_order_on_weekdays_and_add_up_to_38_weeks(start_year: int) -> None:
    year = year_dates(start_year)
    assert year.name == f"{start_year}-{(start_year + 1) % 100:02d}"
    assert year.weeks == Decimal("38")
    assert [term.name for term in year.terms] == ["Autumn", "Spring", "Summer"]
    assert year.start <= year.terms[0].start
    assert year.terms[-1].end == year.end
    for before, after in pairwise(year.terms):
        assert before.end < after.start
    for term in year.terms:
        assert term.start.weekday() < 5 and term.end.weekday() < 5
        calendar_weeks = ((term.end - term.start).days + 3) / 7
        assert term.weeks <= calendar_weeks <= term.weeks + 2


def test_2025_26_dates() -> None:
    autumn, spring, summer = year_dates(2025).terms
    assert autumn.start == dt.date(2025, 9, 3)
    assert autumn.end == dt.date(2025, 12, 19)
    assert spring.start == dt.date(2026, 1, 5)
    assert summer.end == dt.date(2026, 7, 22)


def test_year_7_in_2025_26_was_born_in_2013_14() -> None:
    assert year_group_birth_range(7, 2025) == (dt.date(2013, 9, 1), dt.date(2014, 8, 31))
    assert year_group_birth_range(11, 2024) == (dt.date(2008, 9, 1), dt.date(2009, 8, 31))


def test_age_in_months() -> None:
    born = dt.date(2013, 9, 15)
    assert age_in_months(born, dt.date(2025, 9, 14)) == 143
    assert age_in_months(born, dt.date(2025, 9, 15)) == 144
