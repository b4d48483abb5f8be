"""Staff time: each person's weekly hours across the runs they deliver in a term, against
their contracted hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from provmap.provision import costing
from provmap.provision.models import GeneralResource
from provmap.provision.selectors.costed import CostedRun, CostedStaffLine, costed_runs
from provmap.schools.models import School, StaffMember, Term


@dataclass
class StaffRunLine:
    costed: CostedRun
    line: CostedStaffLine


@dataclass
class StaffLoad:
    staff: StaffMember
    runs: list[StaffRunLine]
    # General resources held by this person this year (management, admin) and hours a week.
    other: list[tuple[GeneralResource, Decimal]]
    busiest_minutes: Decimal

    @property
    def other_minutes(self) -> Decimal:
        return sum((hours * 60 for _, hours in self.other), Decimal(0))

    @property
    def total_minutes(self) -> Decimal:
        return self.busiest_minutes + self.other_minutes

    @property
    def contracted_minutes(self) -> Decimal | None:
        hours = self.staff.contracted_hours
        return None if hours is None else Decimal(hours) * 60

    @property
    def percent(self) -> int | None:
        contracted = self.contracted_minutes
        if not contracted:
            return None
        return int((self.total_minutes * 100 / contracted).quantize(Decimal("1")))

    @property
    def over(self) -> bool:
        contracted = self.contracted_minutes
        return contracted is not None and self.total_minutes > contracted

    @property
    def cost(self) -> Decimal:
        return sum((item.line.cost for item in self.runs), Decimal(0))


@dataclass
class StaffTerm:
    term: Term
    loads: list[StaffLoad]

    @property
    def total_cost(self) -> Decimal:
        return sum((load.cost for load in self.loads), Decimal(0))

    @property
    def total_minutes(self) -> Decimal:
        return sum((load.total_minutes for load in self.loads), Decimal(0))

    @property
    def over(self) -> int:
        return sum(load.over for load in self.loads)


def staff_term(school: School, term: Term, *, as_of: dt.date) -> StaffTerm:
    """Every member of staff with the runs they deliver in `term`, their busiest week and
    the general duties they hold this year. A fixed number of queries."""
    runs = costed_runs(school, start=term.start_date, end=term.end_date, as_of=as_of)
    by_staff: dict[int, list[StaffRunLine]] = {}
    for costed in runs:
        for line in costed.staff:
            by_staff.setdefault(line.line.staff_id, []).append(StaffRunLine(costed, line))
    other: dict[int, list[tuple[GeneralResource, Decimal]]] = {}
    for resource in GeneralResource.objects.filter(
        school=school, academic_year_id=term.academic_year_id, staff__isnull=False
    ).exclude(hours_per_week=None):
        other.setdefault(resource.staff_id, []).append((resource, resource.hours_per_week))
    loads = []
    for staff in StaffMember.objects.filter(school=school):
        lines = by_staff.get(staff.pk, [])
        if not staff.active and not lines:
            continue
        spans = [
            (
                max(item.costed.run.start_date, term.start_date),
                min(item.costed.run.end_date, term.end_date),
                item.line.weekly_minutes,
            )
            for item in lines
        ]
        loads.append(
            StaffLoad(
                staff=staff,
                runs=lines,
                other=other.get(staff.pk, []),
                busiest_minutes=costing.busiest_week_minutes(spans, term.start_date, term.end_date),
            )
        )
    # The most stretched first: those over their hours stand out without scrolling.
    loads.sort(key=lambda load: (load.percent is None, -(load.percent or 0), load.staff.name))
    return StaffTerm(term=term, loads=loads)
