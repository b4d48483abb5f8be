"""Settings for provmap, read from environment variables with safe local defaults.

One file, as in healthchecks: every value that differs between a laptop and production comes
from the environment, so there is nothing to copy or fork per installation.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# provmap/test_settings.py imports this module and may run without DEBUG on the development
# key. Nothing in the environment can grant that: it holds only while that module is being
# imported (Python registers a module in sys.modules before running its body), so a stray
# variable in a production environment cannot switch it on.
_FOR_TESTS = "provmap.test_settings" in sys.modules

# A development key is only acceptable while DEBUG is on; production must set its own.
_DEV_SECRET_KEY = "provmap-local-development-key-not-for-production-use-0123456789"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or _FOR_TESTS:
        SECRET_KEY = _DEV_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: set it to a long random value kept "
            "secret to this installation."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

# The demo installation shows its logins on the sign-in page so a visitor can look around.
# Never on in production: `make run` switches it on, with DEBUG, for the local demo only.
PROVMAP_DEMO = env_bool("PROVMAP_DEMO", False)
# Demo accounts (User.is_demo) may look around without setting up two-factor sign-in. Follows
# PROVMAP_DEMO unless set.
PROVMAP_DEMO_SKIP_MFA = env_bool("PROVMAP_DEMO_SKIP_MFA", PROVMAP_DEMO)

# Production refuses to start with a demo switch on or on the development key, rather than
# leaving it to `check --deploy`, which an installation may never run. (The test settings turn
# both demo switches off themselves, whatever the environment says.)
if not DEBUG and not _FOR_TESTS:
    if PROVMAP_DEMO:
        raise ImproperlyConfigured(
            "PROVMAP_DEMO is on while DEBUG is off: the sign-in page would list the demo "
            "logins. Unset PROVMAP_DEMO; it is only for the local demo (make run)."
        )
    if PROVMAP_DEMO_SKIP_MFA:
        raise ImproperlyConfigured(
            "PROVMAP_DEMO_SKIP_MFA is on while DEBUG is off: demo accounts would sign in "
            "without two-factor sign-in. Unset PROVMAP_DEMO_SKIP_MFA; it is only for the "
            "local demo (make run)."
        )
    if SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is the development key, which is published with the code, while "
            "DEBUG is off. Set SECRET_KEY to a long random value kept secret to this "
            "installation."
        )

# Behind TLS in production: everything secure. Off locally so http://127.0.0.1 works.
SECURE = env_bool("SECURE", not DEBUG and not PROVMAP_DEMO)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "provmap.accounts",
    "provmap.schools",
    "provmap.pupils",
    "provmap.provision",
    "provmap.insights",
    "provmap.outcomes",
    "provmap.planning",
    "provmap.demo",
    "provmap.interchange",
    "provmap.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost of ours, so that every response (static files too) carries the headers.
    "provmap.accounts.middleware.SecurityHeadersMiddleware",
    # Outside the access check, so that refusals carry it too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Logs once when requests come through a proxy whose forwarded address is not trusted.
    "provmap.accounts.middleware.ProxyHeaderWarningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Ends sessions past the idle or absolute time-out before anything reads the user.
    "provmap.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Staff, governors and trust leaders without an authenticator set one up first.
    "provmap.accounts.middleware.MFARequiredMiddleware",
    # Every URL's access policy (provmap.accounts.policies), checked before its view runs.
    "provmap.accounts.middleware.AccessPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "provmap.urls"
WSGI_APPLICATION = "provmap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "provmap" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "provmap.accounts.context_processors.demo",
                "provmap.accounts.context_processors.trusts",
            ],
        },
    },
]

# SQLite by default (one school, zero set-up); PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while a long import writes; IMMEDIATE avoids lock upgrades.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
# allauth's backend extends Django's ModelBackend: inactive users are refused on every request.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]

# --- Sign-in with django-allauth: username and password, then a TOTP code ---------------
# Schools create accounts; nobody signs up (the adapter refuses sign-up).
ACCOUNT_ADAPTER = "provmap.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Accounts and their addresses are set up by the school, not confirmed by email.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# No "remember me": the session ends with the browser and after the time-outs below.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Changing an email address, password or authenticator asks for the password again.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[provmap] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE else "http"
# Rate limits (see docs/decisions.md, 17). Failed sign-ins, and wrong codes at the second
# step, are limited by provmap.accounts.signin_limits, per account and per address, sparing a
# browser where the account has signed in before (a known device): allauth's own "login" and
# "login_failed" limits count per address whoever signs in, so one person guessing behind a
# school's shared address would stop every teacher there signing in. They are off here; the
# account adapter and the code forms below apply ours instead.
ACCOUNT_RATE_LIMITS = {
    "login": "",
    "login_failed": "",
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "signup": "20/m/ip",
}
# How long a browser stays a known device for an account that signs in there no more (each
# whole sign-in renews it): a year, so a parent who signs in once a term keeps it.
PROVMAP_KNOWN_DEVICE_DAYS = int(os.environ.get("PROVMAP_KNOWN_DEVICE_DAYS", "365"))
# Behind a reverse proxy, how many proxies to trust in X-Forwarded-For (0: REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

MFA_ADAPTER = "provmap.accounts.adapters.MFAAdapter"
# The code forms with provmap's limit on wrong codes (allauth's is off with "login_failed").
MFA_FORMS = {
    "authenticate": "provmap.accounts.forms.LimitedAuthenticateForm",
    "reauthenticate": "provmap.accounts.forms.LimitedReauthenticateForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "provmap"
# One period either side, for phones whose clocks drift; a used code cannot be used again.
MFA_TOTP_TOLERANCE = 1
# Addresses are entered by the school, so an unconfirmed address does not block MFA set-up.
MFA_ALLOW_UNVERIFIED_EMAIL = True

# --- Email (password reset): SMTP when EMAIL_HOST is set, else printed to the console -----
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "provmap <no-reply@localhost>")
# Where provmap is reached, for links in emails sent outside a request (`manage.py
# create_school`); pages build their links from the request.
PROVMAP_BASE_URL = os.environ.get("PROVMAP_BASE_URL", "http://localhost:8000").rstrip("/")

# --- A cache shared by every server process: rate limits must hold across all of them ----
# `manage.py createcachetable` makes the table (`make run` runs it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "provmap_cache",
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The project-wide stylesheet and images live beside the project-wide templates.
STATICFILES_DIRS = [BASE_DIR / "provmap" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Sessions and cookies: pupil data sits behind these. A session ends after SESSION_IDLE_MINUTES
# without a request (the server-side expiry, renewed whenever SessionTimeoutMiddleware notes
# the time of a request, at most once a minute, rather than by a write on every request) and,
# however busy, SESSION_ABSOLUTE_HOURS after sign-in.
PROVMAP_SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
PROVMAP_SESSION_ABSOLUTE_HOURS = float(os.environ.get("SESSION_ABSOLUTE_HOURS", "10"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = PROVMAP_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Data protection (docs/decisions.md): leavers are archived, then erased ---------------
# Days after leaving before a pupil is archived (hidden from every page but the SENCO's
# data-protection page). A year keeps leavers in the year's impact and cost reviews.
PROVMAP_ARCHIVE_AFTER_DAYS = int(os.environ.get("PROVMAP_ARCHIVE_AFTER_DAYS", "365"))
# Years after leaving before a pupil's record is due for erasure.
PROVMAP_RETENTION_YEARS = int(os.environ.get("PROVMAP_RETENTION_YEARS", "6"))

# --- Imports from the browser (docs/decisions.md, 29): the task queue ----------------------
# Checking and importing an uploaded file are tasks (Django's tasks API, through the
# django-tasks backport) queued in the database (django-tasks-db) and run by the worker,
# `manage.py run_jobs`; web processes only queue them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Exports of more rows than this are written in the background (provmap.interchange.export_jobs)
# while a page shows their progress; their files wait here for a day to be downloaded.
EXPORT_IN_BACKGROUND_ROWS = int(os.environ.get("PROVMAP_EXPORT_IN_BACKGROUND_ROWS", "20000"))
EXPORT_FILES_DIR = Path(os.environ.get("PROVMAP_EXPORT_FILES_DIR", BASE_DIR / "var" / "exports"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
