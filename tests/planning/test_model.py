"""The planner's model on small cases whose best answer is worked out by hand."""

from __future__ import annotations

from provmap.planning.model import (
    BUDGET,
    BUSY,
    CLASH,
    COULD,
    GROUP_FULL,
    MUST,
    NO_PROVISION,
    SHOULD,
    STAFF_HOURS,
    Candidate,
    Need,
    Problem,
    level_weights,
    runs_to_cover,
    solve,
)

LITERACY, NUMERACY, COUNSELLING = 1, 2, 3


def test_weights_put_one_must_above_every_should_and_could():
    needs = [Need(1, LITERACY, MUST), *(Need(p, LITERACY, SHOULD) for p in range(2, 5))]
    needs += [Need(p, NUMERACY, COULD) for p in range(5, 10)]
    weights = level_weights(needs)
    assert weights[COULD] == 1
    assert weights[SHOULD] == 6  # five coulds + 1
    assert weights[MUST] == 3 * 6 + 5 + 1
    assert weights[MUST] > 3 * weights[SHOULD] + 5 * weights[COULD]


def test_budget_for_one_of_two_runs_opens_the_one_meeting_more_musts():
    # Literacy: two musts and a could; numeracy: one must and three shoulds. Each run costs
    # £400 and the stream has £500: only one opens, the one meeting two musts.
    needs = [
        Need(1, LITERACY, MUST),
        Need(2, LITERACY, MUST),
        Need(3, LITERACY, COULD),
        Need(4, NUMERACY, MUST),
        Need(5, NUMERACY, SHOULD),
        Need(6, NUMERACY, SHOULD),
        Need(7, NUMERACY, SHOULD),
    ]
    cands = [
        Candidate(key=10, kind=LITERACY, size=6, cost=400, stream="pp"),
        Candidate(key=20, kind=NUMERACY, size=6, cost=400, stream="pp"),
    ]
    solution = solve(Problem(needs=needs, candidates=cands, budgets={"pp": 500}))
    assert solution.optimal
    assert [run.key for run in solution.runs] == [10]
    assert sorted(pupil for pupil, _key, _level in solution.places) == [1, 2, 3]
    assert solution.met == {MUST: 2, SHOULD: 0, COULD: 1}
    assert {unmet.need.pupil: unmet.reason for unmet in solution.unmet} == {
        4: BUDGET,
        5: BUDGET,
        6: BUDGET,
        7: BUDGET,
    }
    assert solution.cost == 400


def test_the_better_evidenced_of_two_equal_runs_is_chosen_and_cost_breaks_ties():
    needs = [Need(1, LITERACY, MUST), Need(2, LITERACY, MUST)]
    cands = [
        Candidate(key=10, kind=LITERACY, size=4, cost=300, evidence=2, stream="s"),
        Candidate(key=20, kind=LITERACY, size=4, cost=420, evidence=5, stream="s"),
        Candidate(key=30, kind=LITERACY, size=4, cost=500, evidence=5, stream="s"),
    ]
    solution = solve(Problem(needs=needs, candidates=cands, budgets={"s": 1000}))
    assert [run.key for run in solution.runs] == [20]
    assert not solution.unmet


def test_staff_hours_binding():
    # Ann has 1.5 free hours a week; each group takes her 1 hour. Three literacy musts in
    # groups of 2: only one group can run, so one must waits, for want of staff hours.
    needs = [Need(p, LITERACY, MUST) for p in (1, 2, 3)]
    cands = [
        Candidate(key=k, kind=LITERACY, size=2, staff="ann", hours=1.0, slot=k, group="lit")
        for k in (10, 11)
    ]
    solution = solve(Problem(needs=needs, candidates=cands, staff_hours={"ann": 1.5}))
    assert len(solution.runs) == 1
    assert solution.met[MUST] == 2
    assert [unmet.reason for unmet in solution.unmet] == [STAFF_HOURS]


def test_a_pupil_is_never_in_two_runs_at_one_time():
    # Pupil 1 must have literacy and should have numeracy; both groups can only meet on
    # Monday at 9: the must wins and the numeracy need is unmet by the clash.
    needs = [Need(1, LITERACY, MUST), Need(1, NUMERACY, SHOULD), Need(2, NUMERACY, SHOULD)]
    cands = [
        Candidate(key=10, kind=LITERACY, size=4, slot="mon-9"),
        Candidate(key=20, kind=NUMERACY, size=4, slot="mon-9"),
    ]
    solution = solve(Problem(needs=needs, candidates=cands))
    assert sorted(solution.places) == [(1, 10, MUST), (2, 20, SHOULD)]
    assert [(unmet.need.pupil, unmet.reason) for unmet in solution.unmet] == [(1, CLASH)]


