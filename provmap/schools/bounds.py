"""What a school can mean: the bounds of every number and date a school enters.

One table, used at every level so that each refuses the same values with the same message:
the models' field validators (and so the forms built on them), the database's check
constraints, the write services, the forms' own fields and the importers. The reasons for
each limit are in docs/decisions.md (decision 37).

Messages name what was entered, the bounds and, where the bound comes from something else (a
school year's weeks, a run's dates), what: "Weeks must be between 0.1 and 38, the teaching
weeks of 2025-26 (got 40)."

No models here: `schools` imports nothing of ours, and every app may import this.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.deconstruct import deconstructible

if TYPE_CHECKING:
    from django.apps.registry import Apps
    from django.db.models import CheckConstraint


def show_number(value: Decimal | int | float, *, money: bool = False) -> str:
    """A number as a school writes it: 999.9, 32,767, £500, £749,850,007.50."""
    number = Decimal(str(value))
    if money:
        if number == number.to_integral_value():
            return f"£{number:,.0f}"
        return f"£{number:,.2f}"
    text = f"{number:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def show_date(value: dt.date) -> str:
    return f"{value:%d/%m/%Y}"


@dataclass(frozen=True)
class Bound:
    """The lowest and highest value of one number a school enters, and its name in words."""

    label: str
    low: Decimal
    high: Decimal
    money: bool = False

    def show(self, value: Decimal | int | float) -> str:
        return show_number(value, money=self.money)

    def message(
        self,
        value: Decimal | int | float,
        *,
        low: Decimal | None = None,
        high: Decimal | None = None,
        why: str = "",
    ) -> str:
        bottom = self.low if low is None else low
        top = self.high if high is None else high
        reason = f", {why}" if why else ""
        return (
            f"{self.label} must be between {self.show(bottom)} and {self.show(top)}"
            f"{reason} (got {self.show(value)})."
        )

    def error(
        self,
        value: Decimal | int | float,
        *,
        low: Decimal | None = None,
        high: Decimal | None = None,
        why: str = "",
    ) -> str | None:
        """The message if `value` is out of bounds, else None. `low` and `high` (with `why`)
        narrow the bounds by something else, such as the weeks of the run's school year; the
        message then gives the narrower bounds, the ones the school can act on."""
        number = Decimal(str(value))
        bottom = self.low if low is None else max(self.low, Decimal(low))
        top = self.high if high is None else min(self.high, Decimal(high))
        if bottom <= number <= top:
            return None
        narrowed = (bottom, top) != (self.low, self.high)
        return self.message(number, low=bottom, high=top, why=why if narrowed else "")


def _d(text: str) -> Decimal:
    return Decimal(text)


# The school's calendar.
YEAR_WEEKS = Bound("Teaching weeks in the school year", _d("1"), _d("52"))
TERM_WEEKS = Bound("Teaching weeks in the term", _d("1"), _d("26"))
TERM_NUMBER = Bound("The term's number", _d("1"), _d("6"))
# A school year is about twelve months; thirteen leaves room for a September start and an
# August end of the next calendar year, and refuses two years typed as one.
YEAR_MAX_DAYS = 396

# Staff and money.
HOURLY_RATE = Bound("The hourly rate", _d("0"), _d("500"), money=True)
COST_PER_MINUTE = Bound("The cost per minute", _d("0"), _d("8.33"), money=True)
HOURS_A_WEEK = Bound("Hours a week", _d("0.5"), _d("60"))
CONTRACTED_HOURS = Bound("Contracted hours a week", HOURS_A_WEEK.low, HOURS_A_WEEK.high)
BUDGET = Bound("The budget", _d("0"), _d("20000000"), money=True)
FIXED_COST = Bound("The fixed cost", _d("0"), _d("1000000"), money=True)
# A bought-in service's price (a session, a pupil's place, a group or a year of a service
# level agreement): at least a penny (a free service is costed "no cost to the school", not
# at £0), at most £100,000, above a secondary school's yearly traded-service agreement.
PRICE = Bound("The price", _d("0.01"), _d("100000"), money=True)

# The catalogue, runs and their staff.
STAFF_IN_RATIO = Bound("Staff in the usual ratio", _d("1"), _d("10"))
PUPILS_IN_RATIO = Bound("Pupils in the usual ratio", _d("1"), _d("40"))
SESSIONS_PER_WEEK = Bound("Sessions a week", _d("0.1"), _d("25"))
MINUTES_PER_SESSION = Bound("Minutes a session", _d("1"), _d("480"))
MINUTES_PER_WEEK = Bound("Minutes a week", _d("1"), _d("2400"))
USUAL_WEEKS = Bound("Usual length in weeks", _d("1"), _d("52"))
RUN_WEEKS = Bound("Weeks", _d("0.1"), _d("52"))
EVIDENCE_MONTHS = Bound("Expected months of additional progress", _d("-12"), _d("12"))
SUCCESS_GAIN = Bound("The gain that meets the success criteria", _d("-10000"), _d("10000"))

# Measures and results.
SCORE = Bound("A score", _d("-100000"), _d("100000"))
LOWEST_SCORE = Bound("The lowest score", SCORE.low, SCORE.high)
HIGHEST_SCORE = Bound("The highest score", SCORE.low, SCORE.high)

BOUNDS: dict[str, Bound] = {
    "year_weeks": YEAR_WEEKS,
    "term_weeks": TERM_WEEKS,
    "term_number": TERM_NUMBER,
    "hourly_rate": HOURLY_RATE,
    "hours_a_week": HOURS_A_WEEK,
    "contracted_hours": CONTRACTED_HOURS,
    "budget": BUDGET,
    "fixed_cost": FIXED_COST,
    "price": PRICE,
    "staff_in_ratio": STAFF_IN_RATIO,
    "pupils_in_ratio": PUPILS_IN_RATIO,
    "sessions_per_week": SESSIONS_PER_WEEK,
    "minutes_per_session": MINUTES_PER_SESSION,
    "usual_weeks": USUAL_WEEKS,
    "run_weeks": RUN_WEEKS,
    "evidence_months": EVIDENCE_MONTHS,
    "success_gain": SUCCESS_GAIN,
    "score": SCORE,
    "lowest_score": LOWEST_SCORE,
    "highest_score": HIGHEST_SCORE,
}


@deconstructible
class InBounds:
    """A field validator for one of BOUNDS, by name (so migrations name the bound, not its
    numbers, and a message reworded later needs no migration)."""

    def __init__(self, name: str):
        if name not in BOUNDS:
            raise KeyError(f"No bound called {name!r}")
        self.name = name

    def __call__(self, value: Decimal | int | float | None) -> None:
        if value is None:
            return
        message = BOUNDS[self.name].error(value)
        if message:
            raise ValidationError(message, code="out_of_bounds")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InBounds) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


# Weekly time ---------------------------------------------------------------------------------

# Five school days of eight hours: a pupil's (or an adult's) whole week.
MAX_WEEKLY_MINUTES = MINUTES_PER_WEEK.high


def weekly_time_error(sessions: Decimal | int | None, minutes: int | None) -> str | None:
    """Sessions a week x minutes a session, refused beyond a whole school week."""
    if sessions is None or minutes is None:
        return None
    total = Decimal(str(sessions)) * minutes
    if total <= MAX_WEEKLY_MINUTES:
        return None
    return (
        f"Time a week must be at most {show_number(MAX_WEEKLY_MINUTES)} minutes, five full "
        f"school days (got {show_number(sessions)} sessions x {show_number(minutes)} minutes "
        f"= {show_number(total)})."
    )


# Dates ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    first: dt.date
    last: dt.date


# Everything a school dates (its years, terms, runs, placements, results, SEN history, a
# pupil's days on roll, review decisions) falls in this century.
SCHOOL_DATES = DateRange(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
# A pupil may be on roll until 25 (an EHC plan can last that long), and leavers' records are
# kept for years after: births from 1980 cover everyone a school still holds.
BIRTH_DATES = DateRange(dt.date(1980, 1, 1), SCHOOL_DATES.last)
DATE_RANGES = {"school": SCHOOL_DATES, "birth": BIRTH_DATES}


def date_error(
    value: dt.date, first: dt.date, last: dt.date, *, label: str = "Dates", why: str = ""
) -> str | None:
    if first <= value <= last:
        return None
    reason = f", {why}" if why else ""
    return (
        f"{label} must be between {show_date(first)} and {show_date(last)}{reason} "
        f"(got {show_date(value)})."
    )


@deconstructible
class InDates:
    """A field validator keeping a date in one of DATE_RANGES; `label` names the date."""

    def __init__(self, kind: str, label: str):
        if kind not in DATE_RANGES:
            raise KeyError(f"No date range called {kind!r}")
        self.kind = kind
        self.label = label

    def __call__(self, value: object) -> None:
        if not isinstance(value, dt.date):
            return
        span = DATE_RANGES[self.kind]
        message = date_error(value, span.first, span.last, label=self.label)
        if message:
            raise ValidationError(message, code="out_of_bounds")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InDates) and (other.kind, other.label) == (self.kind, self.label)

    def __hash__(self) -> int:
        return hash((self.kind, self.label))


def calendar_weeks(start: dt.date, end: dt.date) -> int:
    """The weeks from `start` to `end`, both included, counting a part week as one."""
    return max(1, math.ceil(((end - start).days + 1) / 7))


def weeks_ceiling(
    start: dt.date, end: dt.date, *, year_weeks: Decimal | None = None, year_name: str = ""
) -> tuple[Decimal, str]:
    """The most teaching weeks something dated `start` to `end` can have, and why: the
    calendar weeks between the dates, or the school year's teaching weeks if fewer."""
    span = Decimal(calendar_weeks(start, end))
    why = f"the calendar weeks from {show_date(start)} to {show_date(end)}"
    if year_weeks is not None and Decimal(year_weeks) < span:
        return Decimal(year_weeks), f"the teaching weeks of {year_name}"
    return span, why


# Migrations ------------------------------------------------------------------------------------


def refuse_rows_outside(
    apps: Apps, app_label: str, checks: Iterable[tuple[str, CheckConstraint]]
) -> None:
    """Before a migration adds check constraints: name the tables holding rows that break
    them, so that a school's data is corrected on purpose rather than the migration failing
    with a bare integrity error. `checks` pairs a model name with a CheckConstraint."""
    found = []
    for model_name, constraint in checks:
        model = apps.get_model(app_label, model_name)
        count = model._default_manager.exclude(constraint.condition).count()
        if count:
            found.append(f"{count} in {model._meta.db_table} ({constraint.name})")
    if found:
        raise RuntimeError(
            "Some rows hold values outside what a school can mean (see docs/decisions.md, "
            "decision 37); correct them, then migrate again: " + "; ".join(found) + "."
        )


def model_field_errors(instance: Model, exclude: list[str] | None = None) -> dict[str, list[str]]:
    """The model's own field checks (its bounds among them) by field, for a service to add
    its own refusals to: uniqueness and constraints are left to the service and the
    database."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}
