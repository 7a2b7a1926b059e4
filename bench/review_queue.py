"""The review queue with 10,000 submitted visits waiting (issue 8: paging that stays
fast): the time of the queue's page for a manager, first and last page, filtered and
not, on SQLite and on PostgreSQL.

    python bench/review_queue.py [--waiting 10000] [--postgres '']

Loads the demo, then copies demo visits as submitted ones (a tenth of them flagged)
until `--waiting` wait, and times GET /review as the demo's North manager through the
WSGI app (page rendering included), the median of 5 requests each.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_postgres  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from shopper import create_app, migrate  # noqa: E402
from shopper.demo import load_demo  # noqa: E402
from shopper.models import Visit, utcnow  # noqa: E402


def fill(app, waiting: int) -> None:
    engine = app.extensions["shopper.engine"]
    with Session(engine) as session:
        load_demo(session=session, now=utcnow(), settings=app.config)
        session.commit()
        models = session.exec(select(Visit).where(Visit.status == "approved")).all()
        columns = [c.name for c in Visit.__table__.columns if c.name != "id"]
        rows = []
        for number in range(waiting):
            model = models[number % len(models)]
            row = {name: getattr(model, name) for name in columns}
            flagged = number % 10 == 0
            row.update(uuid=uuid.uuid4(), assignment_id=None, status="submitted",
                       approved_at=None, quality_flags=["too_short"] if flagged else [],
                       flag_count=1 if flagged else 0, origin="synthetic")
            rows.append(row)
        for start in range(0, len(rows), 2000):
            session.execute(insert(Visit.__table__), rows[start:start + 2000])
        session.commit()


def timed(client, url: str) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000


def run(url: str, waiting: int, label: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SHOPPER_ENV": "development", "SECRET_KEY": "bench-" * 4,
                          "DATABASE_URL": url, "UPLOAD_DIR": tmp,
                          "WTF_CSRF_ENABLED": False})
        migrate.upgrade(app.extensions["shopper.engine"])
        fill(app, waiting)
        client = app.test_client()
        page = client.get("/login").text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        client.post("/login", data={"email": "manager@demo.test", "password": "demo-manager",
                                    "csrf_token": token})
        first = client.get("/review").text
        pages = int(re.search(r"Page 1 of (\d+)", first).group(1))
        print(f"{label}: {waiting:,} extra visits waiting, {pages} pages of the North queue")
        for name, query in (("first page", "/review"), ("last page", f"/review?page={pages}"),
                            ("flag filter", "/review?flag=too_short"),
                            ("flag filter, page 20", "/review?flag=too_short&page=20")):
            print(f"  {name:22} {timed(client, query):7.1f} ms (median of 5)")
        app.extensions["shopper.engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql://root@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.waiting, "SQLite")
    if args.postgres:
        with scratch_postgres(args.postgres) as url:
            run(url, args.waiting, "PostgreSQL")


if __name__ == "__main__":
    main()
