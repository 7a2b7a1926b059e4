"""Background jobs (Huey): report sending with its retries, roll-up PDFs, alerts.

Storage: Redis when REDIS_URL is set; otherwise Huey's SQLite storage in a file of its
own beside the app's database (JOBS_FILE), with a busy timeout, because Huey's SQLite
storage answers "database is locked" to concurrent writers without one (huey #445).
Tests run jobs at once, in the caller (JOBS_IMMEDIATE).

A job's state lives in the app's database (a delivery row, a kept PDF), never only in
the queue: a lost job is found again by the periodic sweep.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from . import db

log = logging.getLogger(__name__)

#: The one queue; `configure` points it at the storage the settings name.
huey = Huey("shopper", results=False, immediate=True, utc=True)

_app: Flask | None = None


class _SqliteStorage(SqliteStorage):
    """Huey's SQLite storage, its folder made when missing (a fresh instance/)."""

    def __init__(self, *args: Any, filename: str = "huey.db", **kwargs: Any) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        super().__init__(*args, filename=filename, **kwargs)


def configure(app: Flask) -> None:
    """Point the queue at the app's storage (the last app made wins: one per process,
    except in tests)."""
    global _app
    _app = app
    config = app.config
    huey.name = config.get("JOBS_QUEUE") or "shopper"
    if config.get("JOBS_IMMEDIATE"):
        huey.storage_class, huey.storage_kwargs = MemoryStorage, {}
        huey._immediate = True
    elif config.get("REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": config["REDIS_URL"]}
        huey._immediate = False
    else:
        huey.storage_class = _SqliteStorage
        huey.storage_kwargs = {"filename": config["JOBS_FILE"], "timeout": 30}
        huey._immediate = False
    huey.storage = _Lazy(huey.create_storage)


class _Lazy:
    """The queue's storage, connected on first use: making an app (a command, a test)
    must not touch the job store's file or server until a job is queued or consumed."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._storage: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._storage is None:
            self._storage = self._make()
        return getattr(self._storage, name)


def in_app(function: Callable) -> Callable:
    """Run the job in an app context of its own (a session of its own)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        app = _app
        if app is None:  # a consumer started without `shopper worker`
            from . import create_app

            app = create_app()
        with app.app_context():
            return function(*args, **kwargs)

    return run


def enqueue_after_commit(task: Callable, *args: Any) -> None:
    """Queue `task(*args)` once the request's transaction has committed. A queue that
    cannot be reached is logged: what the job was for is in the database, and the
    periodic sweep takes it up."""

    def enqueue() -> None:
        try:
            task(*args)
        except Exception:
            log.exception("could not queue %s%r; the periodic sweep will retry it",
                          getattr(task, "name", task), args)

    db.after_commit(enqueue)


# --- the jobs -------------------------------------------------------------------------


@huey.task()
@in_app
def send_delivery(delivery_id: int) -> str:
    """Send one report; a refused or dropped SMTP connection is tried again later."""
    from .reports import delivery

    outcome = delivery.send(db.get_session(), delivery_id)
    if outcome.status == "queued" and outcome.retry_in is not None:
        send_delivery.schedule((delivery_id,), delay=outcome.retry_in.total_seconds())
    log.info("report delivery %s: %s%s", delivery_id, outcome.status,
             f" ({outcome.error})" if outcome.error else "")
    return outcome.status


@huey.periodic_task(crontab(minute="*"))
@in_app
def send_due() -> int:
    """Every minute: claim what schedules owe, retry what waits, and mark sendings
    whose worker died as interrupted. Returns how many were sent."""
    from .models import utcnow
    from .reports import delivery

    session = db.get_session()
    with db.writing():
        claimed = delivery.claim_all_due(session)
        delivery.mark_interrupted(session, utcnow())
        session.commit()
    waiting = delivery.due_deliveries(session, utcnow())
    session.rollback()
    sent = 0
    for delivery_id in dict.fromkeys([*claimed, *waiting]):
        if delivery.send(session, delivery_id).status == "sent":
            sent += 1
    return sent


@huey.periodic_task(crontab(minute="17"))
@in_app
def sweep_orphans() -> int:
    """Hourly (and when `shopper worker` starts): photo files that no row names."""
    from .field.orphans import sweep_orphans as sweep

    return sweep(db.get_session(), current_app.config["UPLOAD_DIR"],
                 grace=timedelta(minutes=current_app.config["ORPHAN_GRACE_MINUTES"]))


@huey.periodic_task(crontab(minute="5", hour="3"))
@in_app
def daily_backup() -> str | None:
    """At 03:05 UTC, when BACKUP_DIR is set: a backup there, the latest BACKUP_KEEP kept."""
    from . import backup

    folder = current_app.config.get("BACKUP_DIR")
    if not folder:
        return None
    target = Path(folder) / backup.periodic_name()
    backup.backup(current_app.config["DATABASE_URL"], current_app.config["UPLOAD_DIR"],
                  target)
    backup.keep_latest(folder, current_app.config["BACKUP_KEEP"])
    return str(target)


@huey.task()
@in_app
def render_report(kind: str, client_id: int, region_id: int | None,
                  location_ids: list[int], period_key: str, locale: str) -> str:
    """Draw a roll-up into the kept PDFs (the download button's "preparing")."""
    from .reports import preparing

    return preparing.draw(kind=kind, client_id=client_id, region_id=region_id,
                          location_ids=location_ids, period_key=period_key, locale=locale)


#: Attempts at an alert whose mail server refuses for now, a minute apart and longer.
ALERT_ATTEMPTS = 4


@huey.task()
@in_app
def send_alert(visit_id: int, only: list[int] | None = None, attempt: int = 1) -> int:
    """Tell the managers of the visit's region about its critical failure; those whose
    mail was refused for now are tried again, alone."""
    from .reports import alerts

    sent, again = alerts.send(db.get_session(), visit_id, only)
    if again and attempt < ALERT_ATTEMPTS:
        send_alert.schedule((visit_id, again, attempt + 1), delay=60 * 2 ** (attempt - 1))
    return sent
