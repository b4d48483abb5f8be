"""Costing rules, as plain functions of numbers and dates (no database, no web).

The rules come from the costed maps schools already keep (Kent appendix 3c and 4, and the
cost-per-minute spreadsheets):

* weekly time = sessions per week x minutes per session, for each member of staff involved;
* cost of a member of staff on a run = hours a week x hourly rate x number of weeks;
* a group's cost is shared between its pupils (the "Durham" method) day by day: the run's
  cost is spread evenly over its days (first to last, inclusive) and each day's part is split
  equally between the pupils in the group that day, so a pupil joining a running group joins
  from that day and the earlier pupils' shares of the days before do not change (decision NN).
  Days on which no pupil was in the group (before the first joined, after the last left) are
  split between all the pupils in proportion to their days in the group, so the shares still
  add up to the run's cost. A pupil alone for the first half, joined by another for the second,
  carries 3/4 and the newcomer 1/4; pupils with the same dates carry equal shares. The days are
  counted in stretches between joining and leaving dates, never one by one;
* costs that belong to no pupil (management time, training, materials) count in the school's
  total but not in any pupil's;
* a bought-in service is costed at its price instead of its provider's time (decision NN):
  - per session: price x sessions a week x the run's weeks (as invoiced: each session held);
  - per pupil: price for each pupil placed, charged whole (a place is bought, not days of it),
    so each pupil carries the full price whatever day they joined;
  - per group: the price of the run, whole, shared between its pupils like staff time;
  - per year: price x the run's weeks / the school year's teaching weeks (at most the whole
    price), so that a service level agreement delivered as three termly runs adds up to its
    yearly price over the year and each term's map carries its part;
  the school's own staff listed on a priced run (a TA who accompanies the therapist) are
  costed as always; external staff on it (the provider's people) are in the price;
* a service at no cost to the school (NHS therapy) costs £0 for the service, its external
  staff nothing, and its school staff their time, as on a priced run.

All money is Decimal and rounded to the penny only at the end of each calculation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import TypeVar

_K = TypeVar("_K", bound=Hashable)

Span = tuple[dt.date, dt.date]
"""First and last day (inclusive) of a run, or of a pupil's time in it."""

PENNY = Decimal("0.01")
MINUTES_PER_HOUR = Decimal(60)
ZERO = Decimal("0.00")

# How a provision is costed (the values of provision.models.CostBasis).
STAFF_TIME = "staff_time"
PER_SESSION = "per_session"
PER_PUPIL = "per_pupil"
PER_RUN = "per_run"
PER_YEAR = "per_year"
NO_COST = "no_cost"
BASES = frozenset({STAFF_TIME, PER_SESSION, PER_PUPIL, PER_RUN, PER_YEAR, NO_COST})
PRICED = frozenset({PER_SESSION, PER_PUPIL, PER_RUN, PER_YEAR})


def to_pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def weekly_minutes(sessions_per_week: Decimal | int, minutes_per_session: int) -> Decimal:
    return Decimal(sessions_per_week) * minutes_per_session


def weekly_hours(sessions_per_week: Decimal | int, minutes_per_session: int) -> Decimal:
    return weekly_minutes(sessions_per_week, minutes_per_session) / MINUTES_PER_HOUR


def cost_per_minute(hourly_rate: Decimal) -> Decimal:
    """The rate as schools' spreadsheets show it (seed 004's 'cost per minute')."""
    return Decimal(hourly_rate) / MINUTES_PER_HOUR


def hourly_rate_for(own_rate: Decimal | None, role_rate: Decimal | None) -> Decimal:
    """A person's own rate if the school set one, else the school's rate for their role.

    A person with neither costs nothing (e.g. an LA central service the school does not pay for).
    """
    if own_rate is not None:
        return Decimal(own_rate)
    if role_rate is not None:
        return Decimal(role_rate)
    return Decimal(0)


