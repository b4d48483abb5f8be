"""The RAGB rating a placement's results suggest, from its provision's success criteria.

A plain function of numbers (no database, no web). The reviewer has the last word: pages
offer the suggestion, and the SENCO may choose another rating.

Seed 004's key: Red no progress, Amber some progress, Green met the success criteria, Blue
exceeded them. "Exceeded" is read as at least one and a half times the gain the criteria ask
for, the same line the demo school and the impact statistics draw.
"""

from __future__ import annotations

from decimal import Decimal

RED, AMBER, GREEN, BLUE = "R", "A", "G", "B"
BLUE_MULTIPLE = Decimal("1.5")


def better_gain(baseline: Decimal, exit: Decimal, *, higher_is_better: bool) -> Decimal:
    """The change from baseline to exit, positive when the pupil got better (on measures
    where lower is better, such as behaviour incidents, a fall is a gain)."""
    change = Decimal(exit) - Decimal(baseline)
    return change if higher_is_better else -change


def suggest_rating(
    baseline: Decimal | None,
    exit: Decimal | None,
    *,
    success_gain: Decimal | None,
    higher_is_better: bool = True,
) -> str:
    """'R', 'A', 'G' or 'B', or '' when the results cannot tell (no exit result yet, or no
    success criterion and some progress)."""
    if baseline is None or exit is None:
        return ""
    gain = better_gain(baseline, exit, higher_is_better=higher_is_better)
    return rating_for_gain(gain, success_gain)


def rating_for_gain(gain: Decimal, success_gain: Decimal | None) -> str:
    """The rating a gain (in the better direction) earns against the success criterion;
    '' when there is no criterion and some progress (nothing to judge it by)."""
    gain = Decimal(gain)
    if success_gain is None:
        return RED if gain <= 0 else ""
    target = Decimal(success_gain)
    if target <= 0:
        # "Hold steady" criteria have no partial success: met or not.
        return GREEN if gain >= target else RED
    if gain <= 0:
        return RED
    if gain >= target * BLUE_MULTIPLE:
        return BLUE
    if gain >= target:
        return GREEN
    return AMBER
