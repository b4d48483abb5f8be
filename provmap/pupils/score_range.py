"""A result inside its measure's range: no lower than the lowest score the measure gives and
no higher than the highest (either may be open). The one rule, used by the results services,
the results table of a run and every importer; each says it in its own place's words from
`outside_range`, and most with `score_range_error`'s message."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Protocol

BELOW: Literal["below"] = "below"
ABOVE: Literal["above"] = "above"


class HasRange(Protocol):
    """A measure, or anything with its name and range."""

    @property
    def name(self) -> str: ...

    @property
    def min_value(self) -> Decimal | None: ...

    @property
    def max_value(self) -> Decimal | None: ...


def outside_range(
    value: Decimal, low: Decimal | None, high: Decimal | None
) -> Literal["below", "above"] | None:
    """BELOW the lowest score, ABOVE the highest, or None when inside the range."""
    if low is not None and value < low:
        return BELOW
    if high is not None and value > high:
        return ABOVE
    return None


def score_range_error(
    value: Decimal, *, name: str, low: Decimal | None, high: Decimal | None
) -> str | None:
    """What is wrong with a score of `value` on the measure called `name` whose range is
    `low` to `high`; None when nothing is."""
    side = outside_range(value, low, high)
    if side == BELOW:
        return f"{value} is below the lowest score on {name} ({low})."
    if side == ABOVE:
        return f"{value} is above the highest score on {name} ({high})."
    return None


def measure_range_error(measure: HasRange, value: Decimal) -> str | None:
    """What is wrong with a score of `value` on `measure`; None when nothing is."""
    return score_range_error(
        value, name=measure.name, low=measure.min_value, high=measure.max_value
    )
