"""Session registers: recording a session with each pupil's attendance, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.accounts.permissions import pupil_scope
from provmap.provision import registers, selectors
from provmap.provision.models import (
    Placement,
    ProvisionRun,
    RunSession,
    SessionAttendance,
)
from tests.web.map_world import World, add_run, build_world, pupils

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 12, 1)
DAY = dt.date(2025, 9, 10)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def run(world) -> ProvisionRun:
    return add_run(world, pupils=pupils(world, 3))


def places(run: ProvisionRun) -> list[Placement]:
    return list(Placement.objects.filter(run=run).order_by("pk"))


def record(run: ProvisionRun, **changes: object) -> RunSession:
    a, b, c = places(run)
    values: dict[str, object] = {
        "run": run,
        "date": DAY,
        "held": True,
        "not_held_reason": "",
        "minutes": 30,
        "note": "",
        "marks": {a.pk: ("attended", ""), b.pk: ("attended", ""), c.pk: ("absent", "declined")},
        "by": None,
        "today": TODAY,
    }
    values.update(changes)
    return registers.session_record(**values)  # type: ignore[arg-type]


def test_a_held_session_is_recorded_with_every_pupils_mark(run, world):
    session = record(run, note="Two read a whole page aloud.", by=world.senco)
    assert (session.held, session.minutes, session.version) == (True, 30, 1)
    assert session.recorded_by == world.senco
    assert session.recorded_by_name == "Sam Reed"
    marks = dict(SessionAttendance.objects.values_list("placement_id", "mark"))
    a, b, c = places(run)
    assert marks == {a.pk: "attended", b.pk: "attended", c.pk: "absent"}
    assert SessionAttendance.objects.get(placement=c).absence_reason == "declined"
    assert session.school_id == run.school_id
    # Registers are not edits of the run.
    run.refresh_from_db()
    assert run.version == 1


def test_changing_a_register_needs_the_version_read(run):
    session = record(run)
    a, b, c = places(run)
    changed = record(
        run,
        version=1,
        minutes=25,
        marks={a.pk: ("absent", "off_school"), b.pk: ("attended", ""), c.pk: ("attended", "")},
    )
    assert changed.pk == session.pk
    assert (changed.version, changed.minutes) == (2, 25)
    assert SessionAttendance.objects.filter(mark="attended").count() == 2
    # Someone holding the first version is refused, and nothing changes.
    with pytest.raises(ValidationError, match="saved this register since"):
        record(run, version=1, minutes=40)
    with pytest.raises(ValidationError, match="saved this register since"):
        record(run, minutes=40)
    assert RunSession.objects.get().minutes == 25


def test_a_session_not_held_has_a_reason_and_no_marks(run):
    session = record(run, held=False, not_held_reason="staff_absent", marks={})
    assert not session.held
    assert not SessionAttendance.objects.exists()
    with pytest.raises(ValidationError, match="Say why"):
        record(run, date=DAY + dt.timedelta(days=1), held=False, marks={})
    with pytest.raises(ValidationError, match="no attendance"):
        record(run, date=DAY + dt.timedelta(days=1), held=False, not_held_reason="room")


def test_every_pupil_due_is_marked_and_absences_have_reasons(run):
    a, b, c = places(run)
    with pytest.raises(ValidationError, match="Mark every pupil"):
        record(run, marks={a.pk: ("attended", ""), b.pk: ("attended", "")})
    with pytest.raises(ValidationError, match="Give a reason"):
        record(
            run,
            marks={a.pk: ("attended", ""), b.pk: ("attended", ""), c.pk: ("absent", "")},
        )
    assert not RunSession.objects.exists()


def test_a_pupil_who_had_left_or_had_not_joined_is_not_due(run):
    a, b, c = places(run)
    Placement.objects.filter(pk=a.pk).update(end_date=DAY - dt.timedelta(days=1))
    Placement.objects.filter(pk=b.pk).update(start_date=DAY + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="not in the group"):
        record(run)
    session = record(run, marks={c.pk: ("attended", "")})
    assert SessionAttendance.objects.filter(session=session).count() == 1
    due = selectors.run_register(run, places(run), DAY).due
    assert [placement.pk for placement in due] == [c.pk]


def test_dates_outside_the_run_or_to_come_and_minutes_out_of_bounds_are_refused(run):
    with pytest.raises(ValidationError, match="within the run"):
        record(run, date=run.start_date - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="still to come"):
        record(run, today=DAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="Minutes a session must be between"):
        record(run, minutes=0)
    with pytest.raises(ValidationError, match="Minutes a session must be between"):
        record(run, minutes=481)
    assert not RunSession.objects.exists()


def test_a_register_is_deleted_with_its_marks_unless_saved_since(run):
    session = record(run)
    record(run, version=1, minutes=20)
    with pytest.raises(ValidationError, match="since you opened it"):
        registers.session_delete(session=session, version=1, by=None)
    registers.session_delete(session=session, version=2, by=None)
    assert not RunSession.objects.exists()
    assert not SessionAttendance.objects.exists()


def test_the_runs_fidelity_doses_and_cost_to_date(run, world):
    a, _b, c = places(run)
    record(run)
    record(run, date=DAY + dt.timedelta(days=1), held=False, not_held_reason="room", marks={})
    costed = selectors.run_page(world.school, run.pk, _everyone(world), as_of=TODAY).costed
    found = selectors.run_fidelity(costed, places(run), as_of=TODAY)
    assert (found.fidelity.held, found.fidelity.not_held) == (1, 1)
    assert found.not_held == [("No room", 1)]
    # 3 a week x 10 weeks = 30 sessions; cost to date one thirtieth of the run's cost.
    assert found.fidelity.planned_total == 30
    assert found.cost_to_date == (costed.cost / 30).quantize(found.cost_to_date)
    doses = {item.placement.pk: item.dose for item in found.doses}
    assert (doses[a.pk].attended, doses[a.pk].minutes_delivered) == (1, 30)
    assert (doses[c.pk].attended, doses[c.pk].marked) == (0, 1)
    assert found.attendance == Decimal(2) / Decimal(3)


def _everyone(world):
    return pupil_scope(world.senco, world.school)