@dataclass(frozen=True)
class StaffTime:
    """One member of staff's time on a run."""

    sessions_per_week: Decimal
    minutes_per_session: int
    hourly_rate: Decimal

    @property
    def weekly_minutes(self) -> Decimal:
        return weekly_minutes(self.sessions_per_week, self.minutes_per_session)


def staff_cost(time: StaffTime, weeks: Decimal | int) -> Decimal:
    """Hours a week x hourly rate x weeks, to the penny."""
    minutes = time.weekly_minutes * Decimal(weeks)
    return to_pennies(minutes * Decimal(time.hourly_rate) / MINUTES_PER_HOUR)


@dataclass(frozen=True)
class RunCost:
    lines: tuple[Decimal, ...]
    weekly_minutes: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.lines, Decimal(0))


def run_cost(staff: Sequence[StaffTime], weeks: Decimal | int) -> RunCost:
    """The cost of one run: a line for each member of staff, and their total weekly minutes."""
    return RunCost(
        lines=tuple(staff_cost(time, weeks) for time in staff),
        weekly_minutes=sum((time.weekly_minutes for time in staff), Decimal(0)),
    )


def counts_staff_cost(basis: str, *, external: bool) -> bool:
    """Whether a staff line's time is costed: always on staff time; on a priced service or
    one at no cost to the school only for the school's own staff (the provider's people are
    in the price, or paid by someone else)."""
    return basis == STAFF_TIME or not external


def service_cost(
    basis: str,
    price: Decimal | None,
    *,
    sessions_per_week: Decimal | int,
    weeks: Decimal | int,
    year_weeks: Decimal | int,
    pupils: int,
) -> Decimal:
    """What the school pays for the service itself on one run, to the penny (the module's
    docstring gives the rules). £0 on staff time or at no cost to the school."""
    if basis not in PRICED:
        return ZERO
    if price is None:
        raise ValueError(f"a provision costed {basis} needs a price")
    amount = Decimal(price)
    if basis == PER_SESSION:
        return to_pennies(amount * Decimal(sessions_per_week) * Decimal(weeks))
    if basis == PER_PUPIL:
        return to_pennies(amount) * pupils
    if basis == PER_RUN:
        return to_pennies(amount)
    fraction = min(Decimal(weeks) / Decimal(year_weeks), Decimal(1))
    return to_pennies(amount * fraction)


def each_pupil_price(basis: str, price: Decimal | None) -> Decimal:
    """The part of a run's cost every pupil carries whole (a place bought per pupil)."""
    if basis == PER_PUPIL and price is not None:
        return to_pennies(Decimal(price))
    return ZERO


def days_carried(pupils: Sequence[Span], window: Span) -> tuple[list[Fraction], int]:
    """Day by day over `window` (first to last day, inclusive): how many days' worth of cost
    each pupil carries, each day split equally between the pupils in the group that day, and
    how many days of the window had nobody in the group.

    Counted in stretches between the dates pupils join and leave (a pupil's last day counts;
    they are gone from the day after), so the work grows with the number of pupils, not days.
    """
    first, last = window
    if last < first:
        return [Fraction(0)] * len(pupils), 0
    clipped = [(max(start, first), min(end, last)) for start, end in pupils]
    # A change in the group happens on a pupil's first day and on the day after their last.
    changes: dict[dt.date, int] = defaultdict(int)
    for start, end in clipped:
        if start <= end:
            changes[start] += 1
            changes[end + dt.timedelta(days=1)] -= 1
    days = sorted(changes)
    # carried_before[i]: what a pupil in the group from days[0] carries up to days[i].
    carried_before = [Fraction(0)]
    present = 0
    occupied = 0
    for here, after in pairwise(days):
        present += changes[here]
        length = (after - here).days
        step = Fraction(length, present) if present else Fraction(0)
        if present:
            occupied += length
        carried_before.append(carried_before[-1] + step)
    index = {day: i for i, day in enumerate(days)}
    carried = [
        carried_before[index[end + dt.timedelta(days=1)]] - carried_before[index[start]]
        if start <= end
        else Fraction(0)
        for start, end in clipped
    ]
    return carried, (last - first).days + 1 - occupied


