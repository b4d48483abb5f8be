"""The settings refuse to start production with a demo switch on or on the development key:
each case imports the settings module in a fresh interpreter with its own environment."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEV_KEY = "provmap-local-development-key-not-for-production-use-0123456789"
REFUSED = "django.core.exceptions.ImproperlyConfigured"


def import_settings(
    module: str = "provmap.settings", **environ: str
) -> subprocess.CompletedProcess:
    """Import `module` in a new interpreter with only `environ` set of what provmap reads."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PROVMAP_", "DJANGO_"))
        and key not in {"DEBUG", "SECURE", "SECRET_KEY", "TRUSTED_PROXY_COUNT"}
    }
    env.update(environ)
    code = f"import {module} as s; print('DEMO', s.PROVMAP_DEMO, s.PROVMAP_DEMO_SKIP_MFA)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusal(result: subprocess.CompletedProcess) -> str:
    """The last line of the traceback: the error and its message."""
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(REFUSED), result.stderr
    return last


def test_production_with_its_own_key_starts():
    result = import_settings(SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 0, result.stderr
    assert "DEMO False False" in result.stdout


@pytest.mark.parametrize("debug", [None, "0", "off"])
def test_production_refuses_the_demo(debug):
    environ = {"SECRET_KEY": secrets.token_urlsafe(50), "PROVMAP_DEMO": "1"}
    if debug is not None:
        environ["DEBUG"] = debug
    message = refusal(import_settings(**environ))
    assert "PROVMAP_DEMO is on while DEBUG is off" in message
    assert "demo logins" in message


def test_production_refuses_demo_accounts_without_a_second_factor():
    message = refusal(
        import_settings(SECRET_KEY=secrets.token_urlsafe(50), PROVMAP_DEMO_SKIP_MFA="1")
    )
    assert "PROVMAP_DEMO_SKIP_MFA is on while DEBUG is off" in message
    assert "two-factor" in message


def test_production_refuses_the_development_key():
    message = refusal(import_settings(SECRET_KEY=DEV_KEY))
    assert "SECRET_KEY is the development key" in message


def test_production_refuses_to_start_without_a_key():
    message = refusal(import_settings())
    assert "SECRET_KEY must be set when DEBUG is off" in message


@pytest.mark.parametrize("variable", ["PROVMAP_ALLOW_DEV_KEY", "PROVMAP_TEST_SETTINGS"])
def test_no_environment_variable_lets_production_run_on_the_development_key(variable):
    # The test settings' allowance cannot be switched on from the environment.
    refusal(import_settings(**{variable: "1"}))
    refusal(import_settings(SECRET_KEY=DEV_KEY, **{variable: "1"}))


def test_the_local_demo_runs_with_debug_on():
    # What `make run` sets.
    result = import_settings(DEBUG="1", PROVMAP_DEMO="1")
    assert result.returncode == 0, result.stderr
    assert "DEMO True True" in result.stdout


def test_the_test_settings_run_on_the_development_key_with_the_demo_off():
    # What `make test` and `make bench` use, whatever the shell has exported.
    result = import_settings("provmap.test_settings", PROVMAP_DEMO="1")
    assert result.returncode == 0, result.stderr
    assert "DEMO False False" in result.stdout
