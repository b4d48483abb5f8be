"""Reads of the provision map, costed. Each function costs a fixed number of queries however
many runs and pupils there are (everything it needs is fetched in bulk and joined in Python).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db.models import Count, Prefetch, Q, QuerySet

from provmap.provision import costing, ratings
from provmap.provision.models import (
    GeneralResource,
    Placement,
    Provision,
    ProvisionRun,
    RunStaff,
    Wave,
)
from provmap.pupils.models import (
    NC_YEAR_ORDER,
    Measure,
    NCYear,
    Pupil,
    PupilNeed,
    Result,
    SENStatus,
)
from provmap.pupils.needs import Area, area_of
from provmap.pupils.selectors import PupilSearch, on_roll_between, search_pupils
from provmap.schools.models import (
    AcademicYear,
    RoleRate,
    School,
    StaffMember,
    Term,
)


@dataclass
class CostedStaffLine:
    line: RunStaff
    hourly_rate: Decimal
    weekly_minutes: Decimal
    cost: Decimal


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


def _role_rates(school: School) -> dict[str, Decimal]:
    return dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))


def _with_details(runs: QuerySet[ProvisionRun], *, results: bool = False) -> QuerySet[ProvisionRun]:
    """Runs with everything costing and the map need, fetched in a fixed number of queries.

    With `results`, each placement also brings its baseline, mid-point and exit results and
    each run its provision's measure (the run and pupil pages show them)."""
    related = ["pupil", "baseline", "midpoint", "exit"] if results else ["pupil"]
    placements = (
        Placement.objects.select_related(*related)
        .prefetch_related(Prefetch("pupil__needs", queryset=PupilNeed.objects.order_by("rank")))
        .order_by("pupil__surname", "pupil__legal_forename")
    )
    run_related = ["provision__measure", "funding_stream", "lead_staff", "term", "academic_year"]
    if results:
        run_related.append("reviewing_staff")
    return (
        runs.select_related(*run_related)
        .prefetch_related(
            "provision__areas",
            Prefetch("staff_lines", queryset=RunStaff.objects.select_related("staff")),
            Prefetch("placements", queryset=placements),
        )
        .order_by("provision__wave", "provision__name", "label", "start_date")
    )


def _placement_area(placement: Placement) -> str:
    """The broad area a placement's cost counts against: the need it addresses, else the
    pupil's primary need, else unclassified."""
    need = placement.need_type
    if not need:
        needs = list(placement.pupil.needs.all())
        need = needs[0].need_type if needs else ""
    return area_of(need) or "OTH"


def cost_run(run: ProvisionRun, role_rates: dict[str, Decimal], as_of: dt.date) -> CostedRun:
    """Cost one run whose staff lines and placements are already fetched."""
    staff: list[CostedStaffLine] = []
    for line in run.staff_lines.all():
        rate = costing.hourly_rate_for(line.staff.hourly_rate, role_rates.get(line.staff.role))
        time = costing.StaffTime(line.effective_sessions, line.effective_minutes, rate)
        staff.append(
            CostedStaffLine(line, rate, time.weekly_minutes, costing.staff_cost(time, run.weeks))
        )
    total = sum((line.cost for line in staff), Decimal(0))
    placements = list(run.placements.all())
    weights = [
        costing.overlap_days(
            run.start_date, run.end_date, item.start_date, item.end_date or run.end_date
        )
        for item in placements
    ]
    if placements and sum(weights) > 0:
        shares = costing.share_cost(total, weights)
    else:
        shares = [Decimal("0.00")] * len(placements)
    return CostedRun(
        run=run,
        staff=staff,
        placements=[
            CostedPlacement(item, _placement_area(item), share)
            for item, share in zip(placements, shares, strict=True)
        ],
        cost=total,
        cost_to_date=costing.cost_to_date(total, run.start_date, run.end_date, as_of),
    )


def costed_runs(school: School, *, start: dt.date, end: dt.date, as_of: dt.date) -> list[CostedRun]:
    """Every run of the school that meets the period start..end, costed."""
    rates = _role_rates(school)
    runs = ProvisionRun.objects.filter(school=school, start_date__lte=end, end_date__gte=start)
    return [cost_run(run, rates, as_of) for run in _with_details(runs)]


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


