"""Visits and photos as the shopper's phone sends them. The numbers come from the
engine, never from here.

Submissions arrive exactly once: the phone makes the visit's `uuid` when the form opens
and sends it with every retry. The first store wins (a unique constraint, never a
check-then-insert); the same content again is a replay (`created=False`), other content
under a submitted `uuid` a conflict. Services flush and never commit.
"""

from __future__ import annotations

import hashlib
import math
import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..admin.questionnaires import parsed
from ..exceptions import InvalidInput, NotFound
from ..models import Assignment, Location, Photo, Questionnaire, ReviewEvent, User, Visit, utcnow
from ..scoring import (
    InvalidAnswers,
    VisitScores,
    explanation_document,
    score_visit,
    visit_scores_document,
)
from ..scoring import Questionnaire as ParsedQuestionnaire


class Conflict(Exception):
    """The same uuid was stored with other content, or the assignment has another visit."""


class InvalidVisit(Exception):
    """The visit cannot be stored: `errors` lists `(question or field, message)`."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{q}: {m}" for q, m in errors))


# --- scores ---------------------------------------------------------------------------


def score_fields(questionnaire: ParsedQuestionnaire, answers: dict[str, Any], channel: str
                 ) -> dict[str, Any]:
    """The stored-score columns of a visit with these answers, as the engine scores them.

    Raises `InvalidAnswers` (naming each question) when the answers are invalid.
    """
    scores: VisitScores = score_visit(questionnaire, answers, channel, explain=True)
    return {
        "scores": dict(visit_scores_document(scores)),  # the row owns its document
        "explanation": explanation_document(scores),
        "cx": scores.cx,
        "service": scores.service,
        "experience": scores.experience,
        "critical_failure": bool(scores.critical_failures),
    }


def answer_problems(questionnaire: ParsedQuestionnaire, answers: dict[str, Any], channel: str
                    ) -> list[tuple[str, str]]:
    """What the engine finds wrong with these answers, without storing anything."""
    try:
        score_visit(questionnaire, answers, channel)
    except InvalidAnswers as invalid:
        return list(invalid.errors)
    return []


def apply_scores(visit: Visit, questionnaire: ParsedQuestionnaire) -> None:
    """Score `visit`'s answers and store the result on it (the engine decides)."""
    for name, value in score_fields(questionnaire, visit.answers, visit.channel).items():
        setattr(visit, name, value)


# --- submissions ----------------------------------------------------------------------


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


def shopper_assignment(*, session: Session, user: User, assignment_id: Any) -> Assignment:
    """The caller's own assignment (NotFound for anyone else's, or none)."""
    try:
        assignment = session.get(Assignment, int(assignment_id))
    except (TypeError, ValueError):
        assignment = None
    if assignment is None or assignment.shopper_id != user.id:
        raise NotFound(f"assignment {assignment_id}")
    return assignment


def _questionnaire_of(session: Session, assignment: Assignment) -> ParsedQuestionnaire:
    return parsed(session.get(Questionnaire, assignment.questionnaire_id))


def _photos_named(session: Session, answers: dict[str, Any]) -> dict[str, Photo]:
    """The stored photos that a visit's answers name, by reference (one query)."""
    wanted = []
    for refs in answers.values():
        for ref in refs if isinstance(refs, list) else ():
            try:
                wanted.append(uuid_module.UUID(str(ref)))
            except ValueError:
                continue  # no such photo: reported by _photo_problems
    if not wanted:
        return {}
    return {str(p.uuid): p for p in session.exec(select(Photo).where(Photo.uuid.in_(wanted)))}


def _photo_problems(photos: dict[str, Photo], user: User, submission: Submission,
                    questionnaire: ParsedQuestionnaire) -> list[tuple[str, str]]:
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
                problems.append((question.id, f"photo {ref} is not uploaded yet"))
    return problems


