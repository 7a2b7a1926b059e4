"""Finished visits as the shopper's phone (or the plain HTML form) sends them.

Submissions arrive exactly once: the phone makes the visit's `uuid` when the form opens
and sends it with every retry. The first store wins (a unique constraint, never a
check-then-insert); the same content again is a replay (`created=False`), other content
under a submitted `uuid` a conflict. The numbers come from the engine. Services flush
and never commit.
"""

from __future__ import annotations

import hashlib
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import orjson
from sqlalchemy import bindparam, exists, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class
from sqlmodel import Session, select

from ..db import read_kept, reading
from ..exceptions import Conflict, InvalidVisit, NotFound
from ..models import Assignment, Location, Photo, Questionnaire, ReviewEvent, User, Visit, utcnow
from ..problems import problem
from ..questionnaires import cached_parse, parse_stored
from ..scoring import InvalidAnswers, Problem
from ..scoring import Questionnaire as ParsedQuestionnaire
from ..security import LARGEST_ID
from .quality import FlagInputs, quality_flags
from .scores import score_fields


@dataclass(frozen=True)
class Submission:
    """A finished visit as the phone (or the plain HTML form) sends it."""

    uuid: uuid_module.UUID
    assignment_id: int
    channel: str
    started_at: datetime
    ended_at: datetime
    answers: dict[str, Any]
    latitude: float | None = None
    longitude: float | None = None
    position_accuracy: float | None = None
    #: given, refused or unavailable; None when the phone said nothing.
    position_status: str | None = None

    def content_hash(self) -> str:
        content = {
            "assignment_id": self.assignment_id, "channel": self.channel,
            "started_at": self.started_at.isoformat(), "ended_at": self.ended_at.isoformat(),
            "answers": self.answers, "position": [self.latitude, self.longitude,
                                                  self.position_accuracy, self.position_status],
        }
        return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


class StoredVisit(NamedTuple):
    """What submit_visit stored (or found stored), whether it is new, and the row of the
    questionnaire it was checked against (without its document)."""

    visit: Visit
    created: bool
    #: Its id, key and version (QuestionnaireColumns), as a visit's document names them.
    questionnaire: Any


def _photo_refs(answers: dict[str, Any]) -> list[uuid_module.UUID]:
    wanted = []
    for refs in answers.values():
        for ref in refs if isinstance(refs, list) else ():
            try:
                wanted.append(uuid_module.UUID(str(ref)))
            except ValueError:
                continue  # no such photo: reported by _photo_problems
    return wanted


def photos_named(session: Session, answers: dict[str, Any]) -> dict[str, Photo]:
    """The stored photos that a visit's answers name, by reference (one query)."""
    wanted = _photo_refs(answers)
    if not wanted:
        return {}
    return {str(p.uuid): p for p in session.exec(select(Photo).where(Photo.uuid.in_(wanted)))}


_PHOTO = Photo.__table__
_OTHER_PHOTO = _PHOTO.alias("other_photo")
#: The photos stored for a visit, each with whether the same bytes came with another
#: visit (a quality flag). One bound parameter, no expanding IN: a Core statement,
#: compiled once per process.
_VISIT_PHOTOS = select(
    _PHOTO.c.uuid, _PHOTO.c.owner_id, _PHOTO.c.visit_uuid,
    exists().where(_OTHER_PHOTO.c.sha256 == _PHOTO.c.sha256,
                   _OTHER_PHOTO.c.visit_uuid != _PHOTO.c.visit_uuid).label("seen_elsewhere"),
).where(_PHOTO.c.visit_uuid == bindparam("visit_uuid"))


