"""Scorecards for a period: a location's, and the overview of a client's or a region's
locations. Every number is the engine's: SQL returns sums per score (ScoreDay rows),
`shopper.scoring` turns them into section 5's aggregates and section 7's changes, and
the pages, the API and the exports only show what these services return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, or_, true
from sqlalchemy.orm import load_only
from sqlmodel import Session, select

from ..auth.permissions import location_scope, region_scope
from ..exceptions import InvalidInput, NotFound
from ..field.numbers import NotANumber, read_number
from ..models import Client, Location, Questionnaire, Region, ScoreDay, User, Visit
from ..models.scorecards import SECTION, TOUCHPOINT, VISITS
from ..periods import client_zone
from ..questionnaires import parse_stored
from ..scoring import (
    Change,
    GroupScorecard,
    LocationScorecard,
    Summary,
    Sums,
    aggregate_group,
    compare_locations,
    location_from_sums,
    summary_from_sums,
)
from ..scoring import Questionnaire as ParsedQuestionnaire
from ..scoring.aggregate import HEADLINES
from ..security import LARGEST_ID
from ..times import day_bounds
from .periods import Period, month, months_ending

#: Fewer approved visits than this: thin evidence, shown but never ranked.
THIN_EVIDENCE = 3
#: How many months a trend shows.
TREND_MONTHS = 12
#: How many of the period's visits and critical failures a page lists (the CSV has all).
LISTED = 20


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: int
    code: str
    name: str
    channel: str
    region_id: int
    region: str


@dataclass(frozen=True, slots=True)
class ClientInfo:
    id: int
    name: str
    target: float
    timezone: str | None


@dataclass(frozen=True, slots=True)
class LocationFigures:
    """A location's scorecard for the period, the previous one, and the change."""

    location: LocationInfo
    card: LocationScorecard
    previous: LocationScorecard | None
    change: dict[str, Change]

    @property
    def thin(self) -> bool:
        return self.card.visits < THIN_EVIDENCE


@dataclass(frozen=True, slots=True)
class RegionFigures:
    id: int
    name: str
    group: GroupScorecard


@dataclass(frozen=True, slots=True)
class Overview:
    client: ClientInfo
    #: The region the overview is narrowed to, or None for the whole client.
    region: RegionFigures | None
    period: Period
    previous: Period | None
    group: GroupScorecard
    regions: list[RegionFigures]
    locations: list[LocationFigures]


# --- reading sums ---------------------------------------------------------------------


def _period_sums(session: Session, location_ids: Sequence[int],
                 periods: Sequence[tuple[date | None, date | None]],
                 scores: Iterable[str] | None = None) -> list[dict[int, dict[str, Sums]]]:
    """The Sums of each of `periods` (first, last days; open ends allowed; the periods
    do not overlap), per location and score, in one grouped query."""
    found: list[dict[int, dict[str, Sums]]] = [defaultdict(dict) for _ in periods]
    if not location_ids:
        return found
    inside = [and_(true(), *([ScoreDay.day >= first] if first is not None else []),
                   *([ScoreDay.day <= last] if last is not None else []))
              for first, last in periods]
    part = case(*((condition, index) for index, condition in enumerate(inside)),
                else_=-1).label("part") if len(periods) > 1 else literal(0).label("part")
    query = (select(part, ScoreDay.location_id, ScoreDay.score, func.sum(ScoreDay.n),
                    func.sum(ScoreDay.total), func.sum(ScoreDay.squares),
                    func.min(ScoreDay.low), func.max(ScoreDay.high))
             .where(ScoreDay.location_id.in_(list(location_ids)), or_(*inside))
             .group_by(part, ScoreDay.location_id, ScoreDay.score))
    if scores is not None:
        query = query.where(ScoreDay.score.in_(list(scores)))
    for index, location_id, score, n, total, squares, low, high in session.exec(query):
        if index >= 0:
            found[index][location_id][score] = Sums(n=int(n), total=float(total),
                                                    squares=float(squares), low=low,
                                                    high=high)
    return found


