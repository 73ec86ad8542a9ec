"""Typed plnet configuration, read once from PLNET_* environment variables.

`load_config(environ)` returns a frozen `Config`; `plnet.settings` derives Django's settings from it.
Every field is documented in `.env.example` and the README (tests check both).
This module imports no Django so it can be tested and used before Django is configured.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A PLNET_* variable has a value plnet cannot use; the message names the variable."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"", "0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _time_zone(name: str, raw: str) -> str:
    try:
        zoneinfo.ZoneInfo(raw)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ConfigError(
            f"{name} must be a time zone name such as UTC or Europe/Paris, not {raw!r}"
        ) from None
    return raw


def _email_url(name: str, raw: str) -> str:
    if raw.split(":", 1)[0].lower() not in {"", "console", "smtp", "smtps"}:
        raise ConfigError(
            f"{name} must be console: or smtp://user:pass@host:587 (smtps:// for TLS), not {raw!r}"
        )
    return raw


def _positive(name: str, environ: dict[str, str]) -> int:
    value = _int(name, _get(environ, name))
    if value < 1:
        raise ConfigError(f"{name} must be 1 or more, not {value}")
    return value


def _emails(name: str, raw: str) -> tuple[str, ...]:
    addresses = _list(raw)
    for address in addresses:
        local, _, domain = address.rpartition("@")
        if not local or not domain or any(c.isspace() for c in address):
            raise ConfigError(
                f"{name} must be comma-separated email addresses such as "
                f"owner@example.org, not {raw!r}"
            )
    return addresses


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _networks(name: str, raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in _list(raw))
    except ValueError as exc:
        raise ConfigError(
            f"{name} must be comma-separated networks such as 127.0.0.0/8, not {raw!r} ({exc})"
        ) from None


@dataclass(frozen=True)
class Config:
    """plnet's settings. Field names are the variable names without the PLNET_ prefix."""

    data_dir: Path
    database_url: str
    secret_key: str
    site_url: str
    allowed_hosts: tuple[str, ...]
    time_zone: str
    debug: bool
    site_name: str
    email_url: str
    default_from_email: str
    fetch_allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    fetch_timeout: int
    fetch_max_bytes: int
    akismet_key: str
    comment_thread_depth: int
    spam_retention_days: int
    admin_email: tuple[str, ...] = ()
    spam_site_examples_min: int = 50
    spam_train_site_max: int = 500
    linkback_host_limit: int = 30
    login_failure_limit: int = 5
    login_lockout_minutes: int = 15
    upload_max_bytes: int = 10_000_000
    import_max_bytes: int = 268_435_456
    feed_min_interval_minutes: int = 15
    feed_max_interval_minutes: int = 1440
    feed_host_limit: int = 2
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    post_trash_days: int = 30
    env_file: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# name -> (default, description). The single list of variables; .env.example mirrors it.
