"""Periods given in calendar dates, in each programme's time zone.

`from`/`to` of the API, scorecards and reports are whole days of the client's zone
(the client's `timezone`, else DEFAULT_TIMEZONE), both ends inclusive.
"""

from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import and_, false, or_, true
from sqlmodel import Session, select

from .models import Client, Location, Region, Visit
from .times import day_bounds, zone


def client_zone(client: Client | None, default: str) -> tzinfo:
    return zone(client.timezone if client else None, default)


def location_zone(session: Session, location: Location, default: str) -> tzinfo:
    """The time zone of the programme `location` belongs to."""
    client = session.exec(select(Client).join(Region, Region.client_id == Client.id)
                          .where(Region.id == location.region_id)).first()
    return client_zone(client, default)


def started_within(session: Session, first_day: date | None, last_day: date | None,
                   default: str):
    """A condition on Visit: started on first_day..last_day (inclusive) in the zone of
    its own client. One pair of bounds per client, so a caller who sees several
    programmes in several zones gets each visit's own calendar day."""
    if first_day is None and last_day is None:
        return true()
    if first_day is not None and last_day is not None and last_day < first_day:
        return false()
    conditions = []
    for client in session.exec(select(Client)):
        start, end = day_bounds(first_day, last_day, client_zone(client, default))
        bounds = [Visit.started_at >= start] if start is not None else []
        bounds += [Visit.started_at < end] if end is not None else []
        clients_locations = (select(Location.id).join(Region, Region.id == Location.region_id)
                             .where(Region.client_id == client.id))
        conditions.append(and_(Visit.location_id.in_(clients_locations), *bounds))
    return or_(*conditions) if conditions else false()