def current_term(school: School, today: dt.date) -> Term | None:
    """The term that contains `today`, else the next one, else the latest one."""
    return term_on(list(Term.objects.filter(school=school).select_related("academic_year")), today)


def term_on(terms: list[Term], today: dt.date) -> Term | None:
    """Of `terms` (in date order), the one containing `today`, else the next, else the last."""
    for term in terms:
        if term.start_date <= today <= term.end_date:
            return term
    upcoming = [term for term in terms if term.start_date > today]
    if upcoming:
        return upcoming[0]
    return terms[-1] if terms else None


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
            (item.run.funding_stream.name if item.run.funding_stream else "Not assigned", item.cost)
            for item in self.runs
        ]
        pairs += [
            (resource.funding_stream.name if resource.funding_stream else "Not assigned", cost)
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


def cost_summary(school: School, academic_year: AcademicYear, *, as_of: dt.date) -> CostSummary:
    rates = _role_rates(school)
    year_runs = ProvisionRun.objects.filter(school=school, academic_year=academic_year)
    runs = [cost_run(run, rates, as_of) for run in _with_details(year_runs)]
    resources = GeneralResource.objects.filter(
        school=school, academic_year=academic_year
    ).select_related("staff", "funding_stream")
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
                    weeks=resource.weeks or academic_year.weeks,
                ),
            )
        )
    return CostSummary(academic_year=academic_year, as_of=as_of, runs=runs, general=general)


# ==========================================================================================
# The map as one user sees it: cut to what their role reaches, narrowed by their filters
# ==========================================================================================

# The statuses schools report on today (historic codes only appear in old history).
CURRENT_SEN_STATUSES = (SENStatus.NONE, SENStatus.SUPPORT, SENStatus.EHC_PLAN)
# A filter value meaning "none": a placement not rated yet, a run with no funding stream.
NONE = "none"


class Visibility(Protocol):
    """What the selectors need to know of a user's reach (accounts' PupilScope has it)."""

    @property
    def everyone(self) -> bool: ...

    @property
    def year_groups(self) -> frozenset[str]: ...

    @property
    def staff_ids(self) -> frozenset[int]: ...

    @property
    def figures(self) -> bool: ...

    @property
    def finance(self) -> bool: ...

    @property
    def pay_rates(self) -> bool: ...

    def pupil_filter(self, prefix: str = "") -> Q: ...

    def placement_filter(self, prefix: str = "") -> Q: ...


@dataclass(frozen=True)
class MapFilters:
    """What a map is narrowed to; empty means "any".

    Pupil filters (year, form, sex, SEN status, need, groups, rating) pick the placements
    shown, and a run left with none of them drops out. Run filters (wave, area the provision
    addresses, provision, member of staff, funding stream) pick the runs."""

    nc_year: str = ""
    form: str = ""
    sex: str = ""
    sen_status: str = ""
    need_type: str = ""
    groups: tuple[str, ...] = ()
    rating: str = ""
    wave: int | None = None
    area: str = ""
    provision_id: int | None = None
    staff_id: int | None = None
    funding: str = ""

    @property
    def on_pupils(self) -> bool:
        return bool(
            self.nc_year
            or self.form
            or self.sex
            or self.sen_status
            or self.need_type
            or self.groups
            or self.rating
        )

    @property
    def on_runs(self) -> bool:
        return bool(
            self.wave is not None
            or self.area
            or self.provision_id is not None
            or self.staff_id is not None
            or self.funding
        )

    @property
    def active(self) -> bool:
        return self.on_pupils or self.on_runs

    def run_matches(self, costed: CostedRun) -> bool:
        run = costed.run
        if self.wave is not None and run.provision.wave != self.wave:
            return False
        if self.area and self.area not in {item.area for item in run.provision.areas.all()}:
            return False
        if self.provision_id is not None and run.provision_id != self.provision_id:
            return False
        if self.staff_id is not None and not delivered_by(costed, {self.staff_id}):
            return False
        if self.funding == NONE:
            return run.funding_stream_id is None
        return not self.funding or str(run.funding_stream_id) == self.funding

    def placement_matches(self, placement: Placement) -> bool:
        pupil = placement.pupil
        for name in ("nc_year", "form", "sex", "sen_status"):
            wanted = getattr(self, name)
            if wanted and getattr(pupil, name) != wanted:
                return False
        if self.need_type and self.need_type not in {
            placement.need_type,
            *(need.need_type for need in pupil.needs.all()),
        }:
            return False
        if any(not getattr(pupil, flag, False) for flag in self.groups):
            return False
        if self.rating == NONE:
            return placement.rating == ""
        return not self.rating or placement.rating == self.rating


