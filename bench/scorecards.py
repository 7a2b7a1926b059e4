"""Scorecards over a year of history (issue 9): the server time of the region overview,
a location's scorecard page and the scorecard API, against the bare SQL aggregate of
the same headline figures over the visit rows themselves (no pre-aggregation).

    python bench/scorecards.py [--visits 100000] [--postgres URL] [--postgres-visits N]

Loads the demo with `--visits` synthetic approved visits over the last 12 months on
SQLite (and `--postgres-visits` on PostgreSQL when a URL is given; '' skips it), then
times, through the WSGI app as the demo's admin and North manager (rendering
included), 40 requests of each page after 3 warm-ups, and reports p50 and p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import logged_in, percentile, scratch_postgres  # noqa: E402
from sqlalchemy import func, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from shopper import create_app, migrate  # noqa: E402
from shopper.demo import load_demo  # noqa: E402
from shopper.models import Location, ScoreDay, Visit, utcnow  # noqa: E402
from shopper.scorecards.periods import default_period  # noqa: E402
from shopper.scorecards.storage import rebuild_score_days  # noqa: E402
from shopper.times import day_bounds, zone  # noqa: E402

REQUESTS, WARM_UP = 40, 3



def timed(call) -> tuple[float, float]:
    for _ in range(WARM_UP):
        call()
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95)



def bare_aggregate(session: Session, period, zone_name: str):
    """The headline sums of every location for the period and the previous one, read
    from the visit rows themselves: what the overview would cost without ScoreDay."""
    results = []
    for p in (period, period.previous()):
        start, end = day_bounds(p.first, p.last, zone(zone_name))
        results.append(session.exec(
            select(Visit.location_id, func.count(), func.sum(Visit.cx),
                   func.sum(Visit.cx * Visit.cx), func.min(Visit.cx), func.max(Visit.cx),
                   func.sum(Visit.service), func.sum(Visit.service * Visit.service),
                   func.min(Visit.service), func.max(Visit.service),
                   func.sum(Visit.experience),
                   func.sum(Visit.experience * Visit.experience),
                   func.min(Visit.experience), func.max(Visit.experience))
            .where(Visit.location_id.in_(select(Location.id)), Visit.status == "approved",
                   Visit.started_at >= start, Visit.started_at < end)
            .group_by(Visit.location_id)).all())
    return results


def multiply(session: Session, factor: int) -> None:
    """Copy every visit `factor - 1` times with fresh uuids (PostgreSQL), then rebuild
    the sums: a million visits in minutes instead of scoring each one again."""
    columns = [c.name for c in Visit.__table__.columns if c.name not in ("id", "uuid")]
    names = ", ".join(columns)
    last = session.exec(select(func.max(Visit.id))).one()
    for _copy in range(factor - 1):
        session.execute(text(
            f"INSERT INTO visit (uuid, {names}) SELECT gen_random_uuid(), {names} "
            "FROM visit WHERE origin = 'synthetic' AND id <= :last"), {"last": last})
        session.commit()
    rebuild_score_days(session=session)
    session.commit()


def run(url: str, visits: int, label: str, factor: int = 1) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SHOPPER_ENV": "development", "SECRET_KEY": "bench-" * 4,
                          "DATABASE_URL": url, "UPLOAD_DIR": tmp})
        engine = app.extensions["shopper.engine"]
        migrate.upgrade(engine)
        start = time.perf_counter()
        with app.app_context(), Session(engine) as session:
            load_demo(session=session, now=utcnow(), synthetic_visits=visits // factor,
                      settings=app.config)
            session.commit()
            if factor > 1:
                multiply(session, factor)
        loaded = time.perf_counter() - start
        with Session(engine) as session:
            total = session.exec(select(func.count()).select_from(Visit)).one()
            sums = session.exec(select(func.count()).select_from(ScoreDay)).one()
            store = session.exec(select(Location).order_by(Location.id)).first()
        print(f"{label}: {total:,} visits ({loaded:.0f} s to load), {sums:,} ScoreDay rows")
        period = default_period(utcnow().date())
        admin = logged_in(app, "admin@demo.test", "demo-admin")
        manager = logged_in(app, "manager@demo.test", "demo-manager")
        first, last = period.first.isoformat(), period.last.isoformat()
        token_page = manager.get("/scorecards")
        assert token_page.status_code == 200, token_page.status_code

        def page(client, path):
            def call():
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            return call

        figures = {
            "overview, whole client (admin)": page(admin, "/scorecards"),
            "overview, region North (manager)": page(manager, "/scorecards"),
            "location scorecard page": page(manager, f"/scorecards/locations/{store.id}"),
            "scorecard API": page(manager, f"/api/v1/locations/{store.id}/scorecard"
                                           f"?from={first}&to={last}"),
        }
        results = {}
        for name, call in figures.items():
            results[name] = timed(call)
            p50, p95 = results[name]
            print(f"  {name:36} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        with Session(engine) as session:
            bare = timed(lambda: bare_aggregate(session, period, "Europe/London"))
            summed = timed(lambda: session.exec(
                select(ScoreDay.location_id, ScoreDay.score, func.sum(ScoreDay.n),
                       func.sum(ScoreDay.total), func.sum(ScoreDay.squares),
                       func.min(ScoreDay.low), func.max(ScoreDay.high))
                .where(ScoreDay.day >= period.previous().first,
                       ScoreDay.day <= period.last)
                .group_by(ScoreDay.location_id, ScoreDay.score)).all())
        print(f"  {'bare SQL aggregate over visit rows':36} p50 {bare[0]:6.1f} ms   "
              f"p95 {bare[1]:6.1f} ms")
        print(f"  {'same from ScoreDay (all scores)':36} p50 {summed[0]:6.1f} ms   "
              f"p95 {summed[1]:6.1f} ms")
        overview = results["overview, whole client (admin)"][0]
        print(f"  overview / bare aggregate: {overview / bare[0]:.2f}x (p50)")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://root@127.0.0.1:5432/test")
    parser.add_argument("--postgres-visits", type=int, default=1_000_000)
    parser.add_argument("--copies", type=int, default=10,
                        help="PostgreSQL: score visits/copies visits, then copy them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args.visits, "SQLite")
    if args.postgres:
        with scratch_postgres(args.postgres) as url:
            run(url, args.postgres_visits, "PostgreSQL", factor=args.copies)


if __name__ == "__main__":
    main()
