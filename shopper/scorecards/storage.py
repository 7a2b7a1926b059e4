"""Keeping ScoreDay rows true: the sums of approved visits' scores per location, day
and score.

Every action that makes a visit count or changes what it counts (approval, an edit of
an approved visit) calls `refresh_visit_day` in its own transaction, so a scorecard is
never stale. A day's rows are rewritten from that day's approved visits rather than
adjusted by the one visit: a minimum cannot be un-added, and a rewrite is right
whatever happened before. The location is locked first (PostgreSQL; SQLite writers hold
the database's write lock already), so two approvals at one location the same day
cannot each rewrite the day without the other's visit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, select

from ..models import Client, Location, Region, ScoreDay, Visit
from ..models.scorecards import SECTION, TOUCHPOINT, VISITS
from ..periods import client_zone
from ..scoring import Sums
from ..scoring.aggregate import HEADLINES
from ..times import day_bounds, local_day


def default_zone_name() -> str:
    if has_app_context():
        return current_app.config.get("DEFAULT_TIMEZONE") or "UTC"
    return "UTC"


def _rows(location_id: int, day: date,
          visits: Iterable[tuple[dict[str, Any] | None, bool, dict[str, Any]]]) -> list[dict]:
    """ScoreDay rows of one location and day from its approved visits' headline scores,
    critical flag and scores document."""
    values: dict[str, list[float]] = defaultdict(list)
    count = critical = 0
    for headline, failed, document in visits:
        count += 1
        critical += bool(failed)
        for name in HEADLINES:
            if (score := headline.get(name)) is not None:
                values[name].append(score)
        for prefix, part in ((SECTION, "sections"), (TOUCHPOINT, "touchpoints")):
            for key, score in (document.get(part) or {}).items():
                if score is not None:
                    values[prefix + key].append(score)
                else:
                    values.setdefault(prefix + key, [])
    if not count:
        return []
    month = day.replace(day=1)
    rows = [{"location_id": location_id, "day": day, "month": month, "score": VISITS,
             "n": count, "total": float(critical), "squares": 0.0, "low": None, "high": None}]
    for score, scores in values.items():
        sums = Sums.of(scores)
        rows.append({"location_id": location_id, "day": day, "month": month, "score": score,
                     "n": sums.n, "total": sums.total, "squares": sums.squares,
                     "low": sums.low, "high": sums.high})
    return rows


def _approved(location_ids, start: datetime | None = None, end: datetime | None = None):
    query = (select(Visit.location_id, Visit.started_at, Visit.cx, Visit.service,
                    Visit.experience, Visit.critical_failure, Visit.scores)
             .where(Visit.status == "approved", Visit.scores.is_not(None),
                    Visit.started_at.is_not(None)))
    if location_ids is not None:
        query = query.where(Visit.location_id.in_(location_ids))
    if start is not None:
        query = query.where(Visit.started_at >= start)
    if end is not None:
        query = query.where(Visit.started_at < end)
    return query


def _grouped(session: Session, query, zones: dict[int, tzinfo]) -> dict[tuple[int, date], list]:
    by_day: dict[tuple[int, date], list] = defaultdict(list)
    for location_id, started, cx, service, experience, failed, document in session.exec(query):
        headline = {"cx": cx, "service": service, "experience": experience}
        by_day[(location_id, local_day(started, zones[location_id]))].append(
            (headline, failed, document))
    return by_day


def location_zones(session: Session, location_ids: Iterable[int] | None = None
                   ) -> dict[int, tzinfo]:
    """Each location's programme time zone."""
    default = default_zone_name()
    query = (select(Location.id, Client).join(Region, Region.id == Location.region_id)
             .join(Client, Client.id == Region.client_id))
    if location_ids is not None:
        query = query.where(Location.id.in_(list(location_ids)))
    return {location_id: client_zone(client, default)
            for location_id, client in session.exec(query)}


def refresh_visit_day(*, session: Session, visit: Visit) -> None:
    """Rewrite the sums of the day `visit` started on, at its location, from that day's
    approved visits (call after the visit's change is flushed)."""
    if visit.started_at is None:
        return
    # A new scores version (what rendered PDFs are kept under); the UPDATE also locks
    # the location's row, so refreshes of one location run one after another.
    session.execute(update(Location).where(Location.id == visit.location_id)
                    .values(scores_version=Location.scores_version + 1))
    zone = location_zones(session, [visit.location_id])[visit.location_id]
    day = local_day(visit.started_at, zone)
    start, end = day_bounds(day, day, zone)
    session.flush()
    grouped = _grouped(session, _approved([visit.location_id], start, end),
                       {visit.location_id: zone})
    session.execute(delete(ScoreDay).where(ScoreDay.location_id == visit.location_id,
                                           ScoreDay.day == day))
    rows = _rows(visit.location_id, day, grouped.get((visit.location_id, day), []))
    if rows:
        session.execute(insert(ScoreDay), rows)


def rebuild_score_days(*, session: Session, location_ids: Iterable[int] | None = None) -> int:
    """Rewrite every ScoreDay row (of these locations) from the approved visits: after a
    bulk load, or to repair. Returns the number of rows written."""
    ids = list(location_ids) if location_ids is not None else None
    zones = location_zones(session, ids)
    statement = delete(ScoreDay)
    bump = update(Location).values(scores_version=Location.scores_version + 1)
    if ids is not None:
        statement = statement.where(ScoreDay.location_id.in_(ids))
        bump = bump.where(Location.id.in_(ids))
    session.execute(statement)
    session.execute(bump)
    written = 0
    batch: list[dict] = []
    for (location_id, day), visits in sorted(_grouped(session, _approved(ids), zones).items()):
        batch.extend(_rows(location_id, day, visits))
        if len(batch) >= 5000:
            session.execute(insert(ScoreDay), batch)
            written += len(batch)
            batch = []
    if batch:
        session.execute(insert(ScoreDay), batch)
        written += len(batch)
    session.flush()
    return written


def score_days_missing(session: Session) -> bool:
    """True when approved visits exist but no sums do (a database migrated to
    ScoreDay, or loaded in bulk)."""
    if session.exec(select(func.count()).select_from(ScoreDay)).one():
        return False
    return bool(session.exec(select(func.count()).select_from(Visit)
                             .where(Visit.status == "approved")).one())
