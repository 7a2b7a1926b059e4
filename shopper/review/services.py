"""Review actions on a visit: approve, return to the shopper, edit an answer.

Every action names the revision the reviewer was shown. The visit is locked first
(PostgreSQL: FOR UPDATE; SQLite: the write lock), so of two reviewers acting on the
same revision the second finds it raised and gets a Conflict, and nothing changes.
Every action raises the revision and leaves a ReviewEvent: who, when, what changed,
why. Scores come from the engine (an edit rescores the visit). Services flush, never
commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from ..exceptions import Conflict, InvalidInput, InvalidVisit, NotFound
from ..field.scores import score_fields
from ..field.submissions import locked_visit
from ..models import ReviewEvent, User, Visit
from ..questionnaires import questionnaire_of
from ..scorecards.storage import refresh_visit_day
from ..scoring import InvalidAnswers

#: Who reviews: managers (their regions' visits, as the permission module decides) and
#: admins.
REVIEWERS = ("manager", "admin")
#: The longest note or reason kept.
NOTE_LENGTH = 4000


def reviewable(*, session: Session, user: User, visit: Visit) -> Visit:
    """The visit, locked for this transaction, when `user` reviews it (NotFound for
    anyone else: client viewers see approved visits but never act on them)."""
    if user.role not in REVIEWERS:
        raise NotFound(f"visit {visit.uuid}")
    return locked_visit(session, visit.uuid)


def _check(visit: Visit, revision: Any, statuses: tuple[str, ...]) -> None:
    if type(revision) is not int:
        raise InvalidInput("revision", _l("Send the revision of the visit you were shown."),
                           code="not_an_integer")
    if visit.revision != revision:
        raise Conflict("the visit changed since it was shown (revision "
                       f"{revision}, now {visit.revision}): reload it")
    if visit.status not in statuses:
        raise Conflict(f"a visit that is {visit.status} cannot be changed this way")


def _repeated(session: Session, visit: Visit, user: User, revision: Any, action: str,
              **same: Any) -> ReviewEvent | None:
    """Whether this is a retry of the action that made the visit's current revision:
    the same reviewer, action and content, sent again when the answer was lost (a
    dropped connection, a killed worker). A retry answers as the first did."""
    if type(revision) is not int or visit.revision != revision + 1:
        return None
    latest = session.exec(select(ReviewEvent).where(ReviewEvent.visit_id == visit.id)
                          .order_by(ReviewEvent.id.desc())).first()
    if (latest is not None and latest.action == action and latest.actor_id == user.id
            and latest.revision == visit.revision
            and all(getattr(latest, name) == value for name, value in same.items())):
        return latest
    return None


def _event(session: Session, visit: Visit, user: User, action: str, now: datetime,
           **fields: Any) -> ReviewEvent:
    event = ReviewEvent(visit_id=visit.id, actor_id=user.id, action=action, created_at=now,
                        revision=visit.revision, **fields)
    session.add(event)
    return event


def approve_visit(*, session: Session, user: User, visit: Visit, revision: Any,
                  now: datetime) -> Visit:
    """Approve a submitted visit: it counts in scorecards from now on."""
    visit = reviewable(session=session, user=user, visit=visit)
    if _repeated(session, visit, user, revision, "approved"):
        return visit
    _check(visit, revision, ("submitted",))
    visit.status, visit.approved_at, visit.updated_at = "approved", now, now
    visit.revision += 1
    session.add(visit)
    _event(session, visit, user, "approved", now, before={"status": "submitted"},
           after={"status": "approved"})
    session.flush()
    refresh_visit_day(session=session, visit=visit)
    if visit.critical_failure and has_request_context():
        # Its region's managers hear of it at once, once the approval is committed.
        from .. import jobs

        jobs.enqueue_after_commit(jobs.send_alert, visit.id)
    return visit


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(field, _l("Write the note as text."), code="expected_text")
    if len(value) > NOTE_LENGTH:
        raise InvalidInput(field, _l("Keep it under %(count)d characters.",
                                     count=NOTE_LENGTH), code="too_long")
    return value.strip()


def return_visit(*, session: Session, user: User, visit: Visit, revision: Any,
                 note: Any, notes: Any, now: datetime) -> Visit:
    """Send a submitted visit back to its shopper with a note, overall and per question
    (`notes`: question id -> text). The shopper sees them and resubmits."""
    visit = reviewable(session=session, user=user, visit=visit)
    if isinstance(note, str) and (notes is None or isinstance(notes, dict)):
        cleaned = {q: t.strip() for q, t in (notes or {}).items()
                   if isinstance(t, str) and t.strip()}
        if _repeated(session, visit, user, revision, "returned", note=note.strip(),
                     notes=cleaned or None):
            return visit
    _check(visit, revision, ("submitted",))
    overall = _text(note, "note")
    if notes is None:
        notes = {}
    if not isinstance(notes, dict):
        raise InvalidInput("notes", _l("Send the notes as a map of question id to text."),
                           code="not_a_map")
    _row, questionnaire = questionnaire_of(session=session,
                                           questionnaire_id=visit.questionnaire_id)
    known = {q.id for q in questionnaire.questions}
    per_question = {}
    for question_id, text in notes.items():
        if question_id not in known:
            raise InvalidInput(f"notes.{question_id}", _l("There is no such question in "
                                                          "this questionnaire."),
                               code="unknown_question")
        if cleaned := _text(text, f"notes.{question_id}"):
            per_question[question_id] = cleaned
    if not overall and not per_question:
        raise InvalidInput("note", _l("Tell the shopper what to change."), code="missing")
    visit.status, visit.updated_at = "returned", now
    visit.revision += 1
    session.add(visit)
    _event(session, visit, user, "returned", now, note=overall, notes=per_question or None,
           before={"status": "submitted"}, after={"status": "returned"})
    session.flush()
    return visit


def edit_visit(*, session: Session, user: User, visit: Visit, revision: Any,
               answers: Any, reason: Any, now: datetime) -> Visit:
    """Change answers of a submitted or approved visit, for a reason; the engine
    rescores it (an approved visit stays approved, and the scorecards follow). An
    answer of None removes it."""
    visit = reviewable(session=session, user=user, visit=visit)
    if isinstance(reason, str) and isinstance(answers, dict):
        done = _repeated(session, visit, user, revision, "edited", note=reason.strip())
        if done is not None and done.after and all(
                answers.get(q, ...) == value for q, value in done.after["answers"].items()):
            return visit
    _check(visit, revision, ("submitted", "approved"))
    why = _text(reason, "reason")
    if not why:
        raise InvalidInput("reason", _l("Say why the answer changes."), code="missing")
    if not isinstance(answers, dict) or not answers:
        raise InvalidInput("answers", _l("Send the changed answers as a map of question id "
                                         "to answer."), code="not_a_map")
    _row, questionnaire = questionnaire_of(session=session,
                                           questionnaire_id=visit.questionnaire_id)
    edited = dict(visit.answers)
    for question_id, value in answers.items():
        if value is None:
            edited.pop(question_id, None)
        else:
            edited[question_id] = value
    try:
        fields = score_fields(questionnaire, edited, visit.channel)
    except InvalidAnswers as invalid:
        raise InvalidVisit(invalid.problems) from None
    changed = sorted(q for q in answers if visit.answers.get(q) != edited.get(q))
    if not changed:
        raise InvalidInput("answers", _l("These are the answers the visit has already."),
                           code="unchanged")
    before = {"answers": {q: visit.answers.get(q) for q in changed}, "cx": visit.cx}
    visit.answers = edited
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.updated_at = now
    visit.revision += 1
    session.add(visit)
    _event(session, visit, user, "edited", now, note=why, before=before,
           after={"answers": {q: edited.get(q) for q in changed}, "cx": visit.cx})
    session.flush()
    if visit.status == "approved":
        refresh_visit_day(session=session, visit=visit)
    return visit


def visit_events(*, session: Session, visit: Visit) -> list[tuple[ReviewEvent, User | None]]:
    """The visit's audit trail, oldest first, with each event's actor."""
    return list(session.exec(
        select(ReviewEvent, User).outerjoin(User, User.id == ReviewEvent.actor_id)
        .where(ReviewEvent.visit_id == visit.id)
        .order_by(ReviewEvent.created_at, ReviewEvent.id)).all())


def approve_visits(*, session: Session, user: User, shown: list[tuple[Visit, Any]],
                   now: datetime) -> tuple[list[Visit], list[Visit]]:
    """Approve each visit at the revision it was shown, unless it carries a quality
    flag; returns (approved, changed since shown or flagged). Each is its own
    savepoint, so one that changed does not stop the others."""
    approved, refused = [], []
    for visit, revision in shown:
        try:
            with session.begin_nested():
                if visit.quality_flags:
                    raise Conflict("a flagged visit is approved on its own page")
                approved.append(approve_visit(session=session, user=user, visit=visit,
                                              revision=revision, now=now))
        except (Conflict, InvalidInput):
            refused.append(visit)
    return approved, refused


#: How long "opened by" stays on a visit after its reviewer opened it.
OPENED_FOR = timedelta(minutes=30)


def mark_opened(*, session: Session, visit_id: int, user: User, now: datetime) -> None:
    """Note that `user` has the visit's review page open (no revision change: it is a
    sign for other reviewers, not a change to the visit)."""
    visit = session.get(Visit, visit_id)
    if visit is not None:
        visit.review_opened_by_id, visit.review_opened_at = user.id, now
        session.add(visit)
        session.flush()


def opened_by_other(visit: Visit, user: User, now: datetime) -> bool:
    """Whether another reviewer opened the visit within OPENED_FOR."""
    return (visit.review_opened_by_id not in (None, user.id)
            and visit.review_opened_at is not None
            and now - visit.review_opened_at < OPENED_FOR)
