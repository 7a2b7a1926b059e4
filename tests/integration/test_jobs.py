"""Jobs through real consumers: `shopper worker` in a process of its own, with Huey's
storage on Redis (127.0.0.1:6379) and on SQLite (a file beside the database), while
several processes queue at once, as gunicorn's web workers do. Every report is sent
once; none is lost to "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlmodel import select

from shopper.models import ReportDelivery, ReportSchedule, utcnow
from shopper.reports import delivery
from shopper.scorecards.periods import month
from tests.conftest import TEST_SECRET
from tests.factories import field_world, make_visit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Processes that queue at once, and sendings each queues.
QUEUERS, EACH = 4, 3


def settings(database_url: str, tmp_path: Path, storage: str) -> dict[str, str]:
    values = {"SHOPPER_ENV": "testing", "SECRET_KEY": TEST_SECRET,
              "DATABASE_URL": database_url, "OUTBOX_DIR": str(tmp_path / "outbox"),
              "REPORT_DIR": str(tmp_path / "reports"), "UPLOAD_DIR": str(tmp_path / "up"),
              "JOBS_QUEUE": f"test-{uuid.uuid4().hex[:8]}"}
    if storage == "redis":
        values["REDIS_URL"] = REDIS_URL
    else:
        values["JOBS_FILE"] = str(tmp_path / "jobs.db")
    return values


QUEUE_SCRIPT = """
import sys
from shopper import create_app, jobs
app = create_app()
for delivery_id in map(int, sys.argv[1:]):
    jobs.send_delivery(delivery_id)
"""


@pytest.mark.parametrize("storage", ["redis", "sqlite"])
def test_a_real_consumer_sends_what_several_processes_queue(migrated, session, app, tmp_path,
                                                             storage):
    if storage == "redis":
        redis.Redis.from_url(REDIS_URL).ping()  # the service must be there, not skipped
    world = field_world(session)
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               started_at=utcnow().replace(day=1) - timedelta(days=10))
    schedule = ReportSchedule(client_id=world["acme"].id, recipients=["client@example.com"],
                              kind="summary", active=False)
    session.add(schedule)
    session.commit()
    period = month(utcnow().date().replace(day=1) - timedelta(days=1))
    ids = []
    for _ in range(QUEUERS * EACH):
        ids.append(delivery.request_sending(session, schedule, period, None).id)
    session.commit()

    env = os.environ | settings(migrated, tmp_path, storage)
    worker = subprocess.Popen([str(Path(sys.executable).with_name("shopper")), "worker",
                               "--workers", "2"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        queuers = [subprocess.Popen([sys.executable, "-c", QUEUE_SCRIPT,
                                     *map(str, ids[index::QUEUERS])], cwd=ROOT, env=env,
                                    stderr=subprocess.PIPE)
                   for index in range(QUEUERS)]
        for queuer in queuers:
            _out, errors = queuer.communicate(timeout=120)
            assert queuer.returncode == 0, errors.decode()[-2000:]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            session.rollback()
            statuses = session.exec(select(ReportDelivery.status)
                                    .where(ReportDelivery.id.in_(ids))).all()
            if all(status == "sent" for status in statuses):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=60)[0].decode()
    assert statuses == ["sent"] * len(ids), output[-3000:]
    assert "database is locked" not in output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(ids)  # each once
    if storage == "sqlite":
        assert (tmp_path / "jobs.db").exists() and str(tmp_path / "jobs.db") != migrated
