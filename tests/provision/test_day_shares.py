"""A run's cost shared day by day between the pupils in the group (decision NN), worked by hand."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from provmap.provision import costing
from provmap.provision.costing import StaffTime

SEPT = dt.date(2025, 9, 1)


def day(n: int) -> dt.date:
    """The n-th day of the run (day 1 is 1 September)."""
    return SEPT + dt.timedelta(days=n - 1)


def span(first: int, last: int) -> tuple[dt.date, dt.date]:
    return day(first), day(last)


def shares(total: str, pupils, run=(1, 10)) -> list[Decimal]:
    return costing.pupil_shares(Decimal(total), Decimal(0), [span(*p) for p in pupils], span(*run))


def test_a_pupil_joining_half_way_carries_a_quarter_not_a_third():
    # Ten days at £10 a day. A alone on days 1-5 (£50); A and B on days 6-10 (£25 each).
    assert shares("100", [(1, 10), (6, 10)]) == [Decimal("75.00"), Decimal("25.00")]
    # The days-weight rule would have given 2/3 and 1/3.
    assert costing.share_cost(Decimal("100"), [10, 5]) == [Decimal("66.67"), Decimal("33.33")]


def test_pupils_with_the_same_dates_carry_what_they_always_did():
    assert shares("100", [(1, 10)] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    # Four pupils who all joined on day 3 and left on day 8: the group's empty days (1, 2, 9
    # and 10) are split equally too.
    assert shares("600", [(3, 8)] * 4) == [Decimal("150.00")] * 4


def test_pennies_left_over_go_to_the_largest_remainder():
    # Three days of £100. Day 1: A alone (1). Day 2: A and B (1/2 each). Day 3: A, B and C
    # (1/3 each). A carries 11/6 days, B 5/6, C 1/3, of 3 days:
    # 10,000p x 11/18 = 6,111.1p, x 5/18 = 2,777.8p, x 1/9 = 1,111.1p; floors add up to
    # 9,999p and the last penny goes to B's remainder (.8).
    result = shares("100", [(1, 3), (2, 3), (3, 3)], run=(1, 3))
    assert result == [Decimal("61.11"), Decimal("27.78"), Decimal("11.11")]
    assert sum(result) == Decimal("100.00")


def test_days_with_nobody_in_the_group_are_split_by_days_in_the_group():
    # Ten days of £50 (£5 a day). A on days 3-8 (6 days), B on days 7-8 (2 days).
    # A alone on days 3-6 (4 days); both on days 7-8 (1 day each): A 5 days, B 1.
    # Days 1, 2, 9 and 10 had nobody: 4 days split 6:2, A 3 and B 1. A 8 days (£40), B 2 (£10).
    weights = costing.day_weights([span(3, 8), span(7, 8)], span(1, 10))
    assert weights == [Fraction(8), Fraction(2)]
    assert shares("50", [(3, 8), (7, 8)]) == [Decimal("40.00"), Decimal("10.00")]
    carried, empty = costing.days_carried([span(3, 8), span(7, 8)], span(1, 10))
    assert carried == [Fraction(5), Fraction(1)]
    assert empty == 4


def test_a_pupil_who_left_and_one_who_joined():
    # Twelve days of £120 (£10 a day). A all through; B left after day 6; C joined on day 10.
    # Days 1-6: A and B, 3 days each. Days 7-9: A alone, 3. Days 10-12: A and C, 1.5 each.
    # A 7.5 days (£75), B 3 (£30), C 1.5 (£15).
    result = shares("120", [(1, 12), (1, 6), (10, 12)], run=(1, 12))
    assert result == [Decimal("75.00"), Decimal("30.00"), Decimal("15.00")]


def test_withdrawn_pupils_carry_their_days_until_they_left_and_nothing_after():
    # Ten days of £100. W withdrew after day 4; X's place ended before the run began; Y's
    # dates reach past the run's end and count only to it.
    # Days 1-4: A and W (2 days each); days 5-10: A and Y (3 each). A 5 (£50), W 2 (£20),
    # X nothing, Y 3 (£30).
    pupils = [(1, 10), (1, 4), (-20, -5), (5, 30)]
    assert shares("100", pupils) == [
        Decimal("50.00"),
        Decimal("20.00"),
        Decimal("0.00"),
        Decimal("30.00"),
    ]


def test_nothing_is_shared_when_nobody_spent_a_day_in_the_group():
    assert shares("100", [(-20, -5), (12, 15)]) == [Decimal("0.00"), Decimal("0.00")]
    assert shares("100", []) == []


def test_a_price_per_pupil_is_carried_whole_and_staff_time_shared_day_by_day():
    # £250 a place for two pupils (£500) and a TA 1 hour a week for 10 weeks at £20 (£200).
    # A all ten days, B from day 6: the TA's £200 is £150 and £50; the places whole.
    result = costing.cost_run_lines(
        [(StaffTime(Decimal(1), 60, Decimal("20")), False)],
        basis=costing.PER_PUPIL,
        price=Decimal("250"),
        sessions_per_week=Decimal(1),
        weeks=Decimal(10),
        year_weeks=Decimal(38),
        run=span(1, 10),
        pupils=[span(1, 10), span(6, 10)],
    )
    assert result.total == Decimal("700.00")
    assert result.shares == (Decimal("400.00"), Decimal("300.00"))


# Properties --------------------------------------------------------------------------------

RUN_DAYS = st.integers(min_value=1, max_value=60)


@st.composite
def runs(draw):
    """A run of 1-60 days and 0-8 pupils whose dates may reach outside it."""
    length = draw(RUN_DAYS)
    pupils = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        first = draw(st.integers(min_value=-5, max_value=length + 5))
        last = draw(st.integers(min_value=first, max_value=length + 10))
        pupils.append(span(first, last))
    return span(1, length), pupils


def day_by_day(pupils, window):
    """The rule as written, one day at a time: what each pupil carries and the empty days."""
    first, last = window
    carried = [Fraction(0)] * len(pupils)
    empty = 0
    today = first
    while today <= last:
        present = [i for i, (start, end) in enumerate(pupils) if start <= today <= end]
        for i in present:
            carried[i] += Fraction(1, len(present))
        empty += not present
        today += dt.timedelta(days=1)
    return carried, empty


@given(runs())
def test_days_carried_counted_in_stretches_is_the_day_by_day_rule(case):
    run, pupils = case
    assert costing.days_carried(pupils, run) == day_by_day(pupils, run)


@given(runs(), st.integers(min_value=0, max_value=10**7))
def test_shares_add_up_to_the_total_to_the_penny(case, pennies):
    run, pupils = case
    total = Decimal(pennies) / 100
    result = costing.pupil_shares(total, Decimal(0), pupils, run)
    assert len(result) == len(pupils)
    if any(costing.overlap_days(*run, *p) for p in pupils):
        assert sum(result) == total
    else:
        assert result == [Decimal("0.00")] * len(pupils)


@given(
    RUN_DAYS,
    st.integers(min_value=-5, max_value=65),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=0, max_value=10**7),
)
def test_pupils_with_the_same_dates_carry_equal_shares(length, first, days, count, pennies):
    run, same = span(1, length), span(first, first + days)
    total = Decimal(pennies) / 100
    result = costing.pupil_shares(total, Decimal(0), [same] * count, run)
    weights = costing.day_weights([same] * count, run)
    assert len(set(weights)) == 1
    if costing.overlap_days(*run, *same):
        # As the days-weight rule always split them: equally, the pennies to the first.
        assert result == costing.share_cost(total, [1] * count)


@given(runs(), st.data())
def test_a_newcomer_leaves_earlier_pupils_days_before_they_joined_unchanged(case, data):
    run, pupils = case
    joined = data.draw(st.integers(min_value=1, max_value=(run[1] - run[0]).days + 1))
    newcomer = span(joined, (run[1] - run[0]).days + 1)
    before = (run[0], day(joined - 1))
    carried, empty = costing.days_carried(pupils, before)
    carried_with, empty_with = costing.days_carried([*pupils, newcomer], before)
    assert carried_with == [*carried, Fraction(0)]
    assert empty_with == empty
    # When the earlier pupils filled every day before, each one's whole part of the run is
    # those days, unchanged, and their part of the days from the newcomer's first.
    if empty == 0:
        weights = costing.day_weights([*pupils, newcomer], run)
        after, _ = costing.days_carried([*pupils, newcomer], (day(joined), run[1]))
        assert weights == [b + a for b, a in zip([*carried, Fraction(0)], after, strict=True)]


def day_by_day_weights(pupils, run):
    """day_weights as its rule is written: days carried plus the empty days split by days in
    the group."""
    carried, empty = day_by_day(pupils, run)
    in_group = [costing.overlap_days(*run, *pupil) for pupil in pupils]
    if not sum(in_group):
        return [Fraction(0)] * len(pupils)
    return [
        part + Fraction(empty * days, sum(in_group))
        for part, days in zip(carried, in_group, strict=True)
    ]


@given(runs(), st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=3))
def test_a_group_together_from_first_to_last_day_is_weighed_as_the_rule_says(case, early, late):
    """The short cut for a group whose pupils are all in it throughout gives the rule's
    answer; so do groups where some are not."""
    run, pupils = case
    whole = span(1 - early, (run[1] - run[0]).days + 1 + late)
    for group in ([whole] * len(pupils), [whole, *pupils]):
        assert costing.day_weights(group, run) == day_by_day_weights(group, run)


@given(
    RUN_DAYS,
    st.integers(min_value=-5, max_value=65),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=10**7),
)
def test_equal_dates_share_as_the_day_by_day_weights_do(length, first, days, count, pennies):
    # Pupils with the same dates skip the day-by-day weights (a shortcut for large maps):
    # the pennies fall exactly as the weights would make them fall.
    run, same = span(1, length), span(first, first + days)
    total = Decimal(pennies) / 100
    weights = costing.day_weights([same] * count, run)
    expected = costing.share_cost(total, weights) if sum(weights) > 0 else [Decimal("0.00")] * count
    assert costing.pupil_shares(total, Decimal(0), [same] * count, run) == expected


@given(
    st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=12), st.integers(0, 10**6)
)
def test_equal_weights_share_as_fractions_would(weights, pennies):
    # share_cost's shortcut for equal weights against the general rule worked by hand.
    equal = [weights[0]] * len(weights)
    total = Decimal(pennies) / 100
    exact = [Fraction(pennies * w, sum(equal)) for w in equal]
    floors = [int(value) for value in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[: pennies - sum(floors)]:
        floors[index] += 1
    assert costing.share_cost(total, equal) == [Decimal(p) / 100 for p in floors]