def _photos_and_reuse(session: Session, answers: dict[str, Any], visit_uuid: uuid_module.UUID
                      ) -> tuple[dict[str, Any], bool]:
    """The photos stored for this visit that its answers name, and whether one of them
    was also sent with another visit, in one query. A named photo that is not among
    them (unknown, or stored for another visit) is reported by _photo_problems."""
    if not any(isinstance(refs, list) and refs for refs in answers.values()):
        return {}, False
    named = {str(ref) for refs in answers.values() if isinstance(refs, list) for ref in refs}
    rows = [row for row in session.connection().execute(_VISIT_PHOTOS,
                                                        {"visit_uuid": visit_uuid})
            if str(row.uuid) in named]
    return {str(row.uuid): row for row in rows}, any(row.seen_elsewhere for row in rows)


class AssignmentParts(NamedTuple):
    """What a submission needs of its assignment, location and questionnaire row."""

    id: int
    shopper_id: int
    status: str
    window_start: datetime
    window_end: datetime
    questionnaire_id: int
    location_id: int
    channel: str
    latitude: float | None
    longitude: float | None
    #: The questionnaire row's columns but its document: what a visit's document names
    #: and what finds its cached parse.
    questionnaire: Any


class QuestionnaireColumns(NamedTuple):
    id: int
    key: str
    version: int
    status: str
    created_at: datetime


_ASSIGNMENT, _LOCATION, _QUESTIONNAIRE, _VISIT = (
    model.__table__ for model in (Assignment, Location, Questionnaire, Visit))
#: One Core statement, compiled once per process: a submission reads these columns
#: only (the ORM's three entities cost three times as much), and with them the state of
#: the visit already stored under the submission's uuid, if any (what its checks rely
#: on: none, or its status, revision and last change).
_ASSIGNMENT_PARTS = (
    select(_ASSIGNMENT.c.id, _ASSIGNMENT.c.shopper_id, _ASSIGNMENT.c.status,
           _ASSIGNMENT.c.window_start, _ASSIGNMENT.c.window_end,
           _ASSIGNMENT.c.questionnaire_id, _LOCATION.c.id, _LOCATION.c.channel,
           _LOCATION.c.latitude, _LOCATION.c.longitude, _QUESTIONNAIRE.c.key,
           _QUESTIONNAIRE.c.version, _QUESTIONNAIRE.c.status, _QUESTIONNAIRE.c.created_at,
           _VISIT.c.status, _VISIT.c.revision, _VISIT.c.updated_at)
    .join(_LOCATION, _LOCATION.c.id == _ASSIGNMENT.c.location_id)
    .join(_QUESTIONNAIRE, _QUESTIONNAIRE.c.id == _ASSIGNMENT.c.questionnaire_id)
    .outerjoin(_VISIT, _VISIT.c.uuid == bindparam("uuid"))
    .where(_ASSIGNMENT.c.id == bindparam("assignment_id")))

#: A stored visit's status, revision and last change; None when the uuid is not stored.
VisitState = tuple[str, int, datetime] | None


def _parts_of(found) -> tuple[AssignmentParts, VisitState]:
    parts = AssignmentParts(*found[:10], questionnaire=QuestionnaireColumns(found[5],
                                                                           *found[10:14]))
    return parts, (None if found[14] is None else tuple(found[14:17]))


def _read_parts(session: Session, assignment_id: int, visit_uuid: uuid_module.UUID
                ) -> tuple[AssignmentParts, VisitState] | None:
    found = session.connection().execute(
        _ASSIGNMENT_PARTS, {"assignment_id": assignment_id, "uuid": visit_uuid}).first()
    return None if found is None else _parts_of(found)


