"""How every page writes money, numbers, time and counts: pounds and pence, "3 x 30 min",
hours a week, "+6", "3 pupils" (`{{ n|counted:"pupil" }}`, with `provmap.formatting`)."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from provmap.formatting import NOT_RECORDED, counted, plain, plural, signed, to_decimal

register = template.Library()

# A change with its sign: +6, -2, 0.
register.filter("signed", signed)


@register.filter
def gbp(value: object) -> str:
    """Pounds with thousands separators (humanize's `intcomma`) and pence: £1,234.00 (and
    -£12.50)."""
    amount = to_decimal(value)
    if amount is None:
        return NOT_RECORDED
    sign = "-" if amount < 0 else ""
    return f"{sign}£{intcomma(f'{abs(amount):.2f}')}"


@register.filter
def number(value: object) -> str:
    """A decimal as people write it: 3 sessions, 2.5 sessions, 38 weeks."""
    amount = to_decimal(value)
    return NOT_RECORDED if amount is None else plain(amount)


@register.filter
def sessions(item: object) -> str:
    """A run's (or a staff line's) weekly pattern, as maps write it: '3 x 30 min'."""
    per_week = to_decimal(getattr(item, "sessions_per_week", None))
    minutes = getattr(item, "minutes_per_session", None)
    if per_week is None or not minutes:
        return NOT_RECORDED
    return f"{plain(per_week)} x {minutes} min"


@register.filter
def hours(minutes: object) -> str:
    """Minutes as hours to one decimal place, without a trailing '.0': 450 -> '7.5'."""
    amount = to_decimal(minutes)
    if amount is None:
        return NOT_RECORDED
    return plain((amount / 60).quantize(Decimal("0.1")))


@register.filter
def minutes(value: object) -> str:
    amount = to_decimal(value)
    return NOT_RECORDED if amount is None else f"{plain(amount)} min"


@register.filter
def percent_of(part: object, whole: object) -> str:
    """Whole-number percentage of `whole` ('' when there is no whole)."""
    top, bottom = to_decimal(part), to_decimal(whole)
    if top is None or not bottom:
        return ""
    return f"{(top * 100 / bottom).quantize(Decimal('1'))}%"


@register.filter
def duration(minutes: object) -> str:
    """Minutes as maps write a time: '30 min', '1 hour', '1.5 hours'."""
    amount = to_decimal(minutes)
    if amount is None:
        return NOT_RECORDED
    if amount < 60:
        return f"{plain(amount)} min"
    if amount % 30 == 0:
        return counted(amount / 60, "hour")
    whole, rest = divmod(amount, 60)
    return f"{plain(whole)} h {plain(rest)} min"


@register.filter
def rating_name(code: object) -> str:
    """R, A, G, B as words."""
    return {"R": "Red", "A": "Amber", "G": "Green", "B": "Blue"}.get(str(code or ""), "")


@register.filter(name="counted")
def counted_filter(count: object, words: str) -> str:
    """A count with its word: `{{ n|counted:"pupil" }}` writes '1 pupil' or '3 pupils';
    `{{ n|counted:"child,children" }}` when adding an 's' will not do."""
    one, _, many = words.partition(",")
    return counted(count, one, many or None)


@register.filter(name="plural")
def plural_filter(count: object, words: str) -> str:
    """The word alone, for a count written some other way: `{{ n|plural:"pupil" }}`."""
    one, _, many = words.partition(",")
    return plural(count, one, many or None)
