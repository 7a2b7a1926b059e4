"""What the API answers: plain JSON-ready documents built from rows."""

from __future__ import annotations

from typing import Any

from ..field.assignments import OpenAssignment
from ..field.scores import stored_scores
from ..models import Location, Questionnaire, ReviewEvent, User, Visit


def _time(value) -> str | None:
    return value.isoformat() if value is not None else None


#: Who reads a visit with its shopper (the user id): its reviewers.
SHOPPER_READERS = ("manager", "admin")


def visit_document(visit: Visit, questionnaire: Questionnaire, reader_role: str
                   ) -> dict[str, Any]:
    """A visit as spec/contract.md names it, plus what a phone shows of its receipt.

    Managers and admins also read its `shopper`; a client viewer never reads who made
    the visit nor where they stood."""
    position = None
    if visit.latitude is not None:
        position = {"latitude": visit.latitude, "longitude": visit.longitude,
                    "accuracy": visit.position_accuracy}
    document = {
        "uuid": str(visit.uuid),
        "status": visit.status,
        "location": visit.location_id,
        "assignment_id": visit.assignment_id,
        "channel": visit.channel,
        "questionnaire": {"id": questionnaire.key, "version": questionnaire.version},
        "started_at": _time(visit.started_at),
        "ended_at": _time(visit.ended_at),
        "submitted_at": _time(visit.submitted_at),
        "revision": visit.revision,
        "answers": visit.answers,
        "scores": stored_scores(visit),
        "position": position,
        "position_status": visit.position_status,
        "quality_flags": visit.quality_flags,
    }
    if reader_role in SHOPPER_READERS:
        document["shopper"] = visit.shopper_id
    if reader_role == "client":
        del document["position"], document["position_status"]
    return document


def event_document(event: ReviewEvent, actor: User | None) -> dict[str, Any]:
    """One entry of a visit's audit trail."""
    return {"action": event.action, "at": _time(event.created_at),
            "actor": actor.id if actor else None, "actor_name": actor.name if actor else None,
            "revision": event.revision, "note": event.note or None,
            "notes": event.notes or {}, "before": event.before, "after": event.after}


def assignment_document(open_assignment: OpenAssignment) -> dict[str, Any]:
    """An open assignment with everything a visit needs offline."""
    assignment, location = open_assignment.assignment, open_assignment.location
    visit = open_assignment.visit
    return {
        "id": assignment.id,
        "location": location.id,
        "place": {"name": location.name, "address": location.address, "city": location.city,
                  "url": location.url, "latitude": location.latitude,
                  "longitude": location.longitude},
        "channel": location.channel,
        "window": {"start": _time(assignment.window_start), "end": _time(assignment.window_end)},
        "scenario": assignment.scenario,
        "state": open_assignment.state,
        "visit_uuid": str(visit.uuid) if visit else None,
        "questionnaire": open_assignment.questionnaire_row.document,
    }


def location_document(location: Location, region_name: str) -> dict[str, Any]:
    return {"id": location.id, "code": location.code, "name": location.name,
            "region": region_name, "channel": location.channel, "address": location.address,
            "city": location.city, "url": location.url}
