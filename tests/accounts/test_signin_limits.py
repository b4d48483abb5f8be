"""Sign-in limits: failed attempts slowed down per account and per address, without anyone
being able to lock a user out of a device they have signed in on before.

A school's staff share one public address: someone there guessing passwords must not stop
everyone else from signing in, and someone guessing one teacher's password from anywhere must
not stop that teacher signing in on their own laptop.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from provmap.accounts import known_devices
from provmap.accounts.known_devices import COOKIE_NAME
from provmap.accounts.models import AuditAction, AuditEvent, Role, User
from provmap.accounts.signin_limits import _address
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    totp_code,
)

pytestmark = pytest.mark.django_db

SCHOOL_ADDRESS = "203.0.113.7"
HELD_UP = "Try again after"
ACCOUNT_HELD_UP = "Too many failed attempts to sign in to this account."
ADDRESS_HELD_UP = "Too many failed sign-in attempts have come from your network"
DEVICE_HELD_UP = "Too many failed attempts to sign in to this account on this device."
CODES_HELD_UP = "Too many wrong codes."


@pytest.fixture
def school():
    return SchoolFactory(name="Oakfield Academy")


@pytest.fixture
def parent(school) -> User:
    """A parent without an authenticator: the right password alone signs them in."""
    member = MembershipFactory(
        role=Role.PARENT, school=school, user=UserFactory(username="dawn", totp=False)
    )
    member.children.add(PupilFactory(school=school))
    return member.user


@pytest.fixture
def teacher(school) -> User:
    """A teacher with an authenticator app, as every member of staff has."""
    return MembershipFactory(
        role=Role.TEACHER, school=school, user=UserFactory(username="sam")
    ).user


def attempt(browser: Client, username: str, password: str) -> str:
    """Post the sign-in form from `browser`; the page's text when it shows the form again."""
    response = browser.post(reverse("account_login"), {"login": username, "password": password})
    return response.content.decode() if response.status_code == 200 else ""


def attempt_from(address: str, username: str, password: str) -> tuple[Client, str]:
    """One attempt from a browser never used before, at `address`."""
    browser = Client(REMOTE_ADDR=address)
    return browser, attempt(browser, username, password)


def signed_in(browser: Client) -> bool:
    return "_auth_user_id" in browser.session


def sign_out(browser: Client) -> None:
    browser.post(reverse("account_logout"))
    assert not signed_in(browser)


def known_device(username: str, address: str = SCHOOL_ADDRESS) -> Client:
    """A browser at `address` where `username` (a parent: no second step) has signed in
    before, and signed out since."""
    browser, _ = attempt_from(address, username, PASSWORD)
    assert signed_in(browser)
    sign_out(browser)
    return browser


def fail_from_many_addresses(username: str, failures: int) -> None:
    """Someone guessing `username`'s password from several addresses, four tries at each (not
    enough to slow down any one address)."""
    for number in range(failures):
        attempt_from(f"198.51.100.{number // 4 + 1}", username, "wrong-password")


# --- Per account and address, for devices not known ---------------------------------------


def test_five_wrong_passwords_slow_down_that_username_from_that_address(parent):
    for _ in range(5):
        browser, page = attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
        assert HELD_UP not in page
        assert not signed_in(browser)

    _, page = attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    assert ACCOUNT_HELD_UP in page
    # Even the right password waits at that address...
    browser, page = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert ACCOUNT_HELD_UP in page
    assert not signed_in(browser)
    # ...but not at another.
    browser, page = attempt_from("198.51.100.20", "dawn", PASSWORD)
    assert signed_in(browser)


def test_the_slow_down_passes_after_five_minutes(parent, monkeypatch):
    for _ in range(6):
        attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    browser, page = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert HELD_UP not in page
    assert signed_in(browser)


def test_a_right_password_does_not_wipe_the_count_of_wrong_ones(parent):
    for _ in range(4):
        attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    browser, _ = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert signed_in(browser)
    attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    _, page = attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    assert ACCOUNT_HELD_UP in page


