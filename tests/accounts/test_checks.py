"""`manage.py check --deploy` with production settings reports nothing; the demo switches and
a per-process cache are reported (and production with a demo switch does not start)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check_deploy(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROVMAP_", "DJANGO_")) and key not in {"DEBUG", "SECURE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "provmap.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "provmap.example.org",
            "EMAIL_HOST": "smtp.example.org",
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    # Production sits behind a proxy that ends TLS (SECURE trusts its X-Forwarded-Proto).
    result = check_deploy(TRUSTED_PROXY_COUNT="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_proxy_whose_forwarded_address_is_not_trusted_is_reported():
    # SECURE reads X-Forwarded-Proto from a proxy, yet the client's address would be the
    # proxy's: every sign-in would seem to come from one address.
    result = check_deploy()
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "provmap.W003" in output
    assert "TRUSTED_PROXY_COUNT is 0" in output


def test_the_proxy_check_reads_the_settings_that_suggest_a_proxy(settings):
    from provmap.accounts.checks import trusted_proxies

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.USE_X_FORWARDED_HOST = False
    assert trusted_proxies() == []
    settings.USE_X_FORWARDED_HOST = True
    assert [message.id for message in trusted_proxies()] == ["provmap.W003"]
    settings.USE_X_FORWARDED_HOST = False
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert [message.id for message in trusted_proxies()] == ["provmap.W003"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert trusted_proxies() == []


@pytest.mark.parametrize(
    ("variable", "code"),
    [("PROVMAP_DEMO", "provmap.E001"), ("PROVMAP_DEMO_SKIP_MFA", "provmap.E002")],
)
def test_the_demo_switches_fail_the_deployment_checks(variable, code):
    # With DEBUG off the settings refuse to load at all (tests/test_settings.py); a demo
    # machine (DEBUG on) that someone checks before opening it up is still told.
    result = check_deploy(**{variable: "1", "DEBUG": "1"})
    assert result.returncode != 0
    assert code in result.stdout + result.stderr


@pytest.mark.parametrize("variable", ["PROVMAP_DEMO", "PROVMAP_DEMO_SKIP_MFA"])
def test_production_with_a_demo_switch_does_not_even_start(variable):
    result = check_deploy(**{variable: "1"})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable} is on while DEBUG is off" in result.stderr


def test_lost_password_emails_are_reported():
    result = check_deploy(EMAIL_HOST="")
    assert "provmap.W002" in result.stdout + result.stderr


def test_production_hashes_passwords_with_argon2():
    # The test settings swap in a fast hasher; the real settings module keeps Argon2 first.
    from provmap import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    names = [
        validator["NAME"].rsplit(".", 1)[1] for validator in production.AUTH_PASSWORD_VALIDATORS
    ]
    assert "CommonPasswordValidator" in names
    assert production.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12
