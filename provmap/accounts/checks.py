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
    errors = []
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


def register() -> None:
    for check in (demo_switched_off, shared_cache, email_configured):
        checks.register(check, checks.Tags.security, deploy=True)
