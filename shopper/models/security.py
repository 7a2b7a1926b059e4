"""Failed log-ins and API tokens, kept to throttle guessing (auth/throttle.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import one_of, timestamp

FAILURE_KINDS = ("login", "token")


class AuthFailure(SQLModel, table=True):
    __tablename__ = "auth_failure"
    __table_args__ = (
        one_of("kind", FAILURE_KINDS, "ck_auth_failure_kind"),
        Index("ix_auth_failure_account_at", "account", "at"),
        Index("ix_auth_failure_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    #: The e-mail tried (lower-case), for log-ins; None for tokens.
    account: str | None = Field(default=None, max_length=254)
    #: The client's address (the socket's, or the one TRUSTED_PROXIES vouch for).
    address: str = Field(max_length=64)
    at: datetime = timestamp(default_now=True)
