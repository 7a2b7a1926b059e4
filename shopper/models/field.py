"""Field work: assignments, the visits shoppers make, and their photos."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Uuid
from sqlmodel import Column, Field, SQLModel

from .base import json_column, one_of, timestamp
from .org import CHANNELS

VISIT_STATUSES = ("draft", "submitted", "approved", "returned")
ASSIGNMENT_STATUSES = ("open", "done", "cancelled")
#: field (a shopper's), demo, synthetic (load tests) or import.
VISIT_ORIGINS = ("field", "demo", "synthetic", "import")


class Assignment(SQLModel, table=True):
    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("window_end > window_start", name="ck_assignment_window"),
        one_of("status", ASSIGNMENT_STATUSES, "ck_assignment_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shopper_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    location_id: int = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    questionnaire_id: int = Field(foreign_key="questionnaire.id", index=True,
                                  ondelete="RESTRICT")
    #: The visit must start within this window.
    window_start: datetime = timestamp()
    window_end: datetime = timestamp()
    #: What the shopper should do or ask (e.g. "ask to return a gift").
    scenario: str = Field(default="", max_length=2000)
    status: str = Field(default="open", max_length=10)
    created_at: datetime = timestamp(default_now=True)


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        one_of("status", VISIT_STATUSES, "ck_visit_status"),
        one_of("channel", CHANNELS, "ck_visit_channel"),
        one_of("origin", VISIT_ORIGINS, "ck_visit_origin"),
        CheckConstraint("ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at",
                        name="ck_visit_times"),
        # Scorecards read approved visits of a location in a period.
        Index("ix_visit_location_status_started", "location_id", "status", "started_at"),
        # A scorecard's critical failures of the period: a few rows among many.
        Index("ix_visit_location_critical", "location_id", "critical_failure", "status",
              "started_at"),
        # The review queue: submitted visits, flagged first, then the oldest.
        Index("ix_visit_status_flags_submitted", "status", "flag_count", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Made by the shopper's phone when the form opens; the key of idempotent submission.
    uuid: uuid_module.UUID = Field(sa_column=Column(Uuid(), unique=True, nullable=False))
    #: One visit per assignment; None for history loaded without assignments.
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", unique=True,
                                      ondelete="SET NULL")
    # Copied from the assignment so that scope checks and scorecards need no join.
    shopper_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    location_id: int = Field(foreign_key="location.id", index=True, ondelete="CASCADE")
    questionnaire_id: int = Field(foreign_key="questionnaire.id", index=True,
                                  ondelete="RESTRICT")
    status: str = Field(default="draft", max_length=10)
    channel: str = Field(max_length=10)
    #: field (a shopper's), demo, synthetic (load tests) or import.
    origin: str = Field(default="field", max_length=10)
    #: Times as the phone recorded them.
    started_at: datetime | None = timestamp(nullable=True)
    ended_at: datetime | None = timestamp(nullable=True)
    #: Times as the server recorded them.
    opened_at: datetime | None = timestamp(nullable=True)
    submitted_at: datetime | None = timestamp(nullable=True)
    approved_at: datetime | None = timestamp(nullable=True)
    #: Check-in: position and accuracy in metres; position_status is given, refused or
    #: unavailable (None: not asked yet).
    latitude: float | None = None
    longitude: float | None = None
    position_accuracy: float | None = None
    position_status: str | None = Field(default=None, max_length=12)
    #: Answers in the format of spec/scoring.md section 2.
    answers: dict[str, Any] = json_column(default_factory=dict)
    #: The engine's scores beyond the headline columns below: sections, touchpoints,
    #: critical_failures (field.scores.stored_scores gives the whole document); None for
    #: a draft or invalid answers.
    scores: dict[str, Any] | None = json_column(nullable=True)
    #: The engine's per-question explanation, as stored at scoring time.
    explanation: list[Any] | None = json_column(nullable=True)
    # Headline scores, as the engine made them (stored only here).
    cx: float | None = None
    service: float | None = None
    experience: float | None = None
    critical_failure: bool = False
    #: Quality flags: too_short, far_from_location, outside_window, photo_reused.
    quality_flags: list[str] = json_column(default_factory=list)
    #: How many quality flags: the review queue's first sort key (indexed).
    flag_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: The reviewer who last opened the visit's review page, and when: the queue says
    #: "opened by <name>, <n> minutes ago" so that two reviewers do not take the same.
    review_opened_by_id: int | None = Field(default=None, foreign_key="user_account.id",
                                            ondelete="SET NULL")
    review_opened_at: datetime | None = timestamp(nullable=True)
    #: Raised on each resubmission of a returned visit.
    revision: int = 1
    #: sha256 of the submitted content, to tell a replay (200) from a conflict (409).
    content_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = timestamp(default_now=True)
    updated_at: datetime = timestamp(default_now=True)


class Photo(SQLModel, table=True):
    __tablename__ = "photo"

    id: int | None = Field(default=None, primary_key=True)
    #: Made by the phone for each photo: the key of idempotent upload.
    uuid: uuid_module.UUID = Field(sa_column=Column(Uuid(), unique=True, nullable=False))
    #: The visit it belongs to; photos may arrive before their visit does.
    visit_uuid: uuid_module.UUID = Field(sa_column=Column(Uuid(), nullable=False, index=True))
    owner_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    #: sha256 of the bytes as uploaded: tells a retry (same bytes) from a conflict, and
    #: finds a photo used before in another visit.
    sha256: str = Field(max_length=64, index=True)
    size: int
    width: int
    height: int
    content_type: str = Field(max_length=20)
    #: File name under UPLOAD_DIR (generated, never the uploaded name).
    path: str = Field(max_length=200)
    created_at: datetime = timestamp(default_now=True)
