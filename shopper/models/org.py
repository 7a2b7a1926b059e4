"""The programme's organisation: clients, their regions, and the locations visited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import one_of, timestamp

CHANNELS = ("in_store", "online", "phone")


class Client(SQLModel, table=True):
    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    #: Sender name and contact shown on the client's reports.
    contact_email: str | None = Field(default=None, max_length=254)
    #: IANA time zone of the programme (e.g. Europe/London): which calendar day a visit
    #: belongs to, and the times shown. None: the DEFAULT_TIMEZONE setting.
    timezone: str | None = Field(default=None, max_length=64)
    #: The score the client aims at (0 to 100): the line drawn on bars and trends, and
    #: where the service-against-experience map splits.
    target: float = Field(default=80.0, sa_column_kwargs={"server_default": "80"})
    created_at: datetime = timestamp(default_now=True)


class Region(SQLModel, table=True):
    __tablename__ = "region"
    __table_args__ = (UniqueConstraint("client_id", "name", name="uq_region_client_name"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)


class Location(SQLModel, table=True):
    __tablename__ = "location"
    __table_args__ = (
        one_of("channel", CHANNELS, "ck_location_channel"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)",
                        name="ck_location_latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
                        name="ck_location_longitude"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_id: int = Field(foreign_key="region.id", index=True, ondelete="CASCADE")
    #: Short code the client uses for the location (store number), unique in Shopper.
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    channel: str = Field(max_length=10)
    #: Street address of a store; the number called for a phone line.
    address: str | None = Field(default=None, max_length=400)
    city: str | None = Field(default=None, max_length=120)
    #: WGS84 position of a store, for check-in distance flags.
    latitude: float | None = None
    longitude: float | None = None
    #: Address of an online shop.
    url: str | None = Field(default=None, max_length=500)
    active: bool = True
    #: Counts changes to the location's approved scores (an approval, an edit, a
    #: rebuild): a rendered PDF is kept under it, so an unchanged one is never redrawn.
    scores_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = timestamp(default_now=True)
