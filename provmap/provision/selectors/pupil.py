"""One pupil's provision over the years (the key-stage map of seed 002), and a parent's
children with the provision each receives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.provision.selectors.costed import (
    CostedPlacement,
    CostedRun,
    cost_run,
    role_rates,
    with_details,
)
from provmap.provision.selectors.runs import ResultLine
from provmap.provision.selectors.terms import term_on
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import Pupil
from provmap.pupils.needs import Area
from provmap.schools.models import AcademicYear, School, Term


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
    rates = role_rates(school)
    runs = with_details(
        ProvisionRun.objects.filter(school=school, placements__pupil=pupil),
        results=True,
        slots=True,
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
