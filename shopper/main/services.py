"""What each role's home page shows: plain data, no scoring (that is the engine's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import func
from sqlmodel import Session, select

from ..auth.permissions import location_scope, region_scope, visit_scope
from ..field.assignments import PastVisit, open_assignments, past_visits, return_notes
from ..models import (
    Assignment,
    Client,
    Location,
    Questionnaire,
    Region,
    User,
    Visit,
)
from ..times import zone


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    location: str
    city: str | None
    channel: str
    window_start: datetime
    window_end: datetime
    scenario: str
    #: new, draft, sent or returned (the shopper's view of the visit).
    state: str
    #: The programme's time zone: which day the window opens and closes.
    zone: tzinfo
    #: The window opens later (the visit cannot start yet).
    opens_later: bool
    #: The reviewer's note of a returned visit.
    return_note: str | None = None


def shopper_assignments(*, session: Session, user: User, now: datetime, default_zone: str
                        ) -> list[AssignmentRow]:
    """The shopper's open assignments, due soonest first, with the state of their visit."""
    assignments = open_assignments(session=session, user=user)
    notes = return_notes(session=session, visit_ids=[
        a.visit.id for a in assignments if a.state == "returned"])
    return [AssignmentRow(id=a.assignment.id, location=a.location.name, city=a.location.city,
                          channel=a.location.channel, window_start=a.assignment.window_start,
                          window_end=a.assignment.window_end, scenario=a.assignment.scenario,
                          state=a.state, zone=zone(a.timezone, default_zone),
                          opens_later=a.state == "new" and a.assignment.window_start > now,
                          return_note=notes.get(a.visit.id) if a.visit else None)
            for a in assignments]


@dataclass(frozen=True)
class PastVisitRow:
    #: The assignment whose form reopens a returned visit (None: history without one).
    assignment_id: int | None
    location: str
    status: str
    started_at: datetime | None
    zone: tzinfo
    return_note: str | None


def shopper_past_visits(*, session: Session, user: User, default_zone: str, limit: int
                        ) -> list[PastVisitRow]:
    """The visits the shopper sent, returned ones first; no scores."""
    def row(past: PastVisit) -> PastVisitRow:
        return PastVisitRow(assignment_id=past.visit.assignment_id,
                            location=past.location.name, status=past.visit.status,
                            started_at=past.visit.started_at,
                            zone=zone(past.timezone, default_zone),
                            return_note=past.return_note)

    return [row(past) for past in past_visits(session=session, user=user, limit=limit)]


@dataclass(frozen=True)
class RegionRow:
    id: int
    name: str
    client: str
    locations: int
    awaiting_review: int
    approved_last_30_days: int


def region_overview(*, session: Session, user: User, since: datetime) -> list[RegionRow]:
    """Per region in the user's scope: locations, visits awaiting review, recent visits."""
    regions = session.exec(
        select(Region, Client.name).join(Client, Client.id == Region.client_id)
        .where(region_scope(user)).order_by(Client.name, Region.name)
    ).all()
    locations = dict(session.exec(
        select(Location.region_id, func.count()).where(location_scope(user))
        .group_by(Location.region_id)).all())
    submitted = dict(session.exec(
        select(Location.region_id, func.count()).join(Visit, Visit.location_id == Location.id)
        .where(Visit.status == "submitted", visit_scope(user)).group_by(Location.region_id)
    ).all())
    recent = dict(session.exec(
        select(Location.region_id, func.count()).join(Visit, Visit.location_id == Location.id)
        .where(Visit.status == "approved", Visit.started_at >= since, visit_scope(user))
        .group_by(Location.region_id)).all())
    return [RegionRow(id=r.id, name=r.name, client=client, locations=locations.get(r.id, 0),
                      awaiting_review=submitted.get(r.id, 0),
                      approved_last_30_days=recent.get(r.id, 0))
            for r, client in regions]


@dataclass(frozen=True)
class ProgrammeCounts:
    clients: int
    regions: int
    locations: int
    users: dict[str, int]
    visits: dict[str, int]
    questionnaires: int
    open_assignments: int


def programme_counts(*, session: Session) -> ProgrammeCounts:
    def count(model) -> int:
        return session.exec(select(func.count()).select_from(model)).one()

    return ProgrammeCounts(
        clients=count(Client), regions=count(Region), locations=count(Location),
        users=dict(session.exec(select(User.role, func.count()).group_by(User.role)).all()),
        visits=dict(session.exec(select(Visit.status, func.count()).group_by(Visit.status)
                                 ).all()),
        questionnaires=count(Questionnaire),
        open_assignments=session.exec(select(func.count()).select_from(Assignment)
                                      .where(Assignment.status == "open")).one(),
    )


def client_locations(*, session: Session, user: User) -> list[tuple[Location, str]]:
    """The locations of the user's scope with their region's name."""
    return list(session.exec(
        select(Location, Region.name).join(Region, Region.id == Location.region_id)
        .where(location_scope(user)).order_by(Region.name, Location.name)
    ).all())
