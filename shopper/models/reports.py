"""Report schedules and what happened to each sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from .base import json_column, one_of, timestamp

REPORT_FREQUENCIES = ("monthly", "quarterly")
DELIVERY_STATUSES = ("queued", "sent", "failed")


class ReportSchedule(SQLModel, table=True):
    __tablename__ = "report_schedule"
    __table_args__ = (
        one_of("frequency", REPORT_FREQUENCIES, "ck_report_schedule_frequency"),
        CheckConstraint("day_of_month BETWEEN 1 AND 28", name="ck_report_schedule_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    #: None: the whole client; else one region's report.
    region_id: int | None = Field(default=None, foreign_key="region.id", ondelete="CASCADE")
    #: E-mail addresses that receive the report.
    recipients: list[str] = json_column(default_factory=list)
    frequency: str = Field(default="monthly", max_length=10)
    #: Sent on this day for the period that ended before it.
    day_of_month: int = 1
    locale: str = Field(default="en", max_length=10)
    active: bool = True
    created_at: datetime = timestamp(default_now=True)
    last_sent_at: datetime | None = timestamp(nullable=True)


class ReportDelivery(SQLModel, table=True):
    __tablename__ = "report_delivery"
    __table_args__ = (
        one_of("status", DELIVERY_STATUSES, "ck_report_delivery_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, foreign_key="report_schedule.id",
                                    index=True, ondelete="SET NULL")
    client_id: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    #: The period reported, e.g. 2026-10.
    period: str = Field(max_length=10)
    recipient: str = Field(max_length=254)
    status: str = Field(default="queued", max_length=10)
    attempts: int = 0
    #: The last error, for a failed or retried sending.
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = timestamp(default_now=True)
    sent_at: datetime | None = timestamp(nullable=True)
