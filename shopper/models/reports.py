"""Report schedules, and what happened to each sending of one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from .base import json_column, one_of, timestamp

REPORT_FREQUENCIES = ("monthly", "quarterly")
#: rollup: a cover, the overview of the scope, the quadrant and a page per location;
#: summary: the cover, the overview and the quadrant only.
REPORT_KINDS = ("rollup", "summary")
#: queued: waiting for (another) attempt; sending: an attempt is under way (a worker
#: that dies leaves it so, and the retry sweep takes it up again after a lease).
DELIVERY_STATUSES = ("queued", "sending", "sent", "failed")


class ReportSchedule(SQLModel, table=True):
    __tablename__ = "report_schedule"
    __table_args__ = (
        one_of("frequency", REPORT_FREQUENCIES, "ck_report_schedule_frequency"),
        one_of("kind", REPORT_KINDS, "ck_report_schedule_kind"),
        CheckConstraint("day_of_month BETWEEN 1 AND 28", name="ck_report_schedule_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    #: None: the whole client; else one region's report.
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True,
                                  ondelete="CASCADE")
    #: E-mail addresses that receive the report (each checked by mail.valid_address).
    recipients: list[str] = json_column(default_factory=list)
    frequency: str = Field(default="monthly", max_length=10)
    kind: str = Field(default="rollup", max_length=10,
                      sa_column_kwargs={"server_default": "rollup"})
    #: Sent on this day of the month for the period that ended before it.
    day_of_month: int = 1
    locale: str = Field(default="en", max_length=10)
    #: Only active schedules are sent by the periodic job; an inactive one can still be
    #: previewed and sent by hand.
    active: bool = True
    created_at: datetime = timestamp(default_now=True)
    last_sent_at: datetime | None = timestamp(nullable=True)


class ReportDelivery(SQLModel, table=True):
    """One sending of one schedule's report for one period, to all its recipients.

    The periodic job claims (schedule, period) by inserting the row: the partial unique
    index lets only one such row exist, so two workers never both send a period. A
    sending asked for by a person (the command, "send now", "send again") is marked
    `explicit` and is not bound by it.
    """

    __tablename__ = "report_delivery"
    __table_args__ = (
        one_of("status", DELIVERY_STATUSES, "ck_report_delivery_status"),
        Index("uq_report_delivery_scheduled", "schedule_id", "period", unique=True,
              sqlite_where=text("explicit = 0"), postgresql_where=text("NOT explicit")),
        Index("ix_report_delivery_status_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int | None = Field(default=None, foreign_key="report_schedule.id",
                                    index=True, ondelete="SET NULL")
    client_id: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    region_id: int | None = Field(default=None, foreign_key="region.id", ondelete="SET NULL")
    #: The period reported: 2026-10 (a month) or 2026-Q3 (a quarter).
    period: str = Field(max_length=10)
    kind: str = Field(default="rollup", max_length=10)
    locale: str = Field(default="en", max_length=10)
    recipients: list[str] = json_column(default_factory=list)
    status: str = Field(default="queued", max_length=10)
    #: Asked for by a person (sent again when the period was sent before).
    explicit: bool = False
    requested_by_id: int | None = Field(default=None, foreign_key="user_account.id",
                                        ondelete="SET NULL")
    attempts: int = 0
    #: The last error, for a failed or retried sending (one line, no secrets).
    error: str | None = Field(default=None, max_length=2000)
    #: When a queued sending may next be tried; a sending's lease ends then.
    next_attempt_at: datetime | None = timestamp(nullable=True)
    #: The Message-ID every attempt reuses, so a receiving server can tell a repeat.
    message_id: str | None = Field(default=None, max_length=255)
    #: The rendered PDF's cache key (REPORT_DIR/<key>.pdf): the archive's download.
    report_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp(default_now=True)
    sent_at: datetime | None = timestamp(nullable=True)
