"""How provmap bends allauth: rate-limited sign-in without a lock-out, no sign-up, and
signing out everywhere at once."""

from __future__ import annotations

import time

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Role, User
from tests.factories import PASSWORD, MembershipFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


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


# --- Rate limits --------------------------------------------------------------------------


def test_five_wrong_passwords_slow_down_that_username_from_that_address(parent):
    for _ in range(5):
        client, page = attempt("dawn", "wrong-password", "203.0.113.7")
        assert TOO_MANY not in page
        assert not signed_in(client)

    client, page = attempt("dawn", "wrong-password", "203.0.113.7")
    assert TOO_MANY in page
    # Even the right password waits at that address...
    client, page = attempt("dawn", PASSWORD, "203.0.113.7")
    assert TOO_MANY in page
    assert not signed_in(client)


def test_the_real_user_is_not_locked_out_from_their_own_device(parent):
    for _ in range(6):
        attempt("dawn", "wrong-password", "203.0.113.7")
    client, page = attempt("dawn", PASSWORD, "198.51.100.20")
    assert TOO_MANY not in page
    assert signed_in(client)


def test_the_slow_down_passes_after_five_minutes(parent, monkeypatch):
    for _ in range(6):
        attempt("dawn", "wrong-password", "203.0.113.7")
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    client, page = attempt("dawn", PASSWORD, "203.0.113.7")
    assert TOO_MANY not in page
    assert signed_in(client)


def test_a_right_password_does_not_wipe_the_count_of_wrong_ones(parent):
    for _ in range(4):
        attempt("dawn", "wrong-password", "203.0.113.7")
    client, _ = attempt("dawn", PASSWORD, "203.0.113.7")
    assert signed_in(client)
    attempt("dawn", "wrong-password", "203.0.113.7")
    _, page = attempt("dawn", "wrong-password", "203.0.113.7")
    assert TOO_MANY in page


def test_one_address_guessing_many_usernames_is_slowed_down(parent):
    for number in range(20):
        _, page = attempt(f"guess{number}", "password123456", "192.0.2.44")
        assert TOO_MANY not in page
    client, page = attempt("dawn", PASSWORD, "192.0.2.44")
    assert TOO_MANY in page
    assert not signed_in(client)
    # Everyone else carries on.
    client, _ = attempt("dawn", PASSWORD, "192.0.2.45")
    assert signed_in(client)


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