def delivered_by(costed: CostedRun, staff_ids: frozenset[int] | set[int]) -> bool:
    """Whether one of `staff_ids` leads the run or is on its staff."""
    return costed.run.lead_staff_id in staff_ids or any(
        line.line.staff_id in staff_ids for line in costed.staff
    )


def _sen_counts(pupils: list[Pupil]) -> list[tuple[str, str, int]]:
    counts = Counter(pupil.sen_status for pupil in pupils)
    return [(status.value, status.label, counts[status]) for status in CURRENT_SEN_STATUSES]


@dataclass
class MapRow:
    """A costed run with the placements shown: those the user may see (`in_scope` of them)
    that also match the filters."""

    costed: CostedRun
    placements: list[CostedPlacement]
    in_scope: int

    @property
    def run(self) -> ProvisionRun:
        return self.costed.run

    @property
    def hidden(self) -> int:
        """Pupils of the run outside the user's groups (counted, never named)."""
        return self.costed.pupil_count - self.in_scope

    @property
    def filtered_out(self) -> int:
        return self.in_scope - len(self.placements)

    @property
    def share(self) -> Decimal:
        """The part of the run's cost carried by the pupils shown."""
        return sum((item.share for item in self.placements), Decimal(0))

    @property
    def sen_counts(self) -> list[tuple[str, str, int]]:
        return _sen_counts([item.placement.pupil for item in self.placements])

    @property
    def rating_counts(self) -> list[tuple[str, str, int]]:
        """RAGB ratings of the pupils shown, for the colours that occur."""
        counts = Counter(item.placement.rating for item in self.placements)
        return [
            (code, label.split(":")[0], counts[code])
            for code, label in Placement.Rating.choices
            if counts[code]
        ]

    @property
    def composition(self) -> list[str]:
        """Who is in the group, as the waves map's "type of group" column asks: "3 SEN
        support", "1 EHC plan", "2 EAL", "1 girl"..."""
        pupils = [item.placement.pupil for item in self.placements]
        parts = [
            ("SEN support", "SEN support", sum(p.sen_status == SENStatus.SUPPORT for p in pupils)),
            ("EHC plan", "EHC plans", sum(p.sen_status == SENStatus.EHC_PLAN for p in pupils)),
            ("pupil premium", "pupil premium", sum(p.pupil_premium for p in pupils)),
            ("EAL", "EAL", sum(p.eal for p in pupils)),
            ("looked after", "looked after", sum(p.looked_after for p in pupils)),
            ("more able", "more able", sum(p.more_able for p in pupils)),
            ("girl", "girls", sum(p.sex == "F" for p in pupils)),
            ("boy", "boys", sum(p.sex == "M" for p in pupils)),
        ]
        return [f"{count} {one if count == 1 else many}" for one, many, count in parts if count]


@dataclass
class PupilLine:
    """A pupil behind a figure of the map, with the runs of theirs that are shown."""

    pupil: Pupil
    items: list[tuple[MapRow, CostedPlacement]]

    @property
    def share(self) -> Decimal:
        return sum((item.share for _, item in self.items), Decimal(0))


