"""Settings. Defaults here; the environment is read by `from_environment`, called
inside `create_app`, never at import time (12-factor: see the README)."""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from typing import Any

# Refused in production (finish): a development machine's key only.
DEV_SECRET_KEY = "dev-only-not-secret"  # nosec B105
DEVELOPMENT_ENVS = ("development", "testing")
LANGUAGES = ("en", "es", "fr", "de")

DEFAULTS: dict[str, Any] = {
    "SHOPPER_ENV": "production",
    "SECRET_KEY": DEV_SECRET_KEY,
    # None: SQLite at instance/shopper.db
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_TLS": False,
    "MAIL_FROM": "Shopper <shopper@localhost>",
    "SMTP_TIMEOUT": 30,
    # A message the SMTP server refuses for now (4xx, a dropped connection) is tried
    # again this many times, with a growing delay between attempts.
    "MAIL_RETRIES": 5,
    # None: without SMTP_HOST, messages are written as .eml files to instance/outbox.
    "OUTBOX_DIR": None,
    # The public address for links in e-mails and API pagination (no trailing slash).
    "BASE_URL": None,
    # None: instance/reports (rendered PDFs, kept by scope, period and version).
    "REPORT_DIR": None,
    # None: Huey's SQLite storage in a file of its own beside the app's database
    # (never the same file). REDIS_URL, when set, is used instead.
    "JOBS_FILE": None,
    # The queue's name (in Redis, its keys): apps sharing a Redis server need their own.
    "JOBS_QUEUE": "shopper",
    # How many proxies in front to believe for the client's address (X-Forwarded-For;
    # Werkzeug's ProxyFix); 0: the socket's address.
    "TRUSTED_PROXIES": 0,
    # A photo file with no row is removed once older than this (minutes): longer than
    # any request, so a file whose transaction is still open is never touched.
    "ORPHAN_GRACE_MINUTES": 60,
    # The worker's daily backup (SQLite): written to BACKUP_DIR (None: no periodic
    # backup), the latest BACKUP_KEEP kept.
    "BACKUP_DIR": None,
    "BACKUP_KEEP": 7,
    # Run jobs at once in the caller instead of queueing them (the test suite).
    "JOBS_IMMEDIATE": False,
    # Processes that render a roll-up's pages in parallel (None: one per core).
    "REPORT_PROCESSES": None,
    # None: instance/uploads
    "UPLOAD_DIR": None,
    "SESSION_COOKIE_SECURE": None,  # None: Secure unless in development
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 14 * 24 * 3600,
    # Only responses that change the session set its cookie: a background request (the
    # service worker keeping pages) that ends after a log-out must not log back in.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_TIME_LIMIT": 12 * 3600,
    # CSRF is checked in a before_request hook, so that bearer-token API calls skip it.
    "WTF_CSRF_CHECK_DEFAULT": False,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    # The time zone of a client that names none (an IANA name): which calendar day a
    # visit belongs to, and the times pages show.
    "DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": LANGUAGES,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Photos: upload size, and the pixel limit against decompression bombs.
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "PHOTO_MAX_PIXELS": 40_000_000,
    # Quality flags of a submitted visit.
    "MIN_VISIT_MINUTES": 5,
    "MAX_CHECKIN_DISTANCE_M": 300,
    # A returned visit may be resubmitted for this many days after its return, even
    # once its assignment's window has closed.
    "RESUBMIT_DAYS": 3,
}

# No password here: it comes from the environment (SMTP_PASSWORD).
DEFAULTS["SMTP_PASSWORD"] = None  # nosec B105

_BOOLEANS = ("SMTP_TLS", "SESSION_COOKIE_SECURE")
_INTEGERS = ("SMTP_PORT", "SMTP_TIMEOUT", "MAIL_RETRIES", "REPORT_PROCESSES", "TRUSTED_PROXIES",
             "ORPHAN_GRACE_MINUTES", "BACKUP_KEEP",
             "MIN_VISIT_MINUTES", "MAX_CHECKIN_DISTANCE_M", "RESUBMIT_DAYS")
_STRINGS = ("SHOPPER_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_HOST",
            "SMTP_USER", "SMTP_PASSWORD", "MAIL_FROM", "UPLOAD_DIR",
            "DEFAULT_TIMEZONE", "BASE_URL", "OUTBOX_DIR", "REPORT_DIR", "JOBS_FILE",
            "JOBS_QUEUE", "BACKUP_DIR")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _boolean(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given by environment variables."""
    environ = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    for name in _STRINGS:
        if environ.get(name):
            settings[name] = environ[name]
    for name in _BOOLEANS:
        if environ.get(name):
            settings[name] = _boolean(name, environ[name])
    for name in _INTEGERS:
        if environ.get(name):
            try:
                settings[name] = int(environ[name])
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, not {environ[name]!r}") from None
    return settings


def finish(config: dict[str, Any], instance_path: str) -> None:
    """Fill in defaults that depend on others, and refuse unsafe production settings."""
    development = config["SHOPPER_ENV"] in DEVELOPMENT_ENVS
    if not development:
        key = config.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY must be set to a long random value in production "
                "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'), "
                "or set SHOPPER_ENV=development on a development machine."
            )
    if config.get("DATABASE_URL") is None:
        config["DATABASE_URL"] = f"sqlite:///{os.path.join(instance_path, 'shopper.db')}"
    if config.get("UPLOAD_DIR") is None:
        config["UPLOAD_DIR"] = os.path.join(instance_path, "uploads")
    for name, folder in (("OUTBOX_DIR", "outbox"), ("REPORT_DIR", "reports")):
        if config.get(name) is None:
            config[name] = os.path.join(instance_path, folder)
    if config.get("JOBS_FILE") is None:
        config["JOBS_FILE"] = _jobs_file(config["DATABASE_URL"], instance_path)
    if config.get("BASE_URL"):
        config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = not development
    try:
        zoneinfo.ZoneInfo(config["DEFAULT_TIMEZONE"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"DEFAULT_TIMEZONE must be an IANA time zone such as Europe/London, "
                          f"not {config['DEFAULT_TIMEZONE']!r}") from None
    config["DEVELOPMENT"] = development


def _jobs_file(database_url: str, instance_path: str) -> str:
    """Huey's SQLite file: beside a SQLite database (shopper.db -> shopper.jobs.db),
    else in the instance folder. Never the app's own file: Huey's writers would queue
    on the app's write lock."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        root, _ext = os.path.splitext(url.database)
        return f"{root}.jobs.db"
    return os.path.join(instance_path, "jobs.db")
