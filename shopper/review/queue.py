"""What the review desk reads: the queue of submitted visits, and one visit's page.

Plain data for the templates; every number on them is the engine's, as it stored it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import String, case, cast, func
from sqlmodel import Session, select

from ..auth.permissions import visit_scope
from ..field.quality import FLAGS, distance_m
from ..field.submissions import photos_named
from ..models import Client, Location, Photo, Region, ReviewEvent, User, Visit, utcnow
from ..questionnaires import questionnaire_of
from ..scoring import AnswerExplanation, Question, Section, explanation_from_document
from ..times import zone
from .services import opened_by_other, visit_events

PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueRow:
    visit: Visit
    location: str
    region: str
    shopper: str
    #: The programme's time zone (the visit's calendar day).
    zone: tzinfo
    #: Another reviewer who has the visit open, and since how many minutes.
    opened_by: str | None = None
    opened_minutes: int | None = None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    #: Visits waiting under the current filters.
    total: int
    page: int
    pages: int
    #: Per filter, (value, label, count) of the visits waiting in the caller's scope.
    regions: list[tuple[int, str, int]]
    locations: list[tuple[int, str, int]]
    shoppers: list[tuple[int, str, int]]
    flags: list[tuple[str, int]]


def _has_flag(flag: str):
    # Flags are fixed slugs stored as a JSON list: its text holds "<flag>" exactly when
    # the list does, on SQLite and PostgreSQL alike.
    return cast(Visit.quality_flags, String).like(f'%"{flag}"%')


def review_queue(*, session: Session, user: User, region: int | None = None,
                 location: int | None = None, shopper: int | None = None,
                 flag: str | None = None, page: int = 1, default_zone: str = "UTC",
                 now: datetime | None = None) -> QueuePage:
    """Submitted visits in the caller's scope, those most likely wrong first (the most
    quality flags), then the oldest; filtered, paged, with counts per filter."""
    now = now or utcnow()
    waiting = [Visit.status == "submitted", visit_scope(user)]
    chosen = list(waiting)
    if region is not None:
        chosen.append(Location.region_id == region)
    if location is not None:
        chosen.append(Visit.location_id == location)
    if shopper is not None:
        chosen.append(Visit.shopper_id == shopper)
    if flag in FLAGS:
        chosen.append(_has_flag(flag))
    base = (select(Visit, Location.name, Region.name, User.name, User.email, Client.timezone)
            .join(Location, Location.id == Visit.location_id)
            .join(Region, Region.id == Location.region_id)
            .join(Client, Client.id == Region.client_id)
            .join(User, User.id == Visit.shopper_id))
    total = session.exec(select(func.count()).select_from(Visit)
                         .join(Location, Location.id == Visit.location_id)
                         .where(*chosen)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = session.exec(base.where(*chosen)
                        .order_by(Visit.flag_count.desc(), Visit.submitted_at, Visit.id)
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()

    def counted(*columns):
        return session.exec(
            select(*columns, func.count()).select_from(Visit)
            .join(Location, Location.id == Visit.location_id)
            .join(Region, Region.id == Location.region_id)
            .join(User, User.id == Visit.shopper_id)
            .where(*waiting).group_by(*columns).order_by(columns[1])).all()

    openers = {u.id: u.name or u.email for u in session.exec(select(User).where(
        User.id.in_({v.review_opened_by_id for v, *_ in rows if v.review_opened_by_id})))}

    def row(v, loc, reg, name, email, tz) -> QueueRow:
        opened = opened_by_other(v, user, now)
        return QueueRow(visit=v, location=loc, region=reg, shopper=name or email,
                        zone=zone(tz, default_zone),
                        opened_by=openers.get(v.review_opened_by_id) if opened else None,
                        opened_minutes=int((now - v.review_opened_at).total_seconds() // 60)
                        if opened else None)

    return QueuePage(
        rows=[row(*r) for r in rows],
        total=total, page=page, pages=pages,
        regions=[tuple(r) for r in counted(Region.id, Region.name)],
        locations=[tuple(r) for r in counted(Location.id, Location.name)],
        shoppers=[(i, name or email, n) for i, name, email, n in counted(
            User.id, User.name, User.email)],
        flags=list(zip(FLAGS, session.exec(  # every flag's count in one pass
            select(*(func.coalesce(func.sum(case((_has_flag(f), 1), else_=0)), 0)
                     for f in FLAGS)).where(*waiting)).one(), strict=True)))


@dataclass(frozen=True)
class AnswerRow:
    question: Question
    answer: Any
    explanation: AnswerExplanation | None
    photos: list[Photo]


@dataclass(frozen=True)
class VisitPage:
    visit: Visit
    location: Location
    region: Region
    shopper: User
    sections: list[tuple[Section, list[AnswerRow]]]
    #: Metres between the check-in and the location, when both are known.
    distance_m: float | None
    duration_minutes: float | None
    events: list[tuple[ReviewEvent, User | None]]


def answer_sections(*, session: Session, visit: Visit
                    ) -> list[tuple[Section, list[AnswerRow]]]:
    """The visit's answers with the engine's explanation and their photos, by section in
    journey order (the sections of the visit's channel)."""
    _row, questionnaire = questionnaire_of(session=session,
                                           questionnaire_id=visit.questionnaire_id)
    explained = {e.question: e for e in explanation_from_document(
        visit.explanation or [], questionnaire, visit.answers)}
    photos = photos_named(session, visit.answers)
    sections = []
    for section in questionnaire.sections:
        if visit.channel not in questionnaire.section_channels(section):
            continue
        rows = []
        for question in section.questions:
            answer = visit.answers.get(question.id)
            shown = [photos[str(r)] for r in answer if str(r) in photos] \
                if isinstance(answer, list) else []
            rows.append(AnswerRow(question=question, answer=answer,
                                  explanation=explained.get(question.id), photos=shown))
        sections.append((section, rows))
    return sections


def visit_page(*, session: Session, visit: Visit) -> VisitPage:
    """Everything the reviewer's page of a visit shows, in journey order."""
    location = session.get(Location, visit.location_id)
    sections = answer_sections(session=session, visit=visit)
    distance = None
    if None not in (visit.latitude, visit.longitude, location.latitude, location.longitude):
        distance = distance_m(visit.latitude, visit.longitude, location.latitude,
                              location.longitude)
    duration = None
    if visit.started_at is not None and visit.ended_at is not None:
        duration = (visit.ended_at - visit.started_at).total_seconds() / 60
    return VisitPage(visit=visit, location=location,
                     region=session.get(Region, location.region_id),
                     shopper=session.get(User, visit.shopper_id), sections=sections,
                     distance_m=distance, duration_minutes=duration,
                     events=visit_events(session=session, visit=visit))


def waiting_count(*, session: Session, user: User) -> int:
    """How many submitted visits wait in the caller's scope (the home page's link)."""
    return session.exec(select(func.count()).select_from(Visit).where(
        Visit.status == "submitted", visit_scope(user))).one()


def visit_names(*, session: Session, visits: list[Visit]) -> list[str]:
    """Each visit as a reviewer names it: its location and the day it started."""
    names = dict(session.exec(select(Location.id, Location.name).where(
        Location.id.in_({v.location_id for v in visits}))).all())
    return [f"{names.get(v.location_id, '')} ({v.started_at:%Y-%m-%d})" if v.started_at
            else names.get(v.location_id, "") for v in visits]
