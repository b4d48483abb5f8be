"""One pupil's progress on one measure between an entry (baseline) and an exit result.

Plain functions of numbers and dates: no database, no web. Every figure is turned the better
way round first, so a positive gain is always good news, also on measures where lower is
better (SDQ totals, behaviour incidents): there a fall is a gain.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from provmap.provision import ratings
from provmap.provision.ratings import AMBER, BLUE, GREEN, RED

# Scales with a meaning of their own (the values of pupils.models.Measure.Scale).
STANDARDISED = "standardised"
AGE_MONTHS = "age_months"

# Standardised scores are built with mean 100 and standard deviation 15.
STANDARDISED_SD = 15.0

# Brooks: a ratio gain of 2 (twice the normal rate of progress) or more is "good impact".
GOOD_RATIO_GAIN = 2.0

# An average calendar month, for the part-month left over between two dates.
DAYS_PER_MONTH = 365.25 / 12

# RAGB suggestion from the gain and the provision's success criterion (its success_gain):
# Red no gain or worse, Amber some gain, Green the criterion met, Blue at least
# ratings.BLUE_MULTIPLE times the criterion ("exceeded", seed 004's key).
RATINGS = (RED, AMBER, GREEN, BLUE)


@dataclass(frozen=True)
class MeasureSpec:
    """What the statistics need to know about a measure."""

    scale: str
    higher_is_better: bool = True

    @property
    def known_sd(self) -> float | None:
        """The spread the scale is built with, when it has one (standardised scores only)."""
        return STANDARDISED_SD if self.scale == STANDARDISED else None

    @property
    def in_months(self) -> bool:
        return self.scale == AGE_MONTHS


@dataclass(frozen=True)
class EntryExit:
    """A pupil's entry and exit results (dates are needed only for ratio gains)."""

    baseline: float
    exit: float
    baseline_date: dt.date | None = None
    exit_date: dt.date | None = None


@dataclass(frozen=True)
class CohortMedians:
    """The middle result of the whole cohort at the entry and at the exit test."""

    baseline: float
    exit: float


@dataclass(frozen=True, slots=True)
class PupilProgress:
    baseline: float
    exit: float
    gain: float
    # Months gained per month elapsed; only for age-based measures with both dates.
    ratio_gain: float | None
    good_ratio_gain: bool | None
    # The gain in standard deviations of the measure (or of the cohort's entry results).
    standardised_change: float | None
    met_criterion: bool | None
    rating: str | None
    # How far behind the cohort median the pupil was at entry and at exit (negative: ahead).
    gap_before: float | None
    gap_after: float | None
    gap_narrowed: bool | None


def gain(baseline: float, exit: float, *, higher_is_better: bool = True) -> float:
    """The change from entry to exit, positive when the pupil got better."""
    change = exit - baseline
    return change if higher_is_better else -change


def months_between(start: dt.date, end: dt.date) -> float:
    """Calendar months from `start` to `end`: whole months, plus the days left over as a part
    of an average month (8 September to 8 December is exactly 3)."""
    whole = (end.year - start.year) * 12 + (end.month - start.month)
    return whole + (end.day - start.day) / DAYS_PER_MONTH


def ratio_gain(months_gained: float, start: dt.date, end: dt.date) -> float | None:
    """Brooks's ratio gain: months of (reading or spelling) age gained per month elapsed.

    None when no time has passed, since the rate is then meaningless.
    """
    elapsed = months_between(start, end)
    if elapsed <= 0:
        return None
    return months_gained / elapsed


def cohort_sd(values: Sequence[float]) -> float | None:
    """The sample standard deviation (n - 1) of a cohort's results; None for fewer than two
    results or no spread at all."""
    if len(values) < 2:
        return None
    sd = statistics.stdev(values)
    return sd if sd > 0 else None


def measure_sd(measure: MeasureSpec, cohort_baselines: Sequence[float]) -> float | None:
    """The spread a gain is measured against: 15 for standardised scores, otherwise the
    standard deviation of the cohort's entry results."""
    return measure.known_sd or cohort_sd(cohort_baselines)


def standardised_change(pupil_gain: float, sd: float | None) -> float | None:
    if not sd:
        return None
    return pupil_gain / sd


def met_criterion(pupil_gain: float, success_gain: float | None) -> bool | None:
    if success_gain is None:
        return None
    return pupil_gain >= success_gain


def suggest_rating(pupil_gain: float, success_gain: float | None) -> str | None:
    """The RAGB rating the figures suggest (the reviewer has the last word), by the one rule
    the run pages and the demo school use too (provmap.provision.ratings)."""
    target = None if success_gain is None else Decimal(str(success_gain))
    return ratings.rating_for_gain(Decimal(str(pupil_gain)), target) or None


def gap_to_median(value: float, median: float, *, higher_is_better: bool = True) -> float:
    """How far a pupil is behind the cohort median, in the measure's units (negative when
    ahead of it)."""
    return gain(value, median, higher_is_better=higher_is_better)


def pupil_progress(
    results: EntryExit,
    *,
    measure: MeasureSpec,
    success_gain: float | None = None,
    sd: float | None = None,
    medians: CohortMedians | None = None,
) -> PupilProgress:
    """Every per-pupil figure at once.

    `sd` is what the gain is standardised by: pass measure_sd(...) once for the cohort.
    `medians` are the cohort's middle results at entry and exit; the gap narrowed when the
    pupil ended less far behind the median than they started (or further ahead of it).
    """
    better = measure.higher_is_better
    pupil_gain = gain(results.baseline, results.exit, higher_is_better=better)

    ratio = None
    if measure.in_months and results.baseline_date and results.exit_date:
        ratio = ratio_gain(pupil_gain, results.baseline_date, results.exit_date)

    gap_before = gap_after = None
    narrowed = None
    if medians is not None:
        gap_before = gap_to_median(results.baseline, medians.baseline, higher_is_better=better)
        gap_after = gap_to_median(results.exit, medians.exit, higher_is_better=better)
        narrowed = gap_after < gap_before

    return PupilProgress(
        baseline=results.baseline,
        exit=results.exit,
        gain=pupil_gain,
        ratio_gain=ratio,
        good_ratio_gain=None if ratio is None else ratio >= GOOD_RATIO_GAIN,
        standardised_change=standardised_change(pupil_gain, sd),
        met_criterion=met_criterion(pupil_gain, success_gain),
        rating=suggest_rating(pupil_gain, success_gain),
        gap_before=gap_before,
        gap_after=gap_after,
        gap_narrowed=narrowed,
    )
