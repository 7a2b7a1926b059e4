"""Finding clients and regions by name or id (for the command line)."""

from __future__ import annotations

from sqlmodel import Session, select

from ..exceptions import NotFound
from ..models import Client, Region


def find_client(*, session: Session, key: str) -> Client:
    query = select(Client).where(
        Client.id == int(key) if key.isdigit() else Client.name == key)
    client = session.exec(query).first()
    if client is None:
        raise NotFound(f"client: there is no client {key!r}")
    return client


def find_region(*, session: Session, key: str, client: Client | None = None) -> Region:
    query = select(Region).where(Region.id == int(key) if key.isdigit() else Region.name == key)
    if client is not None:
        query = query.where(Region.client_id == client.id)
    regions = session.exec(query).all()
    if not regions:
        raise NotFound(f"region: there is no region {key!r}")
    if len(regions) > 1:
        raise NotFound(f"region: {key!r} names several regions; give --client or the id")
    return regions[0]
