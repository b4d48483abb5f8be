"""The roll-forward rules on small hand-worked worlds (no database)."""

from __future__ import annotations

import datetime as dt

from provmap.planning.rollforward import (
    Carried,
    Choices,
    Decision,
    LeftPupil,
    LeftRun,
    Place,
    Run,
    Target,
    apply_choices,
    final_year,
    latest_decisions,
    next_year,
    plan_roll,
)

SPRING = Target(start_date=dt.date(2027, 1, 5), new_year=False, final_year="11")
NEW_YEAR = Target(start_date=dt.date(2027, 9, 2), new_year=True, final_year="11")
TERM_END = dt.date(2026, 12, 18)


def run(run_id: int = 1, *places: Place, **details: object) -> Run:
    values: dict[str, object] = {
        "run_id": run_id,
        "provision_id": 10,
        "status": "running",
        "end_date": TERM_END,
        "places": places,
    }
    values.update(details)
    return Run(**values)  # type: ignore[arg-type]


def place(pupil_id: int, year: str = "7", status: str = "active", **details: object) -> Place:
    return Place(pupil_id=pupil_id, year=year, status=status, **details)  # type: ignore[arg-type]


def test_a_continuing_run_is_copied_with_its_active_and_planned_pupils():
    roll = plan_roll([run(1, place(1), place(2, status="planned"))], [], SPRING)
    assert [copy.run_id for copy in roll.copies] == [1]
    assert roll.copies[0].carried == (Carried(1, "7", "7"), Carried(2, "7", "7"))
    assert roll.left == ()
    assert roll.places == 2


def test_a_run_stopped_at_review_is_left_behind_with_the_date():
    decisions = [
        Decision(10, "continue", dt.date(2026, 10, 1)),
        Decision(10, "stop", dt.date(2026, 12, 3)),
    ]
    roll = plan_roll([run(1, place(1))], decisions, SPRING)
    assert roll.copies == ()
    assert roll.left == (LeftRun(1, "stopped at the review on 3 Dec 2026"),)


def test_the_latest_decision_wins_so_a_stop_then_continue_is_copied():
    decisions = [
        Decision(10, "stop", dt.date(2026, 10, 1)),
        Decision(10, "continue", dt.date(2026, 12, 3)),
    ]
    assert plan_roll([run(1)], decisions, SPRING).left == ()
    # The same day: the one recorded later.
    same_day = [
        Decision(10, "continue", dt.date(2026, 12, 3), sequence=5),
        Decision(10, "stop", dt.date(2026, 12, 3), sequence=4),
    ]
    assert latest_decisions(same_day)[10].decision == "continue"


def test_a_change_decision_is_copied_with_a_note():
    roll = plan_roll([run(1)], [Decision(10, "change", dt.date(2026, 12, 3))], SPRING)
    assert roll.copies[0].note == "to change, decided at the review on 3 Dec 2026"


def test_closed_runs_runs_going_on_and_withdrawn_provisions_are_left():
    runs = [
        run(1, status="closed"),
        run(2, end_date=dt.date(2027, 3, 26)),
        run(3, provision_active=False),
    ]
    roll = plan_roll(runs, [], SPRING)
    assert roll.copies == ()
    assert roll.left == (
        LeftRun(1, "completed"),
        LeftRun(2, "it runs on into the next term (to 26 Mar 2027)"),
        LeftRun(3, "the provision is no longer offered"),
    )


def test_completed_withdrawn_and_leavers_are_left_with_their_reasons():
    roll = plan_roll(
        [
            run(
                1,
                place(1, status="completed", leaving_reason="completed"),
                place(2, status="withdrawn", leaving_reason="moved"),
                place(3, status="withdrawn"),
                place(4, on_roll_to=dt.date(2026, 12, 18)),
                place(5, archived=True),
                # Leaving during the next term: still on roll when it starts.
                place(6, on_roll_to=dt.date(2027, 2, 1)),
            )
        ],
        [],
        SPRING,
    )
    copy = roll.copies[0]
    assert [c.pupil_id for c in copy.carried] == [6]
    assert copy.left == (
        LeftPupil(1, "completed"),
        LeftPupil(2, "moved to another group"),
        LeftPupil(3, "withdrawn"),
        LeftPupil(4, "left the school"),
        LeftPupil(5, "left the school"),
    )


def test_in_a_new_year_pupils_move_up_and_year_11_leaves():
    roll = plan_roll([run(1, place(1, "7"), place(2, "10"), place(3, "11"))], [], NEW_YEAR)
    copy = roll.copies[0]
    assert copy.carried == (Carried(1, "7", "8"), Carried(2, "10", "11"))
    assert copy.left == (LeftPupil(3, "finished Year 11"),)
    assert copy.carried[0].years == "Year 7 to Year 8"


def test_within_a_year_year_11_stays():
    roll = plan_roll([run(1, place(3, "11"))], [], SPRING)
    assert roll.copies[0].carried == (Carried(3, "11", "11"),)
    assert roll.copies[0].carried[0].years == "Year 11"


def test_a_primary_leaves_year_6_and_reception_moves_to_year_1():
    target = Target(start_date=dt.date(2027, 9, 2), new_year=True, final_year="6")
    roll = plan_roll([run(1, place(1, "6"), place(2, "R"))], [], target)
    assert roll.copies[0].left == (LeftPupil(1, "finished Year 6"),)
    assert roll.copies[0].carried == (Carried(2, "R", "1"),)


def test_a_run_s_usual_years_give_a_warning_but_the_pupil_is_carried():
    roll = plan_roll(
        [run(1, place(1, "7"), place(2, "8"), usual_years=frozenset({"7", "8"}))], [], NEW_YEAR
    )
    carried = roll.copies[0].carried
    assert carried[0] == Carried(1, "7", "8")
    assert carried[1] == Carried(
        2, "8", "9", warning="now in Year 9: the provision is usually for Year 7, Year 8"
    )


def test_the_final_year_follows_the_phase_and_the_roll():
    assert final_year("primary", ["R", "3", "6"]) == "6"
    assert final_year("secondary", ["7", "9", "11"]) == "11"
    assert final_year("secondary", ["7", "11", "13"]) == "13"
    assert final_year("middle", ["5", "8"]) == "8"
    assert final_year("secondary", []) == "11"
    assert next_year("13") is None and next_year("N2") == "R"


def test_choices_leave_runs_and_pupils_behind():
    roll = plan_roll([run(1, place(1), place(2)), run(2, place(3))], [], SPRING)
    chosen = apply_choices(
        roll, Choices(leave_runs=frozenset({2}), leave_places=frozenset({(1, 2)}))
    )
    assert [copy.run_id for copy in chosen.copies] == [1]
    assert chosen.copies[0].carried == (Carried(1, "7", "7"),)
    assert chosen.copies[0].left == (LeftPupil(2, "left behind by choice"),)
    assert chosen.left == (LeftRun(2, "left behind by choice"),)
    assert chosen.places == 1