def day_weights(pupils: Sequence[Span], run: Span) -> list[Fraction]:
    """Each pupil's part of a run's days, in days (they add up to the run's days, unless no
    pupil was in the group on any day, when all are 0): the days each carries (see
    days_carried), plus the days with nobody in the group, split in proportion to the days
    each pupil spent in it."""
    first, last = run
    if pupils and last >= first and all(start <= first and end >= last for start, end in pupils):
        # Everyone in the group from its first day to its last, as in most groups: equal
        # parts, without walking the days (the same answer, a good deal sooner).
        return [Fraction((last - first).days + 1, len(pupils))] * len(pupils)
    carried, empty = days_carried(pupils, run)
    in_group = [overlap_days(run[0], run[1], start, end) for start, end in pupils]
    all_days = sum(in_group)
    if not all_days:
        return [Fraction(0)] * len(pupils)
    return [
        part + Fraction(empty * days, all_days)
        for part, days in zip(carried, in_group, strict=True)
    ]


def pupil_shares(
    shared: Decimal, each: Decimal, pupils: Sequence[Span], run: Span
) -> list[Decimal]:
    """Each pupil's part of a run: `shared` split day by day between the pupils in the group
    each day (see day_weights), to the penny (see share_cost), plus `each`, carried whole by
    every pupil. Nothing is shared when no pupil spent a day in the group."""
    weights: Sequence[Fraction | int]
    if pupils and all(span == pupils[0] for span in pupils):
        # Pupils with the same dates (the usual group) carry equal shares: the day-by-day
        # weights would all be equal, and working them out in fractions is most of the time
        # a large export spends costing. Equal weights, positive if they were in the group.
        together = overlap_days(run[0], run[1], *pupils[0]) > 0
        weights = [int(together)] * len(pupils)
    else:
        weights = day_weights(pupils, run)
    parts = share_cost(shared, weights) if sum(weights) > 0 else [ZERO] * len(weights)
    return [part + each for part in parts]


@dataclass(frozen=True)
class CostedLines:
    """One run costed: each staff line's cost (£0 for one in the price), what the service
    itself costs, the total, and each pupil's part of the total."""

    lines: tuple[Decimal, ...]
    service: Decimal
    shares: tuple[Decimal, ...]

    @property
    def staff(self) -> Decimal:
        return sum(self.lines, Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.staff + self.service


def cost_run_lines(
    staff: Sequence[tuple[StaffTime, bool]],
    *,
    basis: str,
    price: Decimal | None,
    sessions_per_week: Decimal | int,
    weeks: Decimal | int,
    year_weeks: Decimal | int,
    run: Span,
    pupils: Sequence[Span],
) -> CostedLines:
    """The one rule for a run's cost, used by the pages, the exports and the map import's
    check: `staff` are each line's time and whether the person is external; `run` the run's
    first and last day, `pupils` each pupil's first and last day in the group (a pupil still
    in it: the run's last day), which share the cost day by day."""
    lines = tuple(
        staff_cost(time, weeks) if counts_staff_cost(basis, external=external) else ZERO
        for time, external in staff
    )
    service = service_cost(
        basis,
        price,
        sessions_per_week=sessions_per_week,
        weeks=weeks,
        year_weeks=year_weeks,
        pupils=len(pupils),
    )
    each = each_pupil_price(basis, price)
    shared = sum(lines, Decimal(0)) + service - each * len(pupils)
    shares = pupil_shares(shared, each, pupils, run)
    return CostedLines(lines=lines, service=service, shares=tuple(shares))


def share_cost(total: Decimal, weights: Sequence[Decimal | Fraction | int]) -> list[Decimal]:
    """Split `total` in proportion to `weights`, to the penny, with shares adding up exactly.

    Pennies lost to rounding go to the largest remainders first (then to earlier items), so
    three pupils sharing £100 carry £33.34, £33.33 and £33.33.
    """
    if not weights:
        return []
    exact_weights = [Fraction(w) for w in weights]
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum <= 0:
        raise ValueError("weights must add up to more than zero")
    total_pennies = int(to_pennies(Decimal(total)) / PENNY)
    if total_pennies >= 0 and len(set(exact_weights)) == 1:
        # Equal weights: what the general case below gives (every remainder is the same,
        # so the pennies left over go to the first items), without a fraction per item.
        each, left_over = divmod(total_pennies, len(exact_weights))
        counts = [each + 1] * left_over + [each] * (len(exact_weights) - left_over)
        return [Decimal(pennies) * PENNY for pennies in counts]
    exact = [total_pennies * w / weight_sum for w in exact_weights]
    floors = [int(value) for value in exact]
    left_over = total_pennies - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:left_over]:
        floors[index] += 1
    return [Decimal(pennies) * PENNY for pennies in floors]