@dataclass
class ScopedMap:
    """A map (of a term, or a year) as one user sees it, with the totals of what is shown."""

    rows: list[MapRow]
    as_of: dt.date
    whole_school: bool
    filters: MapFilters = field(default_factory=MapFilters)
    # Runs the user could see before the filters, to say "12 of 40 runs".
    runs_in_view: int = 0
    # What narrows a partial map, to say so on the page.
    year_groups: list[str] = field(default_factory=list)
    delivers: bool = False

    @property
    def total_cost(self) -> Decimal:
        return sum((row.costed.cost for row in self.rows), Decimal(0))

    @property
    def total_cost_to_date(self) -> Decimal:
        return sum((row.costed.cost_to_date for row in self.rows), Decimal(0))

    @property
    def total_share(self) -> Decimal:
        return sum((row.share for row in self.rows), Decimal(0))

    @property
    def weekly_minutes(self) -> Decimal:
        return sum((row.costed.weekly_minutes for row in self.rows), Decimal(0))

    @property
    def places(self) -> int:
        return sum(len(row.placements) for row in self.rows)

    def _pupils(self) -> dict[int, Pupil]:
        return {
            item.placement.pupil_id: item.placement.pupil
            for row in self.rows
            for item in row.placements
        }

    @property
    def pupils_by_sen_status(self) -> list[tuple[str, str, int]]:
        """Distinct pupils shown, by SEN status (a pupil in two groups counts once)."""
        return _sen_counts(list(self._pupils().values()))

    @property
    def pupil_count(self) -> int:
        return len(self._pupils())

    @property
    def staff_key(self) -> list[tuple[str, str, list[str]]]:
        """Codes used on the map, with the role and the people behind each (Kent's key)."""
        people: dict[str, dict[str, str]] = {}
        for row in self.rows:
            for line in row.costed.staff:
                staff = line.line.staff
                people.setdefault(staff.code, {})[staff.name] = staff.get_role_display()
        return [
            (code, ", ".join(sorted(set(names.values()))), sorted(names))
            for code, names in sorted(people.items())
        ]

    @property
    def area_key(self) -> list[tuple[str, str]]:
        used = {area.area for row in self.rows for area in row.run.provision.areas.all()}
        return [(area.value, area.label) for area in Area if area.value in used]

    @property
    def by_wave(self) -> list[tuple[int, str, list[MapRow]]]:
        """Rows under wave 1, 2 and 3 (every wave, even one with nothing in it)."""
        return [
            (wave.value, wave.label, [row for row in self.rows if row.run.provision.wave == wave])
            for wave in Wave
        ]

    @property
    def staff_involved(self) -> list[StaffMember]:
        people = {
            line.line.staff.pk: line.line.staff for row in self.rows for line in row.costed.staff
        }
        return sorted(people.values(), key=lambda staff: staff.name)

    def pupil_lines(self, *, run_id: int | None = None, sen_status: str = "") -> list[PupilLine]:
        """The pupils behind a figure: of one run and/or one SEN status, or all shown."""
        lines: dict[int, PupilLine] = {}
        for row in self.rows:
            if run_id is not None and row.run.pk != run_id:
                continue
            for item in row.placements:
                pupil = item.placement.pupil
                if sen_status and pupil.sen_status != sen_status:
                    continue
                lines.setdefault(pupil.pk, PupilLine(pupil, [])).items.append((row, item))
        return sorted(
            lines.values(),
            key=lambda line: (line.pupil.surname, line.pupil.forename, line.pupil.pk),
        )


@dataclass
class InView:
    """A run the user may see, with the placements they may see in it."""

    costed: CostedRun
    placements: list[CostedPlacement]


@dataclass
class MapOptions:
    """The choices a map's filters offer: the staff, provisions, funding streams and forms
    found on the runs in view (so a filter never offers what cannot match)."""

    staff: list[tuple[int, str]]
    provisions: list[tuple[int, str]]
    funding_streams: list[tuple[int, str]]
    forms: list[str]


