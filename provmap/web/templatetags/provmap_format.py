"""How the map writes money and time: pounds and pence, "3 x 30 min", hours a week."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

NOT_RECORDED = "\u2013"  # an en dash, as printed maps show a blank


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """A number without trailing zeros: 3.0 -> '3', 2.50 -> '2.5'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def gbp(value: object) -> str:
    """Pounds with thousands separators and pence: £1,234.00 (and -£12.50)."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    sign = "-" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def number(value: object) -> str:
    """A decimal as people write it: 3 sessions, 2.5 sessions, 38 weeks."""
    amount = _decimal(value)
    return NOT_RECORDED if amount is None else _plain(amount)


@register.filter
def sessions(item: object) -> str:
    """A run's (or a staff line's) weekly pattern, as maps write it: '3 x 30 min'."""
    per_week = _decimal(getattr(item, "sessions_per_week", None))
    minutes = getattr(item, "minutes_per_session", None)
    if per_week is None or not minutes:
        return NOT_RECORDED
    return f"{_plain(per_week)} x {minutes} min"


@register.filter
def hours(minutes: object) -> str:
    """Minutes as hours to one decimal place, without a trailing '.0': 450 -> '7.5'."""
    amount = _decimal(minutes)
    if amount is None:
        return NOT_RECORDED
    return _plain((amount / 60).quantize(Decimal("0.1")))


@register.filter
def minutes(value: object) -> str:
    amount = _decimal(value)
    return NOT_RECORDED if amount is None else f"{_plain(amount)} min"


@register.filter
def percent_of(part: object, whole: object) -> str:
    """Whole-number percentage of `whole` ('' when there is no whole)."""
    top, bottom = _decimal(part), _decimal(whole)
    if top is None or not bottom:
        return ""
    return f"{(top * 100 / bottom).quantize(Decimal('1'))}%"


@register.filter
def duration(minutes: object) -> str:
    """Minutes as maps write a time: '30 min', '1 hour', '1.5 hours'."""
    amount = _decimal(minutes)
    if amount is None:
        return NOT_RECORDED
    if amount < 60:
        return f"{_plain(amount)} min"
    if amount % 30 == 0:
        hours_value = _plain(amount / 60)
        return f"{hours_value} hour" if hours_value == "1" else f"{hours_value} hours"
    whole, rest = divmod(amount, 60)
    return f"{_plain(whole)} h {_plain(rest)} min"


@register.filter
def rating_name(code: object) -> str:
    """R, A, G, B as words."""
    return {"R": "Red", "A": "Amber", "G": "Green", "B": "Blue"}.get(str(code or ""), "")


@register.filter
def signed(value: object) -> str:
    """A change with its sign: +6, -2, 0."""
    amount = _decimal(value)
    if amount is None:
        return NOT_RECORDED
    return f"+{_plain(amount)}" if amount > 0 else _plain(amount)
