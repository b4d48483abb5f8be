"""A part of the map as one user may take it away: the runs of a school year (or of every
year) or of a term, one run, one pupil's or one year group's, costed and cut to the user's
scope. The exports read the map through it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.provision.models import GeneralResource, Placement, ProvisionRun
from provmap.provision.selectors.costed import cost_run, general_costs, role_rates, with_details
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
) -> MapSlice:
    """The runs of `academic_year` (every year without one) or those meeting `term` (as the
    term map reads them), narrowed to one `run`, to the
    runs of one `pupil` or to those of the pupils of one `nc_year`, costed (with the results
    of each placement) and cut to `scope`. With a pupil or a year group, a run keeps only
    their placements. A fixed number of queries however large the slice."""
    rates = role_rates(school)
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
    costed = [
        cost_run(item, rates, as_of)
        for item in with_details(runs.distinct(), results=True).order_by(*SLICE_ORDER)
    ]

    def asked(placement: Placement) -> bool:
        return (pupil is None or placement.pupil_id == pupil.pk) and (
            nc_year is None or placement.pupil.nc_year == nc_year
        )

    whole = run is None and pupil is None and nc_year is None and term is None
    general = []
    if whole and scope.everyone and scope.finance:
        general = general_costs(school, rates, academic_year=academic_year)
    return MapSlice(
        runs=scope_runs(school, costed, scope, as_of=as_of, asked=asked),
        general=general,
    )
