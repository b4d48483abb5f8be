"""Sign-in limits: failed attempts slowed down per account and per address, without letting
anyone lock a user out of a device they have signed in on before (docs/decisions.md, 17).

Each attempt (a password, or a code at the second step) first takes a place in every limit
that applies to it. A limit allows so many attempts in a rolling window; when any is full the
attempt is refused without checking anything, and the user is told when to try again. A
successful attempt gives its places back, so only failures count (except the plain count of
attempts per address, which also slows down anyone trying lists of leaked passwords).

Which limits apply depends on the browser:
- an *unknown device* (no known-device cookie for this account, see known_devices) counts
  against its address (20 failures a minute, 200 an hour, 60 attempts a minute), the
  account at that address (5 failures in 5 minutes) and the account from every unknown
  device (20 an hour);
- a *known device* counts against that account on that device (10 failures in 15 minutes)
  and the account on all its known devices together (50 an hour); never against an address
  or the unknown devices' count. Someone who has stolen nothing cannot add to these counts,
  so they cannot hold the user up on a device the user has signed in on before. Someone who
  copies one browser's cookie (a shared computer) holds up that browser only: 10 failures in
  15 minutes is at most 40 an hour, below the ceiling of 50 the other known devices share.
- the second step (an authenticator or recovery code) allows 5 wrong codes in 5 minutes for
  the account on unknown devices, and the same on each known device apart.

Counts live in the default cache, which every server process shares (the database cache in
production), as lists of times guarded by a short lock. Nothing is ever locked for longer
than the window of the limit that is full; a password reset forgets the account's counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from provmap.accounts import known_devices
from provmap.accounts.audit import account_named, audit_sign_in, client_ip
from provmap.accounts.models import AuditAction, User

# What the user is told, by what is held up. Every message says when to try again.
ADDRESS = (
    "Too many failed sign-in attempts have come from your network (a whole school often "
    "shares one), so signing in from it is paused. Try again after {time} ({wait}). A "
    "computer or phone you have signed in on before is not held up."
)
ADDRESS_BUSY = (
    "So many sign-in attempts have come from your network in the last minute (a whole school "
    "often shares one) that signing in from it is paused. Try again after {time} ({wait}). A "
    "computer or phone you have signed in on before is not held up."
)
ACCOUNT = (
    "Too many failed attempts to sign in to this account. Try again after {time} ({wait}), "
    "or reset your password if you have forgotten it."
)
DEVICE = (
    "Too many failed attempts to sign in to this account on this device. Try again after "
    "{time} ({wait})."
)
CODES = (
    "Too many wrong codes. Try again after {time} ({wait}). If the codes keep being refused, "
    "check that the clock of the phone with the app is right, or use a recovery code."
)


@dataclass(frozen=True)
class Limit:
    name: str
    amount: int
    seconds: int
    counted: str  # for the audit trail: "failed sign-ins"
    scope: str  # "from this address"
    message: str
    # Successful attempts give their place back, unless the limit counts every attempt.
    failures_only: bool = True

    def describe(self) -> str:
        """As the audit trail names it: 5 failed sign-ins in 5 minutes for this account from
        this address."""
        minutes = self.seconds // 60
        window = {1: "a minute", 60: "an hour"}.get(minutes, f"{minutes} minutes")
        return f"{self.amount} {self.counted} in {window} {self.scope}"


FAILED = "failed sign-ins"
# Unknown devices.
ADDRESS_ATTEMPTS = Limit(
    "address-attempts", 60, 60, "sign-in attempts", "from this address", ADDRESS_BUSY, False
)
ADDRESS_MINUTE = Limit("address-minute", 20, 60, FAILED, "from this address", ADDRESS)
ADDRESS_HOUR = Limit("address-hour", 200, 3600, FAILED, "from this address", ADDRESS)
ACCOUNT_AT_ADDRESS = Limit(
    "account-at-address", 5, 300, FAILED, "for this account from this address", ACCOUNT
)
ACCOUNT_ANYWHERE = Limit(
    "account", 20, 3600, FAILED, "for this account on devices it has not signed in on", ACCOUNT
)
# Known devices.
ON_DEVICE = Limit("device", 10, 900, FAILED, "for this account on this known device", DEVICE)
KNOWN_DEVICES = Limit(
    "known-devices", 50, 3600, FAILED, "for this account on its known devices", ACCOUNT
)
# The second step: one limit, per account on unknown devices and per device on known ones.
CODES_LIMIT = Limit("codes", 5, 300, "wrong codes", "for this account", CODES)

LOCK_SECONDS = 10
LOCK_WAIT_SECONDS = 1.0


def _key(limit: Limit, subject: str) -> str:
    # Subjects carry usernames and addresses: hashed, so cache keys are short and safe.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:40]
    return f"provmap:signin:{limit.name}:{digest}"


def _address(request: HttpRequest) -> str:
    """The client's address (through TRUSTED_PROXY_COUNT proxies); an IPv6 address by its
    /64 network, which one household or office is given whole."""
    ip = client_ip(request) or "unknown"
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return ip


@contextmanager
def _locked(key: str) -> Iterator[bool]:
    """Hold a short lock on one count across processes (cache.add is atomic)."""
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.005
    while not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    try:
        yield True
    finally:
        cache.delete(lock)


@dataclass
class Taken:
    key: str
    at: float
    limit: Limit


@dataclass
class Attempt:
    """The places one attempt took; give them back when it succeeds."""

    taken: list[Taken] = field(default_factory=list)

    def succeeded(self) -> None:
        for place in self.taken:
            if place.limit.failures_only:
                _give_back(place)
        self.taken = []

    def withdraw(self) -> None:
        for place in self.taken:
            _give_back(place)
        self.taken = []


def _take(limit: Limit, key: str, now: float) -> float | None:
    """Take a place in `limit` under `key`: None when taken, else when one frees up."""
    with _locked(key) as locked:
        if not locked:
            # Contention on one count for a whole second: refuse this one attempt briefly
            # rather than count it wrongly.
            return now + 60
        times = [at for at in cache.get(key, []) if at > now - limit.seconds]
        if len(times) >= limit.amount:
            times.sort()
            return times[len(times) - limit.amount] + limit.seconds
        times.append(now)
        cache.set(key, times, limit.seconds)
        return None


def _give_back(place: Taken) -> None:
    with _locked(place.key) as locked:
        if not locked:
            return  # the count stays one higher until its window passes: stricter, not looser
        times = cache.get(place.key, [])
        if place.at in times:
            times.remove(place.at)
            cache.set(place.key, times, place.limit.seconds)


class SignInRefused(ValidationError):
    """An attempt refused by a limit; its message says when to try again."""


def _when(retry_at: float, now: float) -> dict[str, str]:
    # Rounded up to the minute: the time shown is never too early.
    shown = math.ceil(retry_at / 60) * 60
    local = timezone.localtime(dt.datetime.fromtimestamp(shown, tz=dt.UTC))
    minutes = max(1, round((retry_at - now) / 60))
    wait = "in about a minute" if minutes == 1 else f"in about {minutes} minutes"
    return {"time": local.strftime("%H:%M"), "wait": wait}


def _apply(
    request: HttpRequest,
    rules: list[tuple[Limit, str]],
    *,
    username: str,
    account: User | None,
    step: str,
) -> Attempt:
    now = time.time()
    attempt = Attempt()
    refusals: list[tuple[float, Limit, str]] = []
    for limit, subject in rules:
        key = _key(limit, subject)
        retry_at = _take(limit, key, now)
        if retry_at is None:
            attempt.taken.append(Taken(key, now, limit))
        else:
            refusals.append((retry_at, limit, key))
    if not refusals:
        return attempt
    # A refused attempt checks nothing, so it counts for nothing.
    attempt.withdraw()
    retry_at, limit, key = max(refusals, key=lambda refusal: refusal[0])
    when = _when(retry_at, now)
    _record_refusal(
        request, limit, key, username=username, account=account, step=step, until=when["time"]
    )
    raise SignInRefused(limit.message.format(**when), code="too_many_login_attempts")


def _record_refusal(
    request: HttpRequest,
    limit: Limit,
    key: str,
    *,
    username: str,
    account: User | None,
    step: str,
    until: str,
) -> None:
    """One audit event a minute for each count that is full: someone hammering the form
    must not fill the trail (nor the database) with a row per refusal."""
    if not cache.add(f"{key}:recorded", 1, timeout=60):
        return
    if account is None:
        account = account_named(username)
    audit_sign_in(
        request,
        AuditAction.LOGIN_THROTTLED,
        account=account,
        summary=f"Sign-in refused for {username!r} at the {step}: {limit.describe()}; "
        f"possible again after {until}.",
        details={"username": username, "limit": limit.name, "step": step, "until": until},
    )


def password_attempt(request: HttpRequest, login: str) -> Attempt:
    """Before a password is checked: take this attempt's places, or raise SignInRefused
    (recorded in the audit trail) when a limit is full. Call `succeeded()` on the result
    when the password was right."""
    login = login.strip().lower()
    # Only a browser with a known-device cookie needs the account looked up.
    account = account_named(login) if request.COOKIES.get(known_devices.COOKIE_NAME) else None
    device = known_devices.device_for(request, account)
    if account is not None and device is not None:
        rules = [(ON_DEVICE, f"{account.pk}:{device}"), (KNOWN_DEVICES, str(account.pk))]
    else:
        address = _address(request)
        rules = [
            (ADDRESS_ATTEMPTS, address),
            (ADDRESS_MINUTE, address),
            (ADDRESS_HOUR, address),
            (ACCOUNT_AT_ADDRESS, f"{login}@{address}"),
            # Keyed by the name typed, so that a username that is no one's behaves the same.
            (ACCOUNT_ANYWHERE, login),
        ]
    return _apply(request, rules, username=login, account=account, step="password step")


def code_attempt(request: HttpRequest, user: User) -> Attempt:
    """Before a code of the second step is checked, as `password_attempt`."""
    device = known_devices.device_for(request, user)
    subject = f"{user.pk}:{device}" if device else str(user.pk)
    return _apply(
        request,
        [(CODES_LIMIT, subject)],
        username=user.username,
        account=user,
        step="second step",
    )


def forget_account(user: User) -> None:
    """After a password reset: forget the account's failures on unknown devices and its wrong
    codes. (Its known devices are unknown again anyway: the cookie's hash holds the old
    password.) What each address did is kept."""
    cache.delete_many(
        [
            _key(ACCOUNT_ANYWHERE, user.username.lower()),
            _key(KNOWN_DEVICES, str(user.pk)),
            _key(CODES_LIMIT, str(user.pk)),
        ]
    )
