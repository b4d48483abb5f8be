"""What the impact figures read of runs and placements: a few columns as plain rows, never a
run's staff lines or a placement's pupil and results as model objects.

A year of a school of 1,200 pupils holds some 500 runs and 2,000 placements. Of each run the
figures need its planned cost (totalled by the database: `provision.selectors.cost_totals`,
which tests hold equal to the Python costing) and how many pupils share it; of each placement,
its dates, status and rating and the date and value of its entry and exit results. Building all
of it as objects took most of an impact page's time. Result values are read as floats, which
is what the figures are worked in: a decimal column cast to a float by the database is the
same number as its Decimal turned into one (both are the nearest float to the value).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, FloatField, Q, QuerySet
from django.db.models.functions import Cast

from provmap.provision import costing
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.selectors.cost_totals import run_costs
from provmap.pupils.models import Result
from provmap.schools.models import AcademicYear, School, Term


@dataclass(frozen=True, slots=True)
class Score:
    """One result as the figures read it."""

    measure_id: int
    date: dt.date
    value: float


@dataclass(frozen=True, slots=True)
class Placed:
    """A placement as the figures read it. `archived`: its pupil has left and been archived,
    so is out of every analysis, but still one of the run's pupils sharing its cost."""

    pk: int
    run_id: int
    pupil_id: int
    status: str
    start_date: dt.date
    end_date: dt.date | None
    rating: str
    archived: bool
    baseline: Score | None
    exit: Score | None


@dataclass(slots=True)
class RunCost:
    """A run's planned cost and every placement in it (its pupils share the cost)."""

    run: ProvisionRun
    cost: Decimal
    placements: list[Placed]

    @property
    def pupil_count(self) -> int:
        return len(self.placements)

    @property
    def cost_per_pupil(self) -> Decimal | None:
        if not self.placements:
            return None
        return costing.to_pennies(self.cost / len(self.placements))


def current_results(school: School) -> QuerySet[Result]:
    """The school's results of pupils not archived. The pupil's school is named as well as the
    result's: without it PostgreSQL finds the current pupils by reading every school's pupils
    (a trust's 35,000) to join them; with it, only this school's."""
    return Result.objects.filter(
        school=school, pupil__school=school, pupil__archived_at__isnull=True
    )


def _score(measure_id: int | None, date: dt.date | None, value: float | None) -> Score | None:
    if measure_id is None or date is None or value is None:
        return None
    return Score(measure_id, date, value)


def read_placements(school: School, runs: QuerySet[ProvisionRun]) -> dict[int, list[Placed]]:
    """Every placement of `runs`, by run id, by pupil surname within a run (one query)."""
    rows = (
        Placement.objects.filter(school=school, run__in=runs.values("pk"))
        .order_by("run_id", "pupil__surname", "pk")
        .values_list(
            "pk",
            "run_id",
            "pupil_id",
            "status",
            "start_date",
            "end_date",
            "rating",
            ExpressionWrapper(Q(pupil__archived_at__isnull=False), output_field=BooleanField()),
            "baseline__measure_id",
            "baseline__date",
            Cast("baseline__value", FloatField()),
            "exit__measure_id",
            "exit__date",
            Cast("exit__value", FloatField()),
        )
    )
    by_run: dict[int, list[Placed]] = defaultdict(list)
    for row in rows:
        pk, run_id, pupil_id, status, start_date, end_date, rating, archived = row[:8]
        by_run[run_id].append(
            Placed(
                pk,
                run_id,
                pupil_id,
                status,
                start_date,
                end_date,
                rating,
                archived=bool(archived),
                baseline=_score(*row[8:11]),
                exit=_score(*row[11:14]),
            )
        )
    return by_run


@dataclass
class ReadRuns:
    """The runs whose impact is worked out (`described`); every run read, theirs and the
    others the measures' models also hold; both in the map's order; the provisions of all of
    them, by id (their measures fetched); every run's placements, by run id; and what the
    described runs are (ProvisionRun lookups), to cost them."""

    described: list[ProvisionRun]
    runs: list[ProvisionRun]
    provisions: dict[int, Provision]
    placements: dict[int, list[Placed]]
    filters: dict[str, object]

    def costed(self) -> list[RunCost]:
        """The described runs with their planned costs (three aggregate queries)."""
        if not self.described:
            return []
        costs = run_costs(self.filters)
        zero = Decimal("0.00")
        return [
            RunCost(run, costs.get(run.pk, zero), self.placements.get(run.pk, []))
            for run in self.described
        ]


def _map_order(run: ProvisionRun) -> tuple:
    """The order of the costed map (`with_details`): wave, provision, label, start, and the
    order they were made in, so that two groups alike come out the same way every time."""
    return (run.provision.wave, run.provision.name, run.label, run.start_date, run.pk)


def read_runs(
    school: School, academic_year: AcademicYear | None, wanted: set[int] | None
) -> ReadRuns:
    """The runs of the year (or of every year) and their placements; with `wanted`, the runs
    of these provisions and the other runs on their measures alongside. Four queries (five
    for every year): runs, provisions, terms, placements."""
    filters: dict[str, object] = {"school": school}
    if academic_year is not None:
        filters["academic_year"] = academic_year
    runs = ProvisionRun.objects.filter(**filters)
    if wanted is not None:
        measures = Provision.objects.filter(
            school=school, pk__in=wanted, measure__isnull=False
        ).values("measure_id")
        runs = runs.filter(Q(provision_id__in=wanted) | Q(provision__measure_id__in=measures))
        filters["provision_id__in"] = wanted
    found = list(runs)
    if not found:
        return ReadRuns([], [], {}, {}, filters)
    provisions = (
        Provision.objects.filter(school=school, pk__in={run.provision_id for run in found})
        .select_related("measure")
        .in_bulk()
    )
    # A provision's page names each run's term and year. They are few and shared by many
    # runs, so each is read once rather than joined to every run.
    terms = Term.objects.filter(
        school=school, pk__in={run.term_id for run in found if run.term_id is not None}
    ).in_bulk()
    years = (
        {academic_year.pk: academic_year}
        if academic_year is not None
        else AcademicYear.objects.filter(school=school).in_bulk()
    )
    for run in found:
        run.provision = provisions[run.provision_id]
        run.academic_year = years[run.academic_year_id]
        run.term = terms.get(run.term_id) if run.term_id else None
    found.sort(key=_map_order)
    described = [run for run in found if wanted is None or run.provision_id in wanted]
    return ReadRuns(described, found, provisions, read_placements(school, runs), filters)
