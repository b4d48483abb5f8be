"""The rhythm of reviews: when a pupil's next review is due, and whether it is late.

Pure functions of dates (no models, nothing of Django), so that every rule can be worked out
by hand and tested alone.

- SEN support: reviewed at least three times a year. The next review is due on the date set
  at the last review (or on the plan, when it was agreed after the last review or none has
  been held), and never later than 4 months after the last review, or after the plan was
  agreed when none has been held.
- An EHC plan: the annual review within 12 months of the last annual review (or of the
  plan's agreement when none has been held). When the school also records termly reviews of
  the pupil (a SEN support or interim review on record), those are due as for SEN support;
  the annual date is kept apart, and the pupil is judged by whichever is due first.
- A pupil on SEN support or with an EHC plan who has no agreed plan is "no agreed plan".

Months are calendar months: a date at the end of a longer month falls on the last day of the
shorter one (31 Oct + 4 months is 28 Feb, or 29 Feb in a leap year).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

# SEN status codes (pupils.models.SENStatus), repeated so that this module imports nothing.
SEN_SUPPORT = "K"
EHC_PLAN = "E"
ON_THE_REGISTER = frozenset({SEN_SUPPORT, EHC_PLAN})

# Review kinds (outcomes.models.Review.Kind).
ANNUAL = "annual"

# Three reviews a year at least: never more than 4 months apart.
TERMLY_MONTHS = 4
ANNUAL_MONTHS = 12
# "Due soon": within 4 weeks.
DUE_SOON_DAYS = 28


class State(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    LATER = "later"
    NO_PLAN = "no_plan"


STATE_LABELS = {
    State.OVERDUE: "Overdue",
    State.DUE_SOON: "Due soon",
    State.LATER: "Later",
    State.NO_PLAN: "No agreed plan",
}


@dataclass(frozen=True)
class Plan:
    """The pupil's agreed plan: when it was agreed and the review date set on it."""

    agreed_on: dt.date
    review_due: dt.date | None = None


@dataclass(frozen=True)
class Held:
    """A review held: when, and the next review date set at it."""

    held_on: dt.date
    next_review_due: dt.date | None = None


