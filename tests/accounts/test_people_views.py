"""The SENCO's People page: listing, inviting, editing, removing, deactivating; everyone else
refused; every change in the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Membership, Role
from tests.factories import (
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return SchoolFactory(name="Oakfield Academy", trust=TrustFactory())


@pytest.fixture
def senco(school):
    return MembershipFactory(
        school=school, role=Role.SENCO, user=UserFactory(first_name="Priya", last_name="Shah")
    ).user


@pytest.fixture
def client_of():
    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def test_the_senco_sees_everyone_with_a_role_and_filters_by_role(school, senco, client_of):
    MembershipFactory(
        school=school, role=Role.TA, user=UserFactory(first_name="Jo", last_name="Bloggs")
    )
    invited = UserFactory(first_name="New", last_name="Governor")
    invited.set_unusable_password()
    invited.save()
    MembershipFactory(school=school, role=Role.GOVERNOR, user=invited)
    MembershipFactory(
        school=SchoolFactory(), role=Role.TA, user=UserFactory(first_name="Elsewhere")
    )
    client = client_of(senco)
    page = client.get(reverse("people", args=[school.urn])).content.decode()
    assert "Jo Bloggs" in page and "Priya Shah" in page and "Elsewhere" not in page
    assert "Invited" in page and "3 roles" in page
    assert 'aria-current="page">People<' in page
    only = client.get(reverse("people", args=[school.urn]), {"role": Role.TA}).content.decode()
    assert "Jo Bloggs" in only and "1 role<" in only


@pytest.mark.parametrize(
    "role",
    [Role.TEACHER, Role.TA, Role.GOVERNOR, Role.PARENT, Role.SEND_ADMIN, Role.HEAD_OF_YEAR],
)
def test_other_roles_are_refused(school, client_of, role):
    user = MembershipFactory(school=school, role=role, year_groups="9").user
    client = client_of(user)
    assert client.get(reverse("people", args=[school.urn])).status_code == 403
    assert client.get(reverse("people_invite", args=[school.urn])).status_code == 403


def test_a_trust_leader_is_refused(school, client_of):
    leader = UserFactory()
    Membership.objects.create(user=leader, role=Role.TRUST_LEADER, trust=school.trust)
    assert client_of(leader).get(reverse("people", args=[school.urn])).status_code == 403


def test_the_senco_invites_a_ta_linked_to_a_staff_record(school, senco, client_of, mailoutbox):
    staff = StaffMemberFactory(school=school, name="Jo Bloggs")
    PupilFactory(school=school, form="7A")
    client = client_of(senco)
    page = client.get(reverse("people_invite", args=[school.urn])).content.decode()
    assert 'value="7A"' in page  # the forms of the school's pupils are offered
    response = client.post(
        reverse("people_invite", args=[school.urn]),
        {
            "email": "jo@oakfield.sch.uk",
            "first_name": "Jo",
            "last_name": "Bloggs",
            "role": Role.TA,
            "staff_member": staff.pk,
            "forms_taught": ["7A"],
            "other_groups": "9X/Ma1",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="jo@oakfield.sch.uk")
    assert membership.staff_member == staff
    assert membership.teaching_group_list == ["7A", "9X/Ma1"]
    assert "http://testserver/account/password/reset/key/" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, school=school, user=senco).exists()


def test_a_staff_record_of_another_school_cannot_be_chosen(school, senco, client_of):
    elsewhere = StaffMemberFactory(school=SchoolFactory())
    response = client_of(senco).post(
        reverse("people_invite", args=[school.urn]),
        {
            "email": "jo@oakfield.sch.uk",
            "first_name": "Jo",
            "last_name": "Bloggs",
            "role": Role.TA,
            "staff_member": elsewhere.pk,
        },
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="jo@oakfield.sch.uk").exists()


def test_a_parent_is_invited_with_a_child_found_by_name(school, senco, client_of, mailoutbox):
    child = PupilFactory(school=school, surname="Hughes", legal_forename="Amelia")
    client = client_of(senco)
    found = client.get(reverse("people_pupil_find", args=[school.urn]), {"q": "hugh"})
    assert "Hughes" in found.content.decode()
    event = AuditEvent.objects.get(summary__contains="link to a parent")
    assert list(AuditEventPupil.objects.filter(event=event).values_list("pupil", flat=True)) == [
        child.pk
    ]
    assert "hugh" not in event.path  # what was typed is not kept

    refused = client.post(
        reverse("people_invite", args=[school.urn]),
        {"email": "dawn@example.org", "first_name": "Dawn", "last_name": "H", "role": Role.PARENT},
    )
    assert refused.status_code == 400
    assert "at least one child" in refused.content.decode()
    client.post(
        reverse("people_invite", args=[school.urn]),
        {
            "email": "dawn@example.org",
            "first_name": "Dawn",
            "last_name": "H",
            "role": Role.PARENT,
            "children": [child.pk],
        },
    )
    parent = Membership.objects.get(user__email="dawn@example.org")
    assert list(parent.children.all()) == [child]


def test_two_sencos_editing_the_same_role(school, senco, client_of):
    other_senco = MembershipFactory(school=school, role=Role.SENCO).user
    teacher = MembershipFactory(school=school, role=Role.TEACHER)
    url = reverse("membership_edit", args=[school.urn, teacher.pk])
    first, second = client_of(senco), client_of(other_senco)
    assert first.get(url).status_code == 200
    assert second.get(url).status_code == 200
    saved = first.post(url, {"role": Role.HEAD_OF_YEAR, "year_groups": ["8"], "version": 0})
    assert saved.status_code == 302
    late = second.post(url, {"role": Role.TEACHER, "version": 0})
    assert late.status_code == 409
    assert "Someone else changed" in late.content.decode()
    teacher.refresh_from_db()
    assert teacher.role == Role.HEAD_OF_YEAR and teacher.year_groups == "8"


def test_the_last_senco_cannot_be_removed_and_cannot_deactivate_themselves(
    school, senco, client_of
):
    own = Membership.objects.get(user=senco)
    client = client_of(senco)
    response = client.post(reverse("membership_remove", args=[school.urn, own.pk]), follow=True)
    assert "no SENCO" in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()
    response = client.post(reverse("person_deactivate", args=[school.urn, own.pk]), follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    senco.refresh_from_db()
    assert senco.is_active


def test_deactivating_ends_the_persons_sessions(school, senco, client_of):
    ta = MembershipFactory(school=school, role=Role.TA)
    ta_client = client_of(ta.user)
    assert ta_client.get(reverse("mfa_index")).status_code == 200
    client = client_of(senco)
    response = client.post(reverse("person_deactivate", args=[school.urn, ta.pk]))
    assert response.status_code == 302
    ta.user.refresh_from_db()
    assert not ta.user.is_active
    assert ta_client.get(reverse("mfa_index"))["Location"].startswith(reverse("account_login"))
    client.post(reverse("person_reactivate", args=[school.urn, ta.pk]))
    ta.user.refresh_from_db()
    assert ta.user.is_active
    summaries = list(AuditEvent.objects.filter(school=school).values_list("summary", flat=True))
    assert any(summary.startswith("Deactivated") for summary in summaries)
    assert any(summary.startswith("Reactivated") for summary in summaries)


def test_a_role_is_removed_and_an_invitation_sent_again(school, senco, client_of, mailoutbox):
    pending = UserFactory(email="new@example.org")
    pending.set_unusable_password()
    pending.save()
    governor = MembershipFactory(school=school, role=Role.GOVERNOR, user=pending)
    client = client_of(senco)
    client.post(reverse("invitation_resend", args=[school.urn, governor.pk]))
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new@example.org"]
    client.post(reverse("membership_remove", args=[school.urn, governor.pk]))
    assert not Membership.objects.filter(pk=governor.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, school=school).exists()


def test_a_role_in_another_school_is_not_found(school, senco, client_of):
    elsewhere = MembershipFactory(school=SchoolFactory(), role=Role.TA)
    client = client_of(senco)
    assert (
        client.get(reverse("membership_edit", args=[school.urn, elsewhere.pk])).status_code == 404
    )
    response = client.post(reverse("membership_remove", args=[school.urn, elsewhere.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


# --- A trust's leaders ----------------------------------------------------------------------


def test_a_trust_leader_invites_another_to_their_trust(school, client_of, mailoutbox):
    trust = school.trust
    leader = UserFactory(first_name="Lee", last_name="Trust")
    Membership.objects.create(user=leader, role=Role.TRUST_LEADER, trust=trust)
    client = client_of(leader)
    url = reverse("trust_people", args=[trust.pk])
    page = client.get(url).content.decode()
    assert "Lee Trust" in page and f"Leaders of {trust.name}" in page
    refused = client.post(url, {"email": "nope", "first_name": "A", "last_name": "B"})
    assert refused.status_code == 400
    response = client.post(
        url,
        {
            "email": "ceo@trust.org",
            "first_name": "Cee",
            "last_name": "Oh",
            "trust_pupil_access": "on",
        },
    )
    assert response.status_code == 302
    invited = Membership.objects.get(user__email="ceo@trust.org")
    assert invited.role == Role.TRUST_LEADER and invited.trust == trust
    assert invited.trust_pupil_access
    assert "Lee Trust has invited you" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, user=leader).exists()


def test_only_the_trusts_leaders_open_its_page(school, senco, client_of):
    url = reverse("trust_people", args=[school.trust.pk])
    assert client_of(senco).get(url).status_code == 404
    other = UserFactory()
    Membership.objects.create(user=other, role=Role.TRUST_LEADER, trust=TrustFactory())
    assert client_of(other).get(url).status_code == 404
