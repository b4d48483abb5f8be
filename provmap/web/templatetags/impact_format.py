"""How the impact pages write their figures: effects with a sign, intervals, shares, months
(numbers as provmap.formatting writes them)."""

from __future__ import annotations

from typing import SupportsFloat, SupportsInt

from django import template

from provmap.formatting import NOT_RECORDED, signed
from provmap.formatting import figure as _figure

register = template.Library()

DASH = NOT_RECORDED


@register.filter
def effect(value: SupportsFloat | None) -> str:
    """An effect size with its sign and two decimals: +0.40, -0.12."""
    if value is None:
        return DASH
    return f"{float(value):+.2f}"


@register.filter
def interval(item: object) -> str:
    """An effect's 95% interval: '-0.33 to +1.13'."""
    low, high = getattr(item, "low", None), getattr(item, "high", None)
    if low is None or high is None:
        return ""
    return f"{float(low):+.2f} to {float(high):+.2f}"


@register.filter
def share(value: SupportsFloat | None) -> str:
    """A share between 0 and 1 as a whole percentage: 0.8 -> 80%."""
    if value is None:
        return DASH
    return f"{round(float(value) * 100)}%"


@register.filter
def figure(value: SupportsFloat | None, places: int = 1) -> str:
    """A figure to one decimal place without trailing zeros: 6, 2.5, -1.3."""
    if value is None:
        return DASH
    return _figure(float(value), int(places))


@register.filter
def change(value: SupportsFloat | None) -> str:
    """A change with its sign: +2.5, -1, 0."""
    if value is None:
        return DASH
    return signed(_figure(float(value)))


@register.filter
def months(value: SupportsInt | None) -> str:
    """EEF months with their sign: +5, -2, 0."""
    if value is None:
        return DASH
    return signed(int(value))


@register.filter
def months_range(value: tuple[int, int] | None) -> str:
    """EEF months at the two ends of an interval: '+1 to +5', '-2 to +3', '+2'."""
    if not value:
        return DASH
    low, high = value
    if low == high:
        return signed(int(low))
    return f"{signed(int(low))} to {signed(int(high))}"
