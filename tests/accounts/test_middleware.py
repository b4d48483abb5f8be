"""Response headers on every page, and the idle and absolute session time-outs."""

from __future__ import annotations

import datetime as dt
import logging
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.middleware import (
    CONTENT_SECURITY_POLICY,
    SESSION_AUTH_AT,
    SESSION_SEEN_AT,
)
from provmap.accounts.models import AuditEvent, Role
from tests.factories import PASSWORD, MembershipFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


@pytest.fixture
def senco():
    member = MembershipFactory(role=Role.SENCO, school=SchoolFactory())
    return member.user, member.school


def map_url(school) -> str:
    return reverse("term_map", args=[school.urn])


# --- Headers ----------------------------------------------------------------------------------


def assert_common_headers(response) -> None:
    assert response["Content-Security-Policy"] == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_the_login_page_carries_the_security_headers(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert_common_headers(response)
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP


def test_a_page_with_pupil_data_is_never_cached(client, senco):
    user, school = senco
    PupilFactory(school=school)
    client.force_login(user)
    response = client.get(map_url(school))
    assert response.status_code == 200
    assert_common_headers(response)
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache_control


def test_hsts_is_sent_over_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("account_login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def test_no_hsts_on_plain_http_locally(client):
    assert "Strict-Transport-Security" not in client.get(reverse("account_login"))


def test_error_pages_carry_the_headers_too(client, senco):
    user, _ = senco
    client.force_login(user)
    response = client.get(map_url(SchoolFactory.build(urn="999999")))
    assert response.status_code == 404
    assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


# --- Session time-outs --------------------------------------------------------------------


def age_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_signing_in_gives_a_new_session_id(client):
    parent = MembershipFactory(role=Role.PARENT, user=UserFactory(totp=False)).user
    session = client.session
    session["before"] = "sign-in"
    session.save()
    before = session.session_key
    client.post(reverse("account_login"), {"login": parent.username, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(parent.pk)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_sessions_expire_on_the_server_after_the_idle_time(settings, client, senco):
    """The server keeps a session for the idle limit after the last request it noted; it
    notes a request's time at most once a minute, so pages do not write on every request."""
    assert settings.SESSION_COOKIE_AGE == settings.PROVMAP_SESSION_IDLE_MINUTES * 60 == 30 * 60
    assert settings.PROVMAP_SESSION_ABSOLUTE_HOURS == 10
    user, school = senco
    client.force_login(user)
    assert client.get(map_url(school)).status_code == 200
    key = client.session.session_key

    def expiry_in() -> float:
        expiry = Session.objects.get(pk=key).expire_date
        return (expiry - timezone.now()).total_seconds()

    # Seen ten minutes ago, so the stored expiry is twenty minutes away.
    age_session(client, **{SESSION_SEEN_AT: 10 * 60})
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=20))
    assert client.get(map_url(school)).status_code == 200
    assert expiry_in() > 29 * 60  # renewed to the whole idle limit
    # A request within the minute writes nothing.
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + dt.timedelta(minutes=20))
    assert client.get(map_url(school)).status_code == 200
    assert expiry_in() < 21 * 60


def test_an_idle_session_is_signed_out(client, senco):
    user, school = senco
    client.force_login(user)
    assert client.get(map_url(school)).status_code == 200

    age_session(client, **{SESSION_SEEN_AT: 29 * 60})
    assert client.get(map_url(school)).status_code == 200  # still inside the limit

    age_session(client, **{SESSION_SEEN_AT: 31 * 60})
    response = client.get(map_url(school))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    login_page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in login_page


def test_activity_keeps_a_session_alive(client, senco):
    user, school = senco
    client.force_login(user)
    age_session(client, **{SESSION_SEEN_AT: 20 * 60})
    client.get(map_url(school))
    assert time.time() - client.session[SESSION_SEEN_AT] < 5


def test_a_busy_session_still_ends_at_the_absolute_limit(client, senco):
    user, school = senco
    client.force_login(user)
    age_session(client, **{SESSION_AUTH_AT: 10 * 3600 + 1, SESSION_SEEN_AT: 10})
    response = client.get(map_url(school))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_time_outs_come_from_the_environment(settings, client, senco):
    settings.PROVMAP_SESSION_IDLE_MINUTES = 5
    user, school = senco
    client.force_login(user)
    age_session(client, **{SESSION_SEEN_AT: 6 * 60})
    assert client.get(map_url(school)).status_code == 302


# --- A proxy whose forwarded address is not trusted -----------------------------------------

PROXY_WARNING = "X-Forwarded-For"


def proxy_warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "provmap.accounts.middleware" and PROXY_WARNING in record.getMessage()
    ]


def test_a_forwarded_address_without_a_trusted_proxy_is_logged_once(caplog, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    client = Client()
    with caplog.at_level(logging.WARNING):
        client.get(reverse("account_login"))
        assert proxy_warnings(caplog) == []
        for _ in range(3):
            client.get(reverse("account_login"), HTTP_X_FORWARDED_FOR="198.51.100.4")
    (message,) = proxy_warnings(caplog)
    assert "TRUSTED_PROXY_COUNT is 0" in message
    assert "Set TRUSTED_PROXY_COUNT" in message
    # A line in the server's log, not an event in a school's audit trail.
    assert not AuditEvent.objects.exists()


def test_no_warning_when_the_proxy_is_trusted(caplog, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.WARNING):
        Client().get(reverse("account_login"), HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert proxy_warnings(caplog) == []


@pytest.mark.parametrize("path", ["school/{urn}/forgotten/", "unnamed/"])
def test_a_page_without_an_access_policy_is_refused(client, senco, settings, caplog, path):
    """A URL added without choosing its rule is refused (403) for everyone, the SENCO too:
    forgetting the policy cannot let a page through."""
    settings.ROOT_URLCONF = "tests.accounts.unpoliced_urls"
    user, school = senco
    client.force_login(user)
    with caplog.at_level(logging.ERROR, logger="provmap.accounts.middleware"):
        response = client.get("/" + path.format(urn=school.urn))
    assert response.status_code == 403
    assert "Everything about" not in response.content.decode()
    assert "has no access policy" in caplog.text
