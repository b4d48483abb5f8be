"""Deployment checks (`manage.py check --deploy`): the settings that would quietly weaken
sign-in in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

LOCAL_ONLY_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def demo_switched_off(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # With DEBUG off the settings already refuse to load with either switch on; this reports
    # them on a machine still in DEBUG that someone checks before opening it up.
    errors: list[checks.CheckMessage] = []
    if settings.PROVMAP_DEMO:
        errors.append(
            checks.Error(
                "PROVMAP_DEMO is on: the sign-in page lists the demo logins.",
                hint="Unset PROVMAP_DEMO in production.",
                id="provmap.E001",
            )
        )
    if settings.PROVMAP_DEMO_SKIP_MFA:
        errors.append(
            checks.Error(
                "PROVMAP_DEMO_SKIP_MFA is on: demo accounts sign in without a second factor.",
                hint="Unset PROVMAP_DEMO_SKIP_MFA (and PROVMAP_DEMO) in production.",
                id="provmap.E002",
            )
        )
    return errors


def shared_cache(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.CACHES["default"]["BACKEND"] in LOCAL_ONLY_CACHES:
        return [
            checks.Warning(
                "The default cache is local to one process: sign-in rate limits would not "
                "hold across server processes.",
                hint="Use the database cache (the default) or another shared cache.",
                id="provmap.W001",
            )
        ]
    return []


def email_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "dummy.EmailBackend")):
        return [
            checks.Warning(
                "Email is not sent anywhere: password-reset messages would be lost.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="provmap.W002",
            )
        ]
    return []


def trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Settings that say requests come through a proxy, with no proxy trusted for the
    client's address: every sign-in would seem to come from the proxy, so the per-address
    limits would count all users as one address and the audit trail would record the
    proxy's address. (A request carrying X-Forwarded-For is also logged at run time, by
    ProxyHeaderWarningMiddleware: this check runs without a request.)"""
    if settings.ALLAUTH_TRUSTED_PROXY_COUNT:
        return []
    signs = [
        name
        for name, value in (
            ("SECURE_PROXY_SSL_HEADER", settings.SECURE_PROXY_SSL_HEADER),
            ("USE_X_FORWARDED_HOST", getattr(settings, "USE_X_FORWARDED_HOST", False)),
        )
        if value
    ]
    if not signs:
        return []
    return [
        checks.Warning(
            f"{' and '.join(signs)} say that requests come through a proxy, but "
            "TRUSTED_PROXY_COUNT is 0: sign-in limits and the audit trail would see the "
            "proxy's address for everyone.",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies in front of provmap "
            "that add X-Forwarded-For (usually 1).",
            id="provmap.W003",
        )
    ]


def register() -> None:
    for check in (demo_switched_off, shared_cache, email_configured, trusted_proxies):
        checks.register(check, checks.Tags.security, deploy=True)