def test_a_member_of_staff_is_in_one_place_at_a_time():
    needs = [Need(1, LITERACY, MUST), Need(2, NUMERACY, MUST)]
    cands = [
        Candidate(key=10, kind=LITERACY, size=4, slot="mon-9", staff="ann"),
        Candidate(key=20, kind=NUMERACY, size=4, slot="mon-9", staff="ann"),
        Candidate(key=21, kind=NUMERACY, size=4, slot="tue-9", staff="ann"),
    ]
    solution = solve(Problem(needs=needs, candidates=cands))
    assert sorted(run.key for run in solution.runs) == [10, 21]


def test_unmet_reasons_for_no_entry_busy_and_full_groups():
    needs = [Need(1, COUNSELLING, MUST), Need(2, LITERACY, MUST)]
    needs += [Need(p, NUMERACY, level) for p, level in ((3, MUST), (4, MUST), (5, COULD))]
    cands = [
        Candidate(key=10, kind=LITERACY, size=4, slot="mon-9"),
        Candidate(key=20, kind=NUMERACY, size=2),
    ]
    solution = solve(Problem(needs=needs, candidates=cands, busy={2: frozenset({"mon-9"})}))
    reasons = {unmet.need.pupil: unmet.reason for unmet in solution.unmet}
    assert reasons == {1: NO_PROVISION, 2: BUSY, 5: GROUP_FULL}
    assert {unmet.words for unmet in solution.unmet} >= {
        "No catalogue entry meets this kind of need."
    }


def test_per_pupil_prices_count_against_the_budget():
    needs = [Need(p, LITERACY, MUST) for p in (1, 2, 3)]
    cands = [Candidate(key=10, kind=LITERACY, size=6, cost_per_pupil=100, stream="s")]
    solution = solve(Problem(needs=needs, candidates=cands, budgets={"s": 250}))
    assert solution.met[MUST] == 2
    assert solution.cost == 200


def test_nothing_to_place():
    solution = solve(Problem(needs=[Need(1, LITERACY, MUST)], candidates=[]))
    assert solution.runs == [] and solution.unmet[0].reason == NO_PROVISION


def test_runs_to_cover():
    assert runs_to_cover(7, 3) == 3
    assert runs_to_cover(0, 3) == 0
    assert runs_to_cover(1000, 1, most=40) == 40


def test_one_must_outweighs_any_number_of_shoulds():
    # One run affordable: literacy meets one must, numeracy five shoulds.
    needs = [Need(1, LITERACY, MUST), *(Need(p, NUMERACY, SHOULD) for p in range(2, 7))]
    cands = [
        Candidate(key=10, kind=LITERACY, size=6, cost=400, stream="s"),
        Candidate(key=20, kind=NUMERACY, size=6, cost=300, stream="s"),
    ]
    solution = solve(Problem(needs=needs, candidates=cands, budgets={"s": 500}))
    assert [run.key for run in solution.runs] == [10]
    assert solution.met == {MUST: 1, SHOULD: 0, COULD: 0}


def test_the_shoulds_fill_the_room_the_musts_left_at_no_more_fixed_cost():
    # One literacy group of 4 fits the budget: two musts, then two of the three shoulds.
    needs = [Need(1, LITERACY, MUST), Need(2, LITERACY, MUST)]
    needs += [Need(p, LITERACY, SHOULD) for p in (3, 4, 5)]
    cands = [
        Candidate(key=k, kind=LITERACY, size=4, cost=400, stream="s", group="lit") for k in (10, 11)
    ]
    solution = solve(Problem(needs=needs, candidates=cands, budgets={"s": 500}))
    assert [run.key for run in solution.runs] == [10]
    assert solution.met == {MUST: 2, SHOULD: 2, COULD: 0}
    assert [unmet.reason for unmet in solution.unmet] == [BUDGET]


def test_pupils_are_offered_only_their_year_groups_runs():
    needs = [Need(1, LITERACY, MUST, cohort="7"), Need(2, LITERACY, MUST, cohort="8")]
    cands = [Candidate(key=10, kind=LITERACY, size=4, cohort="7")]
    solution = solve(Problem(needs=needs, candidates=cands))
    assert solution.places == [(1, 10, MUST)]
    assert [(u.need.pupil, u.reason) for u in solution.unmet] == [(2, NO_PROVISION)]
