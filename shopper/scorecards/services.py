"""Reading stored visit scores for a scorecard. The numbers are the engine's: each
visit's scores were stored by it, and `aggregate_location` makes the scorecard."""

from __future__ import annotations

from datetime import date, tzinfo

from sqlmodel import Session, select

from ..models import Location, Visit
from ..scoring import LocationScorecard, aggregate_location, visit_scores_from_document
from ..times import day_bounds


def location_scorecard(*, session: Session, location: Location, zone: tzinfo,
                       first_day: date | None = None, last_day: date | None = None
                       ) -> LocationScorecard:
    """The scorecard of `location` over its approved visits started in
    [first_day, last_day] (inclusive days of `zone`, the programme's; open-ended when
    None)."""
    query = select(Visit.scores).where(Visit.location_id == location.id,
                                       Visit.status == "approved",
                                       Visit.scores.is_not(None))
    start, end = day_bounds(first_day, last_day, zone)
    if start is not None:
        query = query.where(Visit.started_at >= start)
    if end is not None:
        query = query.where(Visit.started_at < end)
    scores = [visit_scores_from_document(document) for document in session.exec(query)]
    return aggregate_location(scores)
