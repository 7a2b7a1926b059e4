"""PostgreSQL restarted while shoppers submit: nothing lost, nothing doubled.

    .venv/bin/python bench/faults.py [--postgres-url URL] [--visits 1500] [--threads 6]

gunicorn (2 workers) on a scratch database of the server at --postgres-url; `--threads`
phones send `--visits` visits (each sent again blindly once), retrying every failed or
unanswered request as the phone's outbox does (1 s apart). A third of the way in, the
PostgreSQL server is restarted (`pg_ctlcluster ... restart`, as root, or `--restart`
to give the command). Prints how long the database was away, how many requests failed
meanwhile (5xx or no answer) and how each visit ended; then counts the rows: every
visit stored once, each with its one "submitted" event.

Run on a machine whose other users of that PostgreSQL server can lose their
connections (it is `make soak`'s, not `make test`'s).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import answers_for, environment, free_port  # noqa: E402
from bench.scratch import migrated_app, one_shopper, scratch_postgres  # noqa: E402


def default_restart() -> str:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    version = versions[-1] if versions else "15"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main restart"


def build(url: str, work: Path, visits: int) -> dict:
    app = migrated_app({"SHOPPER_ENV": "production", "SECRET_KEY": "x" * 32,
                        "DATABASE_URL": url, "UPLOAD_DIR": str(work / "uploads")})
    world = one_shopper(app, visits, "s@faults.test")
    app.extensions["shopper.engine"].dispose()
    return {"token": world["token"], "assignments": world["assignments"],
            "answers": answers_for(world["questionnaire"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test"))
    parser.add_argument("--visits", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--restart", default=default_restart())
    args = parser.parse_args()
    from datetime import UTC, datetime, timedelta

    work = Path(tempfile.mkdtemp(prefix="shopper-faults-"))
    with scratch_postgres(args.postgres_url) as url:
        world = build(url, work, args.visits)
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--log-level", "critical", "wsgi:app"],
            cwd=ROOT, env=environment(url, work), start_new_session=True)
        failures: Counter = Counter()
        endings: Counter = Counter()
        lock = threading.Lock()
        done = [0]

        def send(path: str, body: bytes) -> int:
            headers = {"Authorization": f"Bearer {world['token']}",
                       "Content-Type": "application/json"}
            for _attempt in range(120):
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    connection.request("POST", path, body=body, headers=headers)
                    status = connection.getresponse().status
                    connection.close()
                except (OSError, http.client.HTTPException):
                    status = None
                if status is not None and status < 500:
                    return status
                with lock:
                    failures[status or "no answer"] += 1
                time.sleep(1)
            return -1

        def one(assignment_id: int) -> None:
            ended = datetime.now(UTC) - timedelta(minutes=2)
            body = json.dumps({
                "uuid": str(uuid.uuid4()), "assignment_id": assignment_id,
                "channel": "in_store", "started_at": (ended - timedelta(minutes=25)).isoformat(),
                "ended_at": ended.isoformat(), "answers": world["answers"]}).encode()
            first, again = send("/api/v1/visits", body), send("/api/v1/visits", body)
            with lock:
                endings[f"{first} then {again}"] += 1
                done[0] += 1

        outage = {}

        def restart() -> None:
            while done[0] < args.visits // 3:
                time.sleep(0.05)
            started = time.perf_counter()
            subprocess.run(shlex.split(args.restart), check=True, capture_output=True)
            outage["restart seconds"] = round(time.perf_counter() - started, 2)
            outage["at visit"] = done[0]

        try:
            time.sleep(3)
            restarter = threading.Thread(target=restart)
            started = time.perf_counter()
            restarter.start()
            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(one, world["assignments"]))
            restarter.join()
            elapsed = time.perf_counter() - started
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        import psycopg

        with psycopg.connect(url) as connection:
            stored, distinct = connection.execute(
                "SELECT count(*), count(DISTINCT assignment_id) FROM visit").fetchone()
            events = connection.execute(
                "SELECT count(*) FROM review_event WHERE action = 'submitted'").fetchone()[0]
            unscored = connection.execute(
                "SELECT count(*) FROM visit WHERE cx IS NULL").fetchone()[0]
    print(f"PostgreSQL restarted under load: {args.visits} visits, each sent twice, "
          f"{args.threads} threads, {elapsed:.1f} s")
    print(f"  restart: {outage}")
    print(f"  failed tries while it was away (retried 1 s later): {dict(failures)}")
    print(f"  how the visits ended (first send, blind re-send): {dict(endings)}")
    print(f"  stored {stored} visits for {distinct} assignments, {events} submitted events, "
          f"{unscored} without scores")
    # A first send whose answer was lost in the restart is answered 200 when sent again.
    ok = (stored == distinct == events == args.visits and unscored == 0
          and all(e in ("201 then 200", "200 then 200") for e in endings))
    print("  nothing lost, nothing doubled" if ok else "  FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
