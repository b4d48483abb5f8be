"""The school's figures: the year's costs cut every way and counts of pupils, aggregates
only, never a pupil (the runs' costs totalled by the database: `costed.year_costs`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from provmap.provision.selectors.costed import YearCosts, year_costs
from provmap.provision.selectors.filters import CURRENT_SEN_STATUSES
from provmap.provision.selectors.terms import current_term
from provmap.pupils.models import NCYear, Pupil
from provmap.pupils.needs import Area
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import School


def _roll_by_sen_status(school: School, on: dt.date) -> list[tuple[str, str, int]]:
    counts = dict(
        Pupil.objects.filter(school=school)
        .filter(on_roll_between(on, on))
        .values_list("sen_status")
        .annotate(pupils=Count("pk"))
        .order_by()
    )
    return [(status.value, status.label, counts.get(status, 0)) for status in CURRENT_SEN_STATUSES]


def _percent(amount: Decimal, total: Decimal) -> Decimal | None:
    """Percentage of the total, to the whole number (None when there is nothing to share)."""
    return (amount * 100 / total).quantize(Decimal("1")) if total else None


@dataclass
class Figures:
    """What governors and trust leaders see: the year's costed totals cut every way, and
    counts of pupils. Built from pupil-level rows, but only totals leave this object."""

    roll: list[tuple[str, str, int]]
    summary: YearCosts | None

    @property
    def roll_total(self) -> int:
        return sum(count for _, _, count in self.roll)

    @property
    def attributable(self) -> Decimal:
        """The part of the cost shared out to pupils (general resources belong to none)."""
        if self.summary is None:
            return Decimal(0)
        return sum((item.share for item in self.summary.shares), Decimal(0))

    @property
    def by_stream(self) -> list[tuple[str, Decimal, Decimal | None]]:
        if self.summary is None:
            return []
        total = self.summary.school_total
        return [
            (name, amount, _percent(amount, total))
            for name, amount in sorted(self.summary.by_funding_stream().items())
        ]

    @property
    def by_area(self) -> list[tuple[str, Decimal, Decimal | None]]:
        if self.summary is None:
            return []
        totals, whole = self.summary.by_area(), self.attributable
        return [
            (area.label, totals[area.value], _percent(totals[area.value], whole))
            for area in Area
            if area.value in totals
        ]

    @property
    def by_year(self) -> list[tuple[str, Decimal, Decimal | None]]:
        if self.summary is None:
            return []
        whole = self.attributable
        return [
            (NCYear(code).label, amount, _percent(amount, whole))
            for code, amount in self.summary.by_year_group().items()
        ]

    @property
    def receiving(self) -> list[tuple[str, str, int]]:
        """Distinct pupils placed in this year's provision, by SEN status."""
        if self.summary is None:
            return []
        pupils = {item.pupil_id: item.sen_status for item in self.summary.shares}
        counts = Counter(pupils.values())
        return [(status.value, status.label, counts[status]) for status in CURRENT_SEN_STATUSES]

    @property
    def receiving_total(self) -> int:
        return sum(count for _, _, count in self.receiving)

    @property
    def by_sen_status(self) -> list[tuple[str, str, int, int]]:
        """(code, label, pupils on roll, pupils receiving provision) for each status."""
        receiving = {code: count for code, _, count in self.receiving}
        return [(code, label, count, receiving.get(code, 0)) for code, label, count in self.roll]


def school_figures(school: School, today: dt.date) -> Figures:
    term = current_term(school, today)
    summary = year_costs(school, term.academic_year, as_of=today) if term else None
    return Figures(roll=_roll_by_sen_status(school, today), summary=summary)
