"""How provmap writes numbers and counts, in one place: "3 sessions", "2.5", "+6", "1 pupil",
"3 pupils".

Plain functions of numbers and strings (no Django, nothing of ours), so that the template
filters (`provmap.web.templatetags`) and any module that writes a sentence (a view's message,
a service's refusal, a chart's label) say it the same way. Money in pages is written by the
`gbp` filter (provmap.web.templatetags.provmap_format).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

NOT_RECORDED = "\u2013"  # an en dash, as printed maps show a blank


def to_decimal(value: object) -> Decimal | None:
    """A number as a Decimal; None for nothing, an empty string or what is not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def plain(number: Decimal) -> str:
    """A number without trailing zeros: 3.0 -> '3', 2.50 -> '2.5'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def figure(value: float, places: int = 1) -> str:
    """A measured figure for a sentence, rounded: 6, 2.5, -1.3 (no trailing zeros, no '-0')."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def signed(value: object) -> str:
    """A change with its sign: +6, -2, 0 (a dash when there is none)."""
    amount = to_decimal(value)
    if amount is None:
        return NOT_RECORDED
    return f"+{plain(amount)}" if amount > 0 else plain(amount)


def plural(count: object, one: str, many: str | None = None) -> str:
    """The word for `count` things: 'pupil' for 1, else 'pupils' (or `many`, when adding an
    's' will not do: 'child', 'children')."""
    amount = to_decimal(count)
    return one if amount == 1 else (many if many is not None else f"{one}s")


def counted(count: object, one: str, many: str | None = None) -> str:
    """A count with its word: '1 pupil', '3 pupils', '2.5 sessions' (a number written as
    `plain` writes it)."""
    amount = to_decimal(count)
    text = plain(amount) if amount is not None else str(count)
    return f"{text} {plural(count, one, many)}"
