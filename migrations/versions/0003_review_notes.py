"""review: per-question notes and the revision of events; the queue's flag count

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:05:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flag_count", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("review_opened_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_opened_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key("fk_visit_review_opened_by", "user_account",
                                    ["review_opened_by_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_visit_status_flags_submitted",
                              ["status", "flag_count", "submitted_at"], unique=False)
    # Visits flagged before the count existed.
    visits = sa.table("visit", sa.column("id", sa.Integer), sa.column("quality_flags", sa.JSON),
                      sa.column("flag_count", sa.Integer))
    connection = op.get_bind()
    for visit_id, flags in connection.execute(sa.select(visits.c.id, visits.c.quality_flags)):
        if flags:
            connection.execute(visits.update().where(visits.c.id == visit_id)
                               .values(flag_count=len(flags)))


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_status_flags_submitted")
        batch_op.drop_constraint("fk_visit_review_opened_by", type_="foreignkey")
        batch_op.drop_column("review_opened_at")
        batch_op.drop_column("review_opened_by_id")
        batch_op.drop_column("flag_count")
    with op.batch_alter_table("review_event", schema=None) as batch_op:
        batch_op.drop_column("revision")
        batch_op.drop_column("notes")