def _card(sums: dict[str, Sums], questionnaire: ParsedQuestionnaire | None = None
          ) -> LocationScorecard:
    """The engine's location aggregate from one location's Sums."""
    counted = sums.get(VISITS, Sums())
    return location_from_sums(
        visits=counted.n, critical=round(counted.total),
        headline={name: sums[name] for name in HEADLINES if name in sums},
        sections={key[len(SECTION):]: value for key, value in sums.items()
                  if key.startswith(SECTION)},
        touchpoints={key[len(TOUCHPOINT):]: value for key, value in sums.items()
                     if key.startswith(TOUCHPOINT)},
        section_keys=[s.id for s in questionnaire.sections] if questionnaire else (),
        touchpoint_keys=questionnaire.touchpoints if questionnaire else ())


def _info(location: Location, region: Region) -> LocationInfo:
    return LocationInfo(id=location.id, code=location.code, name=location.name,
                        channel=location.channel, region_id=region.id, region=region.name)


def _client_info(client: Client) -> ClientInfo:
    return ClientInfo(id=client.id, name=client.name, target=client.target,
                      timezone=client.timezone)


def _cards(session: Session, location_ids: Sequence[int],
           period: tuple[date | None, date | None], previous: Period | None,
           questionnaires: dict[int, ParsedQuestionnaire], scores: Iterable[str] | None
           ) -> dict[int, tuple[LocationScorecard, LocationScorecard | None,
                                dict[str, Change]]]:
    """Per location: its aggregate over `period`, over `previous` (None without one),
    and the engine's change between them, from one grouped query."""
    spans = [period] + ([(previous.first, previous.last)] if previous is not None else [])
    sums = _period_sums(session, location_ids, spans, scores)
    cards = {}
    for location_id in location_ids:
        questionnaire = questionnaires.get(location_id)
        card = _card(sums[0].get(location_id, {}), questionnaire)
        earlier = _card(sums[1].get(location_id, {}), questionnaire) if previous else None
        cards[location_id] = (card, earlier,
                              compare_locations(card, earlier if earlier is not None
                                                else _card({})))
    return cards


def location_figures(*, session: Session, locations: Sequence[LocationInfo], period: Period,
                     questionnaires: dict[int, ParsedQuestionnaire] | None = None,
                     headline_only: bool = False) -> list[LocationFigures]:
    """The scorecards of `locations` for `period` and the previous period, and the
    engine's change between them, from one grouped query."""
    cards = _cards(session, [location.id for location in locations],
                   (period.first, period.last), period.previous(), questionnaires or {},
                   (*HEADLINES, VISITS) if headline_only else None)
    figures = []
    for location in locations:
        card, earlier, change = cards[location.id]
        figures.append(LocationFigures(location=location, card=card, previous=earlier,
                                       change=change))
    return figures


# --- scope ----------------------------------------------------------------------------


def scorecard_clients(*, session: Session, user: User) -> list[Client]:
    """The clients of whose locations `user` reads scorecards."""
    return list(session.exec(
        select(Client).where(Client.id.in_(select(Region.client_id).where(region_scope(user))))
        .order_by(Client.name)).all())


def scorecard_regions(*, session: Session, user: User, client_id: int) -> list[Region]:
    return list(session.exec(select(Region).where(Region.client_id == client_id,
                                                  region_scope(user))
                             .order_by(Region.name)).all())


@dataclass(frozen=True, slots=True)
class Scope:
    """What a reader's scorecards cover: one client (the one asked for, else the
    first), optionally one of its regions, and the reader's locations there."""

    client: Client
    region: Region | None
    #: Every client and every region of `client` the reader may choose from.
    clients: list[Client]
    regions: list[Region]
    #: (location, its region), by region and name.
    locations: list[tuple[Location, Region]]


def scorecard_scope(*, session: Session, user: User, client_id: Any = None,
                    region_id: Any = None) -> Scope:
    """The scope a request asks for; NotFound for a client or region outside the
    user's."""
    clients = scorecard_clients(session=session, user=user)
    if client_id is None and region_id is not None:  # the region says whose it is
        asked = session.exec(select(Region.client_id).where(
            Region.id == _integer(region_id), region_scope(user))).first()
        client_id = asked if asked is not None else -1
    chosen = [c for c in clients if client_id is None or str(c.id) == str(client_id)]
    if not chosen:
        raise NotFound(f"client {client_id}")
    client = chosen[0]
    regions = scorecard_regions(session=session, user=user, client_id=client.id)
    region = None
    if region_id is not None:
        region = next((r for r in regions if str(r.id) == str(region_id)), None)
        if region is None:
            raise NotFound(f"region {region_id}")
    query = (select(Location, Region).join(Region, Region.id == Location.region_id)
             .where(Region.client_id == client.id, location_scope(user))
             .order_by(Region.name, Location.name))
    if region is not None:
        query = query.where(Region.id == region.id)
    return Scope(client=client, region=region, clients=clients, regions=regions,
                 locations=list(session.exec(query).all()))


