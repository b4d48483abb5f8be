"""The catalogue, a provision's runs, one run with its results, and the pupils who could
join a run."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from provmap.provision import ratings
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.selectors.costed import (
    CostedPlacement,
    CostedRun,
    cost_run,
    role_rates,
    with_details,
)
from provmap.provision.selectors.scoped import scope_runs, scoped_map
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import Measure, Pupil, Result
from provmap.pupils.selectors import PupilSearch, on_roll_between, search_pupils
from provmap.schools.models import School


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
    rates = role_rates(school)
    runs = with_details(ProvisionRun.objects.filter(school=school, provision=provision))
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
    run = with_details(
        ProvisionRun.objects.filter(school=school, pk=run_id), results=True, slots=True
    ).first()
    if run is None:
        return None
    costed = cost_run(run, role_rates(school), as_of)
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
