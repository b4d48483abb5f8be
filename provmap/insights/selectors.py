"""The impact of each provision, read from the database in a fixed number of queries.

For every run: the pupils placed with an entry (baseline) and an exit result on the
provision's measure, and a comparison group: pupils of the same school who never took part
in that provision but have results on the same measure at about the same times (within
WINDOW_SLACK of the participants' entry dates and of their exit dates). Figures are worked
out per run and, pooling the runs, per provision, by the pure functions of this app; costs
come from the costed map (provision.selectors).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.insights import wording
from provmap.insights.effects import (
    AdjustedEffect,
    EffectSize,
    RawImpact,
    ancova,
    cost_per_month,
    raw_impact,
)
from provmap.insights.progress import (
    CohortMedians,
    EntryExit,
    MeasureSpec,
    PupilProgress,
    measure_sd,
    pupil_progress,
)
from provmap.insights.verdicts import Verdict, impact_verdict
from provmap.provision import costing
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.selectors import CostedRun, cost_summary, costed_runs
from provmap.pupils.models import Measure, Result
from provmap.schools.models import AcademicYear, School

# How far a comparison pupil's result may fall outside the span of the participants' entry
# (or exit) dates and still count as taken at the same time: a cohort test sat in the same
# month.
WINDOW_SLACK = dt.timedelta(days=31)


@dataclass(frozen=True)
class Window:
    """When a run's participants sat their entry and their exit tests, widened by the slack."""

    baseline_from: dt.date
    baseline_to: dt.date
    exit_from: dt.date
    exit_to: dt.date

    @classmethod
    def around(cls, baseline_dates: Iterable[dt.date], exit_dates: Iterable[dt.date]) -> Window:
        starts, ends = list(baseline_dates), list(exit_dates)
        return cls(
            baseline_from=min(starts) - WINDOW_SLACK,
            baseline_to=max(starts) + WINDOW_SLACK,
            exit_from=min(ends) - WINDOW_SLACK,
            exit_to=max(ends) + WINDOW_SLACK,
        )


# One result as the comparison needs it: (date, value).
Dated = tuple[dt.date, float]
# A comparison pupil's pair of results, keyed so that a pupil compared with two groups of
# the same provision at the same times counts once: (pupil id, entry date, exit date).
ComparisonKey = tuple[int, dt.date, dt.date]


def comparison_pairs(
    results_by_pupil: dict[int, list[Dated]], window: Window, excluded: set[int]
) -> dict[ComparisonKey, tuple[float, float]]:
    """Each pupil's first result in the entry window and last later result in the exit window,
    for pupils not in `excluded` (everyone who ever took part in the provision)."""
    pairs: dict[ComparisonKey, tuple[float, float]] = {}
    for pupil_id, rows in results_by_pupil.items():
        if pupil_id in excluded:
            continue
        entry = next(
            (row for row in rows if window.baseline_from <= row[0] <= window.baseline_to), None
        )
        if entry is None:
            continue
        leave = next(
            (
                row
                for row in reversed(rows)
                if window.exit_from <= row[0] <= window.exit_to and row[0] > entry[0]
            ),
            None,
        )
        if leave is not None:
            pairs[(pupil_id, entry[0], leave[0])] = (entry[1], leave[1])
    return pairs


@dataclass
class RunImpact:
    run: ProvisionRun
    progress: list[PupilProgress]
    raw: RawImpact
    adjusted: AdjustedEffect
    # The placements behind `progress`, in the same order (each with its entry and exit).
    scored: list[Placement] = field(default_factory=list)
    # The run as costed, with its placements and pupils (their needs fetched).
    costed: CostedRun | None = None


@dataclass
class ProvisionImpact:
    """Raw and adjusted figures for one provision over the runs read, with the verdict."""

    provision: Provision
    measure: Measure | None
    runs: list[RunImpact]
    raw: RawImpact
    adjusted: AdjustedEffect
    verdict: Verdict
    total_cost: Decimal
    placed: int
    # The comparison pupils' (entry, exit) pairs the adjusted effect was worked out against.
    comparison: list[tuple[float, float]] = field(default_factory=list)

    @property
    def effect(self) -> EffectSize | None:
        """The best estimate: adjusted when a comparison was possible, else raw."""
        return self.adjusted.effect or self.raw.effect

    @property
    def months_basis(self) -> str | None:
        if self.adjusted.effect is not None:
            return "adjusted"
        return "raw" if self.raw.effect is not None else None

    @property
    def months(self) -> int | None:
        return self.effect.months if self.effect else None

    @property
    def cost_per_pupil(self) -> Decimal | None:
        return self.raw.cost_per_pupil

    @property
    def cost_per_month(self) -> Decimal | None:
        return cost_per_month(self.cost_per_pupil, self.months)


