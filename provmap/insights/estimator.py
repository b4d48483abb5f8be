"""One model per measure: every provision on it, against pupils who took part in none.

Each pupil's pair of results on the measure (an entry result and a later one) is a *spell*.
Pupils in provision have one spell a placement (pupils in two provisions on the same results
have one spell counting for both); a comparison pupil (in no provision on the measure in
the window) has one spell, on occasions matched to the groups'. The model, over every spell:

    exit = a + b * entry + g * when the entry result was taken + h * months between the
           results + sum over provisions c_k * D_k

with D_k = 1 when the spell was spent in provision k. c_k is provision k's effect: the
difference from comparison pupils with the same entry result, taken at the same time of
year, and the same time between tests (scores that grow with age, and a test taken later,
are allowed for). Pupils taught together share more than their provision (a teacher, a timetable, a
bad week), so the uncertainty is worked out by group (the run; a comparison pupil is a group
of one) with the small-sample correction of Bell and McCaffrey (CR2) and the degrees of
freedom of Imbens and Kolesar: with few groups in a provision, the interval widens as it
should. CR1 (Stata's and statsmodels' correction, t on G - 1 df) is there for checking.

Plain functions of numbers (numpy and scipy): no database, no web.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from provmap.insights import wording
from provmap.insights.effects import (
    CONFIDENCE,
    MIN_COMPARISON,
    MIN_PUPILS,
    EffectSize,
    eef_months,
)

# No verdict from fewer groups than this: one group's results cannot be told apart from what
# its pupils shared (a teacher, a timetable, a bad week).
MIN_GROUPS = 2

CR1 = "CR1"
CR2 = "CR2"


@dataclass(frozen=True)
class OlsFit:
    """Least squares with cluster-robust standard errors, a df for each coefficient."""

    coefficients: np.ndarray
    covariance: np.ndarray
    df: np.ndarray
    clusters: int

    def interval(self, index: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
        value = float(self.coefficients[index])
        se = math.sqrt(max(float(self.covariance[index, index]), 0.0))
        margin = float(stats.t.ppf(0.5 + confidence / 2, self.df[index])) * se
        return value - margin, value + margin


def _inverse_sqrt(matrix: np.ndarray) -> np.ndarray:
    """The symmetric inverse square root, leaving out directions with (almost) no variance
    (a group that a coefficient alone fits exactly), as the CR2 literature does."""
    values, vectors = np.linalg.eigh(matrix)
    keep = values > 1e-10
    root = np.zeros_like(values)
    root[keep] = 1.0 / np.sqrt(values[keep])
    return (vectors * root) @ vectors.T


def cluster_ols(
    y: Sequence[float] | np.ndarray,
    x: np.ndarray,
    clusters: Sequence[Hashable],
    *,
    kind: str = CR2,
) -> OlsFit:
    """OLS of y on x (with its own intercept column) and the cluster-robust covariance.

    CR1: V = G/(G-1) (N-1)/(N-K) W (sum_g X_g'e_g e_g'X_g) W, W = (X'X)^-1, t on G - 1 df
    (statsmodels' cov_type="cluster"). CR2: each group's residuals are first scaled by
    (I - H_gg)^-1/2, and each coefficient's df is Imbens and Kolesar's (sum of the
    eigenvalues of G'G)^2 / (sum of their squares), worked out without N x N matrices:
    G'G = D - C'WC, with D_g = |b_g|^2, c_g = X_g'b_g and b_g = A_g X_g W l.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    gram_inverse = np.linalg.inv(x.T @ x)
    coefficients = gram_inverse @ (x.T @ y)
    residuals = y - x @ coefficients

    members: dict[Hashable, list[int]] = defaultdict(list)
    for row, cluster in enumerate(clusters):
        members[cluster].append(row)
    groups = [np.asarray(rows) for rows in members.values()]
    count = len(groups)

    if kind == CR1:
        scores = np.array([x[rows].T @ residuals[rows] for rows in groups])
        meat = scores.T @ scores
        correction = count / (count - 1) * (n - 1) / (n - p) if count > 1 else math.inf
        covariance = correction * gram_inverse @ meat @ gram_inverse
        return OlsFit(coefficients, covariance, np.full(p, max(count - 1, 1)), count)

    meat = np.zeros((p, p))
    d_terms = np.zeros((count, p))  # D_g for each coefficient
    c_terms = np.zeros((count, p, p))  # c_g (a p-vector) for each coefficient
    singles = [rows[0] for rows in groups if len(rows) == 1]
    many = [(index, rows) for index, rows in enumerate(groups) if len(rows) > 1]
    single_index = [index for index, rows in enumerate(groups) if len(rows) == 1]
    if singles:
        rows = np.asarray(singles)
        xs = x[rows]
        leverage = np.einsum("ij,jk,ik->i", xs, gram_inverse, xs)
        adjust = 1.0 / np.sqrt(np.clip(1.0 - leverage, 1e-10, None))
        scaled = xs * (adjust * residuals[rows])[:, None]
        meat += scaled.T @ scaled
        b = (xs @ gram_inverse) * adjust[:, None]  # b_g for every coefficient (n_g = 1)
        d_terms[single_index] = b**2
        c_terms[single_index] = xs[:, :, None] * b[:, None, :]
    for index, rows in many:
        xg = x[rows]
        adjust = _inverse_sqrt(np.eye(len(rows)) - xg @ gram_inverse @ xg.T)
        score = xg.T @ (adjust @ residuals[rows])
        meat += np.outer(score, score)
        b = adjust @ xg @ gram_inverse  # n_g x p: column l is b_g for coefficient l
        d_terms[index] = (b**2).sum(axis=0)
        c_terms[index] = xg.T @ b
    covariance = gram_inverse @ meat @ gram_inverse

    df = np.empty(p)
    for column in range(p):
        c = c_terms[:, :, column]  # G x p
        d = d_terms[:, column]
        quadratic = np.einsum("gi,ij,gj->g", c, gram_inverse, c)
        trace = d.sum() - quadratic.sum()
        cross = gram_inverse @ (c.T @ c)
        trace_squared = (d**2).sum() - 2 * (d * quadratic).sum() + float(np.sum(cross * cross.T))
        df[column] = trace**2 / trace_squared if trace_squared > 0 else 1.0
    return OlsFit(coefficients, covariance, np.maximum(df, 1.0), count)


# --- The measure's model ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Spell:
    """A pupil's entry result and a later result on the measure, and what happened between.

    `provisions` are the provisions (any hashable key) the pupil took part in between the
    two (none for a comparison pupil); `group` the pupils taught together (the run), or the
    pupil alone for a comparison pupil.
    """

    pupil: int
    entry: float
    exit: float
    months: float
    provisions: frozenset[Hashable]
    group: Hashable
    # When the entry result was taken, in months from any fixed date (the same for all).
    start: float = 0.0


@dataclass(frozen=True, slots=True)
class Estimate:
    """One provision's effect in the measure's model: in the measure's units (the better way
    round) and in standard deviations of the cohort."""

    n: int
    groups: int
    difference: float | None = None
    low: float | None = None
    high: float | None = None
    df: float | None = None
    effect: EffectSize | None = None
    reason: str | None = None

    @property
    def months_low(self) -> int | None:
        return eef_months(self.effect.low) if self.effect else None

    @property
    def months_high(self) -> int | None:
        return eef_months(self.effect.high) if self.effect else None


@dataclass(frozen=True)
class MeasureModel:
    n_comparison: int
    sd: float | None
    sd_basis: str
    estimates: dict[Hashable, Estimate]
    baseline_slope: float | None = None
    months_slope: float | None = None
    reason: str | None = None


def cohort_spread(entries: Sequence[float], known_sd: float | None) -> tuple[float | None, str]:
    """The SD an effect is given in: the scale's own (15 for standardised scores), else the
    SD of the entry results of everyone in the model (never that of the pupils picked for
    provision alone, whose spread is narrow)."""
    if known_sd:
        return float(known_sd), "measure"
    if len(entries) < 2:
        return None, "cohort"
    sd = float(np.std(np.asarray(entries, dtype=float), ddof=1))
    return (sd if sd > 0 else None), "cohort"


def fit_measure(
    spells: Sequence[Spell],
    *,
    higher_is_better: bool = True,
    known_sd: float | None = None,
    min_pupils: int = MIN_PUPILS,
    min_comparison: int = MIN_COMPARISON,
    min_groups: int = MIN_GROUPS,
    kind: str = CR2,
) -> MeasureModel:
    """Every provision's effect on one measure (see the top of this module). Never raises for
    small or awkward data: a provision it cannot judge gets an Estimate with a `reason`."""
    keys = sorted({key for spell in spells for key in spell.provisions}, key=str)
    counts = {key: sum(1 for spell in spells if key in spell.provisions) for key in keys}
    group_counts = {
        key: len({spell.group for spell in spells if key in spell.provisions}) for key in keys
    }
    comparison = sum(1 for spell in spells if not spell.provisions)
    sd, basis = cohort_spread([spell.entry for spell in spells], known_sd)

    def refused(reason: str) -> MeasureModel:
        return MeasureModel(
            n_comparison=comparison,
            sd=sd,
            sd_basis=basis,
            estimates={
                key: Estimate(n=counts[key], groups=group_counts[key], reason=reason)
                for key in keys
            },
            reason=reason,
        )

    if comparison == 0:
        return refused(wording.REASON_NO_COMPARISON)
    if comparison < min_comparison:
        return refused(
            wording.REASON_TOO_FEW_COMPARISON.format(n=comparison, minimum=min_comparison)
        )
    if not sd:
        return refused(wording.REASON_NO_SPREAD)

    sign = 1.0 if higher_is_better else -1.0
    entry = sign * np.array([spell.entry for spell in spells])
    leave = sign * np.array([spell.exit for spell in spells])
    months = np.array([spell.months for spell in spells])
    starts = np.array([spell.start for spell in spells])
    columns = [np.ones(len(spells)), entry - entry.mean()]
    # The time terms only where the dates differ (a week's difference is no difference).
    timed = float(np.ptp(months)) > 0.25
    if timed:
        columns.append(months - months.mean())
    if float(np.ptp(starts)) > 0.25:
        columns.append(starts - starts.mean())
    fixed = len(columns)
    columns += [
        np.array([1.0 if key in spell.provisions else 0.0 for spell in spells]) for key in keys
    ]
    design = np.column_stack(columns)
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return refused(wording.REASON_SINGULAR)
    fit = cluster_ols(leave, design, [spell.group for spell in spells], kind=kind)

    estimates: dict[Hashable, Estimate] = {}
    for index, key in enumerate(keys, start=fixed):
        n, groups = counts[key], group_counts[key]
        if n < min_pupils:
            reason = wording.REASON_TOO_FEW_PUPILS.format(n=n, minimum=min_pupils)
            estimates[key] = Estimate(n=n, groups=groups, reason=reason)
            continue
        if groups < min_groups:
            reason = wording.REASON_TOO_FEW_GROUPS.format(n=groups, minimum=min_groups)
            estimates[key] = Estimate(n=n, groups=groups, reason=reason)
            continue
        difference = float(fit.coefficients[index])
        low, high = fit.interval(index)
        se = math.sqrt(max(float(fit.covariance[index, index]), 0.0))
        estimates[key] = Estimate(
            n=n,
            groups=groups,
            difference=difference,
            low=low,
            high=high,
            df=float(fit.df[index]),
            effect=EffectSize(
                value=difference / sd,
                low=low / sd,
                high=high / sd,
                standard_error=se / sd,
                sd=sd,
                sd_basis=basis,
            ),
        )
    return MeasureModel(
        n_comparison=comparison,
        sd=sd,
        sd_basis=basis,
        estimates=estimates,
        baseline_slope=float(fit.coefficients[1]),
        # Points a month between tests: the third column when the months vary.
        months_slope=float(fit.coefficients[2]) if timed else None,
    )
