"""The session register page: who reads it, who records it, what a save writes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.provision.models import Placement, ProvisionRun, RunSession, SessionAttendance
from tests.factories import StaffMemberFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, pupils

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 9, 10)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def run(world) -> ProvisionRun:
    return add_run(world, pupils=pupils(world, 2), label="Group A")


def url(world: World, run: ProvisionRun, day: dt.date | None = DAY) -> str:
    base = reverse("run_register", args=[world.school.urn, run.pk])
    return f"{base}?date={day.isoformat()}" if day else base


def posted(run: ProvisionRun, **extra: str) -> dict[str, str]:
    a, b = Placement.objects.filter(run=run).order_by("pk")
    data = {
        "date": DAY.isoformat(),
        "held": "held",
        "minutes": "30",
        "note": "Both joined in well.",
        f"mark-{a.pk}": "attended",
        f"mark-{b.pk}": "absent",
        f"reason-{b.pk}": "off_school",
    }
    data.update(extra)
    return data


def test_the_runs_ta_records_a_session_and_is_offered_the_next_day(client, world, run):
    ta = member(world.school, Role.TA, staff_member=world.ta_staff)
    client.force_login(ta)
    page = client.get(url(world, run))
    assert page.status_code == 200
    assert b"Save the register" in page.content
    response = client.post(url(world, run), posted(run))
    assert response.status_code == 302
    assert response["Location"] == url(world, run, dt.date(2025, 9, 11))
    session = RunSession.objects.get(run=run)
    assert (session.date, session.held, session.note) == (DAY, True, "Both joined in well.")
    assert session.recorded_by == ta
    assert dict(SessionAttendance.objects.values_list("mark", "absence_reason")) == {
        "attended": "",
        "absent": "off_school",
    }
    changes = AuditEvent.objects.filter(action=AuditAction.CHANGE)
    assert {event.pupil_id for event in changes} == {
        placement.pupil_id for placement in Placement.objects.filter(run=run)
    }
    # The page read back shows the saved marks, and the run's page its fidelity.
    again = client.get(url(world, run))
    assert b"saved by" in again.content
    assert b'value="absent" checked' in again.content or b"checked" in again.content
    detail = client.get(reverse("run_detail", args=[world.school.urn, run.pk]))
    assert b"Sessions and fidelity" in detail.content
    assert b"Take the register" in detail.content


def test_a_register_with_a_pupil_unmarked_is_refused_and_nothing_written(client, world, run):
    client.force_login(world.senco)
    a, _b = Placement.objects.filter(run=run).order_by("pk")
    data = posted(run)
    del data[f"mark-{a.pk}"]
    response = client.post(url(world, run), data)
    assert response.status_code == 200
    assert b"Mark every pupil" in response.content
    assert not RunSession.objects.exists()


def test_a_ta_not_on_the_run_reads_but_cannot_record(client, world, run):
    other = StaffMemberFactory(school=world.school, name="Pat Other", role="TA")
    ta = member(world.school, Role.TA, staff_member=other)
    # They see the run through a run of their own with the same pupils.
    own = add_run(world, staff=[other], lead_staff=other, label="Group B")
    for placement in Placement.objects.filter(run=run):
        Placement.objects.create(
            school=world.school, run=own, pupil=placement.pupil, start_date=own.start_date
        )
    client.force_login(ta)
    response = client.post(url(world, run), posted(run))
    assert response.status_code in (403, 404)
    assert not RunSession.objects.exists()


@pytest.mark.parametrize("role", [Role.GOVERNOR, Role.PARENT])
def test_governors_and_parents_cannot_open_a_register(client, world, run, role):
    client.force_login(member(world.school, role))
    assert client.get(url(world, run)).status_code in (403, 404)
    assert client.post(url(world, run), posted(run)).status_code in (403, 404)
    assert not RunSession.objects.exists()


def test_the_register_page_costs_a_fixed_number_of_queries(client, world):
    client.force_login(world.senco)
    small = add_run(world, pupils=pupils(world, 1))
    big = add_run(world, pupils=pupils(world, 3))
    counts = []
    for run in (small, big):
        places = list(Placement.objects.filter(run=run))
        session = RunSession.objects.create(
            school=world.school, run=run, date=DAY, minutes=30, held=True
        )
        for placement in places:
            SessionAttendance.objects.create(
                school=world.school, session=session, placement=placement, mark="attended"
            )
        count, response = get_counted(client, url(world, run))
        assert response.status_code == 200
        counts.append(count)
    assert counts[0] == counts[1]


def test_a_register_recorded_by_mistake_is_deleted_by_someone_who_records(client, world, run):
    client.force_login(world.senco)
    client.post(url(world, run), posted(run))
    session = RunSession.objects.get()
    delete = reverse("run_session_delete", args=[world.school.urn, run.pk, session.pk])
    # A stale version is refused.
    client.post(delete, {"version": "7"})
    assert RunSession.objects.exists()
    response = client.post(delete, {"version": str(session.version)})
    assert response.status_code == 302
    assert not RunSession.objects.exists() and not SessionAttendance.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE).exists()


def test_my_week_offers_the_register_of_each_run_meeting_this_week(client, world):
    today = timezone.localdate()
    run = add_run(
        world,
        pupils=pupils(world, 1),
        label="Group W",
        start_date=today - dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=7),
    )
    client.force_login(member(world.school, Role.TA, staff_member=world.ta_staff))
    page = client.get(reverse("my_week", args=[world.school.urn]))
    assert reverse("run_register", args=[world.school.urn, run.pk]).encode() in page.content


def test_cost_to_date_from_sessions_held_only_for_those_who_see_costs(client, world, run):
    client.force_login(world.senco)
    client.post(url(world, run), posted(run))
    detail = reverse("run_detail", args=[world.school.urn, run.pk])
    assert b"Cost to date from sessions held" in client.get(detail).content
    client.force_login(member(world.school, Role.TA, staff_member=world.ta_staff))
    page = client.get(detail).content
    assert b"Sessions and fidelity" in page
    assert b"Cost to date from sessions held" not in page


def test_a_session_not_held_is_saved_with_its_reason_and_no_marks(client, world, run):
    client.force_login(world.senco)
    response = client.post(
        url(world, run), posted(run, held="not_held", not_held_reason="school_event")
    )
    assert response.status_code == 302
    session = RunSession.objects.get()
    assert (session.held, session.not_held_reason) == (False, "school_event")
    assert not SessionAttendance.objects.exists()
    # Without a reason it is refused.
    again = client.post(
        url(world, run, DAY + dt.timedelta(days=1)),
        posted(run, date=(DAY + dt.timedelta(days=1)).isoformat(), held="not_held"),
    )
    assert b"Say why the session was not held." in again.content


def test_a_register_saved_meanwhile_by_someone_else_is_not_overwritten(client, world, run):
    client.force_login(world.senco)
    client.post(url(world, run), posted(run))
    # Someone who opened the empty register before that save sends theirs.
    response = client.post(url(world, run), posted(run, minutes="45"))
    assert b"saved this register since you opened it" in response.content
    assert RunSession.objects.get().minutes == 30
