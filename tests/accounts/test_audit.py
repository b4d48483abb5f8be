"""The audit trail: who viewed or changed which pupil's record, when and from where; kept
append-only; shown to the SENCO of the school alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.audit import audit_record, pupil_reference
from provmap.accounts.models import (
    AuditAction,
    AuditEvent,
    AuditEventPupil,
    AuditTrailIsAppendOnly,
    Role,
)
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PlacementFactory,
    ProvisionRunFactory,
    PupilFactory,
    SchoolFactory,
    TermFactory,
    UserFactory,
    totp_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return SchoolFactory(name="Oakfield Academy")


@pytest.fixture
def senco(school):
    return MembershipFactory(school=school, role=Role.SENCO, user=UserFactory(username="sam")).user


# --- Recording --------------------------------------------------------------------------------


def test_a_read_is_recorded_with_who_when_and_from_where(client, school):
    child = PupilFactory(school=school)
    parent = MembershipFactory(school=school, role=Role.PARENT, user=UserFactory(username="dawn"))
    parent.children.add(child)
    client.force_login(parent.user)
    before = timezone.now()

    url = reverse("my_children", args=[school.urn])
    response = client.get(url, REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="Firefox/140")

    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.user == parent.user and event.username == "dawn"
    assert event.school == school and event.pupil == child
    assert event.pupil_ref == pupil_reference(school.urn, child.upn)
    assert (event.ip, event.user_agent, event.path) == ("198.51.100.9", "Firefox/140", url)
    assert before <= event.at <= timezone.now()


def test_the_term_map_records_one_event_for_the_names_it_shows(client, school, senco):
    term = TermFactory(academic_year__school=school)
    run = ProvisionRunFactory(provision__school=school, academic_year=term.academic_year, term=term)
    PlacementFactory.create_batch(3, run=run)
    client.force_login(senco)
    response = client.get(reverse("term_map", args=[school.urn]), {"term": term.pk})
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.object_type == "schools.term" and event.object_id == str(term.pk)
    assert "3 pupils named" in event.summary


def test_a_write_is_recorded(client, school, senco):
    pupil = PupilFactory(school=school)
    client.force_login(senco)
    url = reverse("pupil_erase", args=[school.urn, pupil.pk])
    client.post(url, {"confirm_upn": pupil.upn, "reason": "Parent's request"})
    event = AuditEvent.objects.get(action=AuditAction.ERASE)
    assert (event.username, event.school, event.pupil, event.path) == ("sam", school, pupil, url)
    assert event.details["reason"] == "Parent's request"


def test_sign_ins_and_failed_attempts_are_recorded(client, senco):
    client.post(reverse("account_login"), {"login": "sam", "password": "wrong"})
    client.post(reverse("account_login"), {"login": "sam", "password": PASSWORD})
    Client().post(reverse("account_login"), {"login": "nobody", "password": "wrong"})
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("pk")
    assert [event.details["username"] for event in failed] == ["sam", "nobody"]
    assert all(event.user is None and event.ip == "127.0.0.1" for event in failed)
    # The password step passed; the sign-in completes after the authenticator code.
    assert not AuditEvent.objects.filter(action=AuditAction.LOGIN).exists()
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert AuditEvent.objects.get(action=AuditAction.LOGIN).username == "sam"
    client.post(reverse("account_logout"))
    assert AuditEvent.objects.get(action=AuditAction.LOGOUT).username == "sam"


def sign_in_with_password(client: Client, username: str, password: str = PASSWORD) -> None:
    client.post(reverse("account_login"), {"login": username, "password": password})


def test_a_wrong_code_at_the_second_step_is_recorded(client, school, senco):
    sign_in_with_password(client, "sam")
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    event = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    # Nobody is signed in yet: the account is named, no actor is.
    assert event.user is None and event.details["username"] == "sam"
    assert event.school == school and event.ip == "127.0.0.1"
    assert "code" in event.summary


def test_a_wrong_recovery_code_is_recorded_too(client, school, senco):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(senco)
    sign_in_with_password(client, "sam")
    client.post(reverse("mfa_authenticate"), {"code": "not-a-recovery-code"})
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FAILED, school=school).count() == 1


def test_a_wrong_code_when_asked_again_while_signed_in_is_recorded(client, school, senco):
    sign_in_with_password(client, "sam")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("mfa_reauthenticate"), {"code": "000000"})
    event = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    assert event.user == senco and event.school == school
    assert event.details["reauthentication"] is True


def test_sign_in_events_carry_the_school_of_the_account(client, school, senco):
    sign_in_with_password(client, "sam", "wrong-password")
    sign_in_with_password(client, "sam")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_logout"))
    events = AuditEvent.objects.order_by("pk")
    assert [(event.action, event.school) for event in events] == [
        (AuditAction.LOGIN_FAILED, school),
        (AuditAction.LOGIN, school),
        (AuditAction.LOGOUT, school),
    ]


def test_an_account_in_two_schools_is_recorded_in_both(client, school):
    other = SchoolFactory()
    user = UserFactory(username="peri")
    MembershipFactory(user=user, school=school, role=Role.TA)
    MembershipFactory(user=user, school=other, role=Role.TEACHER)
    MembershipFactory(user=user, school=other, role=Role.PARENT)
    sign_in_with_password(client, "peri", "wrong-password")
    schools = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).values_list(
        "school", flat=True
    )
    assert sorted(schools) == sorted([school.pk, other.pk])


def test_a_failed_sign_in_for_no_account_belongs_to_no_school(client, senco):
    sign_in_with_password(client, "nobody", "wrong-password")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.school is None


def test_a_list_records_which_pupils_it_showed_in_one_insert(school, senco):
    shown = PupilFactory.create_batch(40, school=school)
    with CaptureQueriesContext(connection) as context:
        event = audit_record(
            None,
            AuditAction.VIEW,
            school=school,
            pupils=shown + shown[:3],  # a pupil shown twice is listed once
            actor=senco,
            summary="A list of 40 pupils.",
        )
    # The event, then its pupils in one INSERT.
    assert len(context.captured_queries) == 2
    rows = AuditEventPupil.objects.filter(event=event)
    assert sorted(rows.values_list("pupil_id", flat=True)) == sorted(p.pk for p in shown)
    assert {row.pupil_ref for row in rows} == {pupil_reference(school.urn, p.upn) for p in shown}
    with pytest.raises(AuditTrailIsAppendOnly):
        rows.update(pupil_ref="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        rows.delete()


def test_what_was_typed_into_a_search_is_not_kept(rf, school, senco):
    request = rf.get("/somewhere/", {"q": "Hughes", "page": "2"})
    request.user = senco
    event = audit_record(request, AuditAction.VIEW, school=school, summary="Search.")
    assert "Hughes" not in event.path
    assert event.path.startswith("/somewhere/?") and "page=2" in event.path


def test_the_reference_hides_the_upn():
    ref = pupil_reference("137001", "H801200001001")
    assert ref == pupil_reference("137001", "h801200001001 ")
    assert "H801200001001" not in ref and len(ref) == 24
    assert ref != pupil_reference("137002", "H801200001001")


# --- Append-only ----------------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(senco):
    event = audit_record(None, AuditAction.LOGIN, actor=senco)
    event.summary = "Nothing happened"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["summary"])
    event.refresh_from_db()
    assert event.summary == ""


def test_the_audit_page_offers_no_way_to_change_the_trail(client, school, senco):
    client.force_login(senco)
    url = reverse("audit_log", args=[school.urn])
    assert client.post(url, {"summary": "x"}).status_code == 405
    content = client.get(url).content.decode()
    assert 'method="post"' not in content.split("<main", 1)[1]


# --- The SENCO's page -----------------------------------------------------------------------


def test_the_senco_sees_their_schools_trail_and_no_other(client, school, senco):
    pupil = PupilFactory(school=school, legal_forename="Amelia", surname="Hughes")
    elsewhere = SchoolFactory()
    audit_record(None, AuditAction.VIEW, pupil=pupil, actor=senco, summary="Viewed here")
    audit_record(
        None, AuditAction.VIEW, pupil=PupilFactory(school=elsewhere), summary="Viewed elsewhere"
    )
    client.force_login(senco)
    content = client.get(reverse("audit_log", args=[school.urn])).content.decode()
    assert "Viewed here" in content and "Amelia Hughes" in content
    assert "Viewed elsewhere" not in content


@pytest.mark.parametrize("role", [Role.SEND_ADMIN, Role.SENIOR_LEADER, Role.GOVERNOR])
def test_other_roles_cannot_read_the_trail(client, school, role):
    client.force_login(MembershipFactory(school=school, role=role).user)
    assert client.get(reverse("audit_log", args=[school.urn])).status_code == 403


def test_the_trail_filters_by_user_pupil_action_and_date(client, school, senco):
    amelia = PupilFactory(school=school, surname="Hughes")
    noah = PupilFactory(school=school, surname="Patel")
    teacher = MembershipFactory(school=school, role=Role.TEACHER, user=UserFactory(username="tom"))
    audit_record(None, AuditAction.VIEW, pupil=amelia, actor=teacher.user, summary="one")
    audit_record(None, AuditAction.VIEW, pupil=noah, actor=senco, summary="two")
    audit_record(None, AuditAction.EXPORT, pupil=noah, actor=senco, summary="three")
    client.force_login(senco)
    url = reverse("audit_log", args=[school.urn])

    def shown(**query) -> set[str]:
        content = client.get(url, query).content.decode()
        return {word for word in ("one", "two", "three") if f"<td>{word}</td>" in content}

    assert shown() == {"one", "two", "three"}
    assert shown(user="TOM") == {"one"}
    audit_record(None, AuditAction.VIEW, school=school, pupils=[noah], summary="listed")
    assert shown(pupil=noah.upn.lower()) == {"two", "three"}
    assert "<td>listed</td>" in client.get(url, {"pupil": noah.upn}).content.decode()
    assert shown(action=AuditAction.EXPORT) == {"three"}
    today = timezone.localdate()
    assert shown(date_from=today.isoformat(), date_to=today.isoformat()) == {"one", "two", "three"}
    assert shown(date_to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_the_senco_sees_their_staffs_sign_in_failures_and_not_another_schools(client, school):
    senco = MembershipFactory(school=school, role=Role.SENCO, user=UserFactory(username="sam"))
    MembershipFactory(school=school, role=Role.TEACHER, user=UserFactory(username="tom"))
    MembershipFactory(
        school=SchoolFactory(), role=Role.TEACHER, user=UserFactory(username="quentin")
    )
    sign_in_with_password(Client(REMOTE_ADDR="203.0.113.5"), "tom", "wrong-password")
    sign_in_with_password(Client(REMOTE_ADDR="203.0.113.6"), "quentin", "wrong-password")
    tom = Client()
    sign_in_with_password(tom, "tom")
    tom.post(reverse("mfa_authenticate"), {"code": "000000"})

    client.force_login(senco.user)
    url = reverse("audit_log", args=[school.urn])
    content = client.get(url, {"kind": "signin"}).content.decode()
    assert "203.0.113.5" in content and "Sign-in failed" in content
    assert "Wrong code at the second sign-in step" in content
    assert "quentin" not in content and "203.0.113.6" not in content
    # Looking for one person finds the attempts made on their account.
    content = client.get(url, {"user": "TOM", "kind": "signin"}).content.decode()
    assert "203.0.113.5" in content


def test_the_trail_filters_sign_in_events(client, school, senco):
    pupil = PupilFactory(school=school)
    audit_record(None, AuditAction.VIEW, pupil=pupil, actor=senco, summary="a read")
    audit_record(None, AuditAction.LOGIN, school=school, actor=senco, summary="a sign-in")
    client.force_login(senco)
    url = reverse("audit_log", args=[school.urn])
    content = client.get(url, {"kind": "signin"}).content.decode()
    assert "a sign-in" in content and "a read" not in content
    content = client.get(url, {"kind": "records"}).content.decode()
    assert "a read" in content and "a sign-in" not in content
    content = client.get(url).content.decode()
    assert "a read" in content and "a sign-in" in content
    assert "Sign-in events" in content


def test_the_audit_actions_are_migrated():
    from django.core.management import call_command

    call_command("makemigrations", "accounts", "--check", "--dry-run", verbosity=0)


def test_the_trail_finds_an_erased_pupil_by_the_upn_the_school_kept(client, school, senco):
    from provmap.accounts.data_protection import pupil_erase

    pupil = PupilFactory(school=school)
    upn = pupil.upn
    audit_record(None, AuditAction.VIEW, pupil=pupil, actor=senco, summary="before")
    pupil_erase(pupil=pupil, by=senco, reason="Request")
    client.force_login(senco)
    content = client.get(reverse("audit_log", args=[school.urn]), {"pupil": upn}).content.decode()
    assert "<td>before</td>" in content
    assert upn not in content.split('name="pupil"')[1].split("</form>")[1]


def test_the_trail_is_paginated_at_a_fixed_query_count(client):
    def page_for(events: int) -> tuple[int, str]:
        """(queries to show the first page, the page's URL) for a school with `events`."""
        school = SchoolFactory()
        senco = MembershipFactory(school=school, role=Role.SENCO).user
        for number in range(events):
            audit_record(
                None,
                AuditAction.VIEW,
                pupil=PupilFactory(school=school),
                actor=senco,
                summary=f"event {number}",
            )
        client.force_login(senco)
        url = reverse("audit_log", args=[school.urn])
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries), url

    one, _ = page_for(1)
    many, url = page_for(70)
    assert one == many
    assert "Page 2 of 2" in client.get(url, {"page": 2}).content.decode()
