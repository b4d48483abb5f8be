"""Archiving leavers, erasure on request (and what it keeps), and the subject access export,
through the services, the commands and the SENCO's pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.audit import audit_record, pupil_reference
from provmap.accounts.data_protection import (
    is_erased,
    leavers_to_archive,
    pupil_erase,
    pupil_subject_access_export,
    pupils_archive,
    pupils_due_for_erasure,
)
from provmap.accounts.models import AuditAction, AuditEvent, Membership, Role, User
from provmap.accounts.permissions import pupil_scope
from provmap.provision.models import Placement
from provmap.pupils.models import Pupil, PupilNeed, Result, SENStatus, SENStatusPeriod
from provmap.pupils.services import pupil_set_needs, pupil_set_sen_status, result_record
from provmap.schools.models import School
from tests.factories import (
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@dataclass
class Case:
    school: School
    senco: User
    parent: Membership
    pupil: Pupil
    classmate: Pupil
    placement: Placement


def case() -> Case:
    """A Year 8 pupil on SEN support with needs, results and a placement with notes; a
    classmate in the same group; a parent; a SENCO."""
    school = SchoolFactory(name="Oakfield Academy")
    senco = MembershipFactory(school=school, role=Role.SENCO).user
    pupil = PupilFactory(
        school=school,
        legal_forename="Amelia",
        surname="Hughes",
        date_of_birth=dt.date(2013, 5, 17),
        nc_year="8",
        looked_after=True,
        mis_id="MIS-77",
    )
    pupil_set_sen_status(pupil=pupil, status=SENStatus.SUPPORT, start_date=dt.date(2024, 9, 5))
    pupil_set_needs(pupil=pupil, need_types=["SPLD", "SLCN"])
    reading = MeasureFactory(school=school, name="Reading (standardised)")
    baseline = result_record(pupil=pupil, measure=reading, date=dt.date(2025, 9, 10), value=82)
    classmate = PupilFactory(school=school, surname="Patel")
    run = ProvisionRunFactory(
        provision=ProvisionFactory(school=school, name="Literacy workshop"),
        lead_staff=StaffMemberFactory(school=school, name="Priya Shah"),
    )
    placement = PlacementFactory(
        run=run, pupil=pupil, notes="Finds long texts hard after lunch.", baseline=baseline
    )
    placement.rating = Placement.Rating.GREEN
    placement.need_type = "SPLD"
    placement.save()
    PlacementFactory(run=run, pupil=classmate)
    parent = MembershipFactory(school=school, role=Role.PARENT, user=UserFactory(username="dawn"))
    parent.children.add(pupil)
    return Case(school, senco, parent, pupil, classmate, placement)


def leaver(school: School, left: dt.date, **fields: object) -> Pupil:
    return PupilFactory(
        school=school, on_roll_from=left - dt.timedelta(days=3 * 365), on_roll_to=left, **fields
    )


def read_export(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert set(archive.namelist()) == {"subject-access.json", "README.txt"}
        return json.loads(archive.read("subject-access.json"))


# --- Archiving ------------------------------------------------------------------------------


def test_leavers_are_archived_a_year_after_leaving_and_then_hidden():
    c = case()
    left_long_ago = leaver(c.school, TODAY - dt.timedelta(days=400))
    left_recently = leaver(c.school, TODAY - dt.timedelta(days=100))
    c.parent.children.add(left_long_ago)

    assert list(leavers_to_archive(today=TODAY)) == [left_long_ago]
    assert pupils_archive(pupils=leavers_to_archive(today=TODAY), by=c.senco) == 1

    left_long_ago.refresh_from_db()
    assert left_long_ago.archived_at is not None
    assert left_recently.archived_at is None
    # Hidden from every scope, the SENCO's included, and from the parent's account.
    senco_scope = pupil_scope(c.senco, c.school)
    visible = Pupil.objects.filter(school=c.school).filter(senco_scope.pupil_filter())
    assert left_long_ago not in visible
    assert left_recently in visible
    assert not c.parent.children.filter(pk=left_long_ago.pk).exists()
    event = AuditEvent.objects.get(action=AuditAction.ARCHIVE)
    assert event.details["pupil_refs"] == [pupil_reference(c.school.urn, left_long_ago.upn)]
    assert event.username == c.senco.username


def test_the_command_archives_and_a_dry_run_does_not(capsys):
    c = case()
    pupil = leaver(c.school, TODAY - dt.timedelta(days=400))

    call_command("archive_leavers", "--dry-run", "--today", TODAY.isoformat())
    assert "would archive 1 pupil(s)" in capsys.readouterr().out
    pupil.refresh_from_db()
    assert pupil.archived_at is None

    call_command("archive_leavers", "--today", TODAY.isoformat())
    assert "archived 1 pupil(s)" in capsys.readouterr().out
    pupil.refresh_from_db()
    assert pupil.archived_at is not None


def test_records_past_the_retention_period_are_listed_then_erased_on_request(capsys):
    c = case()
    old = leaver(c.school, dt.date(2019, 7, 20), surname="Oldleaver")
    pupils_archive(pupils=Pupil.objects.filter(pk=old.pk))

    assert list(pupils_due_for_erasure(today=TODAY)) == [old]
    call_command("archive_leavers", "--today", TODAY.isoformat())
    assert "1 archived record(s) past 6 years after leaving" in capsys.readouterr().out
    old.refresh_from_db()
    assert not is_erased(old)

    call_command("archive_leavers", "--erase-expired", "--today", TODAY.isoformat())
    old.refresh_from_db()
    assert is_erased(old)
    assert old.surname != "Oldleaver"
    assert list(pupils_due_for_erasure(today=TODAY)) == []


# --- Erasure --------------------------------------------------------------------------------


def test_erasure_removes_personal_data_and_keeps_what_must_be_kept():
    c = case()
    pupil = c.pupil
    upn, ref = pupil.upn, pupil_reference(c.school.urn, pupil.upn)
    audit_record(None, AuditAction.VIEW, pupil=pupil, actor=c.senco, summary="Earlier view.")

    report = pupil_erase(pupil=pupil, by=c.senco, reason="Request from the parent, 1 March.")

    pupil.refresh_from_db()
    assert is_erased(pupil)
    assert upn not in pupil.upn and "Amelia" not in pupil.full_name
    assert "Hughes" not in pupil.full_name
    assert pupil.mis_id == "" and pupil.looked_after is False
    assert pupil.sen_status == SENStatus.NONE
    assert pupil.date_of_birth == dt.date(2013, 1, 1)  # the year only
    assert pupil.nc_year == "8" and pupil.archived_at is not None
    assert not SENStatusPeriod.objects.filter(pupil=pupil).exists()
    assert not PupilNeed.objects.filter(pupil=pupil).exists()
    assert not Result.objects.filter(pupil=pupil).exists()
    assert not c.parent.children.exists()
    # The placement stays, for the cost of the group, stripped of what it said about them.
    placement = Placement.objects.get(pk=c.placement.pk)
    assert (placement.notes, placement.rating, placement.need_type) == ("", "", "")
    assert placement.baseline_id is None
    assert placement.start_date == c.placement.start_date
    assert report.kept_placements == 1
    assert report.removed["pupils.result.pupil"] == 1
    assert report.removed["pupils.pupilneed.pupil"] == 2
    # The classmate is untouched.
    c.classmate.refresh_from_db()
    assert c.classmate.surname == "Patel"
    # The trail stays, findable by the old UPN's reference, with the erasure at its end.
    trail = AuditEvent.objects.filter(pupil_ref=ref).order_by("at", "pk")
    assert [event.action for event in trail] == [AuditAction.VIEW, AuditAction.ERASE]
    erase = trail.last()
    assert erase.details["reason"] == "Request from the parent, 1 March."
    assert upn not in json.dumps(erase.details) and upn not in erase.summary


def test_erasure_needs_a_reason_and_happens_once():
    c = case()
    with pytest.raises(ValidationError):
        pupil_erase(pupil=c.pupil, by=c.senco, reason="  ")
    c.pupil.refresh_from_db()
    assert not is_erased(c.pupil)
    pupil_erase(pupil=c.pupil, by=c.senco, reason="Request")
    with pytest.raises(ValidationError):
        pupil_erase(pupil=c.pupil, by=c.senco, reason="Again")


# --- Subject access export ------------------------------------------------------------------


def test_the_export_holds_everything_about_the_pupil_and_nothing_about_others():
    c = case()
    audit_record(None, AuditAction.VIEW, pupil=c.pupil, actor=c.senco, summary="Read it.")

    data = read_export(pupil_subject_access_export(c.pupil, by=c.senco))

    assert data["school"] == {"urn": c.school.urn, "name": "Oakfield Academy"}
    assert data["pupil"]["upn"] == c.pupil.upn
    assert data["pupil"]["legal_forename"] == "Amelia"
    assert data["pupil"]["date_of_birth"] == "2013-05-17"
    assert data["pupil"]["looked_after"] is True
    records = data["records"]
    assert [row["fields"]["status"] for row in records["pupils.senstatusperiod"]] == ["K"]
    assert sorted(row["fields"]["need_type"] for row in records["pupils.pupilneed"]) == [
        "SLCN",
        "SPLD",
    ]
    assert [Decimal(row["fields"]["value"]) for row in records["pupils.result"]] == [82]
    assert len(records["provision.placement"]) == 1
    (provision,) = data["provision"]
    assert provision["provision"] == "Literacy workshop"
    assert provision["notes"] == "Finds long texts hard after lunch."
    assert provision["entry_result"]["measure"] == "Reading (standardised)"
    assert provision["rating"].startswith("Green")
    assert data["linked_accounts"][0]["username"] == "dawn"
    assert [e["summary"] for e in data["audit_trail"]] == ["Read it."]
    assert "Patel" not in json.dumps(data)
    # The export itself is in the trail.
    assert AuditEvent.objects.filter(action=AuditAction.SAR_EXPORT, pupil=c.pupil).count() == 1


def test_the_command_writes_the_export(tmp_path, capsys):
    c = case()
    target = tmp_path / "sar.zip"
    call_command("export_pupil", c.pupil.upn, "--school", c.school.urn, "--output", str(target))
    assert read_export(target.read_bytes())["pupil"]["surname"] == "Hughes"
    event = AuditEvent.objects.get(action=AuditAction.SAR_EXPORT)
    assert event.username == "" and event.pupil == c.pupil


# --- The SENCO's pages ----------------------------------------------------------------------


def test_the_senco_downloads_the_export_from_the_page(client):
    c = case()
    client.force_login(c.senco)
    page = client.get(reverse("pupil_data", args=[c.school.urn, c.pupil.pk]))
    assert page.status_code == 200
    assert "Download everything held" in page.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, pupil=c.pupil).count() == 1

    response = client.post(reverse("pupil_sar_export", args=[c.school.urn, c.pupil.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert read_export(response.content)["pupil"]["upn"] == c.pupil.upn
    event = AuditEvent.objects.get(action=AuditAction.SAR_EXPORT)
    assert event.username == c.senco.username and event.ip == "127.0.0.1"


def test_the_senco_erases_after_typing_the_upn(client):
    c = case()
    client.force_login(c.senco)
    url = reverse("pupil_erase", args=[c.school.urn, c.pupil.pk])

    wrong = client.post(url, {"confirm_upn": c.classmate.upn, "reason": "Request"})
    assert wrong.status_code == 400
    assert "not this pupil" in wrong.content.decode()
    c.pupil.refresh_from_db()
    assert not is_erased(c.pupil)

    response = client.post(url, {"confirm_upn": c.pupil.upn.lower(), "reason": "Request"})
    assert response.status_code == 302
    c.pupil.refresh_from_db()
    assert is_erased(c.pupil)
    page = client.get(response["Location"]).content.decode()
    assert "Erased pupil record" in page and "has been erased" in page


def test_only_the_senco_reaches_the_data_protection_pages(client):
    c = case()
    for role in (Role.SEND_ADMIN, Role.SENIOR_LEADER, Role.TEACHER):
        client.force_login(MembershipFactory(school=c.school, role=role).user)
        assert client.get(reverse("data_protection", args=[c.school.urn])).status_code == 403
        url = reverse("pupil_erase", args=[c.school.urn, c.pupil.pk])
        assert client.post(url, {"confirm_upn": c.pupil.upn, "reason": "x"}).status_code == 403
    c.pupil.refresh_from_db()
    assert not is_erased(c.pupil)


def test_the_search_finds_archived_pupils_for_the_senco(client):
    c = case()
    gone = leaver(c.school, dt.date(2024, 7, 1), surname="Leaver")
    Pupil.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    client.force_login(c.senco)
    page = client.get(reverse("data_protection", args=[c.school.urn]), {"q": "Leav"})
    assert reverse("pupil_data", args=[c.school.urn, gone.pk]) in page.content.decode()
    assert "archived" in page.content.decode()