def submit_visit(*, session: Session, user: User, submission: Submission,
                 settings: dict[str, Any]) -> tuple[Visit, bool]:
    """Store a finished visit with its scores; returns the visit and whether it is new.

    A replay of the same content returns the stored visit (`False`); a returned visit
    is resubmitted as a new revision (`False`). Raises NotFound (not the caller's
    assignment), InvalidVisit (with one message per question), Conflict.
    """
    assignment = shopper_assignment(session=session, user=user,
                                    assignment_id=submission.assignment_id)
    location = session.get(Location, assignment.location_id)
    questionnaire = _questionnaire_of(session, assignment)
    content_hash = submission.content_hash()

    existing = _locked_visit(session, submission.uuid)
    if existing is not None and existing.status in ("submitted", "approved"):
        return _replay(existing, user, content_hash)
    if existing is not None and existing.shopper_id != user.id:
        raise NotFound(f"visit {submission.uuid}")
    if assignment.status == "cancelled":
        raise Conflict("this assignment was cancelled")

    errors: list[tuple[str, str]] = []
    if submission.channel != location.channel:
        errors.append(("channel", f"must be {location.channel}, the channel of the location"))
    if submission.ended_at < submission.started_at:
        errors.append(("ended_at", "must not be before started_at"))
    try:
        fields = score_fields(questionnaire, submission.answers, location.channel)
    except InvalidAnswers as invalid:
        errors.extend(invalid.errors)
        fields = {}
    photos = _photos_named(session, submission.answers)
    errors.extend(_photo_problems(photos, user, submission, questionnaire))
    if errors:
        raise InvalidVisit(errors)

    now = utcnow()
    was = existing.status if existing is not None else None
    visit = existing or Visit(uuid=submission.uuid, opened_at=now)
    for name, value in {
        "assignment_id": assignment.id, "shopper_id": user.id, "location_id": location.id,
        "questionnaire_id": assignment.questionnaire_id, "status": "submitted",
        "channel": location.channel, "started_at": submission.started_at,
        "ended_at": submission.ended_at, "submitted_at": now, "updated_at": now,
        "answers": submission.answers, "latitude": submission.latitude,
        "longitude": submission.longitude, "position_accuracy": submission.position_accuracy,
        "position_status": submission.position_status, "content_hash": content_hash,
        **fields,
    }.items():
        setattr(visit, name, value)
    if was == "returned":
        visit.revision += 1  # a resubmission under the same uuid
    visit.quality_flags = quality_flags(session=session, visit=visit, assignment=assignment,
                                        location=location, photos=list(photos.values()),
                                        settings=settings)
    try:
        # The row is added inside the savepoint: begin_nested() flushes what is pending
        # before it starts, and a failed insert must only undo the savepoint.
        with session.begin_nested():
            session.add(visit)
            session.flush()
    except IntegrityError:
        # Another request stored this uuid (or another visit of the assignment) first.
        if visit in session:
            session.expunge(visit)
        raced = session.exec(select(Visit).where(Visit.uuid == submission.uuid)).first()
        if raced is None:
            raise Conflict("this assignment already has another visit") from None
        return _replay(raced, user, content_hash)
    session.add(ReviewEvent(visit_id=visit.id, actor_id=user.id, action="submitted",
                            after={"revision": visit.revision, "cx": visit.cx},
                            created_at=now))
    session.flush()
    return visit, was in (None, "draft")


def _locked_visit(session: Session, visit_uuid: uuid_module.UUID) -> Visit | None:
    """The visit with this uuid, locked for this transaction (PostgreSQL: FOR UPDATE;
    SQLite: the write lock taken by BEGIN IMMEDIATE)."""
    return session.exec(select(Visit).where(Visit.uuid == visit_uuid).with_for_update()).first()


def _replay(visit: Visit, user: User, content_hash: str) -> tuple[Visit, bool]:
    if visit.shopper_id != user.id:
        raise NotFound(f"visit {visit.uuid}")
    if visit.content_hash != content_hash:
        raise Conflict("a visit with this uuid was already sent with other answers")
    return visit, False


