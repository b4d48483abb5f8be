"""How provmap bends django-allauth to a school's needs.

- Nobody signs up: schools create the accounts.
- Failed sign-ins are counted per username *at one IP address* (allauth counts per
  username everywhere), so someone guessing a teacher's password from elsewhere cannot lock
  the teacher out of their own computer. The per-IP limits still slow the guesser down.
- Signing out ends every session the user has, on every device.
- A person who must use two-factor sign-in cannot switch it off.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from provmap.accounts.permissions import requires_mfa


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's hook for the key of the "login_failed" rate limit (see the module note).
        login = str(credentials.get("username") or credentials.get("email") or "").lower()
        return f"{login}@{self.get_client_ip(request)}"

    def logout(self, request: HttpRequest) -> None:
        # Imported here: services imports models that need the app registry ready.
        from provmap.accounts.audit import audit_sign_in
        from provmap.accounts.models import AuditAction
        from provmap.accounts.services import user_end_sessions

        user = request.user
        if user.is_authenticated:
            audit_sign_in(request, AuditAction.LOGOUT, account=user, actor=user)
            # Every device, this one included (Django then flushes this one's data).
            user_end_sessions(user=user)
        super().logout(request)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        return not requires_mfa(authenticator.user)