def _integer(value: Any) -> int:
    """An id from a request (-1, which no row has, for anything else)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if abs(number) <= LARGEST_ID else -1


def overview(*, session: Session, user: User | None, period: Period, client_id: Any = None,
             region_id: Any = None, scope: Scope | None = None) -> Overview:
    """The scorecards of the locations of one client in `user`'s scope (narrowed to a
    region when asked, or as `scope` says), with each region's and the whole's
    headline (section 5: the mean of location means)."""
    if scope is None:
        scope = scorecard_scope(session=session, user=user, client_id=client_id,
                                region_id=region_id)
    client, region = scope.client, scope.region
    infos = [_info(location, location_region)
             for location, location_region in scope.locations]
    figures = location_figures(session=session, locations=infos, period=period,
                               headline_only=True)
    by_region: dict[int, list[LocationFigures]] = defaultdict(list)
    names: dict[int, str] = {}
    for figure in figures:
        by_region[figure.location.region_id].append(figure)
        names[figure.location.region_id] = figure.location.region
    regions = [RegionFigures(id=region_key, name=names[region_key],
                             group=aggregate_group(f.card for f in members))
               for region_key, members in by_region.items()]
    group = aggregate_group(f.card for f in figures)
    narrowed = None
    if region is not None:
        narrowed = RegionFigures(id=region.id, name=region.name, group=group)
    return Overview(client=_client_info(client), region=narrowed, period=period,
                    previous=period.previous(), group=group, regions=regions,
                    locations=figures)


def set_target(*, session: Session, user: User, client_id: int, target: str,
               locale: str) -> Client:
    """Set the client's target score (0 to 100, typed in the admin's locale)."""
    if user.role != "admin":
        raise NotFound(f"client {client_id}")
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound(f"client {client_id}")
    try:
        value = read_number(target, locale)
    except NotANumber:
        value = None
        problem = _l("Write the target as a number, like 80.")
    else:
        problem = _l("Give a target from 0 to 100.")
    if value is None or not 0 <= value <= 100:
        raise InvalidInput("target", problem, code="not_a_target")
    client.target = float(value)
    session.add(client)
    session.flush()
    return client


#: Columns the overview table sorts by.
SORT_KEYS = ("name", "region", "cx", "service", "experience", "visits", "change",
             "critical")


def sorted_locations(figures: Sequence[LocationFigures], key: str, descending: bool
                     ) -> list[LocationFigures]:
    """The overview's rows sorted by a column; thin evidence always after the rest (it is
    shown, not ranked), and rows without a value after those with one."""
    def value(figure: LocationFigures):
        if key == "name":
            return figure.location.name.casefold()
        if key == "region":
            return (figure.location.region.casefold(), figure.location.name.casefold())
        if key == "visits":
            return figure.card.visits
        if key == "critical":
            return figure.card.critical_failure_rate
        if key == "change":
            return figure.change["cx"].change
        return getattr(figure.card, key).mean

    present = [f for f in figures if value(f) is not None]
    missing = [f for f in figures if value(f) is None]
    ordered = sorted(present, key=value, reverse=descending) + missing
    return [f for f in ordered if not f.thin] + [f for f in ordered if f.thin]


# --- one location ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TouchpointFigure:
    name: str
    #: "service" when most of its questions' weight is a person serving, else
    #: "experience".
    kind: str
    mean: float | None


@dataclass(frozen=True, slots=True)
class SectionFigure:
    id: str
    title: Any
    mean: float | None


@dataclass(frozen=True, slots=True)
class TrendMonth:
    month: date
    summary: Summary


@dataclass(frozen=True, slots=True)
class CriticalFailure:
    visit_uuid: str
    started_at: datetime
    question_id: str
    question: Any


@dataclass(frozen=True, slots=True)
class Comment:
    visit_uuid: str
    started_at: datetime
    question: Any
    text: str


@dataclass(frozen=True, slots=True)
class VisitRow:
    uuid: str
    started_at: datetime
    cx: float | None
    service: float | None
    experience: float | None
    critical: bool


@dataclass(frozen=True, slots=True)
class LocationPage:
    client: ClientInfo
    figures: LocationFigures
    region: GroupScorecard
    period: Period
    previous: Period | None
    journey: list[TouchpointFigure]
    weakest: list[TouchpointFigure]
    sections: list[SectionFigure]
    trend: dict[str, list[TrendMonth]]
    critical: list[CriticalFailure]
    comments: list[Comment]
    visits: list[VisitRow]


def location_questionnaire(session: Session, location_id: int) -> ParsedQuestionnaire | None:
    """The questionnaire of the location's latest approved visit: its sections and
    touchpoints are the scorecard's rows, in journey order."""
    # The document loads only when the parse is not cached yet (published versions).
    row = session.exec(
        select(Questionnaire)
        .options(load_only(Questionnaire.id, Questionnaire.version, Questionnaire.status,
                           Questionnaire.created_at))
        .join(Visit, Visit.questionnaire_id == Questionnaire.id)
        .where(Visit.location_id == location_id, Visit.status == "approved")
        .order_by(Visit.started_at.desc()).limit(1)).first()
    return parse_stored(row) if row is not None else None


