"""Scoring a batch of visits into the document of spec/scoring.md section 6."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .aggregate import aggregate_group, aggregate_location
from .documents import group_document, location_document, visit_scores_document
from .questionnaire import Questionnaire
from .visit import InvalidAnswers, VisitScores, score_visit


def score_batch(
    questionnaire: Questionnaire, visits: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, Any], bool]:
    """Score `{"id", "location", "channel"?, "answers"}` visits.

    Returns the document (`visits`, `errors`, `locations`, `overall`) and whether
    every visit was valid. Invalid visits appear only under `errors`.
    """
    scored: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    by_location: dict[Any, list[VisitScores]] = {}
    for visit in visits:
        try:
            scores = score_visit(questionnaire, visit.get("answers", {}), visit.get("channel"))
        except InvalidAnswers as invalid:
            errors.append({"id": visit["id"], "messages": invalid.messages})
            continue
        by_location.setdefault(visit["location"], []).append(scores)
        document = visit_scores_document(scores)
        scored.append({"id": visit["id"], "location": visit["location"], **document})

    section_ids = [s.id for s in questionnaire.sections]
    locations = {
        location: aggregate_location(
            by_location[location], sections=section_ids, touchpoints=questionnaire.touchpoints
        )
        for location in sorted(by_location, key=str)
    }
    document = {
        "visits": scored,
        "errors": errors,
        "locations": [{"location": location} | location_document(card)
                      for location, card in locations.items()],
        "overall": group_document(aggregate_group(locations.values())),
    }
    return document, not errors
