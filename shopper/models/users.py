"""People who use Shopper, and what they may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, true
from sqlmodel import Field, SQLModel

from .base import one_of, timestamp

ROLES = ("admin", "manager", "shopper", "client")


class User(SQLModel, table=True):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        one_of("role", ROLES, "ck_user_role"),
        # A client viewer belongs to exactly one client; nobody else belongs to one.
        CheckConstraint("(role = 'client') = (client_id IS NOT NULL)", name="ck_user_client"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: Stored lower-case; log-in compares lower-case.
    email: str = Field(max_length=254, unique=True)
    name: str = Field(default="", max_length=200)
    role: str = Field(max_length=10)
    #: werkzeug scrypt hash.
    password_hash: str = Field(max_length=255)
    #: For client viewers: the client whose scorecards they read.
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True,
                                  ondelete="CASCADE")
    #: Preferred language (en, es, fr, de); None: the browser's.
    locale: str | None = Field(default=None, max_length=10)
    active: bool = True
    #: Managers: an e-mail at once when a visit of their regions with a critical
    #: failure is approved (turned off on the account page).
    alerts: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    #: sha256 of the user's API token (the token itself is shown once and never stored).
    api_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = timestamp(default_now=True)
    last_login_at: datetime | None = timestamp(nullable=True)


class ManagerRegion(SQLModel, table=True):
    """The regions a manager reviews."""

    __tablename__ = "manager_region"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    region_id: int = Field(foreign_key="region.id", primary_key=True, index=True,
                           ondelete="CASCADE")