def touchpoint_kinds(questionnaire: ParsedQuestionnaire) -> dict[str, str]:
    """Each touchpoint's kind: service when most of its counting weight is service."""
    weights: dict[str, dict[str, float]] = defaultdict(lambda: {"service": 0.0,
                                                                "experience": 0.0})
    for question in questionnaire.questions:
        if question.scored:
            weights[question.touchpoint][question.dimension] += question.weight
    return {name: ("service" if weights[name]["service"] > weights[name]["experience"]
                   else "experience") for name in questionnaire.touchpoints}


def _next_month(first: date) -> date:
    return month(first).last + timedelta(days=1)


def _trend(session: Session, location_id: int, period: Period) -> dict[str, list[TrendMonth]]:
    months = months_ending(period.last, TREND_MONTHS)
    query = (select(ScoreDay.month, ScoreDay.score, func.sum(ScoreDay.n),
                    func.sum(ScoreDay.total), func.sum(ScoreDay.squares),
                    func.min(ScoreDay.low), func.max(ScoreDay.high))
             # Days, not months, bound the rows: ix_score_day_location_score_day seeks.
             .where(ScoreDay.location_id == location_id, ScoreDay.day >= months[0],
                    ScoreDay.day < _next_month(months[-1]), ScoreDay.score.in_(HEADLINES))
             .group_by(ScoreDay.month, ScoreDay.score))
    found = {(month, score): Sums(n=int(n), total=float(total), squares=float(squares),
                                  low=low, high=high)
             for month, score, n, total, squares, low, high in session.exec(query)}
    return {name: [TrendMonth(month=m, summary=summary_from_sums(found.get((m, name), Sums())))
                   for m in months] for name in HEADLINES}


def _period_visits(session: Session, location_id: int, period: Period, zone, *,
                   critical_only: bool = False) -> list[Visit]:
    """The period's approved visits at the location, the latest first (at most LISTED)."""
    start, end = day_bounds(period.first, period.last, zone)
    # Not the explanation (the largest column): the page shows scores and comments.
    columns = load_only(Visit.uuid, Visit.started_at, Visit.cx, Visit.service,
                        Visit.experience, Visit.critical_failure, Visit.scores, Visit.answers)
    query = (select(Visit).options(columns)
             .where(Visit.location_id == location_id, Visit.status == "approved",
                    Visit.scores.is_not(None))
             .order_by(Visit.started_at.desc()))  # the index's order: stops after LISTED
    if critical_only:  # the index ix_visit_location_critical
        query = query.where(Visit.critical_failure == true())  # "IS true" is no index seek
    if start is not None:
        query = query.where(Visit.started_at >= start)
    if end is not None:
        query = query.where(Visit.started_at < end)
    return list(session.exec(query.limit(LISTED)).all())


