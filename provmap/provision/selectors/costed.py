"""The map costed: each run with its staff lines and its pupils' shares, and a year's costs
totalled every way a school is asked for them (provision/costing.py does the sums)."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.db.models import Q, QuerySet

from provmap.fetched import attach_related
from provmap.provision import costing
from provmap.provision.models import (
    GeneralResource,
    Placement,
    ProvisionArea,
    ProvisionRun,
    RunSlot,
    RunStaff,
)
from provmap.pupils.models import NC_YEAR_ORDER, Pupil, PupilNeed, SENStatus
from provmap.pupils.needs import area_of
from provmap.schools.models import AcademicYear, RoleRate, School, Term

# The heading of costs paid from no funding stream.
NOT_ASSIGNED = "Not assigned"


@dataclass
class CostedStaffLine:
    line: RunStaff
    hourly_rate: Decimal
    weekly_minutes: Decimal
    cost: Decimal
    # An external person on a bought-in (or free) service: their time is in the price.
    in_price: bool = False


@dataclass
class CostedPlacement:
    placement: Placement
    area: str
    share: Decimal


@dataclass
class CostedRun:
    run: ProvisionRun
    staff: list[CostedStaffLine]
    placements: list[CostedPlacement]
    cost: Decimal
    cost_to_date: Decimal
    # What the school pays for the service itself (a bought-in provision's price); £0 on
    # staff time or at no cost to the school. Part of `cost`.
    service_cost: Decimal = Decimal("0.00")

    @property
    def staff_cost(self) -> Decimal:
        return sum((line.cost for line in self.staff), Decimal(0))

    @property
    def cost_basis(self) -> str:
        return self.run.provision.cost_basis

    @property
    def is_priced(self) -> bool:
        return self.run.provision.is_priced

    @property
    def no_cost(self) -> bool:
        """At no cost to the school, and nothing of the school's own staff on it either."""
        return self.run.provision.is_no_cost and self.cost == 0

    @property
    def weekly_minutes(self) -> Decimal:
        return sum((line.weekly_minutes for line in self.staff), Decimal(0))

    @property
    def pupil_count(self) -> int:
        return len(self.placements)

    @property
    def ratio(self) -> str:
        """Staff to pupils as maps write it, e.g. 2:15."""
        return f"{len(self.staff)}:{self.pupil_count}"

    @property
    def sen_counts(self) -> Counter[str]:
        return Counter(item.placement.pupil.sen_status for item in self.placements)

    @property
    def cost_per_pupil(self) -> Decimal | None:
        if not self.placements:
            return None
        return costing.to_pennies(self.cost / len(self.placements))


def delivered_by(costed: CostedRun, staff_ids: frozenset[int] | set[int]) -> bool:
    """Whether one of `staff_ids` leads the run or is on its staff."""
    return costed.run.lead_staff_id in staff_ids or any(
        line.line.staff_id in staff_ids for line in costed.staff
    )


def role_rates(school: School) -> dict[str, Decimal]:
    """The school's hourly rate for each role (for staff with no rate of their own)."""
    return dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))


class RunsWithDetails(QuerySet[ProvisionRun]):
    """Runs that bring their details when evaluated (see `with_details`): fetched a relation
    at a time, as `prefetch_related` would, and handed to each run by `attach_related`.
    Mixed into the class of the runs asked for (`_with_details_class`), so that a query the
    school scope refuses is still refused."""

    results: bool = False
    slots: bool = False

    def _clone(self) -> RunsWithDetails:
        clone = super()._clone()  # type: ignore[misc]
        clone.results, clone.slots = self.results, self.slots
        return clone

    def _fetch_all(self) -> None:
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._result_cache:
            runs = cast(list[ProvisionRun], self._result_cache)
            _attach_details(runs, results=self.results, slots=self.slots)


def _attach_details(runs: list[ProvisionRun], *, results: bool, slots: bool) -> None:
    run_ids = [run.pk for run in runs]
    provisions = [run.provision for run in runs]
    attach_related(
        provisions,
        "areas",
        ProvisionArea.objects.filter(provision_id__in={item.pk for item in provisions}),
    )
    attach_related(
        runs,
        "staff_lines",
        RunStaff.objects.filter(run_id__in=run_ids).select_related("staff").order_by("pk"),
    )
    related = ["pupil", "baseline", "midpoint", "exit"] if results else ["pupil"]
    placements = list(
        Placement.objects.filter(run_id__in=run_ids)
        .select_related(*related)
        .order_by("pupil__surname", "pupil__legal_forename", "pk")
    )
    attach_related(runs, "placements", placements)
    pupils = [item.pupil for item in placements]
    attach_related(
        pupils,
        "needs",
        PupilNeed.objects.current()
        .filter(pupil_id__in={item.pk for item in pupils})
        .order_by("rank"),
    )
    if slots:
        attach_related(runs, "slots", RunSlot.objects.filter(run_id__in=run_ids))