def _assignment_parts(session: Session, user: User, assignment_id: Any,
                      visit_uuid: uuid_module.UUID
                      ) -> tuple[AssignmentParts, ParsedQuestionnaire, VisitState]:
    """The caller's own assignment (NotFound for anyone else's, or none) with its
    location and questionnaire row, the engine's questionnaire, and the state of the
    visit stored under `visit_uuid`, in one query (the document is read only when its
    parse is not cached)."""
    try:
        wanted = int(assignment_id)
    except (TypeError, ValueError, OverflowError):
        wanted = None
    found = None
    if wanted is not None and 0 < wanted <= LARGEST_ID:
        found = _read_parts(session, wanted, visit_uuid)
    if found is None or found[0].shopper_id != user.id:
        raise NotFound(f"assignment {assignment_id}")
    parts, state = found
    row = parts.questionnaire
    questionnaire = cached_parse(row.id, row.version, row.created_at, row.status)
    if questionnaire is None:
        questionnaire = parse_stored(session.get(Questionnaire, row.id))
    return parts, questionnaire, state


def _photo_problems(photos: dict[str, Any], user: User, submission: Submission,
                    questionnaire: ParsedQuestionnaire) -> list[Problem]:
    """Every photo a visit names must be stored, be the caller's, and belong to it."""
    problems = []
    for question in questionnaire.questions:
        refs = submission.answers.get(question.id)
        if question.type != "photo" or not isinstance(refs, list):
            continue
        for ref in refs:
            photo = photos.get(str(ref))
            if (photo is None or photo.owner_id != user.id
                    or photo.visit_uuid != submission.uuid):
                problems.append(problem(question.id, "photo_missing", ref=str(ref)))
    return problems


def submit_visit(*, session: Session, user: User, submission: Submission,
                 settings: dict[str, Any], now: datetime | None = None
                 ) -> StoredVisit:
    """Store a finished visit with its scores: the visit, whether it is new, and its
    questionnaire's row.

    A replay of the same content returns the stored visit (`False`); a returned visit
    is resubmitted as a new revision (`False`). Raises NotFound (not the caller's
    assignment), InvalidVisit (with one problem per question), Conflict.

    On SQLite a writer holds the whole database's lock, so a visit is checked and
    scored in a read transaction first (WAL: it waits for nobody), and the write
    transaction only reads again what the check relied on: the assignment, its location
    and questionnaire (one row, compared whole) and the state of the uuid's visit (none,
    or the draft or returned visit's status, revision and last change). Should either
    have changed meanwhile, everything is done again under the lock. PostgreSQL
    locks rows: one transaction. A session already writing (the HTML form stored its
    photos first) keeps its transaction.
    """
    now = now or utcnow()  # the demo replays history at its own times
    if session.get_bind().dialect.name == "sqlite" and (
            not session.in_transaction() or read_kept(session)):
        with reading(session):  # goes on in the read that found the caller, if kept
            checked = _checked(session, user, submission, settings, now)
        if isinstance(checked, StoredVisit):
            return checked  # a replay: nothing to write
        if _unchanged(session, checked, submission):
            return _write(session, user, submission, checked, now)
    checked = _checked(session, user, submission, settings, now)
    if isinstance(checked, StoredVisit):
        return checked
    return _write(session, user, submission, checked, now)


@dataclass
class _Checked:
    """A submission checked and scored, ready to be written."""

    assignment: AssignmentParts
    existing: Visit | None
    values: dict[str, Any]
    content_hash: str


def _unchanged(session: Session, checked: _Checked, submission: Submission) -> bool:
    """Within the write transaction: what `checked` relied on is as it was read (before
    `_write` changes the visit it found)."""
    existing = checked.existing
    was = None if existing is None else (existing.status, existing.revision,
                                         existing.updated_at)
    return _read_parts(session, checked.assignment.id, submission.uuid) == (
        checked.assignment, was)