def test_guessing_one_account_from_many_addresses_is_slowed_down(parent):
    fail_from_many_addresses("dawn", 20)
    browser, page = attempt_from("192.0.2.99", "dawn", PASSWORD)
    assert ACCOUNT_HELD_UP in page
    assert not signed_in(browser)


def test_one_address_guessing_many_usernames_is_slowed_down(parent):
    for number in range(20):
        _, page = attempt_from("192.0.2.44", f"guess{number}", "password123456")
        assert HELD_UP not in page
    browser, page = attempt_from("192.0.2.44", "dawn", PASSWORD)
    assert ADDRESS_HELD_UP in page
    assert "A computer or phone you have signed in on before is not held up" in page
    assert not signed_in(browser)
    # Everyone else carries on.
    browser, _ = attempt_from("192.0.2.45", "dawn", PASSWORD)
    assert signed_in(browser)


def test_a_flood_of_empty_forms_does_not_hold_a_school_up(parent):
    # Posts that check no password cost nothing and count for nothing.
    browser = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
    for _ in range(70):
        browser.post(reverse("account_login"), {"login": "", "password": ""})
    browser, _ = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert signed_in(browser)


def test_sign_ins_of_any_kind_are_capped_per_address_except_on_known_devices(parent):
    laptop = known_device("dawn")
    # Even right passwords: someone trying a list of leaked passwords gets some right.
    for _ in range(59):
        browser, _ = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
        assert signed_in(browser)
    browser, page = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert "So many sign-in attempts have come from your network" in page
    assert not signed_in(browser)
    attempt(laptop, "dawn", PASSWORD)
    assert signed_in(laptop)


def test_the_message_says_when_to_try_again(parent):
    started = time.time()
    for _ in range(5):
        attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    finished = time.time()
    _, page = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)

    shown = re.search(r"Try again after (\d\d:\d\d) \(in about (\d+) minutes\)", page)
    assert shown, page
    # The time shown is rounded up to the minute: it is never too early.
    possible = {
        timezone.localtime(dt.datetime.fromtimestamp(math.ceil(at / 60) * 60, tz=dt.UTC)).strftime(
            "%H:%M"
        )
        for at in (started + 300, finished + 300)
    }
    assert shown.group(1) in possible
    assert shown.group(2) == "5"
    assert "reset your password" in page


# --- Known devices ----------------------------------------------------------------------------


def test_a_known_device_signs_in_while_its_address_is_held_up(parent):
    laptop = known_device("dawn")
    # Someone at the school's address guesses many usernames: the address is held up.
    for number in range(25):
        attempt_from(SCHOOL_ADDRESS, f"guess{number}", "password123456")
    browser, page = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert ADDRESS_HELD_UP in page and not signed_in(browser)

    page = attempt(laptop, "dawn", PASSWORD)
    assert HELD_UP not in page
    assert signed_in(laptop)


def test_a_known_device_signs_in_while_the_account_is_held_up_elsewhere(parent):
    laptop = known_device("dawn", "192.0.2.10")
    fail_from_many_addresses("dawn", 30)
    _, page = attempt_from("192.0.2.10", "dawn", PASSWORD)
    assert ACCOUNT_HELD_UP in page

    attempt(laptop, "dawn", PASSWORD)
    assert signed_in(laptop)


def test_a_device_is_known_for_its_own_account_only(parent, school):
    MembershipFactory(role=Role.PARENT, school=school, user=UserFactory(username="eve", totp=False))
    shared = known_device("dawn")
    for number in range(25):
        attempt_from(SCHOOL_ADDRESS, f"guess{number}", "password123456")
    page = attempt(shared, "eve", PASSWORD)
    assert ADDRESS_HELD_UP in page
    assert not signed_in(shared)


