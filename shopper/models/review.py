"""The audit trail of visits: who did what, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from .base import json_column, one_of, timestamp

REVIEW_ACTIONS = ("submitted", "approved", "returned", "edited", "reopened")


class ReviewEvent(SQLModel, table=True):
    __tablename__ = "review_event"
    __table_args__ = (
        one_of("action", REVIEW_ACTIONS, "ck_review_event_action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id",
                                 ondelete="SET NULL")
    action: str = Field(max_length=10)
    #: The reviewer's note to the shopper (returned) or the reason of an edit.
    note: str = Field(default="", max_length=4000)
    #: Notes to the shopper per question (returned): question id -> text.
    notes: dict[str, str] | None = json_column(nullable=True)
    #: The visit's revision after this event.
    revision: int | None = None
    #: What changed: the fields before and after.
    before: dict[str, Any] | None = json_column(nullable=True)
    after: dict[str, Any] | None = json_column(nullable=True)
    created_at: datetime = timestamp(default_now=True)
