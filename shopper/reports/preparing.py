"""Roll-ups asked for from a page: a roll-up is drawn by a job, never in a web request.
The button queues the job and leaves a marker beside the kept PDFs; the page it leads
to says "preparing" while the marker is fresh, and offers the PDF once it is kept."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app
from sqlmodel import Session

from ..models import Client, Region
from ..scorecards import services
from ..scorecards.periods import parse_period
from . import render

#: A marker older than this is a job that died: the page offers the button again.
STALE_SECONDS = 10 * 60


def _marker(key: str) -> Path:
    return render.kept_path(key).with_suffix(".pending")


def state(key: str) -> str:
    """ready, preparing, or none (never asked, or the job died)."""
    if render.kept_path(key).exists():
        return "ready"
    try:
        age = time.time() - _marker(key).stat().st_mtime
    except FileNotFoundError:
        return "none"
    return "preparing" if age < STALE_SECONDS else "none"


def mark(key: str) -> None:
    path = _marker(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def draw(*, kind: str, client_id: int, region_id: int | None, location_ids: list[int],
         period_key: str, locale: str) -> str:
    """The job: draw the roll-up of these locations (the asker's scope: a manager's
    roll-up of a client holds only their regions) into the kept PDFs; its key."""
    from .. import db

    session: Session = db.get_session()
    client = session.get(Client, client_id)
    region = session.get(Region, region_id) if region_id is not None else None
    whole = services.client_scope(session=session, client=client, region=region)
    wanted = set(location_ids)
    scope = services.Scope(client=client, region=region, clients=whole.clients,
                           regions=whole.regions,
                           locations=[pair for pair in whole.locations if pair[0].id in wanted])
    period = parse_period(period_key, today=render.today_in(client))
    try:
        key, _content = render.rollup_pdf(session=session, scope=scope, period=period,
                                          kind=kind, locale=locale)
    finally:
        session.rollback()
    _marker(key).unlink(missing_ok=True)
    current_app.logger.info("report %s drawn (%s, %s)", key, client.name, period.key)
    return key

