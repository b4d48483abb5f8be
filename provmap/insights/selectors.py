"""The impact of each provision, read from the database in a fixed number of queries.

One model per measure (`insights.estimator`): every provision on the measure in it, each
pupil placed with their entry (baseline) result and their result after the group (the exit
result; for a pupil who left early or has none, their next result on the measure: intention
to treat), against pupils in no provision on the measure in the window, each counted once on
occasions matched to the groups' (within WINDOW_SLACK of a group's entry and exit dates).
Pupils' own gains are kept to describe, never to judge. Costs are each run's planned cost,
totalled by the database; runs and placements are read as plain rows (`insights.reads`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import FloatField, Q
from django.db.models.functions import Cast

from provmap.insights import wording
from provmap.insights.effects import (
    AdjustedEffect,
    EffectSize,
    RawImpact,
    cost_per_month_range,
    ranks,
    raw_impact,
)
from provmap.insights.estimator import MIN_GROUPS, Estimate, MeasureModel, Spell, fit_measure
from provmap.insights.progress import (
    DAYS_PER_MONTH,
    CohortMedians,
    EntryExit,
    MeasureSpec,
    PupilProgress,
    pupil_progress,
)
from provmap.insights.reads import Placed, ReadRuns, RunCost, Score, current_results, read_runs
from provmap.insights.verdicts import Verdict, impact_verdict
from provmap.provision import costing
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import Measure
from provmap.schools.models import AcademicYear, School

# How far a result may fall from a group's entry (or exit) date and still count as taken on
# the same occasion: a cohort test sat in the same month.
WINDOW_SLACK = dt.timedelta(days=31)
# How long after a group's exit date a pupil who left early may be found a next result.
FOLLOW_UP = dt.timedelta(days=122)
# The provisions of a comparison pupil's spell: none (one set shared by the thousands of them).
IN_NONE: frozenset[int] = frozenset()


# One result as the comparison needs it: (date, value).
Dated = tuple[dt.date, float]
# An occasion a group was tested on: (entry date, exit date).
Occasion = tuple[dt.date, dt.date]


def months_apart(start: dt.date, end: dt.date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def _nearest(rows: Sequence[Dated], day: dt.date, *, after: dt.date | None = None) -> Dated | None:
    """The result nearest `day` within WINDOW_SLACK of it (and after `after`); of two as
    near, the earlier, and of two on the same day, the first."""
    found, nearest = None, WINDOW_SLACK.days + 1
    for row in rows:
        if after is not None and row[0] <= after:
            continue
        gap = abs((row[0] - day).days)
        # Rows are in date order, so keeping only a strictly nearer row keeps the earlier
        # of two as near (and the first of two on one day).
        if gap < nearest:
            found, nearest = row, gap
    return found


def comparison_spells(
    results_by_pupil: dict[int, tuple[Dated, ...]],
    occasions: list[Occasion],
    excluded: set[int],
    origin: dt.date,
) -> list[Spell]:
    """One spell for each pupil in no provision on the measure: their results nearest the
    entry and exit dates of one of the groups' occasions (within WINDOW_SLACK). Pupils are
    spread over the occasions in turn, so that each occasion has its share of comparison
    pupils and each pupil counts once; a pupil without results on their turn's occasion is
    tried on the others."""
    spells: list[Spell] = []
    if not occasions:
        return spells
    candidates = sorted(pupil for pupil in results_by_pupil if pupil not in excluded)
    for turn, pupil_id in enumerate(candidates):
        rows = results_by_pupil[pupil_id]
        for step in range(len(occasions)):
            entry_day, exit_day = occasions[(turn + step) % len(occasions)]
            entry = _nearest(rows, entry_day)
            leave = _nearest(rows, exit_day, after=entry[0]) if entry else None
            if entry is not None and leave is not None:
                spells.append(
                    Spell(
                        pupil=pupil_id,
                        entry=entry[1],
                        exit=leave[1],
                        months=months_apart(entry[0], leave[0]),
                        provisions=IN_NONE,
                        group=("pupil", pupil_id),
                        start=months_apart(origin, entry[0]),
                    )
                )
                break
    return spells


@dataclass(slots=True)
class RunImpact:
    run: ProvisionRun
    progress: list[PupilProgress]
    raw: RawImpact
    adjusted: AdjustedEffect
    # The placements behind `progress`, in the same order (each with its entry and exit).
    scored: list[Placed] = field(default_factory=list)
    # The run's cost and every placement in it.
    costed: RunCost | None = None


@dataclass
class ProvisionImpact:
    """A provision's figures over the runs read: its pupils' gains (described), its effect
    in the measure's model (judged) and the verdict."""

    provision: Provision
    measure: Measure | None
    runs: list[RunImpact]
    raw: RawImpact
    adjusted: AdjustedEffect
    verdict: Verdict
    total_cost: Decimal
    placed: int
    # The comparison pupils' (entry, exit) pairs in the measure's model.
    comparison: list[tuple[float, float]] = field(default_factory=list)
    # Pupils placed whose group has ended, and how many of them have no result after it.
    expected: int = 0
    missing: int = 0
    # Every spell of the measure's model, for the group breakdowns.
    spells: list[Spell] = field(default_factory=list)

    @property
    def effect(self) -> EffectSize | None:
        """The effect against pupils in no provision: the only one judged or ranked."""
        return self.adjusted.effect

    @property
    def months_basis(self) -> str | None:
        return "adjusted" if self.adjusted.effect is not None else None

    @property
    def months_range(self) -> tuple[int, int] | None:
        return self.adjusted.months_range

    @property
    def attrition(self) -> float | None:
        return self.missing / self.expected if self.expected else None

    @property
    def cost_per_pupil(self) -> Decimal | None:
        return self.raw.cost_per_pupil

    @property
    def cost_per_month(self) -> tuple[Decimal, Decimal | None] | None:
        """What a month of extra progress cost per pupil, from the ends of the months' range:
        only when the whole interval is above zero."""
        effect, months = self.adjusted.effect, self.months_range
        if effect is None or months is None or effect.low <= 0:
            return None
        return cost_per_month_range(self.cost_per_pupil, *months)


