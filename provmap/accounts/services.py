"""Writes about accounts: ending sessions and deactivating a user. Views, commands and any
future staff-management page call these, never set `is_active` by hand."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.http import HttpRequest

from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction, User
from provmap.formatting import counted


def user_end_sessions(*, user: User) -> int:
    """End every session of `user`, on every device; returns how many were ended. Sessions
    are tracked by allauth.usersessions from sign-in onwards."""
    sessions = list(UserSession.objects.filter(user_id=user.pk))
    for session in sessions:
        session.end()  # deletes the session and its UserSession row
    return len(sessions)


@transaction.atomic
def user_deactivate(
    *, user: User, by: User | None = None, request: HttpRequest | None = None
) -> int:
    """Stop `user` signing in and end all their sessions at once; returns the sessions ended.

    Even a session this misses (one started before sessions were tracked) is refused on its
    next request: the authentication backend treats an inactive user as signed out.
    """
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_end_sessions(user=user)
    audit_record(
        request,
        AuditAction.CHANGE,
        obj=user,
        summary=f"Deactivated the account {user.username}; {counted(ended, 'session')} ended.",
        actor=by,
    )
    return ended
