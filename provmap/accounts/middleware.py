"""Middleware that guards every request: response headers, a warning about an untrusted
proxy, session time-outs, two-factor set-up for staff, and each URL's access policy."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import MiddlewareNotUsed, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, ResolverMatch, resolve
from django.utils.cache import add_never_cache_headers

from provmap.accounts.access import enforce_policy, find_school, find_trust
from provmap.accounts.models import User
from provmap.accounts.permissions import remember_memberships, requires_mfa
from provmap.accounts.policies import Rule, policy_for
from provmap.schools.scoping import no_school, school_scope

logger = logging.getLogger(__name__)

# No inline script or style anywhere: htmx is told not to inject its indicator styles.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# Session keys: when this session signed in, and when it last made a request (epoch seconds).
SESSION_AUTH_AT = "provmap_auth_at"
SESSION_SEEN_AT = "provmap_seen_at"
# Seconds between updates of SESSION_SEEN_AT (the idle time-out is this much less exact).
SEEN_AT_GRANULARITY = 60

GetResponse = Callable[[HttpRequest], HttpResponse]


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and no caching of
    anything shown to a signed-in user: pupil data can be on any such page. (Django's own
    settings add nosniff, Referrer-Policy, X-Frame-Options and, in production, HSTS.)"""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's technical error pages (DEBUG only) are styled inline; leave them readable.
        technical = settings.DEBUG and response.status_code >= 400
        if not technical:
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class ProxyHeaderWarningMiddleware:
    """Log once (per server process) that a request came with X-Forwarded-For while
    TRUSTED_PROXY_COUNT is 0. provmap is then most likely behind a proxy it does not trust
    for the client's address, so the sign-in limits and the audit trail see the proxy's
    address for everyone. A line in the server's log, not an audit event: it is about the
    installation, not about anyone's record. Not used at all when a proxy is trusted."""

    def __init__(self, get_response: GetResponse) -> None:
        if settings.ALLAUTH_TRUSTED_PROXY_COUNT:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.warned = False

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.warned and "HTTP_X_FORWARDED_FOR" in request.META:
            self.warned = True
            logger.warning(
                "A request came with X-Forwarded-For but TRUSTED_PROXY_COUNT is 0: provmap "
                "takes the address of the proxy in front of it as the client's, so sign-in "
                "limits and the audit trail see one address for everyone. Set "
                "TRUSTED_PROXY_COUNT to the number of proxies in front of provmap that add "
                "X-Forwarded-For. (Logged once per server process.)"
            )
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sign out a session idle for PROVMAP_SESSION_IDLE_MINUTES, or older than
    PROVMAP_SESSION_ABSOLUTE_HOURS since sign-in however busy. The server-side session
    expiry (SESSION_COOKIE_AGE, renewed when this notes a request's time, at most once a
    minute) enforces the idle limit as well."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        idle_limit = settings.PROVMAP_SESSION_IDLE_MINUTES * 60
        absolute_limit = settings.PROVMAP_SESSION_ABSOLUTE_HOURS * 3600
        signed_in_at = session.setdefault(SESSION_AUTH_AT, now)
        seen_at = session.get(SESSION_SEEN_AT, now)
        if now - seen_at > idle_limit:
            reason = (
                f"You were signed out after {settings.PROVMAP_SESSION_IDLE_MINUTES} minutes "
                "without activity. Sign in again to carry on."
            )
        elif now - signed_in_at > absolute_limit:
            reason = "Your session reached its time limit. Sign in again to carry on."
        else:
            # Written at most once a minute: a session saved on every request costs a write
            # per page for a time-out measured in tens of minutes.
            if now - seen_at >= SEEN_AT_GRANULARITY or SESSION_SEEN_AT not in session:
                session[SESSION_SEEN_AT] = now
            return
        logout(request)
        messages.info(request, reason)


# While a staff member sets up their authenticator, these pages (and only these) stay open.
MFA_SETUP_PAGES = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "mfa_reauthenticate", "account_logout"}
)


def must_set_up_mfa(user: User) -> bool:
    """A staff, governor or trust account without a TOTP authenticator. Demo accounts are
    let off only where the installation allows it (PROVMAP_DEMO_SKIP_MFA)."""
    if settings.PROVMAP_DEMO_SKIP_MFA and user.is_demo:
        return False
    return requires_mfa(user) and not is_mfa_enabled(user, [Authenticator.Type.TOTP])


def _resolved(request: HttpRequest) -> ResolverMatch | None:
    """The URL's match, worked out once for both of ours that run before the view (Django
    resolves again for the view itself: its own match is set only after every middleware's
    `__call__` has begun)."""
    if not hasattr(request, "_provmap_match"):
        try:
            match: ResolverMatch | None = resolve(request.path_info)
        except Resolver404:
            match = None
        request._provmap_match = match  # type: ignore[attr-defined]
    return request._provmap_match  # type: ignore[attr-defined]


class MFARequiredMiddleware:
    """Send anyone who must use two-factor sign-in and has not set it up to the TOTP set-up
    page; nothing else opens until they have (sign-out aside). Decided before any access
    check, so that such a user learns nothing of which pages their role would open."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            remember_memberships(request.user)
            match = _resolved(request)
            if match and match.view_name not in MFA_SETUP_PAGES and must_set_up_mfa(request.user):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class AccessPolicyMiddleware:
    """The one place access is decided: apply the URL's policy (provmap.accounts.policies)
    before its view runs, hand the view what was found as `request.access` (the school, the
    user's scope, the pupil the URL names) and run the whole request inside that school's
    query scope (provmap.schools.scoping), so that any query of another school's rows, or of
    a school's rows on a page that names no school, finds nothing or raises.

    A URL without a policy is refused (403): a page cannot be let through by forgetting."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # `access` is ours, not HttpRequest's (views read it through SchoolRequest).
        request.access = None  # type: ignore[attr-defined]
        match = _resolved(request)
        if match is None:
            with no_school():
                return self.get_response(request)
        policy = policy_for(match.view_name)
        if policy is None:
            logger.error("Refused %r: its URL has no access policy", match.view_name)
            raise PermissionDenied
        if policy.rule not in (Rule.PUBLIC, Rule.GUEST) and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if policy.rule == Rule.TRUST:
            assert isinstance(request.user, User)
            request.trust = find_trust(  # type: ignore[attr-defined]
                request.user, match.kwargs.get("trust_id")
            )
            with no_school():
                return self.get_response(request)
        if not policy.school_scoped:
            with no_school():
                return self.get_response(request)
        user = request.user
        # School rules are never public: the sign-in check above let only a user through.
        assert isinstance(user, User)
        school = find_school(user, str(match.kwargs.get("urn", "")))
        with school_scope(school):
            request.access = enforce_policy(  # type: ignore[attr-defined]
                policy, user, school, match.kwargs
            )
            return self.get_response(request)
