"""The review API (spec/contract.md): approve, return, edit, and the audit trail.

Each action sends the `revision` it was shown; a stale one, or an action the visit's
status does not allow, answers 409 and changes nothing. For the managers of the visit's
region and admins; everyone else gets 404.
"""

from __future__ import annotations

from flask import g, jsonify, request

from .. import db
from ..auth.permissions import get_visible_by_uuid
from ..auth.session import login_required
from ..exceptions import NotFound, Unprocessable
from ..models import Visit, utcnow
from ..problems import problem
from ..review import services
from .documents import event_document, visit_document
from .views import bp, questionnaire_row_of


def _payload() -> dict:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def _visit(visit_uuid: str) -> Visit:
    return get_visible_by_uuid(db.get_session(), g.user, Visit, visit_uuid)


def _answer(visit: Visit):
    db.commit()
    return jsonify(visit_document(visit, questionnaire_row_of(visit), g.user.role))


def _act(visit_uuid: str, action, *fields: str):
    """Run a review action with the revision and the `fields` of the JSON body."""
    payload = _payload()
    visit = _visit(visit_uuid)
    values = {name: payload.get(name) for name in fields}
    # A note or reason is stored as text, which on PostgreSQL cannot hold a NUL character
    # (the review desk's forms get 400 for one, in security.py).
    unstorable = [name for name, value in values.items()
                  if isinstance(value, str) and "\x00" in value]
    if unstorable:
        raise Unprocessable([problem(name, "invalid") for name in unstorable])
    visit = action(session=db.get_session(), user=g.user, visit=visit,
                   revision=payload.get("revision"), now=utcnow(), **values)
    return _answer(visit)


@bp.post("/visits/<visit_uuid>/approve")
@login_required
def approve_visit(visit_uuid: str):
    return _act(visit_uuid, services.approve_visit)


@bp.post("/visits/<visit_uuid>/return")
@login_required
def return_visit(visit_uuid: str):
    return _act(visit_uuid, services.return_visit, "note", "notes")


@bp.patch("/visits/<visit_uuid>")
@login_required
def edit_visit(visit_uuid: str):
    return _act(visit_uuid, services.edit_visit, "answers", "reason")


@bp.get("/visits/<visit_uuid>/events")
@login_required
def visit_events(visit_uuid: str):
    """The visit's audit trail, oldest first (its reviewers only)."""
    visit = _visit(visit_uuid)
    if g.user.role not in services.REVIEWERS:
        raise NotFound(f"visit {visit_uuid}")
    events = services.visit_events(session=db.get_session(), visit=visit)
    return jsonify(items=[event_document(event, actor) for event, actor in events], next=None)