def test_the_device_is_remembered_only_after_the_whole_sign_in(teacher, settings):
    browser = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
    attempt(browser, "sam", PASSWORD)
    # The password was right; the code is still to come.
    assert COOKIE_NAME not in browser.cookies
    browser.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert COOKIE_NAME not in browser.cookies

    settings.SESSION_COOKIE_SECURE = True
    browser.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert signed_in(browser)
    cookie = browser.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] is True
    assert int(cookie["max-age"]) >= 180 * 24 * 3600
    # The cookie names the account by a keyed hash, not by its username.
    held = json.dumps(signing.loads(cookie.value, salt=known_devices.SALT))
    assert "sam" not in held

    sign_out(browser)
    assert browser.cookies[COOKIE_NAME].value == cookie.value


def test_the_cookie_follows_the_settings_on_plain_http(parent):
    browser, _ = attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    assert browser.cookies[COOKIE_NAME]["secure"] == ""


def test_a_forged_or_altered_cookie_counts_for_nothing(parent):
    laptop = known_device("dawn")
    value = laptop.cookies[COOKIE_NAME].value
    for number in range(25):
        attempt_from(SCHOOL_ADDRESS, f"guess{number}", "password123456")
    for forged in ("dawn", value[:-2] + ("AA" if not value.endswith("AA") else "BB")):
        browser = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
        browser.cookies[COOKIE_NAME] = forged
        page = attempt(browser, "dawn", PASSWORD)
        assert ADDRESS_HELD_UP in page
        assert not signed_in(browser)


def test_one_browser_remembers_several_accounts(parent, school):
    MembershipFactory(role=Role.PARENT, school=school, user=UserFactory(username="eve", totp=False))
    shared = known_device("dawn")
    attempt(shared, "eve", PASSWORD)
    sign_out(shared)
    for number in range(25):
        attempt_from(SCHOOL_ADDRESS, f"guess{number}", "password123456")
    for username in ("dawn", "eve"):
        attempt(shared, username, PASSWORD)
        assert signed_in(shared), username
        sign_out(shared)


def test_a_known_device_has_a_limit_of_its_own(parent):
    laptop = known_device("dawn", "192.0.2.10")
    phone = known_device("dawn", "192.0.2.11")
    for _ in range(10):
        assert DEVICE_HELD_UP not in attempt(laptop, "dawn", "wrong-password")
    page = attempt(laptop, "dawn", PASSWORD)
    assert DEVICE_HELD_UP in page and HELD_UP in page
    assert not signed_in(laptop)
    # Someone with one stolen cookie holds up that device only: not the user's other known
    # devices, nor a new one.
    attempt(phone, "dawn", PASSWORD)
    assert signed_in(phone)
    browser, _ = attempt_from("192.0.2.12", "dawn", PASSWORD)
    assert signed_in(browser)


def test_known_devices_together_have_a_generous_ceiling(parent):
    devices = [known_device("dawn", f"192.0.2.{number}") for number in range(1, 7)]
    for device in devices[:5]:
        for _ in range(10):
            attempt(device, "dawn", "wrong-password")
    page = attempt(devices[5], "dawn", PASSWORD)
    assert "Too many failed attempts to sign in to this account" in page
    assert not signed_in(devices[5])


def test_a_new_password_forgets_the_known_devices_and_the_failures(parent, mailoutbox):
    laptop = known_device("dawn", "192.0.2.10")
    fail_from_many_addresses("dawn", 20)

    parent.email = "dawn@example.org"
    parent.save()
    browser = Client(REMOTE_ADDR="192.0.2.20")
    browser.post(reverse("account_reset_password"), {"email": "dawn@example.org"})
    link = next(word for word in mailoutbox[0].body.split() if "/password/reset/key/" in word)
    form = browser.get(link, follow=True)
    new_password = "a-brand-new-long-passphrase"
    browser.post(form.redirect_chain[-1][0], {"password1": new_password, "password2": new_password})

    # The account's failures are forgotten: the new password works from a new device...
    browser, _ = attempt_from("192.0.2.21", "dawn", new_password)
    assert signed_in(browser)
    sign_out(browser)
    # ...and a device known under the old password is known no more.
    for number in range(25):
        attempt_from("192.0.2.10", f"guess{number}", "password123456")
    page = attempt(laptop, "dawn", new_password)
    assert ADDRESS_HELD_UP in page


