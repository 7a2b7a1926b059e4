"""Where a visit submission's time goes, in process (no HTTP), against GET /healthz.

    .venv/bin/python bench/submission_profile.py [--visits 300] [--profile] [--sql]
        [--other-writer] [--mmap BYTES]

A scratch SQLite database with the demo's questionnaire; each visit names 3 photos
stored before (through the API). Prints the CPU time (process time, steadier than the
wall clock on a shared machine) of a submission and of /healthz through the WSGI app,
the cheapest of rounds taken in turn,
with `--sql` the statements one submission sends, with `--profile` cProfile's view of
the submission's own calls and of the SQL layer.

`--other-writer`: before each request another connection commits a row, as gunicorn's
other worker does between a worker's transactions. SQLite then empties this connection's
page cache when its next transaction starts, and reads again what it needs: the read
and write system calls a submission makes are printed (Linux's /proc/self/io).
`--mmap BYTES`: the app's connections read the database file through a memory map of
that size (`PRAGMA mmap_size`), not by system calls.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.load import answers_for, app_config, phone_jpeg, visit_body, with_photos  # noqa: E402
from bench.scratch import migrated_app, one_shopper  # noqa: E402


def system_calls() -> tuple[int, int]:
    """Read and write system calls this process has made (Linux)."""
    counts = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(counts["syscr"]), int(counts["syscw"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--other-writer", action="store_true")
    parser.add_argument("--mmap", type=int, default=0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shopper-profile-"))
    app = migrated_app(app_config(f"sqlite:///{work / 'shopper.db'}", work))
    if args.mmap:
        engine = app.extensions["shopper.engine"]
        event.listen(engine, "connect", lambda connection, _record: connection.execute(
            f"PRAGMA mmap_size={args.mmap:d}"))
        engine.dispose()  # connections made from now on map the file
    world = one_shopper(app, args.visits, "s@profile.test")
    ids, token = world["assignments"], world["token"]
    answers = answers_for(world["questionnaire"])
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    jpeg = phone_jpeg(random.Random(1))
    bodies = []
    for assignment_id in ids:
        visit_uuid, refs = uuid.uuid4(), []
        for _ in range(3):
            photo_uuid = uuid.uuid4()
            response = client.post("/api/v1/photos", headers=auth, data={
                "uuid": str(photo_uuid), "visit_uuid": str(visit_uuid),
                "file": (io.BytesIO(jpeg[:2] + b"\xff\xfe\x00\x12" + photo_uuid.bytes
                                    + jpeg[2:]), "p.jpg", "image/jpeg")})
            assert response.status_code == 201, response.text
            refs.append(str(photo_uuid))
        bodies.append(visit_body(assignment_id, visit_uuid, with_photos(answers, refs)))
    headers = auth | {"Content-Type": "application/json"}

    other = None
    if args.other_writer:
        other = sqlite3.connect(work / "shopper.db", isolation_level=None)
        other.execute("PRAGMA busy_timeout=30000")
        other.execute("CREATE TABLE other_writer (at REAL)")
    def timed(call) -> tuple[float, int, int]:
        """The CPU seconds, read and write system calls of `call` (not of the other
        writer's commit before it)."""
        if other is not None:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO other_writer VALUES (?)", (time.time(),))
            other.execute("COMMIT")
        reads, writes = system_calls()
        started = time.process_time()
        call()
        spent = time.process_time() - started
        after = system_calls()
        return spent, after[0] - reads, after[1] - writes

    def submit(body: bytes) -> None:
        response = client.post("/api/v1/visits", headers=headers, data=body)
        assert response.status_code == 201, response.text

    warm = 20
    for body in bodies[:warm]:
        submit(body)
    for _ in range(warm):
        client.get("/healthz")
    statements: list[str] = []
    if args.sql:
        event.listen(app.extensions["shopper.engine"], "before_cursor_execute",
                     lambda _c, _cur, sql, *_rest: counting and statements.append(
                         " ".join(sql.split())[:110]))
    counting = False  # the submissions' statements only, not /healthz's
    profile = cProfile.Profile() if args.profile else None
    measured = bodies[warm:]
    # Rounds of 20 submissions, each followed by 100 /healthz: both are measured under
    # the same conditions, and the cheapest round of each says what the code costs
    # (a shared machine's busy moments only ever add).
    submission_rounds, healthz_rounds = [], []
    reads = writes = 0
    for first in range(0, len(measured), 20):
        chunk = measured[first:first + 20]
        if profile:
            profile.enable()
        counting = True
        costs = [timed(functools.partial(submit, body)) for body in chunk]
        counting = False
        if profile:
            profile.disable()
        submission_rounds.append(sum(cost[0] for cost in costs) / len(chunk))
        reads += sum(cost[1] for cost in costs)
        writes += sum(cost[2] for cost in costs)
        healthz_rounds.append(sum(timed(lambda: client.get("/healthz"))[0]
                                  for _ in range(100)) / 100)
    submission, healthz = min(submission_rounds), min(healthz_rounds)
    print(f"CPU per request, cheapest of {len(submission_rounds)} rounds: submission "
          f"{1000 * submission:.2f} ms, /healthz {1000 * healthz:.2f} ms "
          f"({submission / healthz:.1f} times); medians "
          f"{1000 * statistics.median(submission_rounds):.2f} and "
          f"{1000 * statistics.median(healthz_rounds):.2f} ms")
    print(f"System calls a submission: {reads / len(measured):.1f} reads, "
          f"{writes / len(measured):.1f} writes"
          + (" (another connection committing before each request)" if other else ""))
    if statements:
        print(f"{len(statements) / len(measured):.0f} statements a submission:")
        for sql in statements[: round(len(statements) / len(measured))]:
            print("  ", sql)
    if profile:
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(r"shopper/", 25)
    print(orjson.dumps({"submission_ms": round(1000 * submission, 2),
                        "healthz_ms": round(1000 * healthz, 2)}).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
