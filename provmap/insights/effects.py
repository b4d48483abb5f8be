"""Effect sizes for groups of pupils, with their uncertainty, in the units schools use.

Two answers to "did it work?", both kept:

* raw: the change from entry to exit of the pupils who took part (pre/post). Easy to explain,
  but pupils picked for low entry scores tend to score higher on a second test anyway
  (regression to the mean), so it flatters provision;
* adjusted: the difference between pupils who took part and pupils who did not, at the same
  entry score (ANCOVA: exit regressed on entry and taking part). This is the honest test
  whenever other pupils sat the same measure at the same times.

Plain functions of numbers (numpy and scipy for the arithmetic); no database, no web.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import stats

from provmap.insights import wording
from provmap.insights.progress import RATINGS, MeasureSpec, PupilProgress, cohort_sd
from provmap.provision.costing import to_pennies

CONFIDENCE = 0.95

# Below these, the figures are shown but not judged: a handful of pupils cannot tell
# a working provision from a lucky term.
MIN_PUPILS = 5
MIN_COMPARISON = 5

# The EEF toolkit's conversion of an effect size into months of additional progress: each
# row is the smallest effect (to 2 decimal places) that earns that many months. So
# 0.02-0.09 = 1 month, 0.10-0.18 = 2, ... 0.88-0.95 = 11 and 0.96 or more = 12.
EEF_MONTHS: tuple[tuple[Decimal, int], ...] = (
    (Decimal("0.96"), 12),
    (Decimal("0.88"), 11),
    (Decimal("0.79"), 10),
    (Decimal("0.70"), 9),
    (Decimal("0.62"), 8),
    (Decimal("0.53"), 7),
    (Decimal("0.45"), 6),
    (Decimal("0.36"), 5),
    (Decimal("0.27"), 4),
    (Decimal("0.19"), 3),
    (Decimal("0.10"), 2),
    (Decimal("0.02"), 1),
)
HUNDREDTHS = Decimal("0.01")


def eef_months(effect: float) -> int:
    """Months of additional progress for an effect size, by the EEF's table.

    The effect is rounded to 2 decimal places (half up) first, as the table is written, so
    0.095 counts as 0.10. A negative effect gives the same number of months with a minus sign
    (the toolkit reports harmful approaches as negative months, e.g. -1); anything between
    -0.01 and 0.01 is 0.
    """
    if not math.isfinite(effect):
        raise ValueError(f"An effect size must be a finite number, not {effect}.")
    size = Decimal(repr(abs(effect))).quantize(HUNDREDTHS, rounding=ROUND_HALF_UP)
    months = next((months for lowest, months in EEF_MONTHS if size >= lowest), 0)
    return months if effect >= 0 else -months


@functools.cache
def t_critical(degrees_of_freedom: int) -> float:
    """The two-sided t value for the CONFIDENCE interval (2.78 for 4 df, 1.96 for very many).
    Kept for each df: a year's runs ask for the same few hundreds of times, and scipy takes
    a tenth of a millisecond for each."""
    return float(stats.t.ppf(0.5 + CONFIDENCE / 2, degrees_of_freedom))


@dataclass(frozen=True, slots=True)
class EffectSize:
    """An effect in standard deviations, with its 95% confidence interval."""

    value: float
    low: float
    high: float
    standard_error: float
    # The standard deviation divided by, and where it came from: "measure" (the scale's own,
    # 15 for standardised scores), "pooled" (entry and exit of the group) or "cohort" (entry
    # results of everyone compared).
    sd: float
    sd_basis: str

    @property
    def months_range(self) -> tuple[int, int]:
        """EEF months at the two ends of the interval (never one number from the point)."""
        return eef_months(self.low), eef_months(self.high)


def _oriented(values: Sequence[float], higher_is_better: bool) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array if higher_is_better else -array


def paired_effect_size(
    baselines: Sequence[float],
    exits: Sequence[float],
    *,
    higher_is_better: bool = True,
    known_sd: float | None = None,
) -> EffectSize | None:
    """The pre/post effect size of one group: mean gain / SD, with a 95% interval.

    The SD is the measure's own when it has one (`known_sd`, 15 for standardised scores): that
    keeps effects comparable with the EEF toolkit, and fair to groups picked for low scores,
    whose own spread is narrow. Otherwise it is the pooled SD of the group's entry and exit
    results, sqrt((s_entry^2 + s_exit^2) / 2), each with n - 1.

    Standard error of d (n pupils, gains with SD s_gain):
    * measure's SD: the SD is a constant, so only the mean gain is uncertain:
          SE(d) = s_gain / (SD * sqrt(n))
    * pooled SD: the SD is estimated too. With r the correlation of entry and exit results,
      the delta method gives
          SE(d)^2 = s_gain^2 / (n * SD^2) + d^2 * (1 + r^2) / (4n)
      (the first term is the familiar 2(1 - r)/n when entry and exit spread alike).
    The interval is d +/- t(0.975, n - 1) * SE(d).

    None for fewer than two pupils or results that do not vary.
    """
    if len(baselines) != len(exits):
        raise ValueError("Every entry result needs its exit result.")
    n = len(baselines)
    if n < 2:
        return None
    entry = _oriented(baselines, higher_is_better)
    leave = _oriented(exits, higher_is_better)
    gains = leave - entry
    mean_gain = float(gains.mean())
    s_gain = float(gains.std(ddof=1))

    if known_sd:
        sd, basis = float(known_sd), "measure"
        d = mean_gain / sd
        se = s_gain / (sd * math.sqrt(n))
    else:
        s_entry, s_exit = float(entry.std(ddof=1)), float(leave.std(ddof=1))
        sd, basis = math.sqrt((s_entry**2 + s_exit**2) / 2), "pooled"
        if sd == 0:
            return None
        d = mean_gain / sd
        r = float(np.corrcoef(entry, leave)[0, 1]) if s_entry > 0 and s_exit > 0 else 0.0
        se = math.sqrt(s_gain**2 / (n * sd**2) + d**2 * (1 + r**2) / (4 * n))

    margin = t_critical(n - 1) * se
    return EffectSize(
        value=d, low=d - margin, high=d + margin, standard_error=se, sd=sd, sd_basis=basis
    )


def share(count: int, total: int) -> float | None:
    return count / total if total else None


def completion_share(completed: int, withdrawn: int) -> float | None:
    """Of the pupils who finished one way or the other, the share who completed (pupils still
    in the group, or not started, are left out)."""
    return share(completed, completed + withdrawn)


def ratings_count(ratings: Sequence[str | None]) -> dict[str, int]:
    """How many of each RAGB rating, every colour present (unrated pupils are not counted)."""
    return {colour: sum(1 for rating in ratings if rating == colour) for colour in RATINGS}


def cost_per_month_range(
    cost_per_pupil: Decimal | None, low_months: int, high_months: int
) -> tuple[Decimal, Decimal | None] | None:
    """What each month of additional progress cost per pupil, at the two ends of the months'
    range: (cheapest, dearest), the dearest None when the low end is under a month (no upper
    limit to the price). None when there is no cost or no month to pay for. Only for an
    interval wholly above zero: the caller checks."""
    if cost_per_pupil is None or high_months <= 0:
        return None
    cheapest = to_pennies(Decimal(cost_per_pupil) / high_months)
    dearest = to_pennies(Decimal(cost_per_pupil) / low_months) if low_months > 0 else None
    return cheapest, dearest


@dataclass(frozen=True, slots=True)
class RawImpact:
    """Pre/post figures for a run or a provision (pupils who took part only): a description
    of their gains, never a verdict (regression to the mean is in them)."""

    n: int
    mean_gain: float | None
    effect: EffectSize | None
    success_share: float | None
    ratings: dict[str, int]
    completion_share: float | None
    cost_per_pupil: Decimal | None
    reason: str | None


def raw_impact(
    progress: Sequence[PupilProgress],
    *,
    measure: MeasureSpec,
    completed: int = 0,
    withdrawn: int = 0,
    cost_per_pupil: Decimal | None = None,
    sd: float | None = None,
) -> RawImpact:
    """Summarise the progress of the pupils with both results.

    `completed` and `withdrawn` count every placement (with results or not), and
    `cost_per_pupil` is the group's cost shared among everyone placed in it. `sd` is the
    cohort's spread to give the gain in (the measure's own when it has one); without it,
    the group's own (which flatters a group picked for low scores, whose spread is narrow).
    """
    n = len(progress)
    effect = paired_effect_size(
        [item.baseline for item in progress],
        [item.exit for item in progress],
        higher_is_better=measure.higher_is_better,
        known_sd=measure.known_sd or sd,
    )
    reason = None
    if n < 2:
        reason = wording.REASON_TOO_FEW_PUPILS.format(n=n, minimum=MIN_PUPILS)
    elif effect is None:
        reason = wording.REASON_NO_SPREAD
    judged = [item.met_criterion for item in progress if item.met_criterion is not None]
    return RawImpact(
        n=n,
        mean_gain=sum(item.gain for item in progress) / n if n else None,
        effect=effect,
        success_share=share(sum(judged), len(judged)),
        ratings=ratings_count([item.rating for item in progress]),
        completion_share=completion_share(completed, withdrawn),
        cost_per_pupil=cost_per_pupil,
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class AdjustedEffect:
    """The effect of taking part against a comparison group, allowing for entry results.

    `difference` is in the measure's units (positive: better than comparable pupils who did
    not take part); `effect` is the same as an effect size. Both are None, with a `reason`,
    when the data cannot support a comparison.
    """

    n_participants: int
    n_comparison: int
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None
    baseline_slope: float | None = None
    effect: EffectSize | None = None
    reason: str | None = None
    # The groups (runs) the participants were taught in, and the interval's degrees of
    # freedom (measure's model only).
    groups: int = 0
    df: float | None = None

    @property
    def months_range(self) -> tuple[int, int] | None:
        """EEF months at the two ends of the interval: never one number from a point."""
        return self.effect.months_range if self.effect is not None else None


def ranks(adjusted: AdjustedEffect) -> bool:
    """May a provision with this effect be ranked? An effect against a comparison group,
    from enough pupils to judge (`ranking.rankable`)."""
    return adjusted.effect is not None and adjusted.n_participants >= MIN_PUPILS


def ancova(
    participants: Sequence[tuple[float, float]],
    comparison: Sequence[tuple[float, float]],
    *,
    higher_is_better: bool = True,
    known_sd: float | None = None,
    min_participants: int = MIN_PUPILS,
    min_comparison: int = MIN_COMPARISON,
) -> AdjustedEffect:
    """The adjusted effect of taking part, from (entry, exit) pairs of both groups.

    Ordinary least squares of  exit = a + b * entry + c * took_part  over everyone:
    c is the difference at equal entry results. Its standard error comes from the residual
    variance s^2 = RSS / (n - 3) and the (X'X)^-1 of the design, and its 95% interval is
    c +/- t(0.975, n - 3) * SE(c). As an effect size, c and its interval are divided by the
    measure's SD when it has one, otherwise by the SD (n - 1) of the entry results of everyone
    in the model.

    Never raises for small or awkward data: returns a result with a `reason` instead.
    """
    n_part, n_comp = len(participants), len(comparison)
    result: AdjustedEffect = AdjustedEffect(n_participants=n_part, n_comparison=n_comp)
    if n_comp == 0:
        return _with_reason(result, wording.REASON_NO_COMPARISON)
    if n_part < min_participants:
        return _with_reason(
            result, wording.REASON_TOO_FEW_PUPILS.format(n=n_part, minimum=min_participants)
        )
    if n_comp < min_comparison:
        return _with_reason(
            result, wording.REASON_TOO_FEW_COMPARISON.format(n=n_comp, minimum=min_comparison)
        )

    pairs = [*participants, *comparison]
    entry = _oriented([pair[0] for pair in pairs], higher_is_better)
    leave = _oriented([pair[1] for pair in pairs], higher_is_better)
    took_part = np.array([1.0] * n_part + [0.0] * n_comp)
    sd = float(known_sd) if known_sd else cohort_sd([pair[0] for pair in pairs])
    if not sd:
        return _with_reason(result, wording.REASON_NO_SPREAD)

    # Centring the entry results changes neither c nor its error, and keeps X'X well scaled.
    design = np.column_stack([np.ones(len(pairs)), entry - entry.mean(), took_part])
    coefficients, _, rank, _ = np.linalg.lstsq(design, leave, rcond=None)
    if rank < design.shape[1]:
        return _with_reason(result, wording.REASON_SINGULAR)
    residuals = leave - design @ coefficients
    degrees_of_freedom = len(pairs) - design.shape[1]
    residual_variance = float(residuals @ residuals) / degrees_of_freedom
    covariance = residual_variance * np.linalg.inv(design.T @ design)
    difference = float(coefficients[2])
    se = math.sqrt(float(covariance[2, 2]))
    margin = t_critical(degrees_of_freedom) * se

    return AdjustedEffect(
        n_participants=n_part,
        n_comparison=n_comp,
        difference=difference,
        difference_low=difference - margin,
        difference_high=difference + margin,
        baseline_slope=float(coefficients[1]),
        effect=EffectSize(
            value=difference / sd,
            low=(difference - margin) / sd,
            high=(difference + margin) / sd,
            standard_error=se / sd,
            sd=sd,
            sd_basis="measure" if known_sd else "cohort",
        ),
    )


def _with_reason(result: AdjustedEffect, reason: str) -> AdjustedEffect:
    return AdjustedEffect(
        n_participants=result.n_participants, n_comparison=result.n_comparison, reason=reason
    )