def _checked(session: Session, user: User, submission: Submission, settings: dict[str, Any],
             now: datetime) -> StoredVisit | _Checked:
    """The stored visit when this is a replay, else the submission checked and scored;
    raises as submit_visit says."""
    assignment, questionnaire, stored = _assignment_parts(
        session, user, submission.assignment_id, submission.uuid)
    questionnaire_row = assignment.questionnaire
    content_hash = submission.content_hash()

    # Most submissions are new: the locked load only when the uuid is stored.
    existing = locked_visit(session, submission.uuid) if stored else None
    if existing is not None and existing.status in ("submitted", "approved"):
        return StoredVisit(_replay(existing, user, content_hash), False, questionnaire_row)
    if existing is not None and existing.shopper_id != user.id:
        raise NotFound(f"visit {submission.uuid}")
    if existing is not None and existing.assignment_id != assignment.id:
        raise Conflict("this visit belongs to another assignment")
    if existing is not None and existing.status == "returned":
        if existing.content_hash == content_hash:
            # the phone's blind re-send: the visit as it stands
            return StoredVisit(existing, False, questionnaire_row)
        _check_resubmission_window(session, existing, settings["RESUBMIT_DAYS"], now)
    if assignment.status == "cancelled":
        raise Conflict("this assignment was cancelled")

    problems: list[Problem] = []
    if submission.channel != assignment.channel:
        problems.append(problem("channel", "wrong_channel", expected=assignment.channel))
    if submission.ended_at < submission.started_at:
        problems.append(problem("ended_at", "ends_before_start"))
    try:
        fields = score_fields(questionnaire, submission.answers, assignment.channel)
    except InvalidAnswers as invalid:
        problems.extend(invalid.problems)
        fields = {}
    # A photo's row never changes once stored: what is read here holds at the write.
    photos, photo_seen_elsewhere = _photos_and_reuse(session, submission.answers,
                                                     submission.uuid)
    problems.extend(_photo_problems(photos, user, submission, questionnaire))
    if problems:
        raise InvalidVisit(problems)

    values = {
        "assignment_id": assignment.id, "shopper_id": user.id,
        "location_id": assignment.location_id, "questionnaire_id": assignment.questionnaire_id,
        "status": "submitted",
        "channel": assignment.channel, "started_at": submission.started_at,
        "ended_at": submission.ended_at, "submitted_at": now, "updated_at": now,
        "answers": submission.answers, "latitude": submission.latitude,
        "longitude": submission.longitude, "position_accuracy": submission.position_accuracy,
        "position_status": submission.position_status, "content_hash": content_hash,
        **fields,
    }
    facts = FlagInputs(
        channel=assignment.channel, started_at=submission.started_at,
        ended_at=submission.ended_at, window_start=assignment.window_start,
        window_end=assignment.window_end,
        location_position=(assignment.latitude, assignment.longitude),
        visit_position=(submission.latitude, submission.longitude),
        photo_seen_elsewhere=photo_seen_elsewhere)
    values["quality_flags"] = quality_flags(
        facts, min_minutes=settings["MIN_VISIT_MINUTES"],
        max_distance_m=settings["MAX_CHECKIN_DISTANCE_M"])
    values["flag_count"] = len(values["quality_flags"])
    return _Checked(assignment, existing, values, content_hash)


def _write(session: Session, user: User, submission: Submission, checked: _Checked,
           now: datetime) -> StoredVisit:
    """Store a checked submission: a new visit, or the draft or returned visit it
    completes; and its "submitted" event."""
    existing, values = checked.existing, checked.values
    questionnaire_row = checked.assignment.questionnaire
    was = existing.status if existing is not None else None
    returned_answers = dict(existing.answers) if was == "returned" else None
    if existing is None:
        visit = _insert_new(session, _NEW_VISIT | values | {
            "uuid": submission.uuid, "opened_at": now, "created_at": now})
        if visit is None:
            # Another request stored this uuid (or another visit of the assignment) first.
            raced = session.exec(select(Visit).where(Visit.uuid == submission.uuid)).first()
            if raced is None:
                raise Conflict("this assignment already has another visit")
            return StoredVisit(_replay(raced, user, checked.content_hash), False,
                               questionnaire_row)
    else:
        visit = existing
        for name, value in values.items():
            setattr(visit, name, value)
        if was == "returned":
            visit.revision += 1  # a resubmission under the same uuid
        session.flush()
    before = after = None
    if returned_answers is not None:  # a resubmission: what changed since the return
        changed = sorted(set(returned_answers) | set(submission.answers))
        changed = [q for q in changed if returned_answers.get(q) != submission.answers.get(q)]
        before = {"answers": {q: returned_answers.get(q) for q in changed}}
        after = {"answers": {q: submission.answers.get(q) for q in changed}}
    session.connection().execute(_INSERT_EVENT, {
        "visit_id": visit.id, "actor_id": user.id, "action": "submitted", "note": "",
        "notes": None, "revision": visit.revision, "before": before,
        "after": (after or {}) | {"cx": visit.cx}, "created_at": now})
    return StoredVisit(visit, was in (None, "draft"), questionnaire_row)


