"""auth failures: failed log-ins and API tokens, to throttle guessing

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:20:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('login', 'token')", name="ck_auth_failure_kind"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_auth_failure_account_at", "auth_failure", ["account", "at"])
    op.create_index("ix_auth_failure_address_at", "auth_failure", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_auth_failure_address_at", table_name="auth_failure")
    op.drop_index("ix_auth_failure_account_at", table_name="auth_failure")
    op.drop_table("auth_failure")
