"""Settings for the test suite: the real settings, with a development key allowed and plain
static storage (no collectstatic step before tests).

The development key is allowed because provmap.settings sees this module being imported
(provmap.settings._FOR_TESTS); no environment variable can allow it in production.
"""

from provmap.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Argon2 is deliberately slow; tests that create many users do not need it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client and the browser tests' live server speak plain HTTP on 127.0.0.1.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# One process: an in-memory cache (cleared before each test by tests/conftest.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Whatever the environment says, tests start from production behaviour: no demo shortcuts.
PROVMAP_DEMO = False
PROVMAP_DEMO_SKIP_MFA = False
# The real task queue, with no worker: tests say when queued import jobs run
# (provmap.interchange.jobs.run_pending runs them in the test's own process).
