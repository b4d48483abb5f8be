"""The costed map of one year group over one school year (Kent's appendix 3c)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef

from provmap.provision import costing
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.selectors.costed import (
    CostedStaffLine,
    cost_run,
    role_rates,
    with_details,
)
from provmap.provision.selectors.filters import CURRENT_SEN_STATUSES, MapFilters
from provmap.provision.selectors.scoped import MapRow, ScopedMap, scoped_map
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, Pupil
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import AcademicYear, School


def nc_year_after(nc_year: str, years: int) -> str | None:
    """The NC year a cohort reaches `years` school years later (None past Year 13, or
    before nursery when `years` is negative)."""
    index = NC_YEAR_ORDER.get(nc_year)
    if index is None:
        return None
    moved = index + years
    return NCYear.values[moved] if 0 <= moved < len(NCYear.values) else None


@dataclass
class YearMapLine:
    """One staff code on a row of the year map: "S  4 x 1 hour  £7,600"."""

    code: str
    names: list[str]
    count: int
    # Minutes each of `count` (sessions of one group, or the weekly time of each group);
    # None when the groups differ, and the row shows the total instead.
    each_minutes: Decimal | None
    weekly_minutes: Decimal
    cost: Decimal
    # The price of a bought-in service (no staff code, no time of the school's).
    service: bool = False


# The year map's line for a bought-in service's price.
SERVICE_CODE = "Price"


@dataclass
class YearMapRow:
    """A provision's groups for one year group: "Literacy Workshops (2 groups x 10 weeks)"."""

    provision: Provision
    rows: list[MapRow]
    lines: list[YearMapLine]

    @property
    def groups(self) -> int:
        return len(self.rows)

    @property
    def weeks(self) -> list[Decimal]:
        return sorted({row.run.weeks for row in self.rows})

    @property
    def ratios(self) -> list[str]:
        return list(dict.fromkeys(row.costed.ratio for row in self.rows))

    @property
    def cost(self) -> Decimal:
        return sum((row.share for row in self.rows), Decimal(0))

    @property
    def whole_cost(self) -> Decimal:
        return sum((row.costed.cost for row in self.rows), Decimal(0))

    @property
    def pupils(self) -> int:
        return len({item.placement.pupil_id for row in self.rows for item in row.placements})


def _year_map_lines(rows: list[MapRow]) -> list[YearMapLine]:
    """Staff lines of a provision's groups, added up by staff code, each costed at the part
    of its run carried by the year group's pupils."""
    by_code: dict[str, list[tuple[CostedStaffLine, Decimal]]] = {}
    service_parts: list[Decimal] = []
    for row in rows:
        lines = row.costed.staff
        total = row.costed.cost
        weights = [line.cost for line in lines] + [row.costed.service_cost]
        if total > 0:
            parts = costing.share_cost(row.share, weights)
        else:
            parts = [Decimal("0.00")] * len(weights)
        for line, part in zip(lines, parts[:-1], strict=True):
            by_code.setdefault(line.line.staff.code, []).append((line, part))
        if row.costed.is_priced:
            service_parts.append(parts[-1])
    result = []
    for code, items in sorted(by_code.items()):
        names = sorted({line.line.staff.name for line, _ in items})
        weekly = sum((line.weekly_minutes for line, _ in items), Decimal(0))
        each: Decimal | None
        if len(items) == 1:
            ((only, _),) = items
            count, each = int(only.line.effective_sessions), Decimal(only.line.effective_minutes)
            if count != only.line.effective_sessions:
                count, each = 1, only.weekly_minutes
        else:
            minutes = {line.weekly_minutes for line, _ in items}
            count = len(items)
            each = minutes.pop() if len(minutes) == 1 else None
        result.append(
            YearMapLine(
                code=code,
                names=names,
                count=count,
                each_minutes=each,
                weekly_minutes=weekly,
                cost=sum((part for _, part in items), Decimal(0)),
            )
        )
    if service_parts:
        basis = rows[0].costed.run.provision.get_cost_basis_display()
        result.append(
            YearMapLine(
                code=SERVICE_CODE,
                names=[basis],
                count=0,
                each_minutes=None,
                weekly_minutes=Decimal(0),
                cost=sum(service_parts, Decimal(0)),
                service=True,
            )
        )
    return result


@dataclass
class YearGroupMap:
    academic_year: AcademicYear
    nc_year: str
    map: ScopedMap
    rows: list[YearMapRow]
    # (code, label, pupils of the year group on roll, of them in provision); None when the
    # user may not see school figures.
    roll: list[tuple[str, str, int, int]] | None

    @property
    def nc_year_label(self) -> str:
        return NCYear(self.nc_year).label

    @property
    def total_cost(self) -> Decimal:
        return sum((row.cost for row in self.rows), Decimal(0))

    @property
    def total_whole_cost(self) -> Decimal:
        return sum((row.whole_cost for row in self.rows), Decimal(0))


def year_group_map(
    school: School,
    academic_year: AcademicYear,
    nc_year: str,
    scope: Visibility,
    *,
    as_of: dt.date,
    current_year: AcademicYear | None,
) -> YearGroupMap:
    """The costed map of one year group over one academic year, provision by provision.

    Pupils are found by the NC year they were in that year (their year group now, moved
    back by the years since). Costs are each group's cost carried by those pupils, so the
    year maps of a school add up to its whole map."""
    years_since = 0
    if current_year is not None:
        years_since = current_year.start_date.year - academic_year.start_date.year
    cohort_now = nc_year_after(nc_year, years_since) or "--"
    rates = role_rates(school)
    # Only the runs with a pupil of the cohort are costed: the rest would be filtered out
    # below, and costing them was most of the page's work (a run is still costed whole,
    # with every pupil it is shared between).
    cohort_placements = Placement.objects.filter(
        school=school, run=OuterRef("pk"), pupil__nc_year=cohort_now
    )
    year_runs = ProvisionRun.objects.filter(
        Exists(cohort_placements), school=school, academic_year=academic_year
    )
    summary_runs = [cost_run(run, rates, as_of) for run in with_details(year_runs)]
    view = scoped_map(
        school, summary_runs, scope, as_of=as_of, filters=MapFilters(nc_year=cohort_now)
    )
    grouped: dict[int, list[MapRow]] = {}
    for row in view.rows:
        grouped.setdefault(row.run.provision_id, []).append(row)
    rows = [
        YearMapRow(provision=group[0].run.provision, rows=group, lines=_year_map_lines(group))
        for group in grouped.values()
    ]
    roll = None
    if scope.figures or scope.everyone:
        on = min(max(as_of, academic_year.start_date), academic_year.end_date)
        counts = dict(
            Pupil.objects.filter(school=school, nc_year=cohort_now)
            .filter(on_roll_between(on, on))
            .values_list("sen_status")
            .annotate(pupils=Count("pk"))
            .order_by()
        )
        receiving = {code: count for code, _, count in view.pupils_by_sen_status}
        roll = [
            (status.value, status.label, counts.get(status, 0), receiving.get(status, 0))
            for status in CURRENT_SEN_STATUSES
        ]
    return YearGroupMap(
        academic_year=academic_year, nc_year=nc_year, map=view, rows=rows, roll=roll
    )