def current_needs(pupil: Pupil) -> list[PupilNeed]:
    """A pupil's current needs in rank order, as `with_details` fetched them."""
    return list(pupil.needs.all())


def with_details(
    runs: QuerySet[ProvisionRun], *, results: bool = False, slots: bool = False
) -> RunsWithDetails:
    """Runs with everything costing and the map need, fetched in a fixed number of queries.

    With `results`, each placement also brings its baseline, mid-point and exit results and
    each run its provision's measure (the run and pupil pages and the export show them).
    With `slots`, each run brings its timetable slots (one more query).
    Staff lines come in the order they were added and pupils by name, so that pennies left
    over when a cost is shared fall the same way on every page and in every export."""
    run_related = ["provision__measure", "funding_stream", "lead_staff", "term", "academic_year"]
    if results:
        run_related.append("reviewing_staff")
    chosen = runs.select_related(*run_related).order_by(
        "provision__wave", "provision__name", "label", "start_date", "pk"
    )
    detailed = _with_details_class(type(chosen))(
        model=ProvisionRun,
        query=chosen.query.chain(),
        using=chosen.db,
        hints=chosen._hints,  # type: ignore[attr-defined]
    )
    detailed.results, detailed.slots = results, slots
    return detailed


@functools.cache
def _with_details_class(queryset_class: type[QuerySet]) -> type[RunsWithDetails]:
    if issubclass(queryset_class, RunsWithDetails):
        return queryset_class
    return type(f"WithDetails{queryset_class.__name__}", (RunsWithDetails, queryset_class), {})


def _placement_area(placement: Placement) -> str:
    """The broad area a placement's cost counts against: the need it addresses, else the
    pupil's primary need, else unclassified."""
    need = placement.need_type
    if not need:
        needs = current_needs(placement.pupil)
        need = needs[0].need_type if needs else ""
    return area_of(need) or "OTH"


def cost_run(run: ProvisionRun, rates: dict[str, Decimal], as_of: dt.date) -> CostedRun:
    """Cost one run whose provision, school year, staff lines and placements are already
    fetched (`rates`: the school's rate for each role, from `role_rates`): staff time, the
    price of a bought-in service, or no cost to the school (the rules: provision/costing.py)."""
    provision = run.provision
    times = []
    for line in run.staff_lines.all():
        rate = costing.hourly_rate_for(line.staff.hourly_rate, rates.get(line.staff.role))
        time = costing.StaffTime(line.effective_sessions, line.effective_minutes, rate)
        times.append((line, time))
    placements = list(run.placements.all())
    costs = costing.cost_run_lines(
        [(time, line.staff.is_external) for line, time in times],
        basis=provision.cost_basis,
        price=provision.price,
        sessions_per_week=run.sessions_per_week,
        weeks=run.weeks,
        year_weeks=run.academic_year.weeks,
        run=(run.start_date, run.end_date),
        pupils=[(item.start_date, item.end_date or run.end_date) for item in placements],
    )
    staff = [
        CostedStaffLine(
            line,
            time.hourly_rate,
            time.weekly_minutes,
            cost,
            in_price=not costing.counts_staff_cost(
                provision.cost_basis, external=line.staff.is_external
            ),
        )
        for (line, time), cost in zip(times, costs.lines, strict=True)
    ]
    total = costs.total
    shares = costs.shares
    return CostedRun(
        run=run,
        staff=staff,
        placements=[
            CostedPlacement(item, _placement_area(item), share)
            for item, share in zip(placements, shares, strict=True)
        ],
        cost=total,
        cost_to_date=costing.cost_to_date(total, run.start_date, run.end_date, as_of),
        service_cost=costs.service,
    )


def costed_runs(
    school: School,
    *,
    start: dt.date,
    end: dt.date,
    as_of: dt.date,
    slots: bool = False,
    among: Q | None = None,
) -> list[CostedRun]:
    """Every run of the school that meets the period start..end, costed (with `slots`, with
    their timetable slots); with `among`, only the runs it matches (each still costed whole)."""
    rates = role_rates(school)
    runs = ProvisionRun.objects.filter(school=school, start_date__lte=end, end_date__gte=start)
    if among is not None:
        runs = runs.filter(among)
    return [cost_run(run, rates, as_of) for run in with_details(runs, slots=slots)]


