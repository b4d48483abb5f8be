"""How provmap bends allauth: no sign-up, and signing out everywhere at once. (Its sign-in
limits are tested in test_signin_limits.py.)"""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Role, User
from tests.factories import PASSWORD, MembershipFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent() -> User:
    """A parent without an authenticator: the right password alone signs them in."""
    school = SchoolFactory()
    member = MembershipFactory(
        role=Role.PARENT, school=school, user=UserFactory(username="dawn", totp=False)
    )
    member.children.add(PupilFactory(school=school))
    return member.user


def attempt(username: str, password: str, ip: str) -> tuple[Client, str]:
    """One sign-in from a fresh browser at `ip`; returns the client and the page's text."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(reverse("account_login"), {"login": username, "password": password})
    return client, response.content.decode() if response.status_code == 200 else ""


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- No sign-up ---------------------------------------------------------------------------


def test_nobody_can_sign_up(client):
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert "Sign up closed" in page.content.decode() or "closed" in page.content.decode()
    response = client.post(
        reverse("account_signup"),
        {
            "username": "intruder",
            "email": "intruder@example.org",
            "password1": "a-long-enough-password",
            "password2": "a-long-enough-password",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="intruder").exists()


# --- Signing out everywhere ---------------------------------------------------------------


def test_signing_out_ends_the_session_on_every_device(parent):
    laptop, _ = attempt("dawn", PASSWORD, "198.51.100.1")
    phone, _ = attempt("dawn", PASSWORD, "198.51.100.2")
    assert signed_in(laptop) and signed_in(phone)
    assert UserSession.objects.filter(user=parent).count() == 2

    laptop.post(reverse("account_logout"))

    assert not signed_in(laptop)
    response = phone.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert UserSession.objects.filter(user=parent).count() == 0


# --- Password reset by email ----------------------------------------------------------------


def test_a_forgotten_password_is_reset_through_an_emailed_link(parent, mailoutbox):
    parent.email = "dawn@example.org"
    parent.save()
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": "dawn@example.org"})
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == ["dawn@example.org"]
    link = next(word for word in message.body.split() if "/account/password/reset/key/" in word)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "a-brand-new-long-passphrase"
    response = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": "dawn", "password": new_password})
    assert signed_in(fresh)


def test_the_reset_page_does_not_reveal_who_has_an_account(client, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == 302
    assert known["Location"] == reverse("account_reset_password_done")


def test_common_passwords_are_refused(parent, client):
    client.force_login(parent)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "password1234", "password2": "password1234"},
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
