"""Changing a run in the browser: edit, delete, undo, a pupil's place, adding with warnings,
closing; for editors only, each change in the audit trail with its pupils."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Role
from provmap.provision.models import Placement, Provision, ProvisionRun, RunStaff
from tests.factories import PupilFactory
from tests.web.map_world import World, add_run, build_world, member, outsider
from tests.web.test_catalogue import valid_data

pytestmark = pytest.mark.django_db


def url(world: World, name: str, *args: object) -> str:
    return reverse(name, args=[world.school.urn, *args])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def edit_data(run: ProvisionRun, world: World, **changes: object) -> dict[str, object]:
    """The edit form as the page sends it: the run's values, its two staff lines and two
    empty rows."""
    data: dict[str, object] = {
        "version": run.version,
        "provision": run.provision_id,
        "label": run.label,
        "academic_year": run.academic_year_id,
        "term": run.term_id or "",
        "start_date": run.start_date.isoformat(),
        "end_date": run.end_date.isoformat(),
        "status": run.status,
        "sessions_per_week": "3",
        "minutes_per_session": "30",
        "weeks": "10",
        "day_time": "",
        "withdrawn_from": "",
        "funding_stream": run.funding_stream_id or "",
        "lead_staff": run.lead_staff_id or "",
        "reviewing_staff": "",
        "notes": "",
        "staff-TOTAL_FORMS": "4",
        "staff-INITIAL_FORMS": "2",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "30",
        "staff-0-staff": world.ta_staff.pk,
        "staff-1-staff": world.senco_staff.pk,
    }
    data.update(changes)
    return data


@pytest.fixture
def placed():
    world = build_world()
    pupil = PupilFactory(school=world.school, legal_forename="Amy", surname="Shaw")
    run = add_run(world, pupils=[pupil], label="Group A")
    return world, run, pupil


def test_an_editor_edits_the_staff_and_weeks_and_can_undo(client, placed):
    world, run, pupil = placed
    client.force_login(world.senco)
    page = client.get(url(world, "run_edit", run.pk)).content.decode()
    assert "Edit Reading catch-up Group A" in page
    too_many = edit_data(run, world, weeks="20", start_date="2025-11-03", end_date="2025-12-19")
    refused = client.post(url(world, "run_edit", run.pk), too_many).content.decode()
    assert "20 weeks do not fit between 3 Nov and 19 Dec (7 weeks)" in refused
    assert "There are problems" in refused or "There is a problem" in refused
    data = edit_data(
        run,
        world,
        weeks="6",
        **{"staff-1-DELETE": "on", "staff-0-minutes_per_session": "45"},
    )
    response = client.post(url(world, "run_edit", run.pk), data, follow=True)
    assert "Reading catch-up Group A is saved." in messages_of(response)
    run.refresh_from_db()
    assert run.weeks == Decimal("6")
    lines = list(RunStaff.objects.filter(run=run).values_list("staff_id", "minutes_per_session"))
    assert lines == [(world.ta_staff.pk, 45)]
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(run.pk))
    assert list(AuditEventPupil.objects.filter(event=event).values_list("pupil_id", flat=True)) == [
        pupil.pk
    ]
    body = response.content.decode()
    assert "You edited Reading catch-up Group A." in body
    assert "Undo this change" in body
    undone = client.post(url(world, "run_undo", run.pk), {"version": run.version}, follow=True)
    assert messages_of(undone)[-1].startswith("Undone: Reading catch-up Group A is back")
    run.refresh_from_db()
    assert run.weeks == Decimal("10")
    assert RunStaff.objects.filter(run=run).count() == 2
    assert "Undo this change" not in undone.content.decode()


def test_a_stale_edit_shows_what_changed(client, placed):
    world, run, _ = placed
    client.force_login(world.senco)
    page = client.get(url(world, "run_edit", run.pk)).content.decode()
    read = re.search(r'name="read" value="([^"]+)"', page)
    assert read is not None
    stale = edit_data(run, world, label="Mine", read=read.group(1))
    ProvisionRun.objects.filter(pk=run.pk).update(version=2, weeks=Decimal("9"))
    response = client.post(url(world, "run_edit", run.pk), stale, follow=True)
    (message,) = messages_of(response)
    assert "changed by someone else since you opened it: weeks now 9 (was 10)" in message
    run.refresh_from_db()
    assert run.label == "Group A"


def test_deleting_asks_first_then_deletes_and_audits_the_pupils(client, placed):
    world, run, pupil = placed
    client.force_login(world.senco)
    page = client.get(url(world, "run_delete", run.pk)).content.decode()
    assert "Delete Reading catch-up Group A?" in page
    assert "the places of 1 pupil in the group" in page
    assert "Shaw, Amy" in page
    assert "2 staff lines: Jo Bloggs, Sam Reed" in page
    response = client.post(url(world, "run_delete", run.pk), {"version": 1}, follow=True)
    assert "Reading catch-up Group A is deleted." in messages_of(response)
    assert not ProvisionRun.objects.filter(pk=run.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.DELETE)
    assert AuditEventPupil.objects.filter(event=event, pupil=pupil).exists()


def test_withdrawing_a_pupil_from_a_chosen_day(client, placed):
    world, run, pupil = placed
    placement = Placement.objects.get(run=run)
    client.force_login(world.senco)
    page = client.get(url(world, "placement_edit", run.pk, placement.pk)).content.decode()
    assert "Amy Shaw in Reading catch-up Group A" in page
    withdraw_url = url(world, "placement_withdraw", run.pk, placement.pk)
    refused = client.post(withdraw_url, {"version": 1, "on": "2026-01-05", "reason": "withdrawn"})
    assert "last day must be between 8 Sep 2025" in refused.content.decode()
    response = client.post(
        withdraw_url, {"version": 1, "on": "2025-10-17", "reason": "moved"}, follow=True
    )
    assert (
        "Amy Shaw is withdrawn from Reading catch-up Group A; their last day was 17 Oct 2025."
        in messages_of(response)[0]
    )
    placement.refresh_from_db()
    assert (placement.status, placement.end_date, placement.leaving_reason) == (
        "withdrawn",
        dt.date(2025, 10, 17),
        "moved",
    )
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, pupil=pupil).exists()


def test_editing_a_place(client, placed):
    world, run, _ = placed
    placement = Placement.objects.get(run=run)
    client.force_login(world.senco)
    response = client.post(
        url(world, "placement_edit", run.pk, placement.pk),
        {
            "version": 1,
            "start_date": "2025-09-15",
            "end_date": "",
            "leaving_reason": "",
            "priority": "must",
            "need_type": "",
            "notes": "Mornings only",
        },
        follow=True,
    )
    assert "Amy Shaw's place is saved." in messages_of(response)
    placement.refresh_from_db()
    assert (placement.start_date, placement.priority, placement.notes) == (
        dt.date(2025, 9, 15),
        "must",
        "Mornings only",
    )


def test_adding_a_pupil_with_a_warning_asks_first(client, placed):
    world, run, _ = placed
    world.provision.usual_years = "7"
    world.provision.save()
    year9 = PupilFactory(school=world.school, nc_year="9", legal_forename="Cy", surname="Day")
    client.force_login(world.senco)
    add = url(world, "run_add_pupils", run.pk)
    asked = client.post(add, {"pupils": [year9.pk], "start_date": "2025-11-03"})
    body = asked.content.decode()
    assert "Check before adding 1 pupil" in body
    assert "In Year 9: Reading catch-up is usually for Year 7." in body
    assert not Placement.objects.filter(pupil=year9).exists()
    client.post(add, {"pupils": [year9.pk], "start_date": "2025-11-03", "confirmed": "1"})
    assert Placement.objects.get(pupil=year9).start_date == dt.date(2025, 11, 3)


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.TA, Role.GOVERNOR, Role.PARENT, Role.HEAD_OF_YEAR]
)
def test_only_editors_change_runs(client, placed, role):
    world, run, _ = placed
    placement = Placement.objects.get(run=run)
    client.force_login(member(world.school, role))
    for name, args in (
        ("run_edit", [run.pk]),
        ("run_delete", [run.pk]),
        ("run_close", [run.pk]),
        ("placement_edit", [run.pk, placement.pk]),
    ):
        assert client.get(url(world, name, *args)).status_code == 403
        assert client.post(url(world, name, *args), {"version": 1}).status_code == 403
    for name, args in (("run_undo", [run.pk]), ("placement_withdraw", [run.pk, placement.pk])):
        assert client.post(url(world, name, *args), {"version": 1}).status_code == 403
    assert ProvisionRun.objects.filter(pk=run.pk, version=1).exists()


def test_outsiders_are_not_told_the_run_exists(client, placed):
    world, run, _ = placed
    client.force_login(outsider())
    assert client.get(url(world, "run_edit", run.pk)).status_code == 404
    assert client.post(url(world, "run_delete", run.pk), {"version": 1}).status_code == 404
    assert ProvisionRun.objects.filter(pk=run.pk).exists()


def test_a_provision_keeps_its_usual_year_groups(client):
    world = build_world()
    client.force_login(world.senco)
    client.post(url(world, "provision_new"), valid_data(usual_years=["8", "7"]))
    provision = Provision.objects.get(name="Lego therapy")
    assert provision.usual_years == "7,8"
    form = client.get(url(world, "provision_edit", provision.pk)).context["form"]
    assert form.initial["usual_years"] == ["7", "8"]
    page = client.get(url(world, "provision_detail", provision.pk)).content.decode()
    assert "<dd>Year 7, Year 8</dd>" in page