@dataclass
class TermMap:
    term: Term
    runs: list[CostedRun]
    as_of: dt.date

    @property
    def total_cost(self) -> Decimal:
        return sum((item.cost for item in self.runs), Decimal(0))

    @property
    def total_cost_to_date(self) -> Decimal:
        return sum((item.cost_to_date for item in self.runs), Decimal(0))

    @property
    def total_weekly_minutes(self) -> Decimal:
        return sum((item.weekly_minutes for item in self.runs), Decimal(0))

    @property
    def pupils_by_sen_status(self) -> dict[str, int]:
        """Distinct pupils on the map, by SEN status (a pupil in two groups counts once)."""
        pupils = {
            p.placement.pupil_id: p.placement.pupil.sen_status
            for item in self.runs
            for p in item.placements
        }
        counts = Counter(pupils.values())
        return {
            status: counts.get(status, 0)
            for status in (SENStatus.NONE, SENStatus.SUPPORT, SENStatus.EHC_PLAN)
        }

    @property
    def pupil_count(self) -> int:
        return len({p.placement.pupil_id for item in self.runs for p in item.placements})


def term_map(school: School, term: Term, *, as_of: dt.date) -> TermMap:
    return TermMap(
        term=term,
        runs=costed_runs(school, start=term.start_date, end=term.end_date, as_of=as_of),
        as_of=as_of,
    )


@dataclass
class CostSummary:
    """A year's costed map, totalled every way a school is asked for it."""

    academic_year: AcademicYear
    as_of: dt.date
    runs: list[CostedRun]
    general: list[tuple[GeneralResource, Decimal]] = field(default_factory=list)

    @property
    def provision_total(self) -> Decimal:
        return sum((item.cost for item in self.runs), Decimal(0))

    @property
    def provision_to_date(self) -> Decimal:
        return sum((item.cost_to_date for item in self.runs), Decimal(0))

    @property
    def general_total(self) -> Decimal:
        return sum((cost for _, cost in self.general), Decimal(0))

    @property
    def school_total(self) -> Decimal:
        return self.provision_total + self.general_total

    def by_provision(self) -> dict[str, Decimal]:
        return costing.totals_by((item.run.provision.name, item.cost) for item in self.runs)

    def by_funding_stream(self) -> dict[str, Decimal]:
        pairs = [
            (item.run.funding_stream.name if item.run.funding_stream else NOT_ASSIGNED, item.cost)
            for item in self.runs
        ]
        pairs += [
            (resource.funding_stream.name if resource.funding_stream else NOT_ASSIGNED, cost)
            for resource, cost in self.general
        ]
        return costing.totals_by(pairs)

    def by_year_group(self) -> dict[str, Decimal]:
        """Pupil-attributable cost per NC year (general resources belong to no year)."""
        totals = costing.totals_by(
            (p.placement.pupil.nc_year, p.share) for item in self.runs for p in item.placements
        )
        return dict(sorted(totals.items(), key=lambda pair: NC_YEAR_ORDER.get(pair[0], 99)))

    def by_area(self) -> dict[str, Decimal]:
        """Pupil-attributable cost per broad area of need."""
        return costing.totals_by((p.area, p.share) for item in self.runs for p in item.placements)


def general_costs(
    school: School, rates: dict[str, Decimal], *, academic_year: AcademicYear | None = None
) -> list[tuple[GeneralResource, Decimal]]:
    """The school's general resources (management time, training, materials), of one year
    or of every year, each with its cost. One query."""
    resources = GeneralResource.objects.filter(school=school).select_related(
        "staff", "funding_stream", "academic_year"
    )
    if academic_year is not None:
        resources = resources.filter(academic_year=academic_year)
    general = []
    for resource in resources:
        rate = (
            costing.hourly_rate_for(resource.staff.hourly_rate, rates.get(resource.staff.role))
            if resource.staff
            else Decimal(0)
        )
        general.append(
            (
                resource,
                costing.general_resource_cost(
                    fixed_cost=resource.fixed_cost,
                    hours_per_week=resource.hours_per_week,
                    hourly_rate=rate,
                    weeks=resource.weeks or resource.academic_year.weeks,
                ),
            )
        )
    return general


def cost_summary(school: School, academic_year: AcademicYear, *, as_of: dt.date) -> CostSummary:
    rates = role_rates(school)
    year_runs = ProvisionRun.objects.filter(school=school, academic_year=academic_year)
    runs = [cost_run(run, rates, as_of) for run in with_details(year_runs)]
    general = general_costs(school, rates, academic_year=academic_year)
    return CostSummary(academic_year=academic_year, as_of=as_of, runs=runs, general=general)