#: The columns of a new visit that a submission does not set, as the model's defaults
#: would.
_NEW_VISIT = {"origin": "field", "approved_at": None, "scores": None, "explanation": None,
              "cx": None, "service": None, "experience": None, "critical_failure": False,
              "review_opened_by_id": None, "review_opened_at": None, "revision": 1}
_VISIT_COLUMNS = tuple(column.name for column in Visit.__table__.columns
                       if column.name != "id")
#: A new visit, or nothing when its uuid (or its assignment) already has one: the
#: unique constraints decide, as before, without a savepoint or a failed statement.
_INSERT_VISIT = {
    name: dialect_insert(Visit.__table__).on_conflict_do_nothing()
    .returning(Visit.__table__.c.id)
    for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))}
_INSERT_EVENT = insert(ReviewEvent.__table__)
_VISIT_MANAGER = manager_of_class(Visit)


def _insert_new(session: Session, columns: dict[str, Any]) -> Visit | None:
    """A new visit of these columns (every one but its id), stored and in the session;
    None when another request stored it (or another visit of its assignment) first."""
    row = {name: columns[name] for name in _VISIT_COLUMNS}  # each given: none forgotten
    new_id = session.connection().execute(
        _INSERT_VISIT[session.get_bind().dialect.name], row).scalar()
    if new_id is None:
        return None
    # Made as a query's load makes an instance, stored as it is: no __init__ (SQLModel
    # sets each of the 35 fields through pydantic and SQLAlchemy's events, 5% of a
    # submission), no second insert, no reload.
    visit = _VISIT_MANAGER.new_instance()
    vars(visit).update(row, id=new_id)
    make_transient_to_detached(visit)
    session.add(visit)
    return visit


def _check_resubmission_window(session: Session, visit: Visit, days: int, now: datetime
                               ) -> None:
    """A returned visit may be sent again for `days` after it was returned, even once
    its assignment's window has closed."""
    returned_at = session.exec(
        select(ReviewEvent.created_at).where(ReviewEvent.visit_id == visit.id,
                                             ReviewEvent.action == "returned")
        .order_by(ReviewEvent.id.desc())).first()
    if returned_at is not None and now > returned_at + timedelta(days=days):
        raise Conflict(f"the {days} days to send this returned visit again have passed")


def locked_visit(session: Session, visit_uuid: uuid_module.UUID) -> Visit | None:
    """The visit with this uuid, locked for this transaction (PostgreSQL: FOR UPDATE;
    SQLite: the write lock taken by BEGIN IMMEDIATE)."""
    # populate_existing: a visit already loaded in this session (a reviewer's permission
    # check) is read again once the lock is held, or a racing change would go unseen.
    return session.exec(select(Visit).where(Visit.uuid == visit_uuid).with_for_update()
                        .execution_options(populate_existing=True)).first()



def _replay(visit: Visit, user: User, content_hash: str) -> Visit:
    if visit.shopper_id != user.id:
        raise NotFound(f"visit {visit.uuid}")
    if visit.content_hash != content_hash:
        raise Conflict("a visit with this uuid was already sent with other answers")
    return visit
