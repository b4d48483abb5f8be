"""A part of the map as one user may take it away: the runs of a school year (or of every
year) or of a term, one run, one pupil's or one year group's, costed and cut to the user's
scope. The exports read the map through it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Model, QuerySet

from provmap.provision.models import GeneralResource, Placement, ProvisionRun
from provmap.provision.selectors.costed import (
    cost_run,
    general_costs,
    role_rates,
    with_details,
)
from provmap.provision.selectors.scoped import ScopedRuns, scope_runs
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import Pupil
from provmap.schools.models import AcademicYear, School, Term

# School year first, then as on the map.
SLICE_ORDER = (
    "academic_year__start_date",
    "provision__wave",
    "provision__name",
    "start_date",
    "label",
    "pk",
)


@dataclass
class MapSlice:
    """Runs as `scope_runs` keeps them, each with the placements of the pupils asked for that
    the user sees in full, and the costs not tied to pupils where they belong."""

    runs: ScopedRuns
    # Only for a whole year (or every year), to whole-school readers who may see costs.
    general: list[tuple[GeneralResource, Decimal]] = field(default_factory=list)

    def release(self) -> None:
        """Break the reference cycles the prefetches make, once the slice has been used (a
        chunked reader, after each chunk): a run and its placements and staff lines point at
        each other, as do a provision and its areas and a pupil and its needs. Without them
        a chunk is freed at once by reference counting rather than kept, with all it holds,
        until the cyclic garbage collector passes over it. The slice is empty afterwards."""
        for item in self.runs.items:
            run = item.costed.run
            for placement in run.placements.all():
                _forget_prefetched(placement.pupil)
            _forget_prefetched(run)
            _forget_prefetched(run.provision)
        self.runs.items.clear()


def _forget_prefetched(instance: Model) -> None:
    """Drop the related rows `with_details` left on a model instance."""
    cache: dict[str, object] = getattr(instance, "_prefetched_objects_cache", {})
    cache.clear()


def _slice_runs(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    run: ProvisionRun | None = None,
    pupil: Pupil | None = None,
    nc_year: str | None = None,
) -> QuerySet[ProvisionRun]:
    runs = ProvisionRun.objects.filter(school=school)
    if academic_year is not None:
        runs = runs.filter(academic_year=academic_year)
    if term is not None:
        runs = runs.filter(start_date__lte=term.end_date, end_date__gte=term.start_date)
    if run is not None:
        runs = runs.filter(pk=run.pk)
    if pupil is not None:
        runs = runs.filter(placements__pupil=pupil)
    if nc_year is not None:
        runs = runs.filter(placements__pupil__nc_year=nc_year)
    return runs.distinct()


def slice_run_ids(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    run: ProvisionRun | None = None,
    pupil: Pupil | None = None,
    nc_year: str | None = None,
) -> list[int]:
    """The ids of the runs `map_slice` would read with the same arguments, in its order (one
    query): a large slice is read a chunk of them at a time (`map_slice(run_ids=...)`)."""
    runs = _slice_runs(
        school, academic_year=academic_year, term=term, run=run, pupil=pupil, nc_year=nc_year
    )
    ids = runs.order_by(*SLICE_ORDER).values_list("pk", flat=True)
    return list(dict.fromkeys(ids))


def map_slice(
    school: School,
    scope: Visibility,
    *,
    as_of: dt.date,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    run: ProvisionRun | None = None,
    pupil: Pupil | None = None,
    nc_year: str | None = None,
    run_ids: Sequence[int] | None = None,
    rates: dict[str, Decimal] | None = None,
    general: bool = True,
) -> MapSlice:
    """The runs of `academic_year` (every year without one) or those meeting `term` (as the
    term map reads them), narrowed to one `run`, to the
    runs of one `pupil` or to those of the pupils of one `nc_year`, costed (with the results
    of each placement) and cut to `scope`. With a pupil or a year group, a run keeps only
    their placements. A fixed number of queries however large the slice.

    With `run_ids` (a chunk of `slice_run_ids`), only those of the runs are read; `rates`
    (from `role_rates`) saves their query, and without `general` the costs not tied to
    pupils are left out (a chunked reader takes them once)."""
    rates = role_rates(school) if rates is None else rates
    runs = _slice_runs(
        school, academic_year=academic_year, term=term, run=run, pupil=pupil, nc_year=nc_year
    )
    if run_ids is not None:
        runs = runs.filter(pk__in=list(run_ids))
    costed = [
        cost_run(item, rates, as_of)
        for item in with_details(runs, results=True).order_by(*SLICE_ORDER)
    ]

    def asked(placement: Placement) -> bool:
        return (pupil is None or placement.pupil_id == pupil.pk) and (
            nc_year is None or placement.pupil.nc_year == nc_year
        )

    whole = run is None and pupil is None and nc_year is None and term is None
    general_lines = []
    if general and whole and scope.everyone and scope.finance:
        general_lines = general_costs(school, rates, academic_year=academic_year)
    return MapSlice(
        runs=scope_runs(school, costed, scope, as_of=as_of, asked=asked),
        general=general_lines,
    )


def slice_placement_count(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    nc_year: str | None = None,
) -> int:
    """How many placements the runs of a slice have (one query): about how many rows its
    export has, before it is cut to a user's scope (an export decides with it whether to
    write in the background)."""
    runs = _slice_runs(school, academic_year=academic_year, term=term, nc_year=nc_year)
    return Placement.objects.filter(school=school, run__in=runs.values("pk")).count()


def slice_run_sizes(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    nc_year: str | None = None,
) -> dict[int, int]:
    """How many placements each run of a slice has (one query; a run with none is missing):
    a chunked reader sizes its chunks by them."""
    runs = _slice_runs(school, academic_year=academic_year, term=term, nc_year=nc_year)
    return dict(
        Placement.objects.filter(school=school, run__in=runs.values("pk"))
        .order_by()
        .values("run_id")
        .annotate(placements=Count("pk"))
        .values_list("run_id", "placements")
    )
