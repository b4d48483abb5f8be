"""Patterns across pupils: who is not progressing, and whether gaps between groups close.

Plain functions of numbers and labels; no database, no web.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# How the traits are labelled in the report.
TRAIT_NEED_AREA = "Area of need"
TRAIT_SEN_STATUS = "SEN status"
TRAIT_DISADVANTAGED = "Disadvantaged"
TRAIT_EAL = "EAL"
TRAIT_SEX = "Sex"
TRAIT_ATTENDANCE = "Attendance"
TRAIT_PROVISIONS = "Number of provisions"
YES = "yes"
# Pupils with this many provisions or more are counted together.
MANY_PROVISIONS = 3


@dataclass(frozen=True, slots=True)
class PupilRecord:
    """One pupil's gain (in the better direction) and the traits that may explain it.

    Empty text means "not known" and is left out of the comparison.
    """

    gain: float
    need_area: str = ""
    sen_status: str = ""
    disadvantaged: bool = False
    eal: bool = False
    sex: str = ""
    attendance_band: str = ""
    provisions: int = 0
    # Any further (trait, value) pairs to compare: a year group, another flag the school
    # tracks, each provision taken (so that combinations of provision can show up).
    extra: tuple[tuple[str, str], ...] = ()

    def traits(self) -> list[tuple[str, str]]:
        """(trait, value) pairs. A yes/no trait appears only when yes: its share among a group
        says all there is to say."""
        pairs = [
            (TRAIT_NEED_AREA, self.need_area),
            (TRAIT_SEN_STATUS, self.sen_status),
            (TRAIT_SEX, self.sex),
            (TRAIT_ATTENDANCE, self.attendance_band),
            (TRAIT_PROVISIONS, provisions_band(self.provisions)),
        ]
        if self.disadvantaged:
            pairs.append((TRAIT_DISADVANTAGED, YES))
        if self.eal:
            pairs.append((TRAIT_EAL, YES))
        pairs.extend(self.extra)
        return [(trait, value) for trait, value in dict.fromkeys(pairs) if value]


def provisions_band(count: int) -> str:
    return f"{MANY_PROVISIONS} or more" if count >= MANY_PROVISIONS else str(count)


@dataclass(frozen=True)
class TraitShare:
    """How common one trait is among pupils not progressing and among those progressing."""

    trait: str
    value: str
    count_not_progressing: int
    count_progressing: int
    share_not_progressing: float
    share_progressing: float

    @property
    def difference(self) -> float:
        """Share among the non-progressing minus share among the progressing (0.25 means 25
        percentage points more common among pupils who are not progressing)."""
        return self.share_not_progressing - self.share_progressing


@dataclass(frozen=True)
class NotProgressingReport:
    n_not_progressing: int
    n_progressing: int
    over_represented: list[TraitShare]


def who_is_not_progressing(
    records: Sequence[PupilRecord], *, weak_gain: float = 0.0
) -> NotProgressingReport:
    """Traits over-represented among pupils making weak or no progress (a gain of `weak_gain`
    or less) compared with pupils who progress, most over-represented first.

    Only traits more common among the non-progressing are listed; with nobody in one of the
    two groups there is nothing to compare and the list is empty.
    """
    stuck = [record for record in records if record.gain <= weak_gain]
    moving = [record for record in records if record.gain > weak_gain]
    if not stuck or not moving:
        return NotProgressingReport(len(stuck), len(moving), [])

    stuck_counts = Counter(pair for record in stuck for pair in record.traits())
    moving_counts = Counter(pair for record in moving for pair in record.traits())
    shares = [
        TraitShare(
            trait=trait,
            value=value,
            count_not_progressing=stuck_counts[(trait, value)],
            count_progressing=moving_counts[(trait, value)],
            share_not_progressing=stuck_counts[(trait, value)] / len(stuck),
            share_progressing=moving_counts[(trait, value)] / len(moving),
        )
        for trait, value in stuck_counts
    ]
    over = [item for item in shares if item.difference > 0]
    # Rounded so that differences equal on paper (2/3 - 1/3 and 1/3 - 0) sort as ties.
    over.sort(key=lambda item: (-round(item.difference, 9), item.trait, item.value))
    return NotProgressingReport(len(stuck), len(moving), over)


@dataclass(frozen=True)
class TermScores:
    """A group's and its peers' results on one measure in one term."""

    term: str
    group: Sequence[float]
    peers: Sequence[float]


@dataclass(frozen=True)
class TermGap:
    term: str
    group_mean: float | None
    peers_mean: float | None
    # How far the group is behind its peers, in the measure's units (negative: ahead).
    gap: float | None


@dataclass(frozen=True)
class GapTrend:
    terms: list[TermGap]
    # The least-squares change in the gap per term, over the terms with a gap.
    slope: float | None
    # True when the gap is moving towards zero (its slope has the opposite sign to its average
    # size); None with fewer than two terms to compare.
    narrowing: bool | None


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def group_gaps(terms: Sequence[TermScores], *, higher_is_better: bool = True) -> GapTrend:
    """The mean for a group and for its peers in each term (in order), the gap between them,
    and whether it is narrowing (the slope of the gap against the term's position)."""
    rows = []
    for scores in terms:
        group_mean, peers_mean = _mean(scores.group), _mean(scores.peers)
        gap = None
        if group_mean is not None and peers_mean is not None:
            gap = peers_mean - group_mean if higher_is_better else group_mean - peers_mean
        rows.append(TermGap(scores.term, group_mean, peers_mean, gap))

    points = [(index, row.gap) for index, row in enumerate(rows) if row.gap is not None]
    if len(points) < 2:
        return GapTrend(rows, None, None)
    positions = np.array([index for index, _ in points], dtype=float)
    gaps = np.array([gap for _, gap in points], dtype=float)
    slope = float(np.polyfit(positions, gaps, 1)[0])
    return GapTrend(rows, slope, slope * float(gaps.mean()) < 0)


# A gap that moves by less than this share of the measure's SD over the terms shown is steady:
# the same line as the smallest effect worth having (about two months on the EEF's scale).
STEADY_CHANGE = 0.10
NARROWING, WIDENING, STEADY = "narrowing", "widening", "steady"


def gap_direction(trend: GapTrend, *, sd: float | None) -> str | None:
    """'narrowing', 'widening' or 'steady' for a gap trend; None with fewer than two terms.

    The least-squares line through the gaps gives a gap at the first and at the last term
    with one: steady when they differ by less than STEADY_CHANGE standard deviations of the
    measure, narrowing when the last is the smaller in size (a group that moves from behind
    to far ahead has a widening gap, in its favour)."""
    points = [(index, row.gap) for index, row in enumerate(trend.terms) if row.gap is not None]
    slope = trend.slope
    if slope is None or len(points) < 2:
        return None
    mean_position = sum(index for index, _ in points) / len(points)
    mean_gap = sum(gap for _, gap in points) / len(points)

    def fitted(position: int) -> float:
        return mean_gap + slope * (position - mean_position)

    first, last = fitted(points[0][0]), fitted(points[-1][0])
    if sd and abs(last - first) < STEADY_CHANGE * sd:
        return STEADY
    return NARROWING if abs(last) < abs(first) else WIDENING