@dataclass
class ScopedRuns:
    """Runs cut to what one user may see, before any filter."""

    items: list[InView]
    as_of: dt.date
    whole_school: bool
    year_groups: list[str]
    delivers: bool

    def options(self) -> MapOptions:
        staff: dict[int, StaffMember] = {}
        provisions: dict[int, str] = {}
        streams: dict[int, str] = {}
        forms: set[str] = set()
        for item in self.items:
            run = item.costed.run
            for line in item.costed.staff:
                staff[line.line.staff_id] = line.line.staff
            if run.lead_staff is not None:
                staff[run.lead_staff.pk] = run.lead_staff
            provisions[run.provision_id] = run.provision.name
            if run.funding_stream is not None:
                streams[run.funding_stream.pk] = run.funding_stream.name
            forms.update(p.placement.pupil.form for p in item.placements if p.placement.pupil.form)
        return MapOptions(
            staff=sorted(
                ((pk, f"{member.name} ({member.code})") for pk, member in staff.items()),
                key=lambda pair: pair[1],
            ),
            provisions=sorted(provisions.items(), key=lambda pair: pair[1]),
            funding_streams=sorted(streams.items(), key=lambda pair: pair[1]),
            forms=sorted(forms),
        )

    def filter(self, filters: MapFilters | None = None) -> ScopedMap:
        """The map narrowed by `filters`: no query, everything is already fetched."""
        filters = filters or MapFilters()
        rows = []
        for item in self.items:
            if not filters.run_matches(item.costed):
                continue
            shown = [p for p in item.placements if filters.placement_matches(p.placement)]
            if filters.on_pupils and not shown:
                continue
            rows.append(MapRow(item.costed, shown, len(item.placements)))
        return ScopedMap(
            rows=rows,
            as_of=self.as_of,
            whole_school=self.whole_school,
            filters=filters,
            runs_in_view=len(self.items),
            year_groups=self.year_groups,
            delivers=self.delivers,
        )


def visible_placements(school: School, runs: list[CostedRun], scope: Visibility) -> set[int]:
    """The ids of the placements of `runs` that `scope` sees in full. One query: the scope's
    own placement filter decides (never an archived leaver's, even for whole-school readers:
    there is no shortcut past it). Teachers, TAs and mentors see those of the runs they lead
    or deliver, not the other runs of the pupils they teach."""
    return set(
        Placement.objects.filter(school=school, run_id__in=[item.run.pk for item in runs])
        .filter(scope.placement_filter())
        .values_list("pk", flat=True)
    )


def scope_runs(
    school: School, runs: list[CostedRun], scope: Visibility, *, as_of: dt.date
) -> ScopedRuns:
    """Keep the runs and placements `scope` may see: those with a placement seen in full,
    and for staff the runs they lead or deliver (even before any pupil is placed). A run's
    cost still counts every pupil it was shared between; those not shown are counted as
    hidden, never named."""
    visible = visible_placements(school, runs, scope)
    items = []
    for costed in runs:
        placements = [p for p in costed.placements if p.placement.pk in visible]
        if placements or scope.everyone or delivered_by(costed, scope.staff_ids):
            items.append(InView(costed, placements))
    return ScopedRuns(
        items=items,
        as_of=as_of,
        whole_school=scope.everyone,
        year_groups=sorted(scope.year_groups, key=lambda year: NC_YEAR_ORDER.get(year, 99)),
        delivers=bool(scope.staff_ids),
    )


def scoped_map(
    school: School,
    runs: list[CostedRun],
    scope: Visibility,
    *,
    as_of: dt.date,
    filters: MapFilters | None = None,
) -> ScopedMap:
    """The runs `scope` may see, narrowed by `filters`."""
    return scope_runs(school, runs, scope, as_of=as_of).filter(filters)


def term_runs(school: School, term: Term, scope: Visibility, *, as_of: dt.date) -> ScopedRuns:
    """The runs of a term as `scope` sees them, ready to be filtered."""
    runs = costed_runs(school, start=term.start_date, end=term.end_date, as_of=as_of)
    return scope_runs(school, runs, scope, as_of=as_of)


def term_view(
    school: School,
    term: Term,
    scope: Visibility,
    *,
    as_of: dt.date,
    filters: MapFilters | None = None,
) -> ScopedMap:
    """The runs of a term as `scope` sees them, narrowed by `filters`."""
    return term_runs(school, term, scope, as_of=as_of).filter(filters)


