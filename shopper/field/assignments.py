"""The shopper's assignments and visits: what their lists and the form page show.

Plain queries, no scoring: a shopper never sees a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from ..exceptions import NotFound
from ..models import Assignment, Client, Location, Questionnaire, Region, ReviewEvent, User, Visit
from ..questionnaires import parse_stored
from ..scoring import Questionnaire as ParsedQuestionnaire

#: The shopper's view of an assignment, from the status of its visit (None: none yet).
VISIT_STATE = {None: "new", "draft": "draft", "submitted": "sent", "approved": "sent",
               "returned": "returned"}


def shopper_assignment(*, session: Session, user: User, assignment_id: Any) -> Assignment:
    """The caller's own assignment (NotFound for anyone else's, or none)."""
    try:
        assignment = session.get(Assignment, int(assignment_id))
    except (TypeError, ValueError, OverflowError):
        assignment = None
    if assignment is None or assignment.shopper_id != user.id:
        raise NotFound(f"assignment {assignment_id}")
    return assignment


@dataclass(frozen=True)
class OpenAssignment:
    assignment: Assignment
    location: Location
    questionnaire_row: Questionnaire
    #: The visit begun, sent or returned; None for a new one.
    visit: Visit | None
    #: The client's time zone (an IANA name; None: the DEFAULT_TIMEZONE setting).
    timezone: str | None = None

    @property
    def state(self) -> str:
        """new, draft, sent or returned."""
        return VISIT_STATE[self.visit.status if self.visit else None]


def open_assignments(*, session: Session, user: User) -> list[OpenAssignment]:
    """The shopper's open assignments, due soonest first, with their visits."""
    rows = session.exec(
        select(Assignment, Location, Questionnaire, Visit, Client.timezone)
        .join(Location, Location.id == Assignment.location_id)
        .join(Region, Region.id == Location.region_id)
        .join(Client, Client.id == Region.client_id)
        .join(Questionnaire, Questionnaire.id == Assignment.questionnaire_id)
        .outerjoin(Visit, Visit.assignment_id == Assignment.id)
        .where(Assignment.shopper_id == user.id, Assignment.status == "open")
        .order_by(Assignment.window_end, Assignment.id)
    ).all()
    return [OpenAssignment(*row) for row in rows]


def return_notes(*, session: Session, visit_ids: list[int]) -> dict[int, str]:
    """The latest reviewer's note of each of these returned visits."""
    notes: dict[int, str] = {}
    if visit_ids:
        for visit_id, note in session.exec(
                select(ReviewEvent.visit_id, ReviewEvent.note)
                .where(ReviewEvent.visit_id.in_(visit_ids), ReviewEvent.action == "returned")
                .order_by(ReviewEvent.created_at, ReviewEvent.id)):
            notes[visit_id] = note  # the latest note wins
    return notes


@dataclass(frozen=True)
class PastVisit:
    """A visit the shopper sent, for their list: no score (scores are for managers)."""

    visit: Visit
    location: Location
    #: The client's time zone (None: the DEFAULT_TIMEZONE setting).
    timezone: str | None
    #: The reviewer's note when the visit is returned.
    return_note: str | None


def past_visits(*, session: Session, user: User, limit: int = 100) -> list[PastVisit]:
    """The shopper's sent visits: returned ones first (they need the shopper), then the
    most recent."""
    rows = session.exec(
        select(Visit, Location, Client.timezone)
        .join(Location, Location.id == Visit.location_id)
        .join(Region, Region.id == Location.region_id)
        .join(Client, Client.id == Region.client_id)
        .where(Visit.shopper_id == user.id, Visit.status != "draft")
        .order_by((Visit.status == "returned").desc(), Visit.started_at.desc(), Visit.id.desc())
        .limit(limit)
    ).all()
    notes = return_notes(session=session,
                         visit_ids=[v.id for v, _, _ in rows if v.status == "returned"])
    return [PastVisit(visit=v, location=loc, timezone=tz, return_note=notes.get(v.id))
            for v, loc, tz in rows]


@dataclass(frozen=True)
class VisitContext:
    """Everything the form page of an assignment shows."""

    assignment: Assignment
    location: Location
    questionnaire_row: Questionnaire
    questionnaire: ParsedQuestionnaire
    #: The visit already begun (draft), sent, or returned; None for a new one.
    visit: Visit | None
    #: The reviewer's note when the visit was returned.
    return_note: str | None
    #: The reviewer's notes per question (question id -> text) when returned.
    question_notes: dict[str, str]


def visit_context(*, session: Session, user: User, assignment_id: int) -> VisitContext:
    """The caller's assignment with its questionnaire and visit (NotFound otherwise)."""
    assignment = shopper_assignment(session=session, user=user, assignment_id=assignment_id)
    row = session.get(Questionnaire, assignment.questionnaire_id)
    visit = session.exec(select(Visit).where(Visit.assignment_id == assignment.id)).first()
    returned = None
    if visit is not None and visit.status == "returned":
        returned = session.exec(
            select(ReviewEvent).where(ReviewEvent.visit_id == visit.id,
                                      ReviewEvent.action == "returned")
            .order_by(ReviewEvent.id.desc())).first()
    return VisitContext(assignment=assignment,
                        location=session.get(Location, assignment.location_id),
                        questionnaire_row=row, questionnaire=parse_stored(row),
                        visit=visit, return_note=returned.note if returned else None,
                        question_notes=(returned.notes or {}) if returned else {})
