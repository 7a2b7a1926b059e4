"""Drafts: the answers given so far, kept on the server whenever the phone is online.

Not validated (that is for submission). Saves of one draft race when a phone retries:
the first insert wins and the others update it, so every save answers with the draft
as stored. Services flush and never commit.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..exceptions import Conflict, InvalidInput, NotFound
from ..models import Assignment, Location, User, Visit, utcnow
from .assignments import shopper_assignment
from .submissions import locked_visit


def save_draft(*, session: Session, user: User, visit_uuid: uuid_module.UUID,
               assignment_id: Any, answers: dict[str, Any],
               started_at: datetime | None = None) -> Visit:
    """Keep the answers given so far. Raises NotFound (not the caller's assignment or
    visit), Conflict (sent already, or under another assignment), InvalidInput."""
    if not isinstance(answers, dict):
        raise InvalidInput("answers", _l("must be a map of question id to answer"))
    assignment = shopper_assignment(session=session, user=user, assignment_id=assignment_id)
    visit = locked_visit(session, visit_uuid)
    if visit is None:
        other = session.exec(select(Visit.uuid).where(Visit.assignment_id == assignment.id)
                             ).first()
        if other == visit_uuid:  # stored by a save that committed since the lock above
            visit = locked_visit(session, visit_uuid)
        elif other is not None:
            raise Conflict("this assignment already has another visit")
    if visit is None:
        location = session.get(Location, assignment.location_id)
        visit = Visit(uuid=visit_uuid, assignment_id=assignment.id, shopper_id=user.id,
                      location_id=location.id, questionnaire_id=assignment.questionnaire_id,
                      channel=location.channel, status="draft", opened_at=utcnow())
        _fill(visit, answers, started_at)
        try:
            with session.begin_nested():  # see submissions.submit_visit
                session.add(visit)
                session.flush()
            return visit
        except IntegrityError:
            # The same draft saved twice at once (a retry): the first insert won.
            if visit in session:
                session.expunge(visit)
            visit = locked_visit(session, visit_uuid)
            if visit is None:
                raise Conflict("this assignment already has another visit") from None
    _check_owner(visit, user, assignment)
    _fill(visit, answers, started_at)
    session.add(visit)
    session.flush()
    return visit


def _check_owner(visit: Visit, user: User, assignment: Assignment) -> None:
    if visit.shopper_id != user.id:
        raise NotFound(f"visit {visit.uuid}")
    if visit.assignment_id != assignment.id:
        raise Conflict("this visit belongs to another assignment")
    if visit.status in ("submitted", "approved"):
        raise Conflict("this visit was already sent")


def _fill(visit: Visit, answers: dict[str, Any], started_at: datetime | None) -> None:
    visit.answers = answers
    if started_at is not None and visit.started_at is None:
        visit.started_at = started_at
    visit.updated_at = utcnow()