def school_forms(school: School) -> list[str]:
    """The forms (tutor groups) of the school's pupils, in order."""
    return list(
        Pupil.objects.filter(school=school)
        .exclude(form="")
        .order_by("form")
        .values_list("form", flat=True)
        .distinct()
    )


# --- Year-group costed map (Kent appendix 3c) ----------------------------------------------


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
    for row in rows:
        lines = row.costed.staff
        total = row.costed.cost
        if total > 0:
            parts = costing.share_cost(row.share, [line.cost for line in lines])
        else:
            parts = [Decimal("0.00")] * len(lines)
        for line, part in zip(lines, parts, strict=True):
            by_code.setdefault(line.line.staff.code, []).append((line, part))
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
    rates = _role_rates(school)
    year_runs = ProvisionRun.objects.filter(school=school, academic_year=academic_year)
    summary_runs = [cost_run(run, rates, as_of) for run in _with_details(year_runs)]
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


# --- Staff: weekly hours across runs against contracted hours ------------------------------


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


# --- The catalogue, a provision's runs, one run ---------------------------------------------


def catalogue(school: School) -> list[Provision]:
    """The school's catalogue with areas, measure and how many runs each has had."""
    return list(
        Provision.objects.filter(school=school)
        .select_related("measure")
        .prefetch_related("areas")
        .annotate(run_count=Count("runs"))
        .order_by("-active", "wave", "name")
    )


@dataclass
class ProvisionPage:
    provision: Provision
    runs: list[CostedRun]


def provision_page(
    school: School, provision_id: int, scope: Visibility, *, as_of: dt.date
) -> ProvisionPage | None:
    """A catalogue entry with its runs: those `scope` sees on the map."""
    provision = (
        Provision.objects.filter(school=school, pk=provision_id)
        .select_related("measure")
        .prefetch_related("areas")
        .first()
    )
    if provision is None:
        return None
    rates = _role_rates(school)
    runs = _with_details(ProvisionRun.objects.filter(school=school, provision=provision))
    costed = [cost_run(run, rates, as_of) for run in runs.order_by("-start_date", "label")]
    seen = scope_runs(school, costed, scope, as_of=as_of)
    return ProvisionPage(provision=provision, runs=[item.costed for item in seen.items])


def _value(result: Result | None) -> Decimal | None:
    return None if result is None else result.value


@dataclass
class ResultLine:
    """A placement on the run page, with what its results suggest."""

    item: CostedPlacement
    measure: Measure | None
    success_gain: Decimal | None

    @property
    def placement(self) -> Placement:
        return self.item.placement

    @property
    def gain(self) -> Decimal | None:
        baseline, exit = _value(self.placement.baseline), _value(self.placement.exit)
        if baseline is None or exit is None or self.measure is None:
            return None
        return ratings.better_gain(baseline, exit, higher_is_better=self.measure.higher_is_better)

    @property
    def suggestion(self) -> str:
        if self.measure is None:
            return ""
        return ratings.suggest_rating(
            _value(self.placement.baseline),
            _value(self.placement.exit),
            success_gain=self.success_gain,
            higher_is_better=self.measure.higher_is_better,
        )


@dataclass
class RunPage:
    costed: CostedRun
    lines: list[ResultLine]
    # Pupils of the run the user may not see (counted, never named).
    hidden: int

    @property
    def run(self) -> ProvisionRun:
        return self.costed.run

    @property
    def measure(self) -> Measure | None:
        return self.run.provision.measure

    def stage_date(self, stage: str) -> dt.date | None:
        """The date most of the group's results at `stage` were taken on."""
        dates = Counter(
            result.date
            for line in self.lines
            if (result := getattr(line.placement, stage)) is not None
        )
        return dates.most_common(1)[0][0] if dates else None

    @property
    def missing_exit(self) -> int:
        return sum(
            1
            for line in self.lines
            if line.placement.exit_id is None
            and line.placement.status != Placement.Status.WITHDRAWN
        )


