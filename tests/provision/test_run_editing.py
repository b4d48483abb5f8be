"""Changing a run after it started: edits with version checks, the group, closing on a day,
deleting, and undoing the last change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision import run_editing, selectors
from provmap.provision.models import Placement, ProvisionRun, RunChange, RunStaff
from provmap.provision.services import PlacementChanged, StaffAssignment
from provmap.pupils.models import Result
from tests.factories import (
    AcademicYearFactory,
    ProvisionFactory,
    PupilFactory,
    StaffMemberFactory,
    TermFactory,
)
from tests.web.map_world import World, add_run, build_world, pupils

pytestmark = pytest.mark.django_db


def fresh(run: ProvisionRun) -> ProvisionRun:
    return ProvisionRun.objects.select_related("provision", "academic_year", "term").get(pk=run.pk)


def staff_of(run: ProvisionRun) -> dict[str, tuple[Decimal | None, int | None]]:
    return {
        line.staff.name: (line.sessions_per_week, line.minutes_per_session)
        for line in RunStaff.objects.filter(run=run).select_related("staff")
    }


@pytest.fixture
def world() -> World:
    return build_world()


# --- Editing ------------------------------------------------------------------------------


def test_an_edit_changes_details_and_staff_lines_and_can_be_undone(world):
    run = add_run(world, label="Group A")
    cover = StaffMemberFactory(school=world.school, name="Ali Khan")
    run_editing.run_update(
        run=fresh(run),
        read_version=1,
        staff=[
            StaffAssignment(world.senco_staff, Decimal("1"), 20),
            StaffAssignment(cover),
        ],
        label="Group B",
        weeks=Decimal("8"),
        withdrawn_from="Maths",
    )
    run = fresh(run)
    assert (run.label, run.weeks, run.withdrawn_from, run.version) == (
        "Group B",
        Decimal("8"),
        "Maths",
        2,
    )
    assert staff_of(run) == {"Sam Reed": (Decimal("1"), 20), "Ali Khan": (None, None)}

    undone = run_editing.run_undo(run=run, read_version=2)
    run = fresh(run)
    assert undone.summary == "edited the run"
    assert (run.label, run.weeks, run.withdrawn_from) == ("Group A", Decimal("10"), "")
    assert staff_of(run) == {"Sam Reed": (None, None), "Jo Bloggs": (None, None)}
    assert not RunChange.objects.filter(run=run).exists()
    with pytest.raises(ValidationError, match="has no change to undo"):
        run_editing.run_undo(run=run, read_version=run.version)


def test_weeks_must_fit_between_the_dates(world):
    run = add_run(world)
    with pytest.raises(ValidationError) as refused:
        run_editing.run_update(
            run=fresh(run),
            read_version=1,
            start_date=dt.date(2025, 11, 3),
            end_date=dt.date(2025, 12, 19),
            weeks=Decimal("12"),
        )
    assert refused.value.message_dict["weeks"] == [
        "12 weeks do not fit between 3 Nov and 19 Dec (7 weeks): give fewer weeks or wider dates."
    ]
    assert fresh(run).version == 1


def test_a_stale_edit_is_refused_saying_what_changed(world):
    run = add_run(world)
    read = run_editing.run_snapshot(fresh(run))
    run_editing.run_update(run=fresh(run), read_version=1, weeks=Decimal("9"))
    with pytest.raises(run_editing.RunChanged) as refused:
        run_editing.run_update(run=fresh(run), read_version=1, read=read, label="Mine")
    assert "changed by someone else since you opened it: weeks now 9 (was 10)" in str(refused.value)
    assert fresh(run).label == ""


def test_new_dates_that_leave_out_a_pupil_are_refused_naming_them(world):
    pupil = PupilFactory(school=world.school, legal_forename="Amy", surname="Shaw")
    run = add_run(world, pupils=[pupil])
    with pytest.raises(ValidationError) as refused:
        run_editing.run_update(
            run=fresh(run), read_version=1, start_date=dt.date(2025, 10, 1), weeks=Decimal("8")
        )
    (message,) = refused.value.message_dict["start_date"]
    assert "leave out time 1 pupil spent in the group: Amy Shaw (8 Sep 2025 on)" in message


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"status": "closed"}, "status", "Close the run with 'Close the run'"),
        ({"minutes_per_session": 0}, "minutes_per_session", "between"),
        ({"end_date": dt.date(2025, 9, 1)}, "end_date", "must end on or after"),
    ],
)
def test_edits_out_of_bounds_are_refused(world, changes, field, words):
    run = add_run(world)
    with pytest.raises(ValidationError) as refused:
        run_editing.run_update(run=fresh(run), read_version=1, **changes)
    assert words in " ".join(refused.value.message_dict[field])


def test_a_term_of_another_year_and_a_person_twice_are_refused(world):
    run = add_run(world)
    other = TermFactory(
        academic_year=AcademicYearFactory(
            school=world.school,
            name="2026-27",
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2027, 7, 20),
        ),
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2026, 12, 18),
    )
    with pytest.raises(ValidationError) as refused:
        run_editing.run_update(
            run=fresh(run),
            read_version=1,
            term=other,
            staff=[StaffAssignment(world.ta_staff), StaffAssignment(world.ta_staff)],
        )
    errors = refused.value.message_dict
    assert errors["term"] == ["Autumn is not a term of 2025-26."]
    assert errors["staff"] == ["Jo Bloggs is listed twice."]


# --- The group ------------------------------------------------------------------------------


def test_adding_pupils_then_undoing_takes_them_out_again(world):
    first = PupilFactory(school=world.school)
    run = add_run(world, pupils=[first])
    newcomers = pupils(world, 2)
    run_editing.run_pupils_add(run=fresh(run), pupils=newcomers, start_date=dt.date(2025, 11, 3))
    assert Placement.objects.filter(run=run).count() == 3
    # The pupil already there keeps their dates.
    assert Placement.objects.get(run=run, pupil=first).start_date == dt.date(2025, 9, 8)
    run_editing.run_undo(run=fresh(run), read_version=2)
    assert list(Placement.objects.filter(run=run).values_list("pupil_id", flat=True)) == [first.pk]


def test_taking_a_pupil_out_then_undoing_puts_them_back(world):
    pupil = PupilFactory(school=world.school)
    run = add_run(world, pupils=[pupil])
    placement = Placement.objects.select_related("run__provision", "pupil").get(run=run)
    run_editing.run_pupil_remove(placement=placement, read_version=1, on=dt.date(2025, 10, 1))
    assert not Placement.objects.filter(run=run).exists()
    run_editing.run_undo(run=fresh(run), read_version=2)
    back = Placement.objects.get(run=run)
    assert (back.pk, back.pupil_id, back.start_date) == (placement.pk, pupil.pk, run.start_date)


def test_undo_is_refused_once_the_run_or_its_results_changed_since(world):
    pupil = PupilFactory(school=world.school)
    run = add_run(world)
    run_editing.run_pupils_add(run=fresh(run), pupils=[pupil])
    # Someone records a result on the new placement: the undo would lose it.
    Placement.objects.filter(run=run).update(rating="A", version=5)
    with pytest.raises(ValidationError, match="can no longer be undone"):
        run_editing.run_undo(run=fresh(run), read_version=2)
    run_editing.run_update(run=fresh(run), read_version=2, label="Later")
    Placement.objects.filter(run=run).update(version=1)
    with pytest.raises(ValidationError, match="can no longer be undone"):
        run_editing.run_undo(run=fresh(run), read_version=2)


def test_withdrawing_from_a_chosen_day(world):
    pupil = PupilFactory(school=world.school, legal_forename="Ben", surname="Ode")
    run = add_run(world, pupils=[pupil])
    placement = Placement.objects.select_related("run__provision", "pupil").get(run=run)
    with pytest.raises(ValidationError) as refused:
        run_editing.placement_withdraw(placement=placement, read_version=1, on=dt.date(2026, 1, 5))
    assert refused.value.message_dict["on"] == [
        "Ben Ode's last day must be between 8 Sep 2025 (when they joined) and 12 Dec 2025 "
        "(the end of the run); you gave 5 Jan 2026."
    ]
    run_editing.placement_withdraw(
        placement=placement,
        read_version=1,
        on=dt.date(2025, 10, 17),
        reason=Placement.Leaving.LEFT_SCHOOL,
    )
    placement.refresh_from_db()
    assert (placement.status, placement.end_date, placement.leaving_reason) == (
        Placement.Status.WITHDRAWN,
        dt.date(2025, 10, 17),
        "left_school",
    )
    with pytest.raises(PlacementChanged):
        run_editing.placement_withdraw(placement=placement, read_version=1, on=dt.date(2025, 11, 1))


def test_editing_a_place_checks_its_version_and_its_dates(world):
    run = add_run(world, pupils=[PupilFactory(school=world.school)])
    placement = Placement.objects.select_related("run__provision", "pupil").get(run=run)
    run_editing.placement_edit(
        placement=placement,
        read_version=1,
        priority="must",
        leaving_reason="moved",
        end_date=dt.date(2025, 11, 28),
    )
    placement.refresh_from_db()
    assert (placement.priority, placement.leaving_reason, placement.end_date) == (
        "must",
        "moved",
        dt.date(2025, 11, 28),
    )
    with pytest.raises(PlacementChanged):
        run_editing.placement_edit(placement=placement, read_version=1, notes="stale")
    with pytest.raises(ValidationError, match="end date"):
        run_editing.placement_edit(
            placement=placement, read_version=placement.version, end_date=dt.date(2026, 2, 1)
        )
    assert fresh(run).version == 2  # the refused edits left the run as it was


# --- Closing and deleting -----------------------------------------------------------------------


def test_closing_on_a_day_fills_the_open_places(world):
    stayed, left = pupils(world, 2)
    run = add_run(world, pupils=[stayed, left])
    Placement.objects.filter(pupil=left).update(
        status=Placement.Status.WITHDRAWN, end_date=dt.date(2025, 10, 3)
    )
    today = dt.date(2025, 12, 1)
    with pytest.raises(ValidationError, match=r"cannot be after today \(1 Dec 2025\)"):
        run_editing.run_close_on(
            run=fresh(run), read_version=1, on=dt.date(2025, 12, 5), today=today
        )
    with pytest.raises(ValidationError, match=r"before the run started \(8 Sep 2025\)"):
        run_editing.run_close_on(
            run=fresh(run), read_version=1, on=dt.date(2025, 9, 1), today=today
        )
    closed = run_editing.run_close_on(
        run=fresh(run), read_version=1, on=dt.date(2025, 11, 28), today=today
    )
    assert closed.completed == [stayed]
    places = {p.pupil_id: p for p in Placement.objects.filter(run=run)}
    assert (places[stayed.pk].status, places[stayed.pk].end_date) == (
        "completed",
        dt.date(2025, 11, 28),
    )
    assert places[stayed.pk].leaving_reason == "completed"
    assert (places[left.pk].status, places[left.pk].end_date) == ("withdrawn", dt.date(2025, 10, 3))
    assert fresh(run).status == "closed"
    # Closing can be undone too.
    run_editing.run_undo(run=fresh(run), read_version=2)
    assert fresh(run).status == "running"
    assert Placement.objects.get(pupil=stayed).end_date is None


def test_deleting_keeps_the_results_and_refuses_a_stale_page(world):
    pupil = PupilFactory(school=world.school)
    run = add_run(world, pupils=[pupil])
    result = Result.objects.create(
        school=world.school, pupil=pupil, measure=world.measure, date=dt.date(2025, 9, 9), value=85
    )
    Placement.objects.filter(run=run).update(baseline=result)
    removal = selectors.run_removal(fresh(run))
    assert (removal.pupils, removal.results, removal.staff) == (
        [pupil],
        1,
        ["Jo Bloggs", "Sam Reed"],
    )
    run_editing.run_update(run=fresh(run), read_version=1, label="Renamed")
    with pytest.raises(run_editing.RunChanged, match="Nothing was deleted"):
        run_editing.run_delete(run=fresh(run), read_version=1)
    run_editing.run_delete(run=fresh(run), read_version=2)
    assert not ProvisionRun.objects.filter(pk=run.pk).exists()
    assert Result.objects.filter(pk=result.pk).exists()


# --- Warnings before pupils join ----------------------------------------------------------------


def test_warnings_before_joining(world):
    world.provision.usual_years = "7,8"
    world.provision.save()
    run = add_run(world, withdrawn_from="French")
    year9, repeat, twice = (
        PupilFactory(school=world.school, nc_year="9", legal_forename="Cara", surname="Lee"),
        PupilFactory(school=world.school, nc_year="7"),
        PupilFactory(school=world.school, nc_year="8"),
    )
    fine = PupilFactory(school=world.school, nc_year="7")
    parallel = add_run(world, label="Group B", pupils=[repeat])
    other = add_run(
        world,
        provision=ProvisionFactory(school=world.school, name="Social skills"),
        withdrawn_from="french",
        pupils=[twice],
    )
    found = {
        warning.pupil.pk: warning.warnings
        for warning in selectors.joining_warnings(fresh(run), [year9, repeat, twice, fine], None)
    }
    assert found[year9.pk] == ["In Year 9: Reading catch-up is usually for Year 7, Year 8."]
    assert found[repeat.pk] == [
        f"Already in {parallel} (8 Sep 2025 to 12 Dec 2025), a group of the same provision."
    ]
    assert found[twice.pk] == [
        f"Would miss French again: already withdrawn from it for {other} "
        "(8 Sep 2025 to 12 Dec 2025)."
    ]
    assert fine.pk not in found
    # Joining after the other group has finished: no warning.
    Placement.objects.filter(pupil=repeat).update(end_date=dt.date(2025, 10, 1))
    later = selectors.joining_warnings(fresh(run), [repeat], dt.date(2025, 11, 3))
    assert later == []


def test_erasing_a_pupil_removes_their_copy_and_the_undo(world):
    from provmap.accounts.data_protection import pupil_erase
    from provmap.provision.models import RunChangePlacement

    pupil = PupilFactory(school=world.school)
    run = add_run(world, pupils=[pupil])
    Placement.objects.filter(run=run).update(notes="Finds phonics hard")
    run_editing.run_update(run=fresh(run), read_version=1, label="Group B")
    (kept,) = RunChangePlacement.objects.filter(pupil=pupil)
    assert kept.data["notes"] == "Finds phonics hard"
    pupil_erase(pupil=pupil, by=None, reason="Request from the family")
    assert not RunChangePlacement.objects.filter(pupil=pupil).exists()
    with pytest.raises(ValidationError, match="a pupil's record was erased since"):
        run_editing.run_undo(run=fresh(run), read_version=2)
    assert Placement.objects.get(run=run).notes == ""


def test_the_weeks_message_gives_the_years_only_when_they_differ():
    assert (
        run_editing.weeks_error(Decimal("13"), dt.date(2025, 9, 1), dt.date(2025, 11, 28)) is None
    )
    assert run_editing.weeks_error(Decimal("14"), dt.date(2025, 12, 1), dt.date(2026, 1, 30)) == (
        "14 weeks do not fit between 1 Dec 2025 and 30 Jan 2026 (9 weeks): give fewer weeks "
        "or wider dates."
    )