VARIABLES: dict[str, tuple[str, str]] = {
    "PLNET_DATA_DIR": (
        "var",
        "Folder for the SQLite database, the generated secret key and uploads.",
    ),
    "PLNET_DATABASE_URL": (
        "",
        "Database URL. Empty means SQLite at $PLNET_DATA_DIR/plnet.sqlite3 (WAL mode); "
        "postgres://user:pass@host:5432/name for PostgreSQL.",
    ),
    "PLNET_SECRET_KEY": (
        "",
        "Django secret key. Empty: generated once and kept in $PLNET_DATA_DIR/secret_key.",
    ),
    "PLNET_SITE_URL": (
        "http://127.0.0.1:8000",
        "Public base URL, used for absolute links in feeds and mail. Unset: `plnet run --port P` uses http://127.0.0.1:P.",
    ),
    "PLNET_ALLOWED_HOSTS": (
        "",
        "Comma-separated host names to serve. Empty: the host of PLNET_SITE_URL plus localhost.",
    ),
    "PLNET_TIME_ZONE": ("UTC", "Time zone dates are shown in (stored in UTC)."),
    "PLNET_DEBUG": ("false", "Django debug pages. Never on a public host."),
    "PLNET_SITE_NAME": ("plnet", "The site's name, shown in the header and feeds."),
    "PLNET_EMAIL_URL": (
        "console:",
        "Where mail goes: console: (printed), or smtp://user:pass@host:587 (smtps:// for TLS).",
    ),
    "PLNET_DEFAULT_FROM_EMAIL": ("plnet@localhost", "Sender address of mail plnet sends."),
    "PLNET_ADMIN_EMAIL": (
        "",
        "Comma-separated addresses told of new and held comments on posts whose author has no "
        "email (imported posts). Empty: the staff accounts' addresses.",
    ),
    "PLNET_FETCH_ALLOWED_NETWORKS": (
        "",
        "Comma-separated CIDRs that outbound fetches may reach although private (e.g. 127.0.0.0/8). Empty: none.",
    ),
    "PLNET_FETCH_TIMEOUT": ("10", "Seconds an outbound fetch may take in all."),
    "PLNET_FETCH_MAX_BYTES": (
        "5000000",
        "Largest response body an outbound fetch reads, in bytes.",
    ),
    "PLNET_AKISMET_KEY": ("", "Akismet API key. Empty: Akismet is not asked."),
    "PLNET_COMMENT_THREAD_DEPTH": ("5", "How deep replies to comments may nest."),
    "PLNET_SPAM_RETENTION_DAYS": (
        "30",
        "Days spam and trashed comments are kept before they are emptied.",
    ),
    "PLNET_SPAM_SITE_EXAMPLES_MIN": (
        "50",
        "Spam and approved comments of this site (of each) the classifier must have learned from"
        " before its spam verdict stands; until then its spam is held for moderation. 0: always.",
    ),
    "PLNET_SPAM_TRAIN_SITE_MAX": (
        "500",
        "Newest spam and newest approved comments of this site (of each) a retrain learns from,"
        " beside the --csv examples, so one retrain stays under a minute. 0: all of them.",
    ),
    "PLNET_LINKBACK_HOST_LIMIT": (
        "30",
        "Webmentions and pingbacks accepted per source host per hour; more get HTTP 429 / fault 49.",
    ),
    "PLNET_LOGIN_FAILURE_LIMIT": (
        "5",
        "Failed sign-ins from one address (for one username or many) before that address is refused.",
    ),
    "PLNET_LOGIN_LOCKOUT_MINUTES": (
        "15",
        "Minutes failed sign-ins are counted, and sign-in stays refused after the limit.",
    ),
    "PLNET_UPLOAD_MAX_BYTES": (
        "10000000",
        "Largest image the editor accepts, in bytes (stored in $PLNET_DATA_DIR/uploads).",
    ),
    "PLNET_IMPORT_MAX_BYTES": (
        "268435456",
        "Largest WordPress export (WXR) the import page accepts, in bytes (256 MiB); the command "
        "line import has no limit.",
    ),
    "PLNET_FEED_MIN_INTERVAL_MINUTES": (
        "15",
        "Shortest time between two fetches of a feed, in minutes (also the first error backoff).",
    ),
    "PLNET_FEED_MAX_INTERVAL_MINUTES": (
        "1440",
        "Longest time between two fetches of a healthy feed, in minutes.",
    ),
    "PLNET_FEED_HOST_LIMIT": (
        "2",
        "Feeds fetched at the same time from one host by the reader.",
    ),
    "PLNET_TRUSTED_PROXIES": (
        "",
        "Comma-separated addresses or networks of the reverse proxies in front of plnet (e.g. "
        "127.0.0.1 for nginx on the same machine). A request from one of them is taken to come "
        "from the right-most X-Forwarded-For address that is not one of them. Empty: trust no "
        "proxy, the client is the connection's address.",
    ),
    "PLNET_POST_TRASH_DAYS": (
        "30",
        "Days a post or page stays in the trash (and can be restored) before it is deleted for good.",
    ),
    "PLNET_ENV_FILE": (
        "",
        "The file of variables the plnet command reads first (empty: .env in the current "
        "folder, if any); variables already set in the environment win.",
    ),
}


def _get(environ: dict[str, str], name: str) -> str:
    return environ.get(name, VARIABLES[name][0])


