"""A school year's budgets against its costed provision, as plain functions of numbers and
dates (no database, no web): what share of a year's general resources is spent by a date,
each funding stream's budget, planned spend, spend to date and what remains, and the bars
that draw them.

Spend to date is counted as the map counts it:

* a run's cost to date is its planned cost times the part of its dates already passed, in
  whole days (`costing.cost_to_date`, as the term map shows it);
* a general resource (management time, training, materials) is spread over the teaching
  days of its year: its cost times the part of the year's term days already passed
  (`teaching_fraction`), so nothing of it is spent in the holidays and all of it by the end
  of the last term. A year with no terms yet uses its own dates.

What remains is the budget less the planned spend (what is left to plan with); a stream
planned beyond its budget shows how far over it is.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from provmap.provision.costing import overlap_days, to_pennies


def teaching_fraction(terms: Sequence[tuple[dt.date, dt.date]], as_of: dt.date) -> Decimal:
    """The part of a year's term days (each term's first to last day, inclusive) passed on
    `as_of`, from 0 to 1."""
    spans = [(start, end) for start, end in terms if end >= start]
    whole = sum(((end - start).days + 1 for start, end in spans), 0)
    if not whole:
        return Decimal(0)
    passed = sum(
        (overlap_days(start, end, start, as_of) for start, end in spans if as_of >= start), 0
    )
    return Decimal(passed) / Decimal(whole)


def spent_to_date(cost: Decimal, fraction: Decimal) -> Decimal:
    """A planned cost's part spent, to the penny."""
    return to_pennies(Decimal(cost) * fraction)


@dataclass(frozen=True)
class BudgetLine:
    """One funding stream in one year: its budget (None when none is set), what the map
    plans to spend from it and what it has spent so far."""

    name: str
    budget: Decimal | None
    planned: Decimal
    to_date: Decimal

    @property
    def remaining(self) -> Decimal | None:
        """The budget less the planned spend (negative when planned beyond the budget)."""
        return None if self.budget is None else self.budget - self.planned

    @property
    def over(self) -> bool:
        return self.remaining is not None and self.remaining < 0

    @property
    def over_by(self) -> Decimal:
        return -self.remaining if self.remaining is not None and self.remaining < 0 else Decimal(0)


def budget_lines(
    streams: Iterable[str],
    budgets: Mapping[str, Decimal],
    planned: Mapping[str, Decimal],
    to_date: Mapping[str, Decimal],
) -> list[BudgetLine]:
    """A line for every stream named (in that order), then for any other heading the map
    spends under (such as costs paid from no stream)."""
    names = list(dict.fromkeys([*streams, *planned, *to_date]))
    return [
        BudgetLine(
            name=name,
            budget=budgets.get(name),
            planned=planned.get(name, Decimal(0)),
            to_date=to_date.get(name, Decimal(0)),
        )
        for name in names
    ]


@dataclass(frozen=True)
class BudgetTotals:
    budget: Decimal
    planned: Decimal
    to_date: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.planned


def budget_totals(lines: Sequence[BudgetLine]) -> BudgetTotals:
    return BudgetTotals(
        budget=sum((line.budget or Decimal(0) for line in lines), Decimal(0)),
        planned=sum((line.planned for line in lines), Decimal(0)),
        to_date=sum((line.to_date for line in lines), Decimal(0)),
    )


# --- The bars ---------------------------------------------------------------------------------


class Svg(str):
    """Markup built here from escaped text: safe to print in a template as it is."""

    def __html__(self) -> str:
        return str(self)


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.0f}"


def _x(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


BAR_WIDTH = 420
# Characters of a stream's name on one line beside its bars (two lines at most).
NAME_CHARS = 20
ROW_HEIGHT = 44


def budget_bars(lines: Sequence[BudgetLine], *, label: str) -> Svg:
    """Each stream as three bars on one scale: its budget, planned spend and spend to date,
    each named in its own words beside it (no meaning in colour alone). The table beside
    the chart holds the same figures."""
    top = max(
        [Decimal(1)]
        + [line.budget or Decimal(0) for line in lines]
        + [line.planned for line in lines]
        + [line.to_date for line in lines]
    )
    name_width, room = 170, BAR_WIDTH - 60
    height = ROW_HEIGHT * len(lines) + 4
    body: list[str] = []
    for row, line in enumerate(lines):
        y = 2 + row * ROW_HEIGHT
        # A long name wraps onto a second line (and is cut there) rather than run under the bars.
        name_lines = textwrap.wrap(line.name, NAME_CHARS)[:2] or [""]
        body.append(
            f'<text class="chart__label" x="0" y="{y + 12}">'
            + "".join(
                f'<tspan x="0" dy="{0 if index == 0 else 14}">{escape(part)}</tspan>'
                for index, part in enumerate(name_lines)
            )
            + "</text>"
        )
        bars = (
            ("budget", "Budget", line.budget),
            ("planned", "Planned", line.planned),
            ("spent", "Spent", line.to_date),
        )
        for index, (css, word, amount) in enumerate(bars):
            bar_y = y + index * 13
            size = float(amount or 0) / float(top) * room
            shown = "none set" if amount is None else _pounds(amount)
            body.append(
                f'<rect class="chart__track" x="{name_width}" y="{bar_y}" '
                f'width="{room}" height="11" rx="2"/>'
                f'<rect class="chart__budget chart__budget--{css}" x="{name_width}" '
                f'y="{bar_y}" width="{_x(max(size, 0))}" height="11" rx="2">'
                f"<title>{word}: {shown}</title></rect>"
                f'<text class="chart__tick" x="{_x(name_width + room + 6)}" y="{bar_y + 10}">'
                f"{word} {shown}</text>"
            )
    width = name_width + room + 150
    return Svg(
        f'<svg class="chart chart--budget" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label, quote=True)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(body)
        + "</svg>"
    )


def describe(line: BudgetLine) -> str:
    """The line in words, for the chart's text alternative."""
    if line.budget is None:
        return f"{line.name}: no budget set, {_pounds(line.planned)} planned"
    state = (
        f"{_pounds(line.over_by)} over"
        if line.over
        else f"{_pounds(line.remaining or Decimal(0))} left"
    )
    return f"{line.name}: {_pounds(line.planned)} planned of {_pounds(line.budget)}, {state}"
