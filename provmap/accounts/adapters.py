"""How provmap bends django-allauth to a school's needs.

- Nobody signs up: schools create the accounts.
- Failed sign-ins are limited by provmap.accounts.signin_limits rather than allauth's own
  limits, which count per address whoever is signing in: a whole school shares one public
  address, and one person there guessing passwords would stop everyone signing in. Ours
  spare a browser where the account has signed in before (provmap.accounts.known_devices),
  which gets its cookie here, after the whole sign-in.
- Signing out ends every session the user has, on every device.
- A person who must use two-factor sign-in cannot switch it off.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse

from provmap.accounts import known_devices
from provmap.accounts.permissions import requires_mfa
from provmap.accounts.signin_limits import password_attempt


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth calls this before checking a password (signing in, or asked again while
        # signed in); it raises a ValidationError the form shows when a limit is full.
        login = str(credentials.get("username") or credentials.get("email") or "")
        self._signin_attempt = password_attempt(request, login)

    def _rollback_login_failed_rl_usage(self) -> None:
        # allauth's hook for a right password: it gives the attempt's places back.
        attempt = getattr(self, "_signin_attempt", None)
        if attempt is not None:
            attempt.succeeded()

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        # Called once the whole sign-in is done: the password, then the code where the
        # account has an authenticator. Only then is this browser a known device.
        response = super().post_login(request, user, **kwargs)
        known_devices.remember(request, response, user)
        return response

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
