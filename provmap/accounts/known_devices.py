"""Known devices: browsers where an account has completed a whole sign-in before.

After a whole sign-in (the password and, where the account has one, the authenticator's
code) the browser gets a long-lived cookie, signed with SECRET_KEY, saying that this account
signed in here. A later sign-in attempt for that account from that browser is a *known
device*: it is not held up by what other people do (failed attempts from the same address,
or on the account from elsewhere), only by failures on known devices themselves
(provmap.accounts.signin_limits). A whole school shares one public address, and someone
there guessing passwords must not stop every teacher signing in.

What the cookie holds, and why:
- a random id for the device, so that failures made with one browser's cookie hold up that
  browser only (a pupil on a classroom computer where a teacher once signed in cannot hold
  up the teacher's own laptop);
- for each account that signed in there (the last ten), a keyed hash of the account's id and
  its password hash, with the time it signed in. No username or id in clear, on a computer
  others may use; and a new password (a reset after a suspected break-in) makes every device
  the account knew unknown again, the intruder's included.
No table: the signature is the proof, and what a device knows ends with the cookie.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from provmap.accounts.models import User

COOKIE_NAME = "provmap_known_device"
SALT = "provmap.accounts.known_devices"
# Accounts one browser remembers: a shared staff-room computer, a family's tablet.
MAX_ACCOUNTS = 10


def _lifetime() -> int:
    return settings.PROVMAP_KNOWN_DEVICE_DAYS * 24 * 3600


def account_token(user: User) -> str:
    """Who signed in, as the cookie holds it: a keyed hash of the account's id and its
    current password hash, so it changes when the password does."""
    value = f"{user.pk}:{user.password}"
    return salted_hmac(f"{SALT}.account", value).hexdigest()[:32]


@dataclass
class DeviceCookie:
    device: str
    # account token -> when that account last completed a sign-in here (epoch seconds)
    accounts: dict[str, int] = field(default_factory=dict)


def read(request: HttpRequest) -> DeviceCookie | None:
    """The browser's known-device cookie, or None when it has none or it is not one we
    signed (altered, forged, or older than its lifetime)."""
    raw = request.COOKIES.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=SALT, max_age=_lifetime())
        cookie = DeviceCookie(
            device=str(data["d"]), accounts={str(k): int(v) for k, v in data["a"].items()}
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    oldest = time.time() - _lifetime()
    cookie.accounts = {token: at for token, at in cookie.accounts.items() if at > oldest}
    return cookie


def device_for(request: HttpRequest, user: User | None) -> str | None:
    """The id of this browser when `user` has completed a sign-in on it, else None."""
    if user is None:
        return None
    cookie = read(request)
    if cookie is None or account_token(user) not in cookie.accounts:
        return None
    return cookie.device


def remember(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Call after a whole sign-in: this browser is now a known device for `user`."""
    cookie = read(request) or DeviceCookie(device=secrets.token_urlsafe(16))
    cookie.accounts[account_token(user)] = int(time.time())
    newest = sorted(cookie.accounts.items(), key=lambda item: item[1], reverse=True)
    cookie.accounts = dict(newest[:MAX_ACCOUNTS])
    value = signing.dumps({"d": cookie.device, "a": cookie.accounts}, salt=SALT, compress=True)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=_lifetime(),
        # Like the session cookie: HTTPS only in production, never readable by scripts.
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
