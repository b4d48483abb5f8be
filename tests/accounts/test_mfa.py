"""Two-factor sign-in: enrolment with an authenticator app, and its enforcement for every
account but a parent's."""

from __future__ import annotations

import pytest
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Role, User
from provmap.accounts.policies import POLICIES
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
    give_totp,
    totp_code,
)

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str) -> str:
    """Post the sign-in form; returns where it sends the browser."""
    response = client.post(reverse("account_login"), {"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response["Location"]


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content


def staff(role: str = Role.SENCO, **user: object) -> User:
    member = MembershipFactory(role=role, user=UserFactory(**user))
    return member.user


# --- Enrolment ------------------------------------------------------------------------------


def test_staff_set_up_an_authenticator_the_first_time_they_sign_in(client):
    user = staff(username="sam", totp=False)
    school = user.memberships.get().school

    assert sign_in(client, "sam") == reverse("home")
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("mfa_activate_totp")

    # Changing how one signs in asks for the password again first (allauth's rule).
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "Set up two-factor sign-in" in content
    # The secret the app would scan from the QR code is also written out for typing in.
    secret = client.session["mfa.totp.secret"]
    assert f'<code id="authenticator-secret">{secret}</code>' in content
    assert 'src="data:image/svg+xml;base64,' in content

    refused = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert refused.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    types = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert types == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes.status_code == 200

    # From now on the school's pages open.
    map_url = reverse("term_map", args=[school.urn])
    assert client.get(map_url).status_code == 200


def test_signing_in_with_an_authenticator_asks_for_its_code(client):
    user = staff(username="sam")
    assert sign_in(client, "sam") == reverse("mfa_authenticate")
    # Password alone: not signed in yet.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))

    sign_in(client, "sam")
    refused = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_recovery_code_signs_in_when_the_phone_is_lost(client):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = staff(username="sam")
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    sign_in(client, "sam")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_totp_code_works_once(client):
    staff(username="sam")
    code = totp_code()
    sign_in(client, "sam")
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    other = Client()
    sign_in(other, "sam")
    assert other.post(reverse("mfa_authenticate"), {"code": code}).status_code == 200
    assert "_auth_user_id" not in other.session


# --- Enforcement ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.SENCO, Role.SEND_ADMIN, Role.TEACHER, Role.TA, Role.HEAD_OF_YEAR, Role.GOVERNOR],
)
def test_staff_and_governors_without_an_authenticator_reach_nothing_else(client, role):
    user = staff(role, totp=False)
    school = user.memberships.get().school
    client.force_login(user)
    for url in (
        reverse("home"),
        reverse("term_map", args=[school.urn]),
        reverse("school_figures", args=[school.urn]),
        reverse("usersessions_list"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    # Setting it up and signing out stay open.
    assert client.get(reverse("mfa_activate_totp")).status_code in (200, 302)
    assert client.post(reverse("account_logout")).status_code == 302


def test_trust_leaders_need_an_authenticator_too(client):
    leader = UserFactory(totp=False)
    MembershipFactory(user=leader, school=None, trust=TrustFactory(), role=Role.TRUST_LEADER)
    client.force_login(leader)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


def test_parents_may_sign_in_without_an_authenticator(client):
    school = SchoolFactory()
    parent = MembershipFactory(school=school, role=Role.PARENT, user=UserFactory(totp=False))
    parent.children.add(PupilFactory(school=school))
    assert sign_in(client, parent.user.username) == reverse("home")
    assert client.get(reverse("my_children", args=[school.urn])).status_code == 200


def test_a_parent_who_is_also_staff_needs_an_authenticator(client):
    school = SchoolFactory()
    user = UserFactory(totp=False)
    MembershipFactory(user=user, school=school, role=Role.PARENT)
    MembershipFactory(user=user, school=SchoolFactory(), role=Role.TA)
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize(
    ("skip_setting", "is_demo", "lets_through"),
    [(True, True, True), (False, True, False), (True, False, False), (False, False, False)],
)
def test_demo_accounts_skip_set_up_only_where_the_installation_allows(
    client, settings, skip_setting, is_demo, lets_through
):
    settings.PROVMAP_DEMO_SKIP_MFA = skip_setting
    user = staff(totp=False)
    User.objects.filter(pk=user.pk).update(is_demo=is_demo)
    school = user.memberships.get().school
    client.force_login(User.objects.get(pk=user.pk))
    response = client.get(reverse("term_map", args=[school.urn]))
    assert (response.status_code == 200) is lets_through


def test_staff_cannot_switch_two_factor_off_but_parents_can():
    teacher = staff(Role.TEACHER)
    parent = MembershipFactory(role=Role.PARENT).user
    adapter = get_mfa_adapter()
    assert not adapter.can_delete_authenticator(Authenticator.objects.get(user=teacher))
    assert adapter.can_delete_authenticator(Authenticator.objects.get(user=parent))


def test_a_staff_member_cannot_deactivate_their_authenticator_through_the_page(client):
    user = staff(username="sam")
    sign_in(client, "sam")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_setup_pages_are_in_the_policy_table():
    for name in ("mfa_activate_totp", "account_reauthenticate", "account_logout"):
        assert name in POLICIES


def test_give_totp_matches_what_the_app_shows():
    user = UserFactory(totp=False)
    give_totp(user)
    from allauth.mfa.totp.internal.auth import TOTP

    assert TOTP(Authenticator.objects.get(user=user)).validate_code(totp_code())


def test_the_account_page_offers_turning_off_to_parents_only(client):
    teacher = staff(Role.TEACHER)
    parent = MembershipFactory(role=Role.PARENT).user
    client.force_login(teacher)
    content = client.get(reverse("mfa_index")).content.decode()
    assert "Your role at school requires it" in content and "Turn off" not in content
    client.force_login(parent)
    content = client.get(reverse("mfa_index")).content.decode()
    assert "optional for parents" in content and "Turn off" in content
