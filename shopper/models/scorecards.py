"""Scores kept as sums, for scorecards that SQL can aggregate fast.

Each visit's scores are the engine's and are stored with the visit. What a scorecard
needs over many visits is only, per score, how many visits have it, their sum, the sum
of their squares, the lowest and the highest: from those the engine makes section 5's
aggregate (`shopper.scoring.location_from_sums`). They are kept per location and
calendar day (the client's day), rewritten by the transaction that approves or edits a
visit, so a scorecard reads a few hundred rows instead of every visit's document.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

#: The score of a ScoreDay row that counts the visits themselves: `n` approved visits,
#: `total` of them with at least one critical failure.
VISITS = "visits"
#: Prefixes of section and touchpoint scores ("section:<id>", "touchpoint:<name>").
SECTION, TOUCHPOINT = "section:", "touchpoint:"


class ScoreDay(SQLModel, table=True):
    __tablename__ = "score_day"
    __table_args__ = (
        # Headline scores over many days (overview, trends) without reading the section
        # and touchpoint rows of those days; the primary key serves a location's period.
        Index("ix_score_day_location_score_day", "location_id", "score", "day"),
    )

    location_id: int = Field(foreign_key="location.id", primary_key=True, ondelete="CASCADE")
    #: The calendar day, in the client's time zone, on which the visits started.
    day: date = Field(primary_key=True)
    #: "cx", "service", "experience", "visits" (VISITS), "section:<id>" or
    #: "touchpoint:<name>".
    score: str = Field(primary_key=True, max_length=250)
    #: The first day of `day`'s month: trends group by it.
    month: date
    #: Approved visits of that day with this score not null.
    n: int
    #: Sum and sum of squares of the scores (VISITS: visits with a critical failure).
    total: float
    squares: float
    low: float | None = None
    high: float | None = None
