"""When reviews are due: every date worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from provmap.outcomes.rhythm import (
    Held,
    Plan,
    Reviewed,
    State,
    add_months,
    annual_due,
    held_on_time,
    judge,
    standing,
    termly_due,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 9, 15), 4, D(2027, 1, 15)),
        # Month ends: 31 Oct + 4 months is the last day of February.
        (D(2026, 10, 31), 4, D(2027, 2, 28)),
        (D(2027, 10, 31), 4, D(2028, 2, 29)),  # 2028 is a leap year
        (D(2026, 12, 31), 4, D(2027, 4, 30)),
        (D(2026, 8, 31), 4, D(2026, 12, 31)),
        # A leap day a year on is 28 Feb; four years on, 29 Feb again.
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2028, 2, 29), 48, D(2032, 2, 29)),
        (D(2026, 11, 30), 14, D(2028, 1, 30)),
    ],
)
def test_months_are_calendar_months(day, months, expected):
    assert add_months(day, months) == expected


def test_sen_support_counts_four_months_from_the_plan_when_no_review_was_held():
    assert termly_due(Plan(agreed_on=D(2026, 9, 20)), None) == D(2027, 1, 20)


def test_sen_support_takes_the_plans_date_when_it_is_sooner():
    plan = Plan(agreed_on=D(2026, 9, 20), review_due=D(2026, 12, 10))
    assert termly_due(plan, None) == D(2026, 12, 10)


def test_sen_support_never_later_than_four_months_after_the_plan():
    plan = Plan(agreed_on=D(2026, 9, 20), review_due=D(2027, 3, 1))
    assert termly_due(plan, None) == D(2027, 1, 20)


def test_sen_support_takes_the_date_set_at_the_last_review():
    plan = Plan(agreed_on=D(2026, 4, 1), review_due=D(2026, 7, 1))
    last = Held(held_on=D(2026, 7, 1), next_review_due=D(2026, 10, 14))
    assert termly_due(plan, last) == D(2026, 10, 14)


def test_sen_support_never_later_than_four_months_after_the_last_review():
    plan = Plan(agreed_on=D(2026, 4, 1))
    last = Held(held_on=D(2026, 10, 31), next_review_due=D(2027, 6, 1))
    assert termly_due(plan, last) == D(2027, 2, 28)


def test_a_review_that_set_no_date_counts_four_months_on_and_ignores_a_used_plan_date():
    # The plan's date (1 Jul) is before the review: that review was it.
    plan = Plan(agreed_on=D(2026, 4, 1), review_due=D(2026, 7, 1))
    last = Held(held_on=D(2026, 7, 3))
    assert termly_due(plan, last) == D(2026, 11, 3)


def test_a_plan_agreed_since_the_last_review_sets_the_date():
    plan = Plan(agreed_on=D(2026, 10, 1), review_due=D(2026, 12, 15))
    last = Held(held_on=D(2026, 9, 1), next_review_due=D(2026, 11, 1))
    assert termly_due(plan, last) == D(2026, 12, 15)
    # ... but never later than 4 months after the last review held.
    late_plan = Plan(agreed_on=D(2026, 10, 1), review_due=D(2027, 2, 1))
    assert termly_due(late_plan, last) == D(2027, 1, 1)


def test_nothing_to_count_from():
    assert termly_due(None, None) is None
    assert annual_due(None, None) is None


def test_annual_review_within_twelve_months():
    plan = Plan(agreed_on=D(2025, 3, 31))
    assert annual_due(plan, None) == D(2026, 3, 31)
    assert annual_due(plan, Held(held_on=D(2028, 2, 29))) == D(2029, 2, 28)


def test_standing_today():
    due = D(2026, 11, 30)
    assert standing(due, D(2026, 12, 1)) is State.OVERDUE
    assert standing(due, D(2026, 11, 30)) is State.DUE_SOON  # due today
    assert standing(due, D(2026, 11, 2)) is State.DUE_SOON  # 28 days to go
    assert standing(due, D(2026, 11, 1)) is State.LATER  # 29 days to go
    assert standing(due, D(2026, 11, 20), window=7) is State.LATER


def test_judge_sen_support_overdue_counts_the_days_late():
    judgement = judge(
        sen_status="K",
        plan=Plan(agreed_on=D(2026, 1, 10)),
        last=Held(held_on=D(2026, 6, 30)),
        today=D(2026, 11, 30),
    )
    # 30 Jun + 4 months = 30 Oct; 30 Oct to 30 Nov is 31 days.
    assert judgement is not None
    assert (judgement.state, judgement.due, judgement.days_late) == (
        State.OVERDUE,
        D(2026, 10, 30),
        31,
    )
    assert judgement.annual_due is None


def test_judge_across_a_leap_day():
    judgement = judge(
        sen_status="K",
        plan=Plan(agreed_on=D(2027, 10, 31)),
        last=None,
        today=D(2028, 3, 2),
    )
    # Due 29 Feb 2028; 2 days late on 2 Mar.
    assert judgement is not None
    assert (judgement.due, judgement.days_late) == (D(2028, 2, 29), 2)


def test_judge_due_soon_counts_the_days_to_go():
    judgement = judge(
        sen_status="K",
        plan=Plan(agreed_on=D(2026, 9, 1), review_due=D(2026, 12, 14)),
        last=None,
        today=D(2026, 11, 30),
    )
    assert judgement is not None
    assert (judgement.state, judgement.days_to_go, judgement.days_late) == (
        State.DUE_SOON,
        14,
        0,
    )


def test_judge_ehc_plan_annual_only_when_no_termly_reviews_are_recorded():
    judgement = judge(
        sen_status="E",
        plan=Plan(agreed_on=D(2026, 1, 15)),
        last=Held(held_on=D(2026, 3, 1)),
        last_annual=Held(held_on=D(2026, 3, 1)),
        today=D(2026, 11, 30),
    )
    assert judgement is not None
    assert (judgement.state, judgement.due, judgement.termly_due) == (
        State.LATER,
        D(2027, 3, 1),
        None,
    )
    assert judgement.annual_first


def test_judge_ehc_plan_with_termly_reviews_keeps_the_annual_date_apart():
    judgement = judge(
        sen_status="E",
        plan=Plan(agreed_on=D(2026, 1, 15)),
        last=Held(held_on=D(2026, 7, 10), next_review_due=D(2026, 11, 6)),
        last_annual=Held(held_on=D(2026, 3, 1)),
        termly_recorded=True,
        today=D(2026, 11, 30),
    )
    assert judgement is not None
    assert (judgement.state, judgement.due, judgement.days_late) == (
        State.OVERDUE,
        D(2026, 11, 6),
        24,
    )
    assert judgement.annual_due == D(2027, 3, 1)
    assert not judgement.annual_first


def test_judge_ehc_plan_annual_review_overdue_from_the_plan():
    judgement = judge(
        sen_status="E",
        plan=Plan(agreed_on=D(2025, 11, 1)),
        last=None,
        today=D(2026, 11, 30),
    )
    assert judgement is not None
    assert (judgement.state, judgement.due, judgement.days_late) == (
        State.OVERDUE,
        D(2026, 11, 1),
        29,
    )


def test_judge_no_agreed_plan():
    judgement = judge(sen_status="K", plan=None, last=None, today=D(2026, 11, 30))
    assert judgement is not None
    assert (judgement.state, judgement.due) == (State.NO_PLAN, None)
    # The reviews held still give a date.
    held = judge(
        sen_status="E",
        plan=None,
        last=Held(held_on=D(2026, 1, 5)),
        last_annual=Held(held_on=D(2026, 1, 5)),
        today=D(2026, 11, 30),
    )
    assert held is not None
    assert (held.state, held.due) == (State.NO_PLAN, D(2027, 1, 5))


@pytest.mark.parametrize("status", ["N", "A", "P", "S"])
def test_no_review_due_off_the_register(status):
    assert judge(sen_status=status, plan=None, last=None, today=D(2026, 11, 30)) is None


def _r(held_on, kind="sen_support", next_due=None):
    return Reviewed(held_on=held_on, kind=kind, next_review_due=next_due)


YEAR = {"start": D(2026, 9, 1), "end": D(2027, 8, 31)}


def test_reviews_held_on_time_judged_each_from_the_one_before():
    reviews = [
        _r(D(2026, 6, 20)),  # last year: judged by nobody, but the next counts from it
        _r(D(2026, 10, 20), next_due=D(2027, 1, 15)),  # due by 20 Oct: on time (to the day)
        _r(D(2027, 1, 20)),  # due 15 Jan (the date set): late
        _r(D(2027, 3, 1), kind="interim"),  # not judged
        _r(D(2027, 7, 2)),  # 4 months after the interim review is 1 Jul: late
    ]
    assert held_on_time(reviews, D(2026, 2, 1), **YEAR) == (1, 3)


def test_the_first_review_counts_from_the_plan():
    # Agreed 31 Oct: due by 28 Feb 2027.
    assert held_on_time([_r(D(2027, 2, 28))], D(2026, 10, 31), **YEAR) == (1, 1)
    assert held_on_time([_r(D(2027, 3, 1))], D(2026, 10, 31), **YEAR) == (0, 1)
    # No plan agreed before it: cannot be judged.
    assert held_on_time([_r(D(2027, 3, 1))], None, **YEAR) == (0, 0)
    assert held_on_time([_r(D(2027, 3, 1))], D(2027, 3, 2), **YEAR) == (0, 0)


def test_annual_reviews_within_twelve_months_of_the_last():
    reviews = [
        _r(D(2026, 2, 28), kind="annual"),
        _r(D(2026, 11, 1)),  # a termly review in between: judged from the annual one
        _r(D(2027, 2, 28), kind="annual"),  # 12 months on: on time
    ]
    assert held_on_time(reviews, D(2025, 3, 1), **YEAR) == (1, 2)
    late = [_r(D(2028, 2, 29), kind="annual"), _r(D(2029, 3, 1), kind="annual")]
    # 29 Feb 2028 + 12 months is 28 Feb 2029: 1 Mar is late.
    assert held_on_time(late, None, start=D(2028, 9, 1), end=D(2029, 8, 31)) == (0, 1)
