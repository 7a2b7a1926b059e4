"""Where a visit submission's time goes, in process (no HTTP), against GET /healthz.

    .venv/bin/python bench/submission_profile.py [--visits 300] [--profile] [--sql]

A scratch SQLite database with the demo's questionnaire; each visit names 3 photos
stored before (through the API). Prints the CPU time (process time, steadier than the
wall clock on a shared machine) of a submission and of /healthz through the WSGI app,
with `--sql` the statements one submission sends, with `--profile` cProfile's view of
the submission's own calls and of the SQL layer.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="shopper-profile-"))
    app = migrated_app(app_config(f"sqlite:///{work / 'shopper.db'}", work))
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

    def submit(body: bytes) -> None:
        response = client.post("/api/v1/visits", headers=headers, data=body)
        assert response.status_code == 201, response.text

    warm = 20
    for body in bodies[:warm]:
        submit(body)
    for _ in range(warm):
        client.get("/healthz")
    started = time.process_time()
    for _ in range(500):
        client.get("/healthz")
    healthz = (time.process_time() - started) / 500
    statements: list[str] = []
    if args.sql:
        event.listen(app.extensions["shopper.engine"], "before_cursor_execute",
                     lambda _c, _cur, sql, *_rest: statements.append(" ".join(sql.split())[:110]))
    profile = cProfile.Profile() if args.profile else None
    measured = bodies[warm:]
    started = time.process_time()
    if profile:
        profile.enable()
    for body in measured:
        submit(body)
    if profile:
        profile.disable()
    submission = (time.process_time() - started) / len(measured)
    print(f"CPU per request: submission {1000 * submission:.2f} ms, "
          f"/healthz {1000 * healthz:.2f} ms ({submission / healthz:.1f} times)")
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