@dataclass(frozen=True)
class PupilShare:
    """What one pupil carries of one run (no pupil is named: ids and groups only)."""

    pupil_id: int
    nc_year: str
    sen_status: str
    area: str
    stream: str
    share: Decimal


@dataclass
class YearCosts:
    """A year's costs as the figures page reads them: run totals from the database
    (`cost_totals.run_costs`), each pupil's share of each run worked from flat rows by the
    same rule as the map (`costing.pupil_shares`), and the general resources."""

    academic_year: AcademicYear
    as_of: dt.date
    run_count: int
    run_totals: list[tuple[str, Decimal, Decimal]]
    shares: list[PupilShare]
    general: list[tuple[GeneralResource, Decimal]] = field(default_factory=list)

    @property
    def provision_total(self) -> Decimal:
        return sum((cost for _, cost, _ in self.run_totals), Decimal(0))

    @property
    def provision_to_date(self) -> Decimal:
        return sum((spent for _, _, spent in self.run_totals), Decimal(0))

    @property
    def general_total(self) -> Decimal:
        return sum((cost for _, cost in self.general), Decimal(0))

    @property
    def school_total(self) -> Decimal:
        return self.provision_total + self.general_total

    def by_funding_stream(self) -> dict[str, Decimal]:
        pairs = [(stream, cost) for stream, cost, _ in self.run_totals]
        pairs += [
            (resource.funding_stream.name if resource.funding_stream else NOT_ASSIGNED, cost)
            for resource, cost in self.general
        ]
        return costing.totals_by(pairs)

    def by_year_group(self) -> dict[str, Decimal]:
        totals = costing.totals_by((item.nc_year, item.share) for item in self.shares)
        return dict(sorted(totals.items(), key=lambda pair: NC_YEAR_ORDER.get(pair[0], 99)))

    def by_area(self) -> dict[str, Decimal]:
        return costing.totals_by((item.area, item.share) for item in self.shares)


def year_costs(school: School, academic_year: AcademicYear, *, as_of: dt.date) -> YearCosts:
    """The year's costs for the school's figures, in a fixed number of queries and with no
    run or placement object built: the same totals as `cost_summary`."""
    from provmap.provision.selectors.cost_totals import run_costs

    costs = run_costs({"school": school, "academic_year": academic_year})
    runs = list(
        ProvisionRun.objects.filter(school=school, academic_year=academic_year)
        .order_by("provision__wave", "provision__name", "label", "start_date", "pk")
        .values_list(
            "pk",
            "funding_stream__name",
            "start_date",
            "end_date",
            "provision__cost_basis",
            "provision__price",
        )
    )
    placed: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Placement.objects.filter(school=school, run__academic_year=academic_year)
        .order_by("run_id", "pupil__surname", "pupil__legal_forename", "pk")
        .values_list(
            "run_id",
            "pupil_id",
            "start_date",
            "end_date",
            "need_type",
            "pupil__nc_year",
            "pupil__sen_status",
        )
    ):
        placed[row[0]].append(row)
    primary: dict[int, str] = {}
    for pupil_id, need in (
        PupilNeed.objects.current()
        .filter(
            school=school,
            pupil_id__in=Placement.objects.filter(
                school=school, run__academic_year=academic_year
            ).values("pupil_id"),
        )
        .order_by("pupil_id", "-rank")
        .values_list("pupil_id", "need_type")
    ):
        primary[pupil_id] = need  # the lowest rank comes last, and stays
    zero = Decimal("0.00")
    totals, shares = [], []
    for pk, stream_name, start, end, basis, price in runs:
        stream = stream_name or NOT_ASSIGNED
        total = costs.get(pk, zero)
        totals.append((stream, total, costing.cost_to_date(total, start, end, as_of)))
        rows = placed.get(pk, [])
        if not rows:
            continue
        each = costing.each_pupil_price(basis, price)
        parts = costing.pupil_shares(
            total - each * len(rows), each, [(row[2], row[3] or end) for row in rows], (start, end)
        )
        for row, part in zip(rows, parts, strict=True):
            need = row[4] or primary.get(row[1], "")
            shares.append(PupilShare(row[1], row[5], row[6], area_of(need) or "OTH", stream, part))
    general = general_costs(school, role_rates(school), academic_year=academic_year)
    return YearCosts(
        academic_year=academic_year,
        as_of=as_of,
        run_count=len(runs),
        run_totals=totals,
        shares=shares,
        general=general,
    )
