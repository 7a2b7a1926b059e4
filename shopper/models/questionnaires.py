"""Questionnaires, versioned: a published version never changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import json_column, one_of, timestamp

QUESTIONNAIRE_STATUSES = ("draft", "published", "retired")


class Questionnaire(SQLModel, table=True):
    __tablename__ = "questionnaire"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_questionnaire_key_version"),
        one_of("status", QUESTIONNAIRE_STATUSES, "ck_questionnaire_status"),
        CheckConstraint("version >= 1", name="ck_questionnaire_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: The document's `id` (a slug); with `version`, what a visit was answered against.
    key: str = Field(max_length=100, index=True)
    version: int
    status: str = Field(default="draft", max_length=10)
    #: English (or first) title, for lists; the document holds every language.
    title: str = Field(max_length=300)
    #: The questionnaire document of spec/scoring.md, as validated by the engine.
    document: dict[str, Any] = json_column(default_factory=dict)
    created_at: datetime = timestamp(default_now=True)
    published_at: datetime | None = timestamp(nullable=True)