def _spec(measure: Measure | None) -> MeasureSpec:
    if measure is None:
        return MeasureSpec(scale="", higher_is_better=True)
    return MeasureSpec(scale=measure.scale, higher_is_better=measure.higher_is_better)


def _with_results(placements: Iterable[Placement], measure: Measure | None) -> list[Placement]:
    """Placements with an entry and a later (or same-day) exit result on the measure."""
    if measure is None:
        return []
    return [
        item
        for item in placements
        if item.baseline is not None
        and item.exit is not None
        and item.baseline.measure_id == measure.pk
        and item.exit.measure_id == measure.pk
        and item.exit.date >= item.baseline.date
    ]


def _entry_exit(item: Placement) -> tuple[Result, Result]:
    """The entry and exit results of a placement _with_results kept (it has both)."""
    assert item.baseline is not None and item.exit is not None
    return item.baseline, item.exit


def _status_counts(placements: Iterable[Placement]) -> tuple[int, int]:
    statuses = [item.status for item in placements]
    return (
        statuses.count(Placement.Status.COMPLETED),
        statuses.count(Placement.Status.WITHDRAWN),
    )


@dataclass
class _Analysed:
    """One run worked out, with what pooling it into its provision needs."""

    impact: RunImpact
    participants: list[tuple[float, float]]
    comparison: dict[ComparisonKey, tuple[float, float]]


def _analyse_run(
    provision: Provision,
    costed: CostedRun,
    placements: list[Placement],
    results_by_pupil: dict[int, list[Dated]],
    excluded: set[int],
) -> _Analysed:
    measure = provision.measure
    spec = _spec(measure)
    success_gain = float(provision.success_gain) if provision.success_gain is not None else None
    completed, withdrawn = _status_counts(placements)
    scored = _with_results(placements, measure)

    comparison: dict[ComparisonKey, tuple[float, float]] = {}
    if scored:
        results = [_entry_exit(item) for item in scored]
        window = Window.around(
            (entry.date for entry, _ in results), (end.date for _, end in results)
        )
        comparison = comparison_pairs(results_by_pupil, window, excluded)

    participants = [
        (float(entry.value), float(end.value)) for entry, end in map(_entry_exit, scored)
    ]
    cohort = [*participants, *comparison.values()]
    sd = measure_sd(spec, [pair[0] for pair in cohort])
    medians = (
        CohortMedians(
            baseline=statistics.median(pair[0] for pair in cohort),
            exit=statistics.median(pair[1] for pair in cohort),
        )
        if cohort
        else None
    )
    progress = [
        pupil_progress(
            EntryExit(
                baseline=float(entry.value),
                exit=float(end.value),
                baseline_date=entry.date,
                exit_date=end.date,
            ),
            measure=spec,
            success_gain=success_gain,
            sd=sd,
            medians=medians,
        )
        for entry, end in map(_entry_exit, scored)
    ]
    raw = raw_impact(
        progress,
        measure=spec,
        completed=completed,
        withdrawn=withdrawn,
        cost_per_pupil=costed.cost_per_pupil,
    )
    adjusted = ancova(
        participants,
        list(comparison.values()),
        higher_is_better=spec.higher_is_better,
        known_sd=spec.known_sd,
    )
    if measure is None:
        raw = dataclasses.replace(raw, reason=wording.REASON_NO_MEASURE)
        adjusted = AdjustedEffect(0, 0, reason=wording.REASON_NO_MEASURE)
    impact = RunImpact(costed.run, progress, raw, adjusted, scored=scored, costed=costed)
    return _Analysed(impact, participants, comparison)


def _pool(
    provision: Provision, runs: list[CostedRun], analysed: list[_Analysed]
) -> ProvisionImpact:
    spec = _spec(provision.measure)
    placed = sum(item.pupil_count for item in runs)
    total_cost = sum((item.cost for item in runs), Decimal(0))
    per_pupil = costing.to_pennies(total_cost / placed) if placed else None
    completed = withdrawn = 0
    for item in runs:
        done, dropped = _status_counts(p.placement for p in item.placements)
        completed, withdrawn = completed + done, withdrawn + dropped
    progress = [pupil for item in analysed for pupil in item.impact.progress]
    raw = raw_impact(
        progress,
        measure=spec,
        completed=completed,
        withdrawn=withdrawn,
        cost_per_pupil=per_pupil,
    )
    comparison: dict[ComparisonKey, tuple[float, float]] = {}
    for part in analysed:
        comparison.update(part.comparison)
    adjusted = ancova(
        [pair for item in analysed for pair in item.participants],
        list(comparison.values()),
        higher_is_better=spec.higher_is_better,
        known_sd=spec.known_sd,
    )
    if provision.measure is None:
        raw = dataclasses.replace(raw, reason=wording.REASON_NO_MEASURE)
        adjusted = AdjustedEffect(0, 0, reason=wording.REASON_NO_MEASURE)
    return ProvisionImpact(
        provision=provision,
        measure=provision.measure,
        runs=[item.impact for item in analysed],
        raw=raw,
        adjusted=adjusted,
        verdict=impact_verdict(raw, adjusted, cost_per_pupil=per_pupil),
        total_cost=total_cost,
        placed=placed,
        comparison=list(comparison.values()),
    )