def save_draft(*, session: Session, user: User, visit_uuid: uuid_module.UUID,
               assignment_id: Any, answers: dict[str, Any],
               started_at: datetime | None = None) -> Visit:
    """Keep the answers given so far on the server. Not validated: that is for submit."""
    if not isinstance(answers, dict):
        raise InvalidInput("answers", "must be a map of question id to answer")
    assignment = shopper_assignment(session=session, user=user, assignment_id=assignment_id)
    location = session.get(Location, assignment.location_id)
    visit = _locked_visit(session, visit_uuid)
    if visit is not None and (visit.shopper_id != user.id or visit.assignment_id != assignment.id):
        raise NotFound(f"visit {visit_uuid}")
    if visit is not None and visit.status in ("submitted", "approved"):
        raise Conflict("this visit was already sent")
    now = utcnow()
    if visit is None:
        other = session.exec(select(Visit.id).where(Visit.assignment_id == assignment.id)).first()
        if other is not None:
            raise Conflict("this assignment already has another visit")
        visit = Visit(uuid=visit_uuid, assignment_id=assignment.id, shopper_id=user.id,
                      location_id=location.id, questionnaire_id=assignment.questionnaire_id,
                      channel=location.channel, status="draft", opened_at=now)
    visit.answers = answers
    if started_at is not None and visit.started_at is None:
        visit.started_at = started_at
    visit.updated_at = now
    try:
        with session.begin_nested():  # see submit_visit
            session.add(visit)
            session.flush()
    except IntegrityError:
        raise Conflict("this assignment already has another visit") from None
    return visit


# --- quality flags --------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def quality_flags(*, session: Session, visit: Visit, assignment: Assignment,
                  location: Location, photos: list[Photo], settings: dict[str, Any]
                  ) -> list[str]:
    """What a reviewer should look at: too_short, far_from_location, outside_window,
    photo_reused (one of the visit's `photos` was sent before for another visit)."""
    flags = []
    minutes = (visit.ended_at - visit.started_at).total_seconds() / 60
    if minutes < settings["MIN_VISIT_MINUTES"]:
        flags.append("too_short")
    if (location.channel == "in_store" and location.latitude is not None
            and visit.latitude is not None and visit.longitude is not None):
        far = distance_m(visit.latitude, visit.longitude, location.latitude,
                         location.longitude)
        if far > settings["MAX_CHECKIN_DISTANCE_M"]:
            flags.append("far_from_location")
    if not assignment.window_start <= visit.started_at <= assignment.window_end:
        flags.append("outside_window")
    hashes = [photo.sha256 for photo in photos]
    if hashes and session.exec(select(Photo.id).where(
            Photo.sha256.in_(hashes), Photo.visit_uuid != visit.uuid)).first():
        flags.append("photo_reused")
    return flags


# --- the shopper's assignments ----------------------------------------------------------

#: The shopper's view of an assignment, from the status of its visit (None: none yet).
VISIT_STATE = {None: "new", "draft": "draft", "submitted": "sent", "approved": "sent",
               "returned": "returned"}


@dataclass(frozen=True)
class OpenAssignment:
    assignment: Assignment
    location: Location
    questionnaire_row: Questionnaire
    #: The visit begun, sent or returned; None for a new one.
    visit: Visit | None

    @property
    def state(self) -> str:
        """new, draft, sent or returned."""
        return VISIT_STATE[self.visit.status if self.visit else None]


def open_assignments(*, session: Session, user: User) -> list[OpenAssignment]:
    """The shopper's open assignments, due soonest first, with their visits."""
    rows = session.exec(
        select(Assignment, Location, Questionnaire, Visit)
        .join(Location, Location.id == Assignment.location_id)
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


# --- the form page --------------------------------------------------------------------


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


def visit_context(*, session: Session, user: User, assignment_id: int) -> VisitContext:
    """The caller's assignment with its questionnaire and visit (NotFound otherwise)."""
    assignment = shopper_assignment(session=session, user=user, assignment_id=assignment_id)
    row = session.get(Questionnaire, assignment.questionnaire_id)
    visit = session.exec(select(Visit).where(Visit.assignment_id == assignment.id)).first()
    note = None
    if visit is not None and visit.status == "returned":
        note = return_notes(session=session, visit_ids=[visit.id]).get(visit.id)
    return VisitContext(assignment=assignment,
                        location=session.get(Location, assignment.location_id),
                        questionnaire_row=row, questionnaire=parsed(row),
                        visit=visit, return_note=note)