def region_group(*, session: Session, region: Region, period: Period) -> GroupScorecard:
    """The headline of all of a region's locations (section 5: the mean of their
    means), shown beside each location's own."""
    infos = [_info(loc, region) for loc in session.exec(
        select(Location).where(Location.region_id == region.id))]
    return aggregate_group(f.card for f in location_figures(
        session=session, locations=infos, period=period, headline_only=True))


def location_page(*, session: Session, location: Location, period: Period,
                  default_zone: str, region_figure: GroupScorecard | None = None
                  ) -> LocationPage:
    """Everything a location's scorecard page shows for `period` (the caller checked
    that the user may see the location). `region_figure`: the region's headline when
    the caller has it (a report of many locations computes it once per region)."""
    region = session.get(Region, location.region_id)
    client = session.get(Client, region.client_id)
    questionnaire = location_questionnaire(session, location.id)
    info = _info(location, region)
    figures = location_figures(session=session, locations=[info], period=period,
                               questionnaires={location.id: questionnaire})[0]
    if region_figure is None:
        region_figure = region_group(session=session, region=region, period=period)
    kinds = touchpoint_kinds(questionnaire) if questionnaire else {}
    journey = [TouchpointFigure(name=name, kind=kinds.get(name, "experience"), mean=mean)
               for name, mean in figures.card.touchpoints.items()]
    weakest = sorted((t for t in journey if t.mean is not None), key=lambda t: t.mean)[:3]
    titles = {s.id: s.title for s in questionnaire.sections} if questionnaire else {}
    sections = [SectionFigure(id=key, title=titles.get(key, key), mean=mean)
                for key, mean in figures.card.sections.items()]
    zone = client_zone(client, default_zone)
    visits = _period_visits(session, location.id, period, zone)
    critical = [CriticalFailure(visit_uuid=str(visit.uuid), started_at=visit.started_at,
                                question_id=question_id,
                                question=_question_text(questionnaire, question_id))
                for visit in _period_visits(session, location.id, period, zone,
                                            critical_only=True)
                for question_id in (visit.scores or {}).get("critical_failures", [])]
    comments = []
    for visit in visits:
        if questionnaire is not None:
            for question in questionnaire.questions:
                text = visit.answers.get(question.id)
                if question.type == "text" and isinstance(text, str) and text.strip():
                    comments.append(Comment(visit_uuid=str(visit.uuid),
                                            started_at=visit.started_at,
                                            question=question.text, text=text.strip()))
    rows = [VisitRow(uuid=str(v.uuid), started_at=v.started_at, cx=v.cx, service=v.service,
                     experience=v.experience, critical=v.critical_failure) for v in visits]
    return LocationPage(client=_client_info(client), figures=figures, region=region_figure,
                        period=period, previous=period.previous(), journey=journey,
                        weakest=weakest, sections=sections,
                        trend=_trend(session, location.id, period), critical=critical,
                        comments=comments[:6], visits=rows)


def _question_text(questionnaire: ParsedQuestionnaire | None, question_id: str) -> Any:
    if questionnaire is None:
        return question_id
    try:
        return questionnaire.question(question_id).text
    except KeyError:
        return question_id


def location_scorecard(*, session: Session, location: Location, first_day: date | None,
                       last_day: date | None) -> tuple[LocationScorecard, dict[str, Change]]:
    """The API's scorecard: the location aggregate over [first_day, last_day] (open
    ends allowed) and the change against the same number of days just before (no
    change when the period is open)."""
    previous = None
    if first_day is not None and last_day is not None:
        previous = Period("range", first_day, last_day).previous()
    card, _earlier, change = _cards(
        session, [location.id], (first_day, last_day), previous,
        {location.id: location_questionnaire(session, location.id)}, None)[location.id]
    return card, change


def client_scope(*, session: Session, client: Client, region: Region | None = None) -> Scope:
    """Every location of `client` (or of one of its regions): the scope of a report
    schedule, which has no reader of its own; the schedule's owner was checked when it
    was made."""
    regions = list(session.exec(select(Region).where(Region.client_id == client.id)
                                .order_by(Region.name)).all())
    query = (select(Location, Region).join(Region, Region.id == Location.region_id)
             .where(Region.client_id == client.id).order_by(Region.name, Location.name))
    if region is not None:
        query = query.where(Region.id == region.id)
    return Scope(client=client, region=region, clients=[client], regions=regions,
                 locations=list(session.exec(query).all()))
