"""Costing rules, checked against the costed map in Kent's appendix 3c (seed 003) and by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from provmap.provision import costing
from provmap.provision.costing import StaffTime

SENCO_RATE = Decimal("50")  # the appendix costs teachers and the SENCO at £50 an hour
TA_RATE = Decimal("20")  # and TAs, LSAs and learning mentors at £20 an hour


def hours(sessions: int, minutes: int, rate: Decimal) -> StaffTime:
    return StaffTime(Decimal(sessions), minutes, rate)


@pytest.mark.parametrize(
    ("row", "staff", "weeks", "expected"),
    [
        # "Individual Literacy Programmes (4 groups x 38 weeks), 1:1, S, 4 x 1 hour: £7600"
        ("individual literacy", [hours(4, 60, SENCO_RATE)], 38, ["7600.00"]),
        # "Literacy Workshops (2 groups x 10 weeks), 2:10, S and TA, 2 x 1.5 hours: £1500, £600"
        (
            "literacy workshops",
            [hours(2, 90, SENCO_RATE), hours(2, 90, TA_RATE)],
            10,
            ["1500.00", "600.00"],
        ),
        # "Spelling Workshops (4 groups x 20 weeks), 1:6, S, 4 x 1 hour: £4000"
        ("spelling workshops", [hours(4, 60, SENCO_RATE)], 20, ["4000.00"]),
        # "Literacy Booster Class (4 groups x 10 weeks), 1:16, T, 4 x 2 hours: £4000"
        ("literacy booster", [hours(4, 120, SENCO_RATE)], 10, ["4000.00"]),
        # "Numeracy Set 5 Class (38 weeks), 2:15, T and TA, 4 x 1 hour each: £7600, £3040"
        (
            "numeracy set 5",
            [hours(4, 60, SENCO_RATE), hours(4, 60, TA_RATE)],
            38,
            ["7600.00", "3040.00"],
        ),
        # "BESD Support (14 pupils x 38 weeks), 1:1, LM, 14 x 1 hour: £10640"
        ("BESD support", [hours(14, 60, TA_RATE)], 38, ["10640.00"]),
        # "HI Support (LEA central support service)": no cost to the school
        ("HI support", [hours(1, 60, Decimal(0))], 38, ["0.00"]),
        # "Personal and Social Skills Groups (3 groups x 10 weeks), 1:12, T, 3 x 1 hour: £1500"
        ("social skills", [hours(3, 60, SENCO_RATE)], 10, ["1500.00"]),
        # "Individual Transition Programmes (4 pupils x 10 weeks), 1:1, LM, 4 x 2 hours: £1600"
        ("transition", [hours(4, 120, TA_RATE)], 10, ["1600.00"]),
        # "In-class support for individual pupils with statements (38 weeks), LST, 5 x 1 hour:
        # £9500"
        ("in-class support", [hours(5, 60, SENCO_RATE)], 38, ["9500.00"]),
    ],
)
def test_run_cost_reproduces_appendix_3c(row, staff, weeks, expected):
    cost = costing.run_cost(staff, weeks)

    assert [str(line) for line in cost.lines] == expected, row
    assert cost.total == sum(Decimal(value) for value in expected)


def test_run_cost_weekly_minutes_add_up_across_staff():
    cost = costing.run_cost([hours(2, 90, SENCO_RATE), hours(2, 90, TA_RATE)], 10)

    assert cost.weekly_minutes == Decimal(360)


def test_cost_per_minute_matches_the_spreadsheet_method():
    # Seed 004 costs by the minute: cost per minute x minutes a week x weeks.
    per_minute = costing.cost_per_minute(Decimal("20"))
    by_minute = costing.to_pennies(per_minute * 4 * 60 * 38)

    assert by_minute == costing.staff_cost(hours(4, 60, TA_RATE), 38) == Decimal("3040.00")


def test_staff_cost_handles_part_sessions_and_part_weeks():
    # Fortnightly 45 minutes with an HLTA at £24.50 an hour over 12.5 weeks:
    # 0.5 x 45 = 22.5 min a week; 22.5 / 60 x 24.50 x 12.5 = 114.84375 -> £114.84
    time = StaffTime(Decimal("0.5"), 45, Decimal("24.50"))

    assert costing.staff_cost(time, Decimal("12.5")) == Decimal("114.84")


def test_hourly_rate_prefers_the_persons_own_rate_then_the_role_rate_then_nothing():
    assert costing.hourly_rate_for(Decimal("31.25"), Decimal("20")) == Decimal("31.25")
    assert costing.hourly_rate_for(None, Decimal("20")) == Decimal("20")
    assert costing.hourly_rate_for(None, None) == Decimal("0")


def test_share_cost_splits_to_the_penny_and_adds_up_exactly():
    assert costing.share_cost(Decimal("100"), [1, 1, 1]) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]


def test_share_cost_is_proportional_to_days_in_the_group():
    # Four pupils in a £600 group; one joined half-way (35 days of 70).
    shares = costing.share_cost(Decimal("600"), [70, 70, 70, 35])

    assert shares == [Decimal("171.43"), Decimal("171.43"), Decimal("171.43"), Decimal("85.71")]
    assert sum(shares) == Decimal("600.00")


def test_share_cost_of_nobody_is_nothing_and_zero_weights_are_refused():
    assert costing.share_cost(Decimal("10"), []) == []
    with pytest.raises(ValueError, match="more than zero"):
        costing.share_cost(Decimal("10"), [0, 0])


def test_overlap_days_counts_inclusive_days_and_zero_for_ranges_that_do_not_meet():
    sept = dt.date(2025, 9, 1)

    assert (
        costing.overlap_days(
            sept, dt.date(2025, 9, 30), dt.date(2025, 9, 15), sept.replace(month=10, day=20)
        )
        == 16
    )
    assert (
        costing.overlap_days(sept, dt.date(2025, 9, 30), dt.date(2025, 10, 1), dt.date(2025, 10, 2))
        == 0
    )


def test_cost_to_date_is_the_elapsed_share_of_the_planned_cost():
    start, end = dt.date(2025, 9, 1), dt.date(2025, 9, 10)  # ten days

    assert costing.cost_to_date(Decimal("1000"), start, end, dt.date(2025, 8, 31)) == 0
    assert costing.cost_to_date(Decimal("1000"), start, end, dt.date(2025, 9, 3)) == Decimal(
        "300.00"
    )
    assert costing.cost_to_date(Decimal("1000"), start, end, dt.date(2025, 9, 10)) == Decimal(
        "1000.00"
    )
    assert costing.cost_to_date(Decimal("1000"), start, end, dt.date(2026, 1, 1)) == Decimal(
        "1000.00"
    )


def test_general_resources_cost_staff_time_or_a_fixed_sum():
    # Kent appendix 4: "Management / supervision of LSAs (1 hour per week), SENCO: £1274.14"
    # over 38 weeks, i.e. the SENCO at £33.53 an hour (to the penny).
    management = costing.general_resource_cost(
        fixed_cost=None, hours_per_week=Decimal("1"), hourly_rate=Decimal("33.53"), weeks=38
    )
    training = costing.general_resource_cost(
        fixed_cost=Decimal("500"), hours_per_week=None, hourly_rate=Decimal(0), weeks=38
    )

    assert management == Decimal("1274.14")
    assert training == Decimal("500.00")


def test_totals_by_adds_up_per_key_in_first_seen_order():
    totals = costing.totals_by([("7", Decimal("10")), ("8", Decimal("5")), ("7", Decimal("2.5"))])

    assert totals == {"7": Decimal("12.5"), "8": Decimal("5")}
    assert list(totals) == ["7", "8"]
