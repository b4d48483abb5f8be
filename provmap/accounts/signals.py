"""Bookkeeping at sign-in, connected in AccountsConfig.ready: the session's sign-in time (for
the absolute time-out), the audit trail of sign-ins, failed attempts and wrong codes, and
the sign-in limits forgetting an account's failures once its password is reset."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from provmap.accounts.audit import account_named, audit_sign_in
from provmap.accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from provmap.accounts.models import AuditAction, User
from provmap.accounts.signin_limits import forget_account


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    now = time.time()
    if hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = now
        request.session[SESSION_SEEN_AT] = now
    audit_sign_in(request, AuditAction.LOGIN, account=user, actor=user)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked anything that looks like a password in `credentials`.
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:150]
    audit_sign_in(
        request,
        AuditAction.LOGIN_FAILED,
        account=account_named(attempted),
        summary=f"Sign-in failed for the username {attempted!r}.",
        details={"username": attempted},
    )


def on_mfa_authentication_failed(
    sender: Any,
    request: HttpRequest | None,
    user: User,
    reauthentication: bool = False,
    **kwargs: Any,
) -> None:
    """A wrong code from the authenticator app, or a wrong recovery code (allauth checks both
    in one form and reports the failure once), at sign-in or when asked again while signed
    in. The password was right: worth a SENCO's attention when it happens repeatedly."""
    when = "when asked again while signed in" if reauthentication else "at sign-in"
    audit_sign_in(
        request,
        AuditAction.MFA_FAILED,
        account=user,
        summary=f"Wrong code at the second sign-in step {when} for {user.username!r}.",
        details={"username": user.username, "reauthentication": reauthentication},
    )


def on_password_reset(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """Someone proved they hold the account's email: let the new password be tried at once.
    The new password also makes every device the account knew unknown (known_devices), so
    without this a user reset out of a held-up account could still not sign in anywhere."""
    forget_account(user)