def _spec(measure: Measure | None) -> MeasureSpec:
    if measure is None:
        return MeasureSpec(scale="", higher_is_better=True)
    return MeasureSpec(scale=measure.scale, higher_is_better=measure.higher_is_better)


def _with_results(placements: Iterable[Placed], measure: Measure | None) -> list[Placed]:
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


def _entry_exit(item: Placed) -> tuple[Score, Score]:
    """The entry and exit results of a placement _with_results kept (it has both)."""
    assert item.baseline is not None and item.exit is not None
    return item.baseline, item.exit


def _status_counts(placements: Iterable[Placed]) -> tuple[int, int]:
    statuses = [item.status for item in placements]
    return (
        statuses.count(Placement.Status.COMPLETED),
        statuses.count(Placement.Status.WITHDRAWN),
    )


def _finished(placement: Placed, run: ProvisionRun, as_of: dt.date) -> bool:
    """Should the pupil have a result after the group by now?"""
    return (
        placement.status
        in (
            Placement.Status.COMPLETED,
            Placement.Status.WITHDRAWN,
        )
        or run.end_date < as_of
    )


@dataclass
class _MeasureData:
    """Everything one measure's model is built from."""

    measure: Measure
    runs: list[tuple[ProvisionRun, list[Placed]]]
    results: dict[int, tuple[Dated, ...]]
    excluded: set[int]


@dataclass
class _Fitted:
    model: MeasureModel
    spells: list[Spell]
    comparison: list[tuple[float, float]]
    # By provision id: (placements expected to have a result after the group, those without).
    attrition: dict[int, tuple[int, int]]