def run_page(school: School, run_id: int, scope: Visibility, *, as_of: dt.date) -> RunPage | None:
    """One run with its staff, cost and the placements `scope` may see, with their results.
    None when there is no such run or the user may not see it."""
    run = _with_details(ProvisionRun.objects.filter(school=school, pk=run_id), results=True).first()
    if run is None:
        return None
    costed = cost_run(run, _role_rates(school), as_of)
    view = scoped_map(school, [costed], scope, as_of=as_of)
    if not view.rows:
        return None
    (row,) = view.rows
    provision = run.provision
    lines = [ResultLine(item, provision.measure, provision.success_gain) for item in row.placements]
    return RunPage(costed=costed, lines=lines, hidden=row.hidden)


def run_candidates(
    school: School, run: ProvisionRun, search: PupilSearch, scope: Visibility, *, limit: int = 100
) -> tuple[list[Pupil], int]:
    """Pupils who could join `run`: on roll during it, not in it yet, that `scope` may see
    and `search` asks for (the first `limit`, and how many in all)."""
    pupils = (
        Pupil.objects.filter(school=school)
        .filter(on_roll_between(run.start_date, run.end_date))
        .exclude(pk__in=Placement.objects.filter(run=run).values("pupil"))
        .filter(pk__in=Pupil.objects.filter(school=school).visible_to(scope).values("pk"))
    )
    return search_pupils(pupils, search, limit=limit)


# --- One pupil's provision over the years (the key-stage map of seed 002) -------------------


@dataclass
class PupilPlacement:
    costed: CostedRun
    item: CostedPlacement
    # Seen in full (results, rating, notes, cost, a link to the run); otherwise only what a
    # class teacher needs: the provision, when, the day and time, the lesson missed, the lead.
    full: bool = True

    @property
    def placement(self) -> Placement:
        return self.item.placement

    @property
    def run(self) -> ProvisionRun:
        return self.costed.run

    @property
    def end_date(self) -> dt.date:
        return self.placement.end_date or self.run.end_date

    @property
    def suggestion(self) -> str:
        return ResultLine(
            self.item, self.run.provision.measure, self.run.provision.success_gain
        ).suggestion


@dataclass
class KeyStageMap:
    """Areas of need down the side, terms across: what the pupil had, when."""

    terms: list[Term]
    rows: list[tuple[str, str, list[list[PupilPlacement]]]]

    @property
    def years(self) -> list[tuple[str, int]]:
        """Academic years over the term columns, with how many terms each spans."""
        spans: dict[str, int] = {}
        for term in self.terms:
            spans[term.academic_year.name] = spans.get(term.academic_year.name, 0) + 1
        return list(spans.items())


@dataclass
class PupilProvision:
    placements: list[PupilPlacement]
    key_stage: KeyStageMap
    current_year: AcademicYear | None

    @property
    def this_year(self) -> list[PupilPlacement]:
        if self.current_year is None:
            return []
        return [
            item for item in self.placements if item.run.academic_year_id == self.current_year.pk
        ]

    @property
    def cost_this_year(self) -> Decimal:
        return sum((item.item.share for item in self.this_year if item.full), Decimal(0))

    @property
    def cost_all(self) -> Decimal:
        return sum((item.item.share for item in self.placements if item.full), Decimal(0))

    @property
    def notes(self) -> list[PupilPlacement]:
        return [item for item in self.placements if item.full and item.placement.notes.strip()]

    @property
    def all_full(self) -> bool:
        return all(item.full for item in self.placements)

    @property
    def withheld_results(self) -> set[int]:
        """The ids of the results recorded in placements not seen in full."""
        return {
            pk
            for item in self.placements
            if not item.full
            for pk in (
                item.placement.baseline_id,
                item.placement.midpoint_id,
                item.placement.exit_id,
            )
            if pk is not None
        }


