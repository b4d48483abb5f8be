"""Every change of state is a POST with a CSRF token; no GET changes anything."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.data_protection import is_erased
from provmap.accounts.models import AuditAction, AuditEvent, Role
from tests.factories import PASSWORD, MembershipFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def senco():
    member = MembershipFactory(school=SchoolFactory(), role=Role.SENCO)
    return member.user, member.school


def csrf_token(client: Client) -> str:
    client.get(reverse("account_login"))
    return client.cookies["csrftoken"].value


def test_signing_in_without_the_token_is_refused(browser):
    MembershipFactory(role=Role.PARENT, user=UserFactory(username="dawn", totp=False))
    response = browser.post(reverse("account_login"), {"login": "dawn", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session

    token = csrf_token(browser)
    response = browser.post(
        reverse("account_login"),
        {"login": "dawn", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert "_auth_user_id" in browser.session


def test_signing_out_without_the_token_is_refused(browser, senco):
    user, _ = senco
    browser.force_login(user)
    assert browser.post(reverse("account_logout")).status_code == 403
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_exports_and_erasure_without_the_token_are_refused(browser, senco):
    user, school = senco
    pupil = PupilFactory(school=school)
    browser.force_login(user)
    export = reverse("pupil_sar_export", args=[school.urn, pupil.pk])
    erase = reverse("pupil_erase", args=[school.urn, pupil.pk])
    assert browser.post(export).status_code == 403
    assert browser.post(erase, {"confirm_upn": pupil.upn, "reason": "x"}).status_code == 403
    pupil.refresh_from_db()
    assert not is_erased(pupil)
    assert not AuditEvent.objects.filter(action=AuditAction.SAR_EXPORT).exists()


def test_no_get_changes_state(client, senco):
    user, school = senco
    pupil = PupilFactory(school=school)
    client.force_login(user)
    for url in (
        reverse("account_logout"),
        reverse("pupil_sar_export", args=[school.urn, pupil.pk]),
        reverse("pupil_erase", args=[school.urn, pupil.pk]),
    ):
        assert client.get(url).status_code == 405, url
    assert client.session["_auth_user_id"] == str(user.pk)
    pupil.refresh_from_db()
    assert not is_erased(pupil)
    assert not AuditEvent.objects.filter(action=AuditAction.SAR_EXPORT).exists()
