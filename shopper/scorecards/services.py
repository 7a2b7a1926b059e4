"""Reading stored visit scores for a scorecard. The numbers are the engine's: each
visit's scores were stored by it, and `aggregate_location` makes the scorecard."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from ..models import Location, Visit, day_start
from ..scoring import LocationScorecard, aggregate_location, visit_scores_from_document


def location_scorecard(*, session: Session, location: Location, first_day: date | None = None,
                       last_day: date | None = None) -> LocationScorecard:
    """The scorecard of `location` over its approved visits started in
    [first_day, last_day] (inclusive, UTC days; open-ended when None)."""
    query = select(Visit.scores).where(Visit.location_id == location.id,
                                       Visit.status == "approved",
                                       Visit.scores.is_not(None))
    if first_day is not None:
        query = query.where(Visit.started_at >= day_start(first_day))
    if last_day is not None:
        query = query.where(Visit.started_at < day_start(last_day + timedelta(days=1)))
    scores = [visit_scores_from_document(document) for document in session.exec(query)]
    return aggregate_location(scores)