def _exit_date(run: ProvisionRun, placements: list[Placed]) -> dt.date:
    """When the group's pupils sat their exit test: the middle of their exit dates, else the
    run's end."""
    dates = sorted(item.exit.date for item in placements if item.exit is not None)
    return dates[len(dates) // 2] if dates else run.end_date


def _fit(data: _MeasureData, as_of: dt.date) -> _Fitted:
    """The measure's spells and model (pure work on what was read)."""
    measure = data.measure
    spec = _spec(measure)
    merged: dict[tuple[int, dt.date, dt.date], dict] = {}
    occasions: set[Occasion] = set()
    attrition: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for run, placements in data.runs:
        exit_day = _exit_date(run, placements)
        entries: list[dt.date] = []
        for placement in placements:
            expected = _finished(placement, run, as_of)
            baseline = placement.baseline
            outcome: Dated | None = None
            if baseline is not None and baseline.measure_id == measure.pk:
                if (
                    placement.exit is not None
                    and placement.exit.measure_id == measure.pk
                    and placement.exit.date > baseline.date
                ):
                    outcome = (placement.exit.date, placement.exit.value)
                elif expected:
                    # Left early, or no exit recorded: their next result on the measure.
                    outcome = next(
                        (
                            row
                            for row in data.results.get(placement.pupil_id, ())
                            if row[0] > baseline.date
                            and exit_day - WINDOW_SLACK <= row[0] <= exit_day + FOLLOW_UP
                        ),
                        None,
                    )
            if expected:
                attrition[run.provision_id][0] += 1
                attrition[run.provision_id][1] += outcome is None
            if baseline is None or outcome is None or baseline.measure_id != measure.pk:
                continue
            entries.append(baseline.date)
            key = (placement.pupil_id, baseline.date, outcome[0])
            spell = merged.setdefault(
                key,
                {
                    "entry": baseline.value,
                    "exit": outcome[1],
                    "provisions": set(),
                    "group": ("run", run.pk),
                },
            )
            spell["provisions"].add(run.provision_id)
        if entries:
            occasions.add((sorted(entries)[len(entries) // 2], exit_day))

    starts = [key[1] for key in merged] + [day for day, _ in occasions]
    origin = min(starts) if starts else dt.date.min
    # Most spells are in one provision, or the same few: each set of provisions made once.
    shared: dict[frozenset[int], frozenset[int]] = {}

    def once(provisions: set[int]) -> frozenset[int]:
        key = frozenset(provisions)
        return shared.setdefault(key, key)

    spells = [
        Spell(
            pupil=pupil_id,
            entry=item["entry"],
            exit=item["exit"],
            months=months_apart(entry_day, exit_day),
            provisions=once(item["provisions"]),
            group=item["group"],
            start=months_apart(origin, entry_day),
        )
        for (pupil_id, entry_day, exit_day), item in merged.items()
    ]
    comparison = comparison_spells(data.results, sorted(occasions), data.excluded, origin)
    spells += comparison
    model = fit_measure(spells, higher_is_better=spec.higher_is_better, known_sd=spec.known_sd)
    return _Fitted(
        model=model,
        spells=spells,
        comparison=[(spell.entry, spell.exit) for spell in comparison],
        attrition={key: (value[0], value[1]) for key, value in attrition.items()},
    )


def adjusted_of(estimate: Estimate | None, n_comparison: int) -> AdjustedEffect:
    """An estimate as the pages read it."""
    if estimate is None:
        return AdjustedEffect(0, n_comparison, reason=wording.REASON_NO_MEASURE)
    return AdjustedEffect(
        n_participants=estimate.n,
        n_comparison=n_comparison,
        difference=estimate.difference,
        difference_low=estimate.low,
        difference_high=estimate.high,
        effect=estimate.effect,
        reason=estimate.reason,
        groups=estimate.groups,
        df=estimate.df,
    )


def _describe_run(
    provision: Provision, costed: RunCost, placements: list[Placed], sd: float | None
) -> RunImpact:
    """One run's pupils and their gains (described, not judged: one group alone cannot be
    told apart from what its pupils shared)."""
    measure = provision.measure
    spec = _spec(measure)
    success_gain = float(provision.success_gain) if provision.success_gain is not None else None
    completed, withdrawn = _status_counts(placements)
    scored = _with_results(placements, measure)
    pairs = [(entry.value, end.value) for entry, end in map(_entry_exit, scored)]
    medians = (
        CohortMedians(
            baseline=statistics.median(pair[0] for pair in pairs),
            exit=statistics.median(pair[1] for pair in pairs),
        )
        if pairs
        else None
    )
    progress = [
        pupil_progress(
            EntryExit(
                baseline=entry.value,
                exit=end.value,
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
        sd=sd,
    )
    reason = wording.REASON_TOO_FEW_GROUPS.format(n=1, minimum=MIN_GROUPS)
    adjusted = AdjustedEffect(len(scored), 0, reason=reason, groups=1)
    if measure is None:
        raw = dataclasses.replace(raw, reason=wording.REASON_NO_MEASURE)
        adjusted = AdjustedEffect(0, 0, reason=wording.REASON_NO_MEASURE)
    return RunImpact(costed.run, progress, raw, adjusted, scored=scored, costed=costed)


def _judged(provision: Provision, fitted: _Fitted | None) -> tuple[Estimate, AdjustedEffect]:
    """The provision's estimate in its measure's model, and its effect as the pages read it."""
    if fitted is None:
        return Estimate(n=0, groups=0, reason=wording.REASON_NO_MEASURE), adjusted_of(None, 0)
    estimate = fitted.model.estimates.get(provision.pk) or Estimate(
        n=0, groups=0, reason=wording.REASON_TOO_FEW_PUPILS.format(n=0, minimum=5)
    )
    return estimate, adjusted_of(estimate, fitted.model.n_comparison)


def _pool(
    provision: Provision,
    runs: list[RunCost],
    described: list[RunImpact],
    fitted: _Fitted | None,
) -> ProvisionImpact:
    spec = _spec(provision.measure)
    placed = sum(item.pupil_count for item in runs)
    total_cost = sum((item.cost for item in runs), Decimal(0))
    per_pupil = costing.to_pennies(total_cost / placed) if placed else None
    completed = withdrawn = 0
    for item in runs:
        done, dropped = _status_counts(item.placements)
        completed, withdrawn = completed + done, withdrawn + dropped
    progress = [pupil for item in described for pupil in item.progress]
    sd = fitted.model.sd if fitted else None
    raw = raw_impact(
        progress,
        measure=spec,
        completed=completed,
        withdrawn=withdrawn,
        cost_per_pupil=per_pupil,
        sd=sd,
    )
    expected, missing = (0, 0)
    estimate, adjusted = _judged(provision, fitted)
    n_comparison = adjusted.n_comparison
    if fitted is None:
        raw = dataclasses.replace(raw, reason=wording.REASON_NO_MEASURE)
    else:
        expected, missing = fitted.attrition.get(provision.pk, (0, 0))
    attrition = missing / expected if expected else None
    return ProvisionImpact(
        provision=provision,
        measure=provision.measure,
        runs=described,
        raw=raw,
        adjusted=adjusted,
        verdict=impact_verdict(
            estimate,
            n_comparison=n_comparison,
            cost_per_pupil=per_pupil,
            attrition=attrition,
            # Sessions delivered against planned: not recorded yet (session registers).
            delivered=None,
        ),
        total_cost=total_cost,
        placed=placed,
        comparison=fitted.comparison if fitted else [],
        expected=expected,
        missing=missing,
        spells=fitted.spells if fitted else [],
    )


@dataclass
class YearFigures:
    """The runs of a year (or of every year) read and its measures' models fitted: enough to
    tell whether any provision can be ranked. The costs and each run's description, the rest
    of the figures, are worked out by `impacts`: a page that falls back to an earlier year
    (`insights.years`) never needs them for the year it leaves."""

    read: ReadRuns
    # Each run's placements but those of archived leavers, by run id.
    by_run: dict[int, list[Placed]]
    fitted: dict[int, _Fitted]

    def _found(self, provision: Provision) -> _Fitted | None:
        return self.fitted.get(provision.measure_id) if provision.measure_id else None

    def _order(self) -> list[Provision]:
        """The provisions described, in the map's order."""
        ids = dict.fromkeys(run.provision_id for run in self.read.described)
        return [self.read.provisions[provision_id] for provision_id in ids]

    def ranks_any(self) -> bool:
        """Would `impacts` rank any provision (`ranking.rankable`)?"""
        return any(
            ranks(_judged(provision, self._found(provision))[1]) for provision in self._order()
        )

    def impacts(self) -> list[ProvisionImpact]:
        """Every described provision's figures, in the map's order (three more queries, for
        the runs' costs)."""
        runs_of: dict[int, list[RunCost]] = defaultdict(list)
        for item in self.read.costed():
            runs_of[item.run.provision_id].append(item)
        impacts = []
        for provision in self._order():
            found = self._found(provision)
            sd = found.model.sd if found else None
            described = [
                _describe_run(provision, item, self.by_run.get(item.run.pk, []), sd)
                for item in runs_of[provision.pk]
            ]
            impacts.append(_pool(provision, runs_of[provision.pk], described, found))
        return impacts


def year_figures(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    as_of: dt.date | None = None,
    only: Iterable[int] | None = None,
) -> YearFigures:
    """The runs of the year (or of every year; with `only`, those of these provision ids and
    the others on their measures) read, and each measure's model fitted."""
    as_of = as_of or dt.date.today()
    read = read_runs(school, academic_year, set(only) if only is not None else None)
    provisions = read.provisions
    # Archived leavers are out of every analysis, as they are off every page.
    by_run = {
        run_id: [item for item in placements if not item.archived]
        for run_id, placements in read.placements.items()
    }
    by_measure: dict[int, list[tuple[ProvisionRun, list[Placed]]]] = defaultdict(list)
    for run in read.runs:
        measure_id = provisions[run.provision_id].measure_id
        if measure_id is not None:
            by_measure[measure_id].append((run, by_run.get(run.pk, [])))
    fitted = {}
    if read.described:
        data = _read_measures(school, provisions, by_measure)
        fitted = {measure_id: _fit(item, as_of) for measure_id, item in data.items()}
    return YearFigures(read, by_run, fitted)


def provision_impacts(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    as_of: dt.date | None = None,
    only: Iterable[int] | None = None,
) -> list[ProvisionImpact]:
    """Impact figures for every provision the school ran (in one academic year, or ever),
    in catalogue order; with `only`, for those provision ids alone (a provision's own page;
    the measure's model still holds every provision on it). Costs are each run's planned
    cost; `as_of` says which groups should have ended."""
    return year_figures(school, academic_year=academic_year, as_of=as_of, only=only).impacts()


def _read_measures(
    school: School,
    provisions: dict[int, Provision],
    by_measure: dict[int, list[tuple[ProvisionRun, list[Placed]]]],
) -> dict[int, _MeasureData]:
    """For each measure: its runs, every result on it in its window by pupil (in date
    order), and the pupils in any provision on it in the window (two queries)."""
    windows: dict[int, tuple[dt.date, dt.date]] = {}
    for measure_id, runs in by_measure.items():
        days = [run.start_date for run, _ in runs] + [run.end_date for run, _ in runs]
        for _, placements in runs:
            for item in placements:
                days += [result.date for result in (item.baseline, item.exit) if result]
        windows[measure_id] = (min(days) - WINDOW_SLACK, max(days) + FOLLOW_UP)
    if not windows:
        return {}
    measures = {
        provision.measure_id: provision.measure
        for provision in provisions.values()
        if provision.measure_id in windows and provision.measure is not None
    }
    rows = (
        current_results(school)
        .filter(
            measure_id__in=list(windows),
            date__gte=min(window[0] for window in windows.values()),
            date__lte=max(window[1] for window in windows.values()),
        )
        .order_by("measure_id", "pupil_id", "date", "pk")
        .values_list("measure_id", "pupil_id", "date", Cast("value", FloatField()))
    )
    grouped: dict[int, dict[int, tuple[Dated, ...]]] = defaultdict(dict)
    # Tens of thousands of rows in a year: read a chunk at a time rather than all kept, and
    # each pupil's kept as a tuple of plain values (which the garbage collector, once it has
    # seen them, no longer has to follow).
    chunks = rows.iterator(chunk_size=2000)
    for (measure_id, pupil_id), found in groupby(chunks, key=lambda row: row[:2]):
        start, end = windows[measure_id]
        kept = tuple((date, value) for _, _, date, value in found if start <= date <= end)
        if kept:
            grouped[measure_id][pupil_id] = kept
    # Anyone in a provision on the measure before or while its window was open is no
    # comparison (what they had may still show).
    started = Q()
    for measure_id, (_, end) in windows.items():
        started |= Q(run__provision__measure_id=measure_id, run__start_date__lte=end)
    excluded: dict[int, set[int]] = defaultdict(set)
    for measure_id, pupil_id in (
        Placement.objects.filter(started, school=school)
        .order_by()
        .values_list("run__provision__measure_id", "pupil_id")
        .distinct()
    ):
        excluded[measure_id].add(pupil_id)
    return {
        measure_id: _MeasureData(
            measure=measures[measure_id],
            runs=by_measure[measure_id],
            results=grouped.get(measure_id, {}),
            excluded=excluded[measure_id],
        )
        for measure_id in windows
        if measure_id in measures
    }
