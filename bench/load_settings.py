"""Settings for the load test's server (bench/load.py): the real settings as the test suite
takes them (DEBUG off, no demo switch from the environment), with the one change a load test
of demo accounts needs: they sign in without setting up two-factor sign-in, since the test's
users cannot read an authenticator. Never for an installation: the server it starts listens
on 127.0.0.1 only."""

from provmap.test_settings import *  # noqa: F403

PROVMAP_DEMO_SKIP_MFA = True
# Demo accounts made by `seed_demo` with the real settings (Argon2) or the test ones (MD5).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