def overlap_days(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> int:
    """Days (inclusive) that two date ranges share; 0 if they do not meet."""
    first, last = max(start, other_start), min(end, other_end)
    return max((last - first).days + 1, 0)


def elapsed_fraction(start: dt.date, end: dt.date, as_of: dt.date) -> Decimal:
    """How much of a run's span has passed on `as_of`, from 0 to 1 (whole days, inclusive)."""
    if as_of < start:
        return Decimal(0)
    if as_of >= end:
        return Decimal(1)
    return Decimal(overlap_days(start, end, start, as_of)) / Decimal((end - start).days + 1)


def cost_to_date(planned: Decimal, start: dt.date, end: dt.date, as_of: dt.date) -> Decimal:
    """The part of a planned cost already spent, assuming sessions spread evenly over the run."""
    return to_pennies(Decimal(planned) * elapsed_fraction(start, end, as_of))


def general_resource_cost(
    *,
    fixed_cost: Decimal | None,
    hours_per_week: Decimal | None,
    hourly_rate: Decimal,
    weeks: Decimal | int,
) -> Decimal:
    """A fixed sum, or staff time costed like a run (hours a week x rate x weeks)."""
    if fixed_cost is not None:
        return to_pennies(Decimal(fixed_cost))
    if hours_per_week is None:
        return Decimal("0.00")
    return to_pennies(Decimal(hours_per_week) * Decimal(hourly_rate) * Decimal(weeks))


def totals_by(items: Iterable[tuple[_K, Decimal]]) -> dict[_K, Decimal]:
    """Add up (key, amount) pairs per key, keeping the order in which keys first appear."""
    totals: dict[_K, Decimal] = defaultdict(lambda: Decimal(0))
    for key, amount in items:
        totals[key] += amount
    return dict(totals)


def busiest_week_minutes(
    spans: Iterable[tuple[dt.date, dt.date, Decimal]], start: dt.date, end: dt.date
) -> Decimal:
    """The most minutes one person works in any school week (Monday to Friday) between
    `start` and `end`, given the spans (first day, last day, minutes a week) of their work.

    Runs in one term often follow each other (two six-week groups) rather than overlap, so
    adding every run's weekly time would overstate the load; the busiest week does not.
    """
    items = list(spans)
    if not items or end < start:
        return Decimal(0)
    monday = start - dt.timedelta(days=start.weekday())
    busiest = Decimal(0)
    while monday <= end:
        friday = monday + dt.timedelta(days=4)
        week = sum(
            (minutes for first, last, minutes in items if first <= friday and last >= monday),
            Decimal(0),
        )
        busiest = max(busiest, week)
        monday += dt.timedelta(days=7)
    return busiest