@dataclass(frozen=True)
class Judgement:
    """When the pupil's next review is due and how that stands today.

    `due` is the first review due (the earlier of `annual_due` and `termly_due` for an EHC
    plan); `days_late` is 0 unless overdue; `days_to_go` is 0 once due."""

    state: State
    due: dt.date | None
    days_late: int = 0
    days_to_go: int = 0
    termly_due: dt.date | None = None
    annual_due: dt.date | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def annual_first(self) -> bool:
        """The review due first is the EHC plan's annual review."""
        return self.annual_due is not None and self.due == self.annual_due


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved on by whole calendar months, kept inside the target month (31 Oct + 4
    months = 28 or 29 Feb; 29 Feb + 12 months = 28 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def termly_due(plan: Plan | None, last: Held | None) -> dt.date | None:
    """The next review of a pupil reviewed termly: the date set at the last review, or on
    the plan when the plan was agreed after it (or no review has been held), and never later
    than 4 months after the last review (or after the plan's agreement). None when there is
    neither a review nor an agreed plan to count from."""
    if last is not None:
        anchor = last.held_on
    elif plan is not None:
        anchor = plan.agreed_on
    else:
        return None
    latest = add_months(anchor, TERMLY_MONTHS)
    set_on_plan = plan.review_due if plan is not None else None
    if last is None:
        chosen = set_on_plan
    elif plan is not None and plan.agreed_on > last.held_on and set_on_plan is not None:
        # A plan agreed since the last review set the date itself.
        chosen = set_on_plan
    else:
        chosen = last.next_review_due
        if chosen is None and set_on_plan is not None and set_on_plan > last.held_on:
            chosen = set_on_plan
    if chosen is None:
        return latest
    return min(chosen, latest)


def annual_due(plan: Plan | None, last_annual: Held | None) -> dt.date | None:
    """An EHC plan's annual review: 12 months after the last annual review, or after the plan
    was agreed when none has been held."""
    if last_annual is not None:
        return add_months(last_annual.held_on, ANNUAL_MONTHS)
    if plan is not None:
        return add_months(plan.agreed_on, ANNUAL_MONTHS)
    return None


def standing(due: dt.date, today: dt.date, window: int = DUE_SOON_DAYS) -> State:
    """Overdue once the due date has passed; due soon on the day and within `window` days."""
    if today > due:
        return State.OVERDUE
    if (due - today).days <= window:
        return State.DUE_SOON
    return State.LATER


def judge(
    *,
    sen_status: str,
    plan: Plan | None,
    last: Held | None,
    last_annual: Held | None = None,
    termly_recorded: bool = False,
    today: dt.date,
    window: int = DUE_SOON_DAYS,
) -> Judgement | None:
    """How a pupil's reviews stand today. None for a pupil not on SEN support and without an
    EHC plan (no review is due).

    `last` is the last review of any kind; `last_annual` the last EHC annual review;
    `termly_recorded` whether the school records termly (SEN support or interim) reviews of
    this pupil. Without an agreed plan the state is "no agreed plan", with the dates the
    reviews held still give."""
    if sen_status not in ON_THE_REGISTER:
        return None
    termly: dt.date | None = None
    annual: dt.date | None = None
    if sen_status == SEN_SUPPORT:
        termly = termly_due(plan, last)
    else:
        annual = annual_due(plan, last_annual)
        if termly_recorded:
            termly = termly_due(plan, last)
    dates = [day for day in (termly, annual) if day is not None]
    due = min(dates) if dates else None
    # An agreed plan always gives a date to count from.
    state = State.NO_PLAN if plan is None or due is None else standing(due, today, window)
    days_late = (today - due).days if due is not None and today > due else 0
    days_to_go = (due - today).days if due is not None and due > today else 0
    return Judgement(
        state=state,
        due=due,
        days_late=days_late,
        days_to_go=days_to_go,
        termly_due=termly,
        annual_due=annual,
    )


# --- Reviews held on time: the school's figure ---------------------------------------------

SEN_SUPPORT_REVIEW = "sen_support"


@dataclass(frozen=True)
class Reviewed:
    """A review held, as the school's figure reads it: when, which kind, the date it set."""

    held_on: dt.date
    kind: str
    next_review_due: dt.date | None = None


def held_on_time(
    reviews: list[Reviewed], first_agreed: dt.date | None, *, start: dt.date, end: dt.date
) -> tuple[int, int]:
    """Of one pupil's SEN support and annual reviews held from `start` to `end`, how many
    were held by the date they were due, and how many could be judged: (on time, judged).

    `reviews` are all the pupil's reviews in date order (earlier ones too: each is judged
    from the one before). A SEN support review was due by the date set at the review before
    (of any kind) and at most 4 months after it; an annual review 12 months after the last
    annual review. The first of either is judged from when the pupil's first plan was
    agreed; one held before any plan was agreed cannot be judged. Interim reviews are
    extra meetings: not judged, but the next SEN support review counts from them."""
    on_time = judged = 0
    agreed = Plan(agreed_on=first_agreed) if first_agreed is not None else None
    previous: Reviewed | None = None
    previous_annual: Reviewed | None = None
    for review in reviews:
        due: dt.date | None = None
        if review.kind == ANNUAL:
            if previous_annual is not None:
                due = annual_due(None, Held(previous_annual.held_on))
            elif agreed is not None and agreed.agreed_on <= review.held_on:
                due = annual_due(agreed, None)
        elif review.kind == SEN_SUPPORT_REVIEW:
            if previous is not None:
                due = termly_due(None, Held(previous.held_on, previous.next_review_due))
            elif agreed is not None and agreed.agreed_on <= review.held_on:
                due = termly_due(agreed, None)
        if due is not None and start <= review.held_on <= end:
            judged += 1
            on_time += review.held_on <= due
        previous = review
        if review.kind == ANNUAL:
            previous_annual = review
    return on_time, judged
