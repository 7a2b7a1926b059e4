"""scorecards: scores kept as sums per location, day and score; a client's target

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:00:00.000000

The rows are filled by `shopper db upgrade` after migrating (and by
`shopper scorecards rebuild`), from the visits' stored scores: a migration does not
import the app's code.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HEADLINES = ("cx", "service", "experience")


def upgrade() -> None:
    op.create_table(
        "score_day",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("score", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("squares", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("location_id", "day", "score"),
    )
    op.create_index("ix_score_day_location_score_day", "score_day",
                    ["location_id", "score", "day"], unique=False)
    op.create_index("ix_visit_location_critical", "visit",
                    ["location_id", "critical_failure", "status", "started_at"], unique=False)
    # A plain ADD COLUMN: a CHECK constraint would make SQLite's batch mode copy the
    # table, and dropping the old `client` with foreign keys on cascades to every
    # region, location and visit. The service keeps the target within 0 to 100.
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target", sa.Float(), server_default="80",
                                      nullable=False))
    # Each score once: cx, service and experience live in the visit's columns, no longer
    # also in its scores document.
    visits = sa.table("visit", sa.column("id", sa.Integer), sa.column("scores", sa.JSON))
    connection = op.get_bind()
    for visit_id, scores in connection.execute(
            sa.select(visits.c.id, visits.c.scores).where(visits.c.scores.is_not(None))):
        if scores and any(key in scores for key in HEADLINES):
            kept = {key: value for key, value in scores.items() if key not in HEADLINES}
            connection.execute(visits.update().where(visits.c.id == visit_id)
                               .values(scores=kept))


def downgrade() -> None:
    visits = sa.table("visit", sa.column("id", sa.Integer), sa.column("scores", sa.JSON),
                      *(sa.column(name, sa.Float) for name in HEADLINES))
    connection = op.get_bind()
    for row in connection.execute(sa.select(visits).where(visits.c.scores.is_not(None))):
        whole = {name: getattr(row, name) for name in HEADLINES} | dict(row.scores)
        connection.execute(visits.update().where(visits.c.id == row.id).values(scores=whole))
    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_column("target")
    op.drop_index("ix_visit_location_critical", table_name="visit")
    op.drop_index("ix_score_day_location_score_day", table_name="score_day")
    op.drop_table("score_day")
