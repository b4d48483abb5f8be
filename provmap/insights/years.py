"""Which academic year an impact page shows: the one asked for in `?year=` (an id, or "all"),
else the current one; and, when the current year has no results to judge yet, the latest
earlier year that has them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from provmap.insights.selectors import ProvisionImpact, year_figures
from provmap.schools.models import AcademicYear, School

ALL_YEARS = "all"


@dataclass
class YearChoice:
    years: list[AcademicYear]
    year: AcademicYear | None
    all_years: bool = False
    # Set when the current year has no results yet and the page shows this earlier one.
    fallback_from: AcademicYear | None = None

    @property
    def value(self) -> str:
        if self.all_years:
            return ALL_YEARS
        return str(self.year.pk) if self.year else ""

    @property
    def name(self) -> str:
        if self.all_years:
            return "all years"
        return self.year.name if self.year else ""

    @property
    def query(self) -> str:
        return f"?year={self.value}" if self.value else ""


def _current(years: list[AcademicYear], on: dt.date) -> AcademicYear | None:
    for year in years:
        if year.start_date <= on <= year.end_date:
            return year
    started = [year for year in years if year.start_date <= on]
    if started:
        return started[-1]
    return years[0] if years else None


def choose_year(wanted: str, school: School, *, on: dt.date) -> tuple[YearChoice, bool]:
    """The year asked for (`wanted`: ?year=, an id or 'all'), else the one current `on`; and
    whether the user asked (an unknown year is a 404)."""
    years = list(AcademicYear.objects.filter(school=school).order_by("start_date"))
    if wanted == ALL_YEARS:
        return YearChoice(years, None, all_years=True), True
    if wanted:
        year = next((year for year in years if str(year.pk) == wanted), None)
        if year is None:
            raise Http404("No such academic year.")
        return YearChoice(years, year), True
    return YearChoice(years, _current(years, on)), False


def posted_year(school: School, wanted: str) -> YearChoice:
    """The year a form names (an id; anything else, or another school's year, is a 404),
    among the school's years."""
    year = None
    if wanted.isdigit():
        year = AcademicYear.objects.filter(school=school, pk=wanted).first()
    if year is None:
        raise Http404("No such academic year.")
    return YearChoice(list(AcademicYear.objects.filter(school=school)), year)


def impacts_for(
    school: School,
    choice: YearChoice,
    *,
    asked: bool,
    as_of: dt.date,
    only: set[int] | None = None,
) -> list[ProvisionImpact]:
    """The impact figures of the chosen year (of the provisions `only`, when given). Unless a
    year was asked for, a current year without enough results to judge any provision yet (early
    in the autumn term) gives way to the latest earlier year that has them, and says so. The
    year given way is not costed or described: whether it can rank a provision is known from
    its measures' models."""
    if not choice.years:
        return []
    current = year_figures(school, academic_year=choice.year, as_of=as_of, only=only)
    if asked or choice.all_years or current.ranks_any():
        return current.impacts()
    assert choice.year is not None  # there are years, and not all of them were asked for
    earlier = [year for year in choice.years if year.start_date < choice.year.start_date]
    if not earlier:
        return current.impacts()
    previous = year_figures(school, academic_year=earlier[-1], as_of=as_of, only=only)
    if not previous.ranks_any():
        return current.impacts()
    choice.fallback_from, choice.year = choice.year, earlier[-1]
    return previous.impacts()
