"""The RAGB rating results suggest, against the provision's success criteria."""

from decimal import Decimal

import pytest

from provmap.provision.ratings import better_gain, suggest_rating


@pytest.mark.parametrize(
    ("baseline", "exit", "gain", "expected"),
    [
        (80, 80, 6, "R"),  # no progress
        (80, 78, 6, "R"),  # worse
        (80, 83, 6, "A"),  # some progress
        (80, 86, 6, "G"),  # met
        (80, 88, 6, "G"),  # met, not yet half as much again
        (80, 89, 6, "B"),  # 1.5 x the criterion: exceeded
        (80, 90, None, ""),  # progress, but no criterion to judge it by
        (80, 79, None, "R"),  # no criterion needed to see there was none
        (80, 80, 0, "G"),  # "hold steady" met
        (80, 79, 0, "R"),
    ],
)
def test_suggestions(baseline, exit, gain, expected):
    success = None if gain is None else Decimal(gain)
    assert suggest_rating(Decimal(baseline), Decimal(exit), success_gain=success) == expected


def test_lower_is_better_turns_the_gain_round():
    # Behaviour incidents down from 12 to 4 against a criterion of "5 fewer".
    assert better_gain(Decimal(12), Decimal(4), higher_is_better=False) == Decimal(8)
    assert (
        suggest_rating(Decimal(12), Decimal(4), success_gain=Decimal(5), higher_is_better=False)
        == "B"
    )
    assert (
        suggest_rating(Decimal(12), Decimal(14), success_gain=Decimal(5), higher_is_better=False)
        == "R"
    )


def test_nothing_to_suggest_without_both_results():
    assert suggest_rating(None, Decimal(90), success_gain=Decimal(6)) == ""
    assert suggest_rating(Decimal(80), None, success_gain=Decimal(6)) == ""
