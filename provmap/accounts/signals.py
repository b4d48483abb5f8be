"""Bookkeeping at sign-in, connected in AccountsConfig.ready: the session's sign-in time (for
the absolute time-out) and the audit trail of sign-ins and failed attempts."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from provmap.accounts.audit import audit_record
from provmap.accounts.middleware import SESSION_AUTH_AT, SESSION_SEEN_AT
from provmap.accounts.models import AuditAction, User


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    now = time.time()
    if hasattr(request, "session"):
        request.session[SESSION_AUTH_AT] = now
        request.session[SESSION_SEEN_AT] = now
    audit_record(request, AuditAction.LOGIN, actor=user)


def on_user_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked anything that looks like a password in `credentials`.
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:150]
    audit_record(
        request,
        AuditAction.LOGIN_FAILED,
        summary=f"Sign-in failed for the username {attempted!r}.",
        details={"username": attempted},
    )