def provision_impacts(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    as_of: dt.date | None = None,
    only: Iterable[int] | None = None,
) -> list[ProvisionImpact]:
    """Impact figures for every provision the school ran (in one academic year, or ever),
    in catalogue order; with `only`, for those provision ids alone (a provision's own page).
    Costs are each run's planned cost; `as_of` only matters for the costed map's cost to
    date."""
    as_of = as_of or dt.date.today()
    if academic_year is not None:
        costed = cost_summary(school, academic_year, as_of=as_of).runs
    else:
        costed = costed_runs(school, start=dt.date.min, end=dt.date.max, as_of=as_of)
    if only is not None:
        wanted = set(only)
        costed = [item for item in costed if item.run.provision_id in wanted]
    if not costed:
        return []

    provision_ids = {item.run.provision_id for item in costed}
    provisions = (
        Provision.objects.filter(school=school, pk__in=provision_ids)
        .select_related("measure")
        .in_bulk()
    )
    # Archived leavers are out of every analysis, as they are off every page.
    placements = Placement.objects.filter(
        school=school, run__provision_id__in=provision_ids, pupil__archived_at__isnull=True
    ).select_related("baseline", "exit")
    if academic_year is not None:
        placements = placements.filter(run__academic_year=academic_year)
    by_run: dict[int, list[Placement]] = defaultdict(list)
    for placement in placements:
        by_run[placement.run_id].append(placement)

    # Anyone who ever took part in a provision is no fair comparison for it.
    ever_placed: dict[int, set[int]] = defaultdict(set)
    for provision_id, pupil_id in Placement.objects.filter(
        school=school, run__provision_id__in=provision_ids
    ).values_list("run__provision_id", "pupil_id"):
        ever_placed[provision_id].add(pupil_id)

    results = _results_in_windows(
        school,
        [(provisions[item.run.provision_id].measure, by_run[item.run.pk]) for item in costed],
    )

    order: list[Provision] = []
    runs_of: dict[int, list[CostedRun]] = defaultdict(list)
    analysed_of: dict[int, list[_Analysed]] = defaultdict(list)
    for item in costed:
        provision = provisions[item.run.provision_id]
        if provision.pk not in runs_of:
            order.append(provision)
        runs_of[provision.pk].append(item)
        measure_results = results.get(provision.measure_id, {}) if provision.measure_id else {}
        analysed_of[provision.pk].append(
            _analyse_run(
                provision,
                item,
                by_run[item.run.pk],
                measure_results,
                ever_placed[provision.pk],
            )
        )
    return [
        _pool(provision, runs_of[provision.pk], analysed_of[provision.pk]) for provision in order
    ]


def _results_in_windows(
    school: School, runs: list[tuple[Measure | None, list[Placement]]]
) -> dict[int, dict[int, list[Dated]]]:
    """Every result on the runs' measures between the earliest and the latest date any
    comparison could use, by measure and pupil, in date order (one query)."""
    measure_ids: set[int] = set()
    windows: list[Window] = []
    for measure, placements in runs:
        scored = _with_results(placements, measure)
        if measure is not None and scored:
            measure_ids.add(measure.pk)
            results = [_entry_exit(p) for p in scored]
            windows.append(
                Window.around(
                    (entry.date for entry, _ in results), (end.date for _, end in results)
                )
            )
    if not windows:
        return {}
    rows = (
        Result.objects.filter(
            school=school,
            pupil__archived_at__isnull=True,
            measure_id__in=measure_ids,
            date__gte=min(window.baseline_from for window in windows),
            date__lte=max(window.exit_to for window in windows),
        )
        .order_by("measure_id", "pupil_id", "date", "pk")
        .values_list("measure_id", "pupil_id", "date", "value")
    )
    grouped: dict[int, dict[int, list[Dated]]] = defaultdict(lambda: defaultdict(list))
    for measure_id, pupil_id, date, value in rows:
        grouped[measure_id][pupil_id].append((date, float(value)))
    return grouped
