"""People and their roles: the services (inviting, changing, removing a role, deactivating,
reactivating), each refusal, and `manage.py create_school`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Membership, Role, User
from provmap.accounts.people import (
    MembershipChanged,
    RoleDetails,
    invitation_resend,
    invite_person,
    membership_remove,
    membership_update,
    person_deactivate,
    person_reactivate,
)
from provmap.schools.models import School
from provmap.schools.scoping import all_schools
from tests.factories import (
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _open_scope():
    with all_schools():
        yield


@pytest.fixture
def school() -> School:
    return SchoolFactory(name="Oakfield Academy")


@pytest.fixture
def senco(school) -> User:
    return MembershipFactory(
        school=school, role=Role.SENCO, user=UserFactory(first_name="Priya", last_name="Shah")
    ).user


def _link(message) -> str:
    return next(word for word in message.body.split() if "/account/password/reset/key/" in word)


# --- Inviting -------------------------------------------------------------------------------


def test_inviting_a_ta_makes_an_account_without_a_password_and_emails_a_link(
    school, senco, mailoutbox
):
    staff = StaffMemberFactory(school=school, name="Jo Bloggs")
    invitation = invite_person(
        email="Jo.Bloggs@Oakfield.sch.uk",
        first_name="Jo",
        last_name="Bloggs",
        role=Role.TA,
        school=school,
        details=RoleDetails(staff_member=staff, teaching_groups=("7A", "8B")),
        by=senco,
    )
    membership = invitation.membership
    user = membership.user
    assert invitation.new_account
    assert user.username == "jo.bloggs@oakfield.sch.uk"
    assert not user.has_usable_password()
    assert membership.staff_member == staff
    assert membership.teaching_group_list == ["7A", "8B"]
    assert membership.invited_by == senco
    (message,) = mailoutbox
    assert message.to == ["Jo.Bloggs@Oakfield.sch.uk"]
    assert "Priya Shah has invited you" in message.body
    assert "Oakfield Academy" in message.body
    assert "with the role: Teaching assistant" in message.body
    assert "two-factor" in message.body
    assert _link(message) == invitation.link
    event = AuditEvent.objects.get(action=AuditAction.CREATE, school=school)
    assert event.user == senco and "Invited" in event.summary

    # The link lets them choose a password, once.
    client = Client()
    form = client.get(_link(message), follow=True)
    page = form.content.decode()
    assert "<title>Choose your password" in page
    assert '<h1 id="password-heading">Choose your password</h1>' in page
    assert 'for="id_password1">New password</label>' in page
    assert 'for="id_password2">New password (again)</label>' in page
    assert ">Save my password</button>" in page
    assert "Change Password" not in page
    mismatch = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-long-new-passphrase", "password2": "another-passphrase"},
    ).content.decode()
    assert 'href="#id_password2"' in mismatch
    response = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-long-new-passphrase", "password2": "a-long-new-passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-new-passphrase")


def test_an_existing_account_is_found_by_its_email_whatever_its_case(school, senco, mailoutbox):
    other = SchoolFactory()
    existing = MembershipFactory(
        school=other, role=Role.TEACHER, user=UserFactory(email="sam@example.org")
    ).user
    invitation = invite_person(
        email="SAM@example.org",
        first_name="Sam",
        last_name="Jones",
        role=Role.GOVERNOR,
        school=school,
        by=senco,
    )
    assert invitation.membership.user == existing
    assert not invitation.new_account
    # They already have a password: nothing to set, no email.
    assert invitation.link == "" and mailoutbox == []
    assert User.objects.filter(email__iexact="sam@example.org").count() == 1


def test_a_parents_children_are_linked_and_audited(school, senco, mailoutbox):
    child = PupilFactory(school=school)
    invitation = invite_person(
        email="dawn@example.org",
        first_name="Dawn",
        last_name="Hughes",
        role=Role.PARENT,
        school=school,
        details=RoleDetails(children=(child,)),
        by=senco,
    )
    assert list(invitation.membership.children.all()) == [child]
    assert "two-factor" not in mailoutbox[0].body
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert list(AuditEventPupil.objects.filter(event=event).values_list("pupil", flat=True)) == [
        child.pk
    ]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"email": "not-an-address"}, "email", "not an email address"),
        ({"role": Role.PARENT}, "children", "at least one child"),
        ({"role": Role.HEAD_OF_YEAR}, "year_groups", "Choose the year groups"),
        (
            {"role": Role.HEAD_OF_YEAR, "details": RoleDetails(year_groups=("14",))},
            "year_groups",
            "14 is not a year group",
        ),
        ({"role": Role.TRUST_LEADER}, "role", "invited to a trust"),
        (
            {"details": RoleDetails(teaching_groups=("<script>",))},
            "teaching_groups",
            "not a form or group name",
        ),
    ],
)
def test_invitations_are_refused_with_a_reason(school, senco, mailoutbox, kwargs, field, words):
    values = {
        "email": "new@example.org",
        "first_name": "New",
        "last_name": "Person",
        "role": Role.TEACHER,
        "school": school,
        "by": senco,
        **kwargs,
    }
    with pytest.raises(ValidationError) as refused:
        invite_person(**values)
    assert words in " ".join(refused.value.message_dict[field])
    assert not User.objects.filter(email="new@example.org").exists()
    assert mailoutbox == []


def test_a_staff_record_of_another_school_is_refused(school, senco):
    elsewhere = StaffMemberFactory(school=SchoolFactory())
    with pytest.raises(ValidationError) as refused:
        invite_person(
            email="t@example.org",
            first_name="T",
            last_name="A",
            role=Role.TA,
            school=school,
            details=RoleDetails(staff_member=elsewhere),
            by=senco,
        )
    assert "belongs to another school" in refused.value.message_dict["staff_member"][0]


def test_a_child_of_another_school_is_refused(school, senco):
    elsewhere = PupilFactory(school=SchoolFactory())
    with pytest.raises(ValidationError) as refused:
        invite_person(
            email="p@example.org",
            first_name="P",
            last_name="Q",
            role=Role.PARENT,
            school=school,
            details=RoleDetails(children=(elsewhere,)),
            by=senco,
        )
    assert "must be a pupil of Oakfield Academy" in refused.value.message_dict["children"][0]


def test_the_same_role_twice_is_refused(school, senco):
    senco.email = "priya@example.org"
    senco.save()
    with pytest.raises(ValidationError) as refused:
        invite_person(
            email="PRIYA@example.org",
            first_name="",
            last_name="",
            role=Role.SENCO,
            school=school,
            by=senco,
        )
    assert "already has the role SENCO" in refused.value.message_dict["email"][0]


def test_a_trust_leader_is_invited_to_their_trust(mailoutbox):
    trust = TrustFactory(name="Oak Trust")
    leader = Membership.objects.create(user=UserFactory(), role=Role.TRUST_LEADER, trust=trust)
    invitation = invite_person(
        email="ceo@oak.org",
        first_name="Ceo",
        last_name="Person",
        role=Role.TRUST_LEADER,
        trust=trust,
        by=leader.user,
    )
    assert invitation.membership.trust == trust and invitation.membership.school is None
    assert "Oak Trust" in mailoutbox[0].body


def test_a_pending_invitation_is_sent_again_and_a_used_one_is_not(school, senco, mailoutbox):
    invitation = invite_person(
        email="jo@example.org",
        first_name="Jo",
        last_name="B",
        role=Role.TEACHER,
        school=school,
        by=senco,
    )
    link = invitation_resend(membership=invitation.membership, by=senco)
    assert len(mailoutbox) == 2 and _link(mailoutbox[1]) == link
    user = invitation.membership.user
    user.set_password("a-long-new-passphrase")
    user.save()
    with pytest.raises(ValidationError, match="already set a password"):
        invitation_resend(membership=invitation.membership, by=senco)


# --- Changing and removing roles -----------------------------------------------------------


def test_a_role_is_changed_with_the_version_read_and_a_stale_one_is_refused(school, senco):
    membership = MembershipFactory(school=school, role=Role.TEACHER)
    read = membership.version
    membership_update(
        membership=membership,
        role=Role.HEAD_OF_YEAR,
        details=RoleDetails(year_groups=("9", "10")),
        read_version=read,
        by=senco,
    )
    membership.refresh_from_db()
    assert membership.role == Role.HEAD_OF_YEAR and membership.year_group_list == ["9", "10"]
    assert membership.version == read + 1
    with pytest.raises(MembershipChanged, match="Someone else changed"):
        membership_update(
            membership=membership,
            role=Role.TEACHER,
            details=RoleDetails(),
            read_version=read,
            by=senco,
        )
    membership.refresh_from_db()
    assert membership.role == Role.HEAD_OF_YEAR
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE).count() == 1


def test_the_last_senco_cannot_be_removed_or_changed(school, senco):
    only = Membership.objects.get(user=senco)
    with pytest.raises(ValidationError, match="no SENCO"):
        membership_remove(membership=only, by=senco)
    with pytest.raises(ValidationError, match="no SENCO"):
        membership_update(membership=only, role=Role.TEACHER, details=RoleDetails(), by=senco)
    second = MembershipFactory(school=school, role=Role.SENCO)
    membership_remove(membership=second, by=senco)
    assert not Membership.objects.filter(pk=second.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE, school=school).exists()


def test_a_parent_cannot_be_left_with_no_child(school, senco):
    child = PupilFactory(school=school)
    parent = MembershipFactory(school=school, role=Role.PARENT)
    parent.children.add(child)
    with pytest.raises(ValidationError) as refused:
        membership_update(membership=parent, role=Role.PARENT, details=RoleDetails(), by=senco)
    assert "at least one child" in refused.value.message_dict["children"][0]
    assert list(parent.children.all()) == [child]


# --- Deactivating and reactivating ----------------------------------------------------------


def test_deactivating_and_reactivating_an_account(school, senco):
    ta = MembershipFactory(school=school, role=Role.TA).user
    person_deactivate(user=ta, school=school, by=senco)
    ta.refresh_from_db()
    assert not ta.is_active
    person_reactivate(user=ta, school=school, by=senco)
    ta.refresh_from_db()
    assert ta.is_active
    assert AuditEvent.objects.filter(summary__startswith="Reactivated").exists()


def test_a_senco_cannot_deactivate_themselves(school, senco):
    with pytest.raises(ValidationError, match="your own account"):
        person_deactivate(user=senco, school=school, by=senco)


def test_an_account_with_a_role_elsewhere_is_not_deactivated_from_one_school(school, senco):
    ta = MembershipFactory(school=school, role=Role.TA).user
    MembershipFactory(school=SchoolFactory(), role=Role.PARENT, user=ta)
    with pytest.raises(ValidationError, match="another school"):
        person_deactivate(user=ta, school=school, by=senco)


# --- manage.py create_school ----------------------------------------------------------------

ARGS = [
    "--urn",
    "137001",
    "--name",
    "Oakfield Academy",
    "--phase",
    "secondary",
    "--la",
    "886",
    "--estab",
    "4001",
    "--senco-email",
    "p.shah@oakfield.sch.uk",
    "--senco-name",
    "Priya Shah",
]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_school", *args, stdout=out)
    return out.getvalue()


def test_create_school_makes_the_school_and_invites_its_senco(mailoutbox):
    out = _run(*ARGS, "--trust", "Oak Trust")
    school = School.objects.get(urn="137001")
    assert (school.name, school.la_code, school.estab_code) == ("Oakfield Academy", "886", "4001")
    assert school.trust is not None and school.trust.name == "Oak Trust"
    membership = Membership.objects.get(school=school)
    assert membership.role == Role.SENCO
    assert membership.user.first_name == "Priya" and membership.user.last_name == "Shah"
    (message,) = mailoutbox
    assert message.to == ["p.shah@oakfield.sch.uk"]
    assert "You have been invited" in message.body and "SENCO" in message.body
    assert _link(message) in out
    assert "Created Oakfield Academy" in out


def test_create_school_twice_creates_nothing_more(mailoutbox):
    _run(*ARGS)
    with pytest.raises(CommandError, match="already exists"):
        _run(*ARGS)
    assert School.objects.filter(urn="137001").count() == 1
    assert Membership.objects.count() == 1 and len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--urn", "13700", "A URN is six digits"),
        ("--la", "88", "LA number is three digits"),
        ("--estab", "40011", "establishment number is four digits"),
        ("--senco-email", "priya-at-oakfield", "not an email address"),
    ],
)
def test_create_school_refuses_bad_values_and_writes_nothing(mailoutbox, option, value, words):
    args = list(ARGS)
    args[args.index(option) + 1] = value
    with pytest.raises(CommandError) as refused:
        _run(*args)
    assert words in str(refused.value)
    assert "Nothing was created" in str(refused.value)
    assert not School.objects.exists() and not User.objects.exists() and mailoutbox == []
