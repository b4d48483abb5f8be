"""The small-number rule: counts of 1 to 4 pupils, and figures worked out from them, are not
shown to those who see figures but no pupil, nor can they be worked out by subtraction."""

from types import SimpleNamespace

from provmap.insights import wording
from provmap.insights.disclosure import (
    EXACT,
    FEWER_THAN,
    SMALL_NUMBER,
    WITHHELD,
    Disclosure,
    is_small,
    withheld_cells,
)

AGGREGATE = Disclosure(exact=False)


def test_the_threshold_is_five():
    assert SMALL_NUMBER == 5
    assert FEWER_THAN == "fewer than 5"
    assert [n for n in range(8) if is_small(n)] == [1, 2, 3, 4]


def test_a_lone_small_count_is_shown_as_fewer_than_five():
    assert str(AGGREGATE.count(3)) == FEWER_THAN
    assert str(AGGREGATE.count(0)) == "0"
    assert str(AGGREGATE.count(5)) == "5"
    assert not AGGREGATE.count(4).shown and AGGREGATE.count(12).shown


def test_exact_viewers_see_every_count():
    assert str(EXACT.count(3)) == "3"
    line = EXACT.line([3, 40], total=43)
    assert [str(cell) for cell in line.cells] == ["3", "40"]
    assert not EXACT.hides(1)


def test_the_scope_decides():
    governor = SimpleNamespace(sees_any_pupil=False)
    senco = SimpleNamespace(sees_any_pupil=True)
    assert Disclosure.for_scope(governor) == AGGREGATE
    assert Disclosure.for_scope(senco) == EXACT


def test_without_a_total_only_small_cells_are_withheld():
    assert withheld_cells([3, 40, 12], total=None) == ({0}, False)


def test_one_small_cell_beside_a_total_takes_the_next_smallest_with_it():
    # 3 + 12 + 40 = 55: showing 12, 40 and 55 would give away the 3.
    hidden, total_hidden = withheld_cells([40, 3, 12], total=55)
    assert hidden == {1, 2}
    assert not total_hidden
    line = AGGREGATE.line([40, 3, 12], total=55)
    assert [str(cell) for cell in line.cells] == ["40", FEWER_THAN, WITHHELD]
    assert str(line.total) == "55"


def test_withheld_cells_must_add_up_to_five_or_more():
    # Two cells of 1 beside a total: their sum (2) would say both are 1.
    assert withheld_cells([1, 1, 50], total=52) == ({0, 1, 2}, False)
    # 2 + 3 = 5: neither can be told.
    assert withheld_cells([2, 3, 50], total=55) == ({0, 1}, False)


def test_zeros_are_shown_and_never_withheld_to_cover_another_cell():
    assert withheld_cells([0, 3, 0, 9], total=12) == ({1, 3}, False)


def test_a_small_total_is_withheld_with_its_cells():
    hidden, total_hidden = withheld_cells([1, 2, 0], total=3)
    assert hidden == {0, 1}
    assert total_hidden
    assert str(AGGREGATE.line([1, 2, 0], total=3).total) == FEWER_THAN


def test_a_total_larger_than_its_cells_counts_the_rest_as_a_cell():
    # 30 pupils: 27 disadvantaged shown, so 3 others could be worked out; the rest is not
    # shown but must not be derivable, so the 27 goes too.
    line = AGGREGATE.line([27], total=30)
    assert [cell.shown for cell in line.cells] == [False]
    assert str(line.cells[0]) == WITHHELD
    # A rest of 5 or more needs nothing.
    assert AGGREGATE.line([25], total=30).cells[0].shown


def test_figures_from_fewer_than_five_pupils_are_withheld():
    assert AGGREGATE.hides(4)
    assert not AGGREGATE.hides(5)
    assert not AGGREGATE.hides(0)
    assert AGGREGATE.figure(0.75, pupils=4) is None
    assert AGGREGATE.figure(0.75, pupils=8) == 0.75
    assert EXACT.figure(0.75, pupils=1) == 0.75


def test_counts_in_reasons_are_withheld():
    reason = wording.REASON_TOO_FEW_PUPILS.format(n=3, minimum=5)
    comparison = wording.REASON_TOO_FEW_COMPARISON.format(n=2, minimum=5)
    text = AGGREGATE.text(f"{comparison} {reason}")
    assert "3" not in text and "2" not in text
    assert text.count(FEWER_THAN) == 2
    assert EXACT.text(reason) == reason
    assert AGGREGATE.text(wording.REASON_TOO_FEW_PUPILS.format(n=0, minimum=5)) == (
        wording.REASON_TOO_FEW_PUPILS.format(n=0, minimum=5)
    )


def test_the_reason_is_given_only_where_something_is_withheld():
    assert "fewer than 5" in AGGREGATE.why
    assert EXACT.why == ""


def test_a_total_may_be_withheld_instead_of_more_cells():
    line = AGGREGATE.line([10, 4, 5], total=19, total_first=True)
    assert [str(cell) for cell in line.cells] == ["10", FEWER_THAN, "5"]
    assert str(line.total) == WITHHELD
    assert line.cells[1].words == "fewer than 5 pupils"
    assert AGGREGATE.line([10, 6], total=16, total_first=True).total.shown


def test_a_share_that_counts_one_to_four_pupils_is_withheld():
    rule = Disclosure(exact=False)
    assert rule.share(0.125, of=8) is None  # one pupil of eight
    assert rule.share(0.875, of=8) is None  # all but one
    assert rule.share(0.5, of=4) is None  # of too few
    assert rule.share(0.5, of=10) == 0.5
    assert rule.share(0.0, of=10) == 0.0
    assert rule.share(None, of=10) is None
    assert Disclosure(exact=True).share(0.125, of=8) == 0.125
