"""Deactivating an account ends its sessions at once, and an inactive account is refused on
its next request even where no service was called."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.accounts.services import user_deactivate
from tests.factories import PASSWORD, MembershipFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in_device(username: str, ip: str) -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.post(reverse("account_login"), {"login": username, "password": PASSWORD})
    assert "_auth_user_id" in client.session
    return client


@pytest.fixture
def governor():
    # A governor without an authenticator signs in (and is sent to set one up): enough to
    # hold sessions for these tests.
    return MembershipFactory(
        role=Role.GOVERNOR, school=SchoolFactory(), user=UserFactory(username="gov", totp=False)
    ).user


def test_deactivating_a_user_ends_all_their_sessions(governor):
    laptop = signed_in_device("gov", "198.51.100.1")
    phone = signed_in_device("gov", "198.51.100.2")
    senco = UserFactory()

    ended = user_deactivate(user=governor, by=senco)

    assert ended == 2
    governor.refresh_from_db()
    assert governor.is_active is False
    assert UserSession.objects.filter(user=governor).count() == 0
    for device in (laptop, phone):
        response = device.get(reverse("home"))
        assert response["Location"].startswith(reverse("account_login"))
    event = AuditEvent.objects.get(action=AuditAction.CHANGE)
    assert event.username == senco.username
    assert event.object_id == str(governor.pk)


def test_an_account_made_inactive_any_other_way_is_signed_out_too(client):
    user = MembershipFactory(role=Role.SENCO).user
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 302
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("account_login"))


def test_an_inactive_account_cannot_sign_in(governor):
    user_deactivate(user=governor)
    client = Client()
    response = client.post(reverse("account_login"), {"login": "gov", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_the_command_deactivates(governor, capsys):
    signed_in_device("gov", "198.51.100.1")
    call_command("deactivate_user", "gov")
    governor.refresh_from_db()
    assert not governor.is_active
    assert "1 session(s) ended" in capsys.readouterr().out
