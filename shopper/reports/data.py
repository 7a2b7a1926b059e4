"""What a report shows, as plain data: the scorecard services' figures for one
location, or for the locations of a client or a region. A PDF template gets these and
never an ORM row, and never computes a number: every figure is the engine's."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import Session, select

from ..models import Client, Location, Region
from ..scorecards.periods import Period
from ..scorecards.services import Scope

#: Part of every cache key: bump it when a report template changes what it draws, so
#: no PDF kept from before is served again.
RENDER_VERSION = 1


def report_key(*, session: Session, kind: str, client: Client, region_id: int | None,
               location_ids: list[int], period: Period, locale: str) -> str:
    """The cache key of a report: what it covers and the scores version of every
    location whose visits it counts. An approval or an edit of one of them bumps its
    version (scorecards.storage), so the key changes and the PDF is drawn anew."""
    versions = [list(row) for row in session.exec(
        select(Location.id, Location.scores_version, Location.name, Location.region_id)
        .where(Location.id.in_(location_ids)).order_by(Location.id)).all()]
    regions = [list(row) for row in session.exec(
        select(Region.id, Region.name).where(Region.client_id == client.id)
        .order_by(Region.id)).all()]
    material = [RENDER_VERSION, kind, client.id, client.name, client.target, client.timezone,
                region_id, period.key, locale, versions, regions]
    return hashlib.sha256(json.dumps(material, default=str).encode()).hexdigest()[:40]


def location_key(*, session: Session, location: Location, period: Period, locale: str) -> str:
    """A location's PDF shows its region's figure too: every location of the region
    counts."""
    region = session.get(Region, location.region_id)
    client = session.get(Client, region.client_id)
    members = list(session.exec(select(Location.id).where(Location.region_id == region.id)))
    return report_key(session=session, kind=f"location-{location.id}", client=client,
                      region_id=region.id, location_ids=members, period=period,
                      locale=locale)


def scope_key(*, session: Session, scope: Scope, kind: str, period: Period,
              locale: str) -> str:
    return report_key(session=session, kind=kind, client=scope.client,
                      region_id=scope.region.id if scope.region else None,
                      location_ids=[location.id for location, _region in scope.locations],
                      period=period, locale=locale)
