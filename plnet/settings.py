"""Django settings, derived from the typed `plnet.config.Config` (read once from PLNET_*)."""

from __future__ import annotations

import sys
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import dj_database_url

from plnet.config import REPO_ROOT, load_config

PLNET = load_config()
TESTING = "pytest" in sys.modules

BASE_DIR = REPO_ROOT
SECRET_KEY = PLNET.secret_key
DEBUG = PLNET.debug
ALLOWED_HOSTS = list(PLNET.allowed_hosts) + (["testserver"] if TESTING else [])
SITE_URL = PLNET.site_url
SITE_NAME = PLNET.site_name

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "plnet.core",
    "plnet.accounts",
    "plnet.publishing",
    "plnet.conversation",
    "plnet.linkbacks",
    "plnet.reader",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A write that met SQLite's lock past the busy timeout: 503 + Retry-After, not a 500.
    "plnet.core.busy.BusyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "plnet.publishing.middleware.LegacyURLMiddleware",
    "plnet.linkbacks.middleware.LinkbackDiscoveryMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plnet.urls"
WSGI_APPLICATION = "plnet.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in throttling (django-axes, stored in the database so every process sees it): after
# PLNET_LOGIN_FAILURE_LIMIT failures for one username from one address, OR from one address
# whatever the usernames, sign-in (/login/ and /admin/) is refused to that address until
# PLNET_LOGIN_LOCKOUT_MINUTES have passed; a success clears the count. Never the username alone:
# then anyone anywhere could lock the owner out with a few wrong passwords. In axes' list a nested
# list is one combined key, a plain string a key of its own.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = PLNET.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=PLNET.login_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "plnet.accounts.views.locked_out"
AXES_VERBOSE = False
# The client behind a trusted reverse proxy (PLNET_TRUSTED_PROXIES), as every other place asks.
AXES_CLIENT_IP_CALLABLE = "plnet.core.clientip.client_ip"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "plnet" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plnet.core.context_processors.site",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(PLNET.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while the worker writes; IMMEDIATE avoids "database is locked"
        # upgrades mid-transaction; busy_timeout waits for the other writer instead of failing
        # (20 s, under gunicorn's 30 s; a comment still locked out then gets a "send it again"
        # page with its words kept: conversation.services.SiteBusy).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# One cache shared by every process of the site (gunicorn's workers and the task worker), so that
# a change one of them makes (publishing moves the navigation's version) is seen by all: files
# under the data directory, written atomically. Tests use memory, emptied before each test.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
        if TESTING
        else "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "plnet-tests" if TESTING else str(PLNET.data_dir / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": [],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
TIME_ZONE = PLNET.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PLNET.data_dir / "static"
MEDIA_URL = "/media/"
# Images uploaded from the editor (plnet.publishing.uploads), served by a view at /media/.
UPLOADS_ROOT = PLNET.data_dir / "uploads"
MEDIA_ROOT = UPLOADS_ROOT
# WordPress exports uploaded on the import page (plnet.publishing.imports): a private folder that
# no URL serves; each file has a random name and is removed when its import ends or fails.
IMPORTS_ROOT = PLNET.data_dir / "imports"
IMPORT_MAX_BYTES = PLNET.import_max_bytes
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def _email_settings(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme in {"", "console"}:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme in {"smtp", "smtps"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": parts.scheme == "smtp" and parts.port != 25,
        }
    raise ValueError(f"PLNET_EMAIL_URL: unknown scheme {parts.scheme!r}")


globals().update(_email_settings(PLNET.email_url))
DEFAULT_FROM_EMAIL = PLNET.default_from_email
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

if not DEBUG and PLNET.site_url.startswith("https://"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [PLNET.site_url.split("/", 3)[0] + "//" + PLNET.site_url.split("/", 3)[2]]

TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"plnet": {"level": "INFO"}},
}