def _secret_key(environ: dict[str, str], data_dir: Path) -> str:
    given = _get(environ, "PLNET_SECRET_KEY")
    if given:
        return given
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_config(environ: dict[str, str] | None = None) -> Config:
    """Read PLNET_* variables (default: os.environ) into a Config.

    Raises ConfigError naming the variable when a value is unusable, and when DEBUG is on
    for a site whose URL is not local (production refuses unsafe defaults).
    """
    env = dict(os.environ if environ is None else environ)
    unknown = sorted(k for k in env if k.startswith("PLNET_") and k not in VARIABLES)
    data_dir = Path(_get(env, "PLNET_DATA_DIR"))
    if not data_dir.is_absolute():
        data_dir = REPO_ROOT / data_dir
    site_url = _get(env, "PLNET_SITE_URL").rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        raise ConfigError(f"PLNET_SITE_URL must start with http:// or https://, not {site_url!r}")
    debug = _bool("PLNET_DEBUG", _get(env, "PLNET_DEBUG"))
    host = site_url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    if debug and host not in {"127.0.0.1", "localhost", "::1", "testserver"}:
        raise ConfigError("PLNET_DEBUG must be off when PLNET_SITE_URL is a public host")
    hosts = _list(_get(env, "PLNET_ALLOWED_HOSTS")) or (host, "127.0.0.1", "localhost", "[::1]")
    feed_min = _positive("PLNET_FEED_MIN_INTERVAL_MINUTES", env)
    feed_max = _positive("PLNET_FEED_MAX_INTERVAL_MINUTES", env)
    if feed_max < feed_min:
        raise ConfigError(
            f"PLNET_FEED_MAX_INTERVAL_MINUTES ({feed_max}) must not be below "
            f"PLNET_FEED_MIN_INTERVAL_MINUTES ({feed_min})"
        )
    return Config(
        data_dir=data_dir,
        database_url=_get(env, "PLNET_DATABASE_URL") or f"sqlite:///{data_dir / 'plnet.sqlite3'}",
        secret_key=_secret_key(env, data_dir),
        site_url=site_url,
        allowed_hosts=tuple(dict.fromkeys(hosts)),
        time_zone=_time_zone("PLNET_TIME_ZONE", _get(env, "PLNET_TIME_ZONE")),
        debug=debug,
        site_name=_get(env, "PLNET_SITE_NAME"),
        email_url=_email_url("PLNET_EMAIL_URL", _get(env, "PLNET_EMAIL_URL")),
        default_from_email=_get(env, "PLNET_DEFAULT_FROM_EMAIL"),
        admin_email=_emails("PLNET_ADMIN_EMAIL", _get(env, "PLNET_ADMIN_EMAIL")),
        fetch_allowed_networks=_networks(
            "PLNET_FETCH_ALLOWED_NETWORKS", _get(env, "PLNET_FETCH_ALLOWED_NETWORKS")
        ),
        fetch_timeout=_int("PLNET_FETCH_TIMEOUT", _get(env, "PLNET_FETCH_TIMEOUT")),
        fetch_max_bytes=_int("PLNET_FETCH_MAX_BYTES", _get(env, "PLNET_FETCH_MAX_BYTES")),
        akismet_key=_get(env, "PLNET_AKISMET_KEY"),
        comment_thread_depth=_int(
            "PLNET_COMMENT_THREAD_DEPTH", _get(env, "PLNET_COMMENT_THREAD_DEPTH")
        ),
        spam_retention_days=_int(
            "PLNET_SPAM_RETENTION_DAYS", _get(env, "PLNET_SPAM_RETENTION_DAYS")
        ),
        spam_site_examples_min=_int(
            "PLNET_SPAM_SITE_EXAMPLES_MIN", _get(env, "PLNET_SPAM_SITE_EXAMPLES_MIN")
        ),
        spam_train_site_max=_int(
            "PLNET_SPAM_TRAIN_SITE_MAX", _get(env, "PLNET_SPAM_TRAIN_SITE_MAX")
        ),
        linkback_host_limit=_int(
            "PLNET_LINKBACK_HOST_LIMIT", _get(env, "PLNET_LINKBACK_HOST_LIMIT")
        ),
        login_failure_limit=_int(
            "PLNET_LOGIN_FAILURE_LIMIT", _get(env, "PLNET_LOGIN_FAILURE_LIMIT")
        ),
        login_lockout_minutes=_int(
            "PLNET_LOGIN_LOCKOUT_MINUTES", _get(env, "PLNET_LOGIN_LOCKOUT_MINUTES")
        ),
        upload_max_bytes=_int("PLNET_UPLOAD_MAX_BYTES", _get(env, "PLNET_UPLOAD_MAX_BYTES")),
        import_max_bytes=_positive("PLNET_IMPORT_MAX_BYTES", env),
        feed_min_interval_minutes=feed_min,
        feed_max_interval_minutes=feed_max,
        feed_host_limit=_positive("PLNET_FEED_HOST_LIMIT", env),
        trusted_proxies=_networks("PLNET_TRUSTED_PROXIES", _get(env, "PLNET_TRUSTED_PROXIES")),
        post_trash_days=_positive("PLNET_POST_TRASH_DAYS", env),
        env_file=_get(env, "PLNET_ENV_FILE"),
        extra={k: env[k] for k in unknown},
    )
