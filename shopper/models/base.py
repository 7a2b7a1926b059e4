"""Column types and helpers shared by the table models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, TypeDecorator
from sqlmodel import Column, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp, stored in UTC on every database.

    SQLite has no time zones: without this, what went in aware would come back naive.
    Naive datetimes are refused, so a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: timestamps must carry a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def timestamp(*, nullable: bool = False, default_now: bool = False, index: bool = False) -> Any:
    """A `UTCDateTime` column for a SQLModel field."""
    return Field(
        default_factory=utcnow if default_now else None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


def json_column(*, nullable: bool = False, default_factory: Any = None) -> Any:
    """A JSON column (TEXT on SQLite, json on PostgreSQL)."""
    if default_factory is not None:
        return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=nullable))
    return Field(default=None, sa_column=Column(JSON, nullable=nullable))


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """A check that `column` holds one of `values`: the tuple the code uses is the one
    the database enforces."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)
