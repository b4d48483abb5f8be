"""Pages of the provision map: the term map, the school's figures, a parent's children.

Each view looks the school up through the access helper (404 outside the user's schools, 403
where their role does not reach), calls the selectors, and renders.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from provmap.accounts.access import SchoolPages, require, school_for_user
from provmap.accounts.permissions import PupilScope
from provmap.provision import selectors
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.provision.selectors import CostedPlacement, CostedRun, CostSummary, TermMap
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, Pupil, SENStatus
from provmap.pupils.needs import Area
from provmap.schools.models import School, Term

# The statuses schools report on today (historic codes only appear in old history).
CURRENT_SEN_STATUSES = (SENStatus.NONE, SENStatus.SUPPORT, SENStatus.EHC_PLAN)


# --- The term map, cut to what the user may see -------------------------------------------


@dataclass
class MapRow:
    """A costed run with the placements the user may see (all of them for whole-school
    readers; a head of year sees the pupils of their years only)."""

    costed: CostedRun
    placements: list[CostedPlacement]

    @property
    def run(self) -> ProvisionRun:
        return self.costed.run

    @property
    def hidden(self) -> int:
        return self.costed.pupil_count - len(self.placements)

    @property
    def sen_counts(self) -> list[tuple[str, str, int]]:
        counts = Counter(item.placement.pupil.sen_status for item in self.placements)
        return [(status.value, status.label, counts[status]) for status in CURRENT_SEN_STATUSES]


@dataclass
class ScopedMap:
    """The term map as one user sees it, with the totals of what they see."""

    term_map: TermMap
    rows: list[MapRow]
    whole_school: bool
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
    def weekly_minutes(self) -> Decimal:
        return sum((row.costed.weekly_minutes for row in self.rows), Decimal(0))

    @property
    def places(self) -> int:
        return sum(len(row.placements) for row in self.rows)

    @property
    def pupils_by_sen_status(self) -> list[tuple[str, str, int]]:
        """Distinct pupils the user sees on the map (a pupil in two groups counts once)."""
        pupils = {
            item.placement.pupil_id: item.placement.pupil.sen_status
            for row in self.rows
            for item in row.placements
        }
        counts = Counter(pupils.values())
        return [(status.value, status.label, counts[status]) for status in CURRENT_SEN_STATUSES]

    @property
    def pupil_count(self) -> int:
        return len({item.placement.pupil_id for row in self.rows for item in row.placements})

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


def scoped_map(school: School, term_map: TermMap, scope: PupilScope) -> ScopedMap:
    """Keep the runs and placements `scope` may see. One query at most, whatever the size:
    the scope's own pupil filter picks the visible placements, and staff also keep the runs
    they lead or deliver (even before any pupil is placed)."""
    if scope.everyone:
        rows = [MapRow(item, list(item.placements)) for item in term_map.runs]
        return ScopedMap(term_map, rows, whole_school=True)
    run_ids = [item.run.pk for item in term_map.runs]
    visible = set(
        Placement.objects.filter(school=school, run_id__in=run_ids)
        .filter(scope.pupil_filter("pupil__"))
        .values_list("pk", flat=True)
    )
    rows = []
    for item in term_map.runs:
        placements = [p for p in item.placements if p.placement.pk in visible]
        delivers = item.run.lead_staff_id in scope.staff_ids or any(
            line.line.staff_id in scope.staff_ids for line in item.staff
        )
        if placements or delivers:
            rows.append(MapRow(item, placements))
    return ScopedMap(
        term_map,
        rows,
        whole_school=False,
        year_groups=sorted(scope.year_groups, key=lambda year: NC_YEAR_ORDER.get(year, 99)),
        delivers=bool(scope.staff_ids),
    )


def _chosen_term(request: HttpRequest, school: School, terms: list[Term]) -> Term | None:
    wanted = request.GET.get("term")
    if not wanted:
        return selectors.current_term(school, timezone.localdate())
    term = next((term for term in terms if str(term.pk) == wanted), None)
    if term is None:
        raise Http404("No such term.")
    return term


def term_map_page(request: HttpRequest, urn: str) -> HttpResponse:
    school, scope = school_for_user(request.user, urn)
    require(scope.sees_map)
    terms = list(Term.objects.filter(school=school).select_related("academic_year"))
    term = _chosen_term(request, school, terms)
    view = None
    if term is not None:
        today = timezone.localdate()
        view = scoped_map(school, selectors.term_map(school, term, as_of=today), scope)
    return render(
        request,
        "provision/term_map.html",
        {
            "school": school,
            "school_pages": SchoolPages(school, scope),
            "active": "map",
            "terms": terms,
            "term": term,
            "map": view,
        },
    )


# --- The school's figures: aggregates only, never a pupil ---------------------------------


def _roll_by_sen_status(school: School, on: dt.date) -> list[tuple[str, str, int]]:
    counts = dict(
        Pupil.objects.filter(school=school, on_roll_from__lte=on)
        .filter(Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=on))
        .values_list("sen_status")
        .annotate(pupils=Count("pk"))
        .order_by()
    )
    return [(status.value, status.label, counts.get(status, 0)) for status in CURRENT_SEN_STATUSES]


def _share(amount: Decimal, total: Decimal) -> Decimal | None:
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
            (name, amount, _share(amount, total))
            for name, amount in sorted(self.summary.by_funding_stream().items())
        ]

    @property
    def by_area(self) -> list[tuple[str, Decimal, Decimal | None]]:
        if self.summary is None:
            return []
        totals, whole = self.summary.by_area(), self.attributable
        return [
            (area.label, totals[area.value], _share(totals[area.value], whole))
            for area in Area
            if area.value in totals
        ]

    @property
    def by_year(self) -> list[tuple[str, Decimal, Decimal | None]]:
        if self.summary is None:
            return []
        whole = self.attributable
        return [
            (NCYear(code).label, amount, _share(amount, whole))
            for code, amount in self.summary.by_year_group().items()
        ]

    @property
    def receiving(self) -> list[tuple[str, str, int]]:
        """Distinct pupils placed in this year's provision, by SEN status."""
        if self.summary is None:
            return []
        statuses = {
            p.placement.pupil_id: p.placement.pupil.sen_status
            for item in self.summary.runs
            for p in item.placements
        }
        counts = Counter(statuses.values())
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
    term = selectors.current_term(school, today)
    summary = selectors.cost_summary(school, term.academic_year, as_of=today) if term else None
    return Figures(roll=_roll_by_sen_status(school, today), summary=summary)


def figures_page(request: HttpRequest, urn: str) -> HttpResponse:
    school, scope = school_for_user(request.user, urn)
    require(scope.figures)
    return render(
        request,
        "provision/figures.html",
        {
            "school": school,
            "school_pages": SchoolPages(school, scope),
            "active": "figures",
            "figures": school_figures(school, timezone.localdate()),
        },
    )


# --- A parent's children: the provision each receives, never costs or other pupils ---------


def children_page(request: HttpRequest, urn: str) -> HttpResponse:
    school, scope = school_for_user(request.user, urn)
    require(bool(scope.pupil_ids))
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
    children = Pupil.objects.filter(school=school, pk__in=sorted(scope.pupil_ids)).prefetch_related(
        Prefetch("placements", queryset=placements)
    )
    return render(
        request,
        "provision/children.html",
        {
            "school": school,
            "school_pages": SchoolPages(school, scope),
            "active": "children",
            "children": children,
        },
    )
