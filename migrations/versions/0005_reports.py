"""reports: a schedule's PDF kind, one delivery row per sending (all recipients, status,
attempts, lease), a location's scores version, managers' alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 14:00:00.000000

`report_delivery` had one row per recipient and nothing wrote to it: it is made anew.
It goes first, so that rebuilding `report_schedule` (SQLite's batch mode copies the
table to add a CHECK constraint) has no row pointing at it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_delivery_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_report_delivery_client_id"))
    op.drop_table("report_delivery")

    with op.batch_alter_table("report_schedule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10),
                                      server_default="rollup", nullable=False))
        batch_op.create_check_constraint("ck_report_schedule_kind",
                                         "kind IN ('rollup', 'summary')")
        batch_op.create_index(batch_op.f("ix_report_schedule_region_id"), ["region_id"],
                              unique=False)

    op.create_table(
        "report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("explicit", sa.Boolean(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("report_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')",
                           name="ck_report_delivery_status"),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user_account.id"],
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["schedule_id"], ["report_schedule.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_delivery_client_id", "report_delivery", ["client_id"])
    op.create_index("ix_report_delivery_schedule_id", "report_delivery", ["schedule_id"])
    op.create_index("ix_report_delivery_status_due", "report_delivery",
                    ["status", "next_attempt_at"])
    op.create_index("uq_report_delivery_scheduled", "report_delivery",
                    ["schedule_id", "period"], unique=True,
                    sqlite_where=sa.text("explicit = 0"),
                    postgresql_where=sa.text("NOT explicit"))

    # Plain ADD COLUMNs: no table copy (a copy of `location` or `user_account` would
    # cascade deletes through their foreign keys on SQLite).
    op.add_column("location", sa.Column("scores_version", sa.Integer(), server_default="0",
                                        nullable=False))
    op.add_column("user_account", sa.Column("alerts", sa.Boolean(),
                                            server_default=sa.true(), nullable=False))


def downgrade() -> None:
    op.drop_column("user_account", "alerts")
    op.drop_column("location", "scores_version")
    op.drop_index("uq_report_delivery_scheduled", table_name="report_delivery")
    op.drop_index("ix_report_delivery_status_due", table_name="report_delivery")
    op.drop_index("ix_report_delivery_schedule_id", table_name="report_delivery")
    op.drop_index("ix_report_delivery_client_id", table_name="report_delivery")
    op.drop_table("report_delivery")
    with op.batch_alter_table("report_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_schedule_region_id"))
        batch_op.drop_constraint("ck_report_schedule_kind", type_="check")
        batch_op.drop_column("kind")
    op.create_table(
        "report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')",
                           name="ck_report_delivery_status"),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["schedule_id"], ["report_schedule.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_delivery_client_id", "report_delivery", ["client_id"])
    op.create_index("ix_report_delivery_schedule_id", "report_delivery", ["schedule_id"])