def pupil_provision(
    school: School, pupil: Pupil, scope: Visibility, *, as_of: dt.date
) -> PupilProvision:
    """Every placement of one pupil, costed (their share of each group), newest first, and
    laid out term by term, each marked as seen in full by `scope` or not. A fixed number of
    queries however long their history."""
    rates = _role_rates(school)
    runs = _with_details(
        ProvisionRun.objects.filter(school=school, placements__pupil=pupil), results=True
    )
    full = set(
        Placement.objects.filter(school=school, pupil=pupil)
        .filter(scope.placement_filter())
        .values_list("pk", flat=True)
    )
    placements: list[PupilPlacement] = []
    for run in runs:
        costed = cost_run(run, rates, as_of)
        placements.extend(
            PupilPlacement(costed, item, full=item.placement.pk in full)
            for item in costed.placements
            if item.placement.pupil_id == pupil.pk
        )
    placements.sort(key=lambda item: (item.placement.start_date, item.run.pk), reverse=True)
    terms = list(Term.objects.filter(school=school).select_related("academic_year"))
    current = term_on(terms, as_of)
    current_year = current.academic_year if current else None
    return PupilProvision(
        placements=placements,
        key_stage=_key_stage_map(pupil, placements, terms, current),
        current_year=current_year,
    )


def _key_stage_map(
    pupil: Pupil, placements: list[PupilPlacement], terms: list[Term], current: Term | None
) -> KeyStageMap:
    if not terms:
        return KeyStageMap(terms=[], rows=[])
    starts = [item.placement.start_date for item in placements] + [pupil.on_roll_from]
    first_day = min(starts)
    last_day = current.academic_year.end_date if current else terms[-1].end_date
    years = {
        term.academic_year_id
        for term in terms
        if term.academic_year.end_date >= first_day and term.academic_year.start_date <= last_day
    }
    shown = [term for term in terms if term.academic_year_id in years] or terms[-3:]
    by_area: dict[str, list[list[PupilPlacement]]] = {}
    for item in sorted(placements, key=lambda p: (p.run.provision.wave, p.run.provision.name)):
        cells = by_area.setdefault(item.item.area, [[] for _ in shown])
        for index, term in enumerate(shown):
            if item.placement.start_date <= term.end_date and item.end_date >= term.start_date:
                cells[index].append(item)
    rows = [(area.value, area.label, by_area[area.value]) for area in Area if area.value in by_area]
    return KeyStageMap(terms=shown, rows=rows)


# --- The school's figures: aggregates only, never a pupil -----------------------------------


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
    summary: CostSummary | None

    @property
    def roll_total(self) -> int:
        return sum(count for _, _, count in self.roll)

    @property
    def attributable(self) -> Decimal:
        """The part of the cost shared out to pupils (general resources belong to none)."""
        if self.summary is None:
            return Decimal(0)
        return sum((p.share for item in self.summary.runs for p in item.placements), Decimal(0))

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
        pupils = {
            p.placement.pupil_id: p.placement.pupil
            for item in self.summary.runs
            for p in item.placements
        }
        return _sen_counts(list(pupils.values()))

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
    summary = cost_summary(school, term.academic_year, as_of=today) if term else None
    return Figures(roll=_roll_by_sen_status(school, today), summary=summary)


def children_with_provision(school: School, pupil_ids: frozenset[int]) -> QuerySet[Pupil]:
    """A parent's children with the provision each receives (no costs, no other pupils)."""
    placements = (
        Placement.objects.select_related(
            "run__provision",
            "run__term__academic_year",
            "run__lead_staff",
            "baseline__measure",
            "exit__measure",
        )
        .prefetch_related(
            Prefetch("run__staff_lines", queryset=RunStaff.objects.select_related("staff"))
        )
        .order_by("-run__start_date", "run__provision__name")
    )
    return (
        Pupil.objects.filter(school=school, pk__in=sorted(pupil_ids))
        .current()
        .prefetch_related(Prefetch("placements", queryset=placements))
    )


def year_groups_of(school: School) -> list[str]:
    """The NC years the school's pupils are in, youngest first."""
    years = set(Pupil.objects.filter(school=school).values_list("nc_year", flat=True).distinct())
    return sorted(years, key=lambda year: NC_YEAR_ORDER.get(year, 99))


CURRENT_SEN_CHOICES = [(status.value, status.label) for status in CURRENT_SEN_STATUSES]