# --- The second step --------------------------------------------------------------------------


def test_wrong_codes_are_limited_without_holding_up_the_known_device(teacher):
    laptop = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
    attempt(laptop, "sam", PASSWORD)
    laptop.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert signed_in(laptop)
    sign_out(laptop)

    # Someone who has the password, on another device, guesses codes.
    thief = Client(REMOTE_ADDR="192.0.2.66")
    attempt(thief, "sam", PASSWORD)
    for _ in range(5):
        page = thief.post(reverse("mfa_authenticate"), {"code": "000000"}).content.decode()
        assert CODES_HELD_UP not in page
    page = thief.post(reverse("mfa_authenticate"), {"code": totp_code(step=1)}).content.decode()
    assert CODES_HELD_UP in page and HELD_UP in page
    assert not signed_in(thief)

    attempt(laptop, "sam", PASSWORD)
    laptop.post(reverse("mfa_authenticate"), {"code": totp_code(step=1)})
    assert signed_in(laptop)


def test_wrong_codes_are_limited_when_asked_again_while_signed_in(teacher):
    browser = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
    attempt(browser, "sam", PASSWORD)
    browser.post(reverse("mfa_authenticate"), {"code": totp_code()})
    for _ in range(5):
        page = browser.post(reverse("mfa_reauthenticate"), {"code": "000000"}).content.decode()
        assert CODES_HELD_UP not in page
    response = browser.post(reverse("mfa_reauthenticate"), {"code": totp_code(step=1)})
    assert CODES_HELD_UP in response.content.decode()


# --- The audit trail --------------------------------------------------------------------------


def test_a_refusal_is_recorded_once_a_minute(parent, school):
    for _ in range(5):
        attempt_from(SCHOOL_ADDRESS, "dawn", "wrong-password")
    for _ in range(3):
        attempt_from(SCHOOL_ADDRESS, "dawn", PASSWORD)
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_THROTTLED)
    assert event.school == school and event.user is None
    assert event.details["username"] == "dawn"
    assert event.ip == SCHOOL_ADDRESS
    assert "5 failed sign-ins in 5 minutes" in event.summary


def test_a_refusal_at_the_second_step_is_recorded(teacher, school):
    browser = Client(REMOTE_ADDR=SCHOOL_ADDRESS)
    attempt(browser, "sam", PASSWORD)
    for _ in range(6):
        browser.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert AuditEvent.objects.filter(action=AuditAction.MFA_FAILED).count() == 5
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_THROTTLED)
    assert event.school == school and event.details["username"] == "sam"
    assert "code" in event.summary


def test_an_ipv6_address_counts_by_its_slash_64_network(rf):
    """A household or office is given a whole /64: its addresses count as one."""
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::10")
    same_network = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::1")
    other_network = rf.get("/", REMOTE_ADDR="2001:db8:1:3::10")
    assert _address(one) == _address(same_network) == "2001:db8:1:2::"
    assert _address(other_network) != _address(one)
    assert _address(rf.get("/", REMOTE_ADDR="192.0.2.7")) == "192.0.2.7"


def test_a_browser_remembers_the_ten_accounts_signed_in_on_it_most_recently(rf, monkeypatch):
    from django.http import HttpResponse

    users = [UserFactory() for _ in range(known_devices.MAX_ACCOUNTS + 1)]
    cookies: dict[str, str] = {}
    now = time.time()
    for offset, user in enumerate(users):
        request = rf.get("/")
        request.COOKIES.update(cookies)
        response = HttpResponse()
        # One sign-in a second apart, so that which is the oldest is clear.
        monkeypatch.setattr(time, "time", lambda offset=offset: now + offset)
        known_devices.remember(request, response, user)
        cookies = {known_devices.COOKIE_NAME: response.cookies[known_devices.COOKIE_NAME].value}
    request = rf.get("/")
    request.COOKIES.update(cookies)
    known = [known_devices.device_for(request, user) is not None for user in users]
    # The first account to sign in here is the one forgotten.
    assert known == [False] + [True] * known_devices.MAX_ACCOUNTS
