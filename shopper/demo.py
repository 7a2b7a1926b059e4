"""The demo data set: `shopper demo` (spec/contract.md).

One client, Demo Retail, with regions North and South, six stores and two web shops,
the default questionnaire, the four demo accounts, open assignments for the demo
shopper, and six months of approved visits whose answers vary by location and month:
some locations improve, some slip, one has warm service in a tired store and one a
smooth web shop with cold service, and a few visits fail a critical question. Every
score is the engine's.

Everything is seeded, so the data set is the same on every machine, and loading it
twice changes nothing. `synthetic_visits` adds (tops up to) that many approved visits
of synthetic history over the last 12 months, inserted in bulk.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import func, insert, literal
from sqlmodel import Session, select

from .auth.services import create_user
from .config import DEFAULTS
from .field.scores import score_fields
from .field.submissions import Submission, submit_visit
from .files import parse_document
from .models import (
    Assignment,
    Client,
    Location,
    ManagerRegion,
    Questionnaire,
    Region,
    ReportSchedule,
    ReviewEvent,
    User,
    Visit,
)
from .questionnaires import import_questionnaire, parse_stored
from .review.services import approve_visit, return_visit
from .scorecards.storage import rebuild_score_days
from .scoring import Questionnaire as ParsedQuestionnaire

CLIENT_NAME = "Demo Retail"
#: uuids of demo visits are derived from these, so they are the same on every machine.
_NAMESPACE = uuid.UUID("6f1d3c52-8a3e-4b8e-9a55-2d1c0d7e9b10")

ACCOUNTS = (
    ("admin@demo.test", "admin", "demo-admin", "Ada Admin"),
    ("manager@demo.test", "manager", "demo-manager", "Maria Manager"),
    ("shopper@demo.test", "shopper", "demo-shopper", "Sam Shopper"),
    ("client@demo.test", "client", "demo-client", "Chris Client"),
    # Reviews region South (the contract's manager reviews North).
    ("south.manager@demo.test", "manager", "demo-manager", "Sol South"),
)
#: The region each demo manager reviews.
REGION_OF = {"manager@demo.test": "North", "south.manager@demo.test": "South"}


@dataclass(frozen=True)
class DemoLocation:
    code: str
    name: str
    region: str
    channel: str
    address: str | None
    city: str | None
    latitude: float | None
    longitude: float | None
    url: str | None
    #: How well service and experience go, six months ago and now (0 to 1).
    service: tuple[float, float]
    experience: tuple[float, float]
    #: Chance that a synthetic visit fails a critical question.
    critical_risk: float
    #: In the six months of demo history, the months (counted back from now) whose
    #: first visit fails the return-policy question: fixed, so the story is the same
    #: on every machine.
    failing_months: tuple[int, ...] = ()


LOCATIONS = (
    DemoLocation("N-LDS-01", "Leeds Briggate", "North", "in_store",
                 "71 Briggate, LS1 6LH", "Leeds", 53.7984, -1.5418, None,
                 service=(0.55, 0.88), experience=(0.50, 0.85), critical_risk=0.04,
                 failing_months=(6,)),
    DemoLocation("N-MAN-02", "Manchester Market Street", "North", "in_store",
                 "32 Market Street, M1 1PW", "Manchester", 53.4830, -2.2410, None,
                 service=(0.90, 0.92), experience=(0.48, 0.45), critical_risk=0.02),
    DemoLocation("N-NCL-03", "Newcastle Northumberland Street", "North", "in_store",
                 "88 Northumberland Street, NE1 7DQ", "Newcastle upon Tyne", 54.9770, -1.6110,
                 None, service=(0.72, 0.74), experience=(0.75, 0.78), critical_risk=0.03),
    DemoLocation("N-WEB-01", "Demo Retail online", "North", "online",
                 None, None, None, None, "https://www.demo-retail.example",
                 service=(0.40, 0.42), experience=(0.88, 0.90), critical_risk=0.0),
    DemoLocation("S-LON-01", "London Oxford Street", "South", "in_store",
                 "214 Oxford Street, W1D 1LA", "London", 51.5152, -0.1420, None,
                 service=(0.88, 0.58), experience=(0.86, 0.62), critical_risk=0.06,
                 failing_months=(2, 1)),
    DemoLocation("S-BTN-02", "Brighton Churchill Square", "South", "in_store",
                 "Churchill Square, BN1 2RG", "Brighton", 50.8229, -0.1440, None,
                 service=(0.66, 0.70), experience=(0.62, 0.66), critical_risk=0.05),
    DemoLocation("S-BRS-03", "Bristol Broadmead", "South", "in_store",
                 "45 Broadmead, BS1 3EA", "Bristol", 51.4585, -2.5890, None,
                 service=(0.78, 0.82), experience=(0.70, 0.80), critical_risk=0.03,
                 failing_months=(4,)),
    DemoLocation("S-WEB-02", "Demo Retail outlet (online)", "South", "online",
                 None, None, None, None, "https://outlet.demo-retail.example",
                 service=(0.60, 0.52), experience=(0.72, 0.64), critical_risk=0.0),
)

#: (location code, days from today the window opens, its length in days, scenario)
ASSIGNMENTS = (
    ("N-LDS-01", -2, 12, "Ask for advice on a waterproof jacket under £120, then ask how "
                         "to return it if it was a gift."),
    ("N-MAN-02", 0, 14, "Buy a pair of running socks; ask which trainers suit flat feet."),
    ("S-BRS-03", 1, 10, "Ask for a gift for a ten-year-old; buy the age-restricted "
                        "sparkling juice (18+ in this scenario) and see if ID is asked."),
    ("N-WEB-01", -1, 21, "Order a scarf online, ask the chat about delivery times, and "
                         "check how returns work."),
)

COMMENTS = (
    "Staff were friendly but the fitting rooms were closed.",
    "The queue moved quickly; two tills open.",
    "Had to look for someone to help for a while.",
    "Very knowledgeable about the product range.",
    "Music was very loud near the entrance.",
    "Clear signage, found everything easily.",
)


def default_questionnaire_document() -> Any:
    """The questionnaire that ships with Shopper (shopper/data/retail-visit.yaml)."""
    text = resources.files("shopper").joinpath("data/retail-visit.yaml").read_text("utf-8")
    return parse_document(text, "retail-visit.yaml")


def load_demo(*, session: Session, now: datetime, synthetic_visits: int = 0,
              settings: Mapping[str, Any] = DEFAULTS) -> dict[str, int]:
    """Load the demo data set (once) and top synthetic history up to `synthetic_visits`.

    Returns how many rows of each kind were added. Flushes; the caller commits.
    """
    added = {"clients": 0, "users": 0, "assignments": 0, "visits": 0, "synthetic_visits": 0,
             "schedules": 0}
    row, _ = import_questionnaire(session=session, document=default_questionnaire_document())
    questionnaire = parse_stored(row)
    client = session.exec(select(Client).where(Client.name == CLIENT_NAME)).first()
    if client is None:
        client = _load_base(session=session, questionnaire_row=row,
                            questionnaire=questionnaire, now=now, added=added,
                            settings=settings)
    added["schedules"] = _schedules(session=session, client=client, now=now)
    if synthetic_visits:
        added["synthetic_visits"] = _top_up_synthetic(
            session=session, client=client, questionnaire_row=row,
            questionnaire=questionnaire, now=now, target=synthetic_visits)
    return added


def _schedules(*, session: Session, client: Client, now: datetime) -> int:
    """Monthly reports: the whole of Demo Retail to its client viewer, region North to
    its manager. Made as if six months ago, so the worker sends last month's on its
    first minute and `make run` shows a delivery log and its PDFs."""
    if session.exec(select(ReportSchedule.id).where(ReportSchedule.client_id == client.id)
                    ).first() is not None:
        return 0
    north = session.exec(select(Region).where(Region.client_id == client.id,
                                              Region.name == "North")).one()
    made = now - timedelta(days=183)
    session.add(ReportSchedule(client_id=client.id, recipients=["client@demo.test"],
                               frequency="monthly", day_of_month=1, locale="en",
                               kind="rollup", created_at=made))
    session.add(ReportSchedule(client_id=client.id, region_id=north.id,
                               recipients=["manager@demo.test"], frequency="monthly",
                               day_of_month=1, locale="en", kind="rollup", created_at=made))
    session.flush()
    return 2


def _load_base(*, session: Session, questionnaire_row: Questionnaire,
               questionnaire: ParsedQuestionnaire, now: datetime,
               added: dict[str, int], settings: Mapping[str, Any]) -> Client:
    # British stores: their visits' days and times are London's.
    client = Client(name=CLIENT_NAME, contact_email="cx-team@demo-retail.example",
                    timezone="Europe/London")
    session.add(client)
    session.flush()
    added["clients"] = 1
    regions = {}
    for name in ("North", "South"):
        regions[name] = Region(client_id=client.id, name=name)
        session.add(regions[name])
    session.flush()
    locations = {}
    for spec in LOCATIONS:
        location = Location(region_id=regions[spec.region].id, code=spec.code, name=spec.name,
                            channel=spec.channel, address=spec.address, city=spec.city,
                            latitude=spec.latitude, longitude=spec.longitude, url=spec.url)
        session.add(location)
        locations[spec.code] = location
    session.flush()

    users = {}
    for email, role, password, name in ACCOUNTS:
        key = "south_manager" if REGION_OF.get(email) == "South" else role
        existing = session.exec(select(User).where(User.email == email)).first()
        if existing is not None:
            users[key] = existing
            continue
        users[key] = create_user(
            session=session, email=email, role=role, password=password, name=name,
            client_id=client.id if role == "client" else None,
            region_ids=[regions[REGION_OF.get(email, "North")].id] if role == "manager" else (),
        )
        added["users"] += 1
    shopper, manager = users["shopper"], users["manager"]

    today = now.replace(hour=9, minute=0, second=0, microsecond=0)
    for code, start, length, scenario in ASSIGNMENTS:
        session.add(Assignment(
            shopper_id=shopper.id, location_id=locations[code].id,
            questionnaire_id=questionnaire_row.id, scenario=scenario,
            window_start=today + timedelta(days=start),
            window_end=today + timedelta(days=start + length, hours=12)))
        added["assignments"] += 1

    reviewers = {"North": manager, "South": users["south_manager"]}
    regions_of = {spec.code: spec.region for spec in LOCATIONS}
    history = _History(session=session, shopper=shopper, questionnaire=questionnaire,
                       questionnaire_row=questionnaire_row, locations=locations,
                       settings=settings)
    # Demo data, reproducible on purpose: no secret comes from it.
    rng = random.Random(20261001)  # nosec B311
    number = 0
    for months_ago in range(6, 0, -1):
        for spec in LOCATIONS:
            for index in range(rng.randint(4, 6)):
                number += 1
                progress = (6 - months_ago) / 5  # 0 six months ago, 1 last month
                started = _random_time(rng, now - timedelta(days=30 * months_ago), days=28)
                fails = index == 0 and months_ago in spec.failing_months
                visit = history.submit(rng, spec, progress, started, key=f"demo-{number}",
                                       critical=fails)
                approve_visit(session=session, user=reviewers[spec.region], visit=visit,
                              revision=visit.revision,
                              now=visit.submitted_at + timedelta(days=2))
                added["visits"] += 1
    # Last week's visits wait in the review queues, as a shopper's phone sent them: some
    # flagged, one returned with notes and sent again.
    for code, kind in (("N-LDS-01", "plain"), ("N-NCL-03", "too_short"),
                       ("N-MAN-02", "far_from_location"), ("N-WEB-01", "plain"),
                       ("S-LON-01", "plain"), ("S-BTN-02", "outside_window"),
                       ("N-LDS-01", "returned")):
        number += 1
        spec = next(s for s in LOCATIONS if s.code == code)
        started = _random_time(rng, now - timedelta(days=7), days=5)
        visit = history.submit(rng, spec, 1.0, started, key=f"demo-{number}", kind=kind)
        if kind == "returned":
            manager_of = reviewers[regions_of[code]]
            returned_at = visit.submitted_at + timedelta(hours=3)
            return_visit(session=session, user=manager_of, visit=visit,
                         revision=visit.revision, now=returned_at,
                         note="Please check the wait time against your receipt.",
                         notes={"wait_minutes": "The receipt says you paid 12 minutes "
                                                "after you arrived."})
            history.resubmit(visit, changes={"wait_minutes": 9.0},
                             now=returned_at + timedelta(hours=20))
        added["visits"] += 1
    session.flush()
    return client


def _random_time(rng: random.Random, start: datetime, days: int) -> datetime:
    day = start + timedelta(days=rng.randrange(days))
    return day.replace(hour=rng.randint(9, 17), minute=rng.randrange(60), second=0,
                       microsecond=0)


class _History:
    """The demo's visits, made as a person makes them: an assignment, the phone's
    submission (engine scores, quality flags, the audit trail), then review."""

    def __init__(self, *, session: Session, shopper: User, questionnaire: ParsedQuestionnaire,
                 questionnaire_row: Questionnaire, locations: dict[str, Location],
                 settings: Mapping[str, Any]):
        self.session, self.shopper = session, shopper
        self.questionnaire, self.questionnaire_row = questionnaire, questionnaire_row
        self.locations, self.settings = locations, settings
        self.submissions: dict[int, Submission] = {}

    def submit(self, rng: random.Random, spec: DemoLocation, progress: float,
               started: datetime, *, key: str, critical: bool = False,
               kind: str = "plain") -> Visit:
        location = self.locations[spec.code]
        risk = 1.0 if critical else 0.0
        answers = synthetic_answers(rng, spec, self.questionnaire, progress, critical_risk=risk)
        minutes = rng.randint(3, 4) if kind == "too_short" else rng.randint(12, 40)
        ended = started + timedelta(minutes=minutes)
        window_start = started - timedelta(days=2)
        if kind == "outside_window":  # started a day before its window opened
            window_start = started + timedelta(days=1)
        assignment = Assignment(shopper_id=self.shopper.id, location_id=location.id,
                                questionnaire_id=self.questionnaire_row.id, status="done",
                                window_start=window_start,
                                window_end=window_start + timedelta(days=10))
        self.session.add(assignment)
        self.session.flush()
        position: dict[str, Any] = {}
        if spec.latitude is not None:
            # A check-in within a few tens of metres of the store (or two km north).
            north = 0.02 if kind == "far_from_location" else 0.0
            position = {"latitude": spec.latitude + north + rng.uniform(-0.0003, 0.0003),
                        "longitude": spec.longitude + rng.uniform(-0.0003, 0.0003),
                        "position_accuracy": float(rng.randint(5, 40)),
                        "position_status": "given"}
        submission = Submission(uuid=uuid.uuid5(_NAMESPACE, key), assignment_id=assignment.id,
                                channel=spec.channel, started_at=started, ended_at=ended,
                                answers=answers, **position)
        visit = submit_visit(
            session=self.session, user=self.shopper, submission=submission,
            settings=self.settings, now=ended + timedelta(minutes=rng.randint(1, 30))).visit
        visit.origin = "demo"
        self.submissions[visit.id] = submission
        return visit

    def resubmit(self, visit: Visit, *, changes: dict[str, Any], now: datetime) -> Visit:
        """The shopper corrects a returned visit on the phone and sends it again."""
        first = self.submissions[visit.id]
        again = dataclasses.replace(first, answers=first.answers | changes)
        return submit_visit(session=self.session, user=self.shopper, submission=again,
                            settings=self.settings, now=now).visit


def synthetic_answers(rng: random.Random, spec: DemoLocation,
                      questionnaire: ParsedQuestionnaire, progress: float,
                      critical_risk: float | None = None) -> dict[str, Any]:
    """Plausible answers of a visit to `spec`, `progress` of the way from its quality six
    months ago to its quality now. `critical_risk` (default: the location's) is the
    chance of failing the critical question that is asked."""
    if critical_risk is None:
        critical_risk = spec.critical_risk
    quality = {
        "service": spec.service[0] + (spec.service[1] - spec.service[0]) * progress,
        "experience": spec.experience[0] + (spec.experience[1] - spec.experience[0]) * progress,
    }
    answers: dict[str, Any] = {}
    for section in questionnaire.sections:
        if spec.channel not in questionnaire.section_channels(section):
            continue
        for question in section.questions:
            show_if = question.show_if
            if show_if is not None and answers.get(show_if.question) not in show_if.values:
                continue
            p = min(0.98, max(0.02, quality[question.dimension] + rng.gauss(0, 0.12)))
            if question.critical:
                if question.allow_na:  # the age check: mostly not in the scenario
                    answers[question.id] = "na" if rng.random() < 0.6 else "yes"
                else:
                    answers[question.id] = "no" if rng.random() < critical_risk else "yes"
                continue
            if question.allow_na and rng.random() < 0.07:
                answers[question.id] = "na"
                continue
            kind = question.type
            if kind == "yes_no":
                good = rng.random() < p
                answers[question.id] = "no" if good == question.invert else "yes"
                if question.weight == 0:  # the scripted question: asked on most visits
                    asked = critical_risk >= 1.0 or rng.random() < 0.7
                    answers[question.id] = "yes" if asked else "no"
            elif kind == "scale":
                value = question.min + p * (question.max - question.min) + rng.gauss(0, 0.6)
                answers[question.id] = int(min(question.max, max(question.min, round(value))))
            elif kind == "choice":
                ranked = sorted(question.options, key=lambda o: -o.score)
                index = min(len(ranked) - 1, int((1 - p) * len(ranked)))
                answers[question.id] = ranked[index].value
            elif kind == "number":
                # Waits: mostly short where the location is good, long where it is not.
                mean = 1.0 + (1 - p) * 9
                answers[question.id] = round(rng.expovariate(1 / mean), 1)
            elif kind == "text" and rng.random() < 0.3:
                answers[question.id] = rng.choice(COMMENTS)
    return answers


def _top_up_synthetic(*, session: Session, client: Client, questionnaire_row: Questionnaire,
                      questionnaire: ParsedQuestionnaire, now: datetime, target: int) -> int:
    """Bulk-insert approved synthetic visits until there are `target` of them."""
    have = session.exec(select(func.count()).select_from(Visit)
                        .where(Visit.origin == "synthetic")).one()
    if have >= target:
        return 0
    locations = session.exec(
        select(Location).join(Region, Region.id == Location.region_id)
        .where(Region.client_id == client.id).order_by(Location.id)).all()
    specs = {s.code: s for s in LOCATIONS}
    shopper = session.exec(select(User).where(User.email == "shopper@demo.test")).first()
    shopper_id = shopper.id if shopper else session.exec(
        select(User.id).where(User.role == "shopper")).first()
    # A different stream for each top-up, reproducible; demo data, not secrets.
    rng = random.Random(have)  # nosec B311
    batch: list[dict[str, Any]] = []
    for number in range(have, target):
        location = locations[number % len(locations)]
        spec = specs.get(location.code) or LOCATIONS[number % len(LOCATIONS)]
        age_days = rng.uniform(0, 365)
        started = (now - timedelta(days=age_days)).replace(microsecond=0)
        progress = 1 - age_days / 365
        answers = synthetic_answers(rng, spec, questionnaire, progress)
        ended = started + timedelta(minutes=rng.randint(12, 40))
        row = {
            "uuid": uuid.uuid5(_NAMESPACE, f"synthetic-{number}"), "assignment_id": None,
            "shopper_id": shopper_id, "location_id": location.id,
            "questionnaire_id": questionnaire_row.id, "status": "approved",
            "channel": location.channel, "origin": "synthetic", "started_at": started,
            "ended_at": ended, "opened_at": started, "submitted_at": ended,
            "approved_at": ended + timedelta(days=1), "latitude": None, "longitude": None,
            "position_accuracy": None, "position_status": None, "answers": answers,
            "quality_flags": [], "flag_count": 0, "content_hash": None,
            # Submitted (1), then approved (2): what the services leave.
            "revision": 2, "created_at": started, "updated_at": ended,
        }
        row.update(score_fields(questionnaire, answers, location.channel))
        batch.append(row)
        if len(batch) == 5000:
            _insert_history(session, batch)
            batch = []
    if batch:
        _insert_history(session, batch)
    rebuild_score_days(session=session, location_ids=[location.id for location in locations])
    return target - have


def _insert_history(session: Session, rows: list[dict[str, Any]]) -> None:
    """Visits in bulk, with the audit trail the submission and review services write:
    submitted by the shopper, approved by a manager of the visit's region. The trail is
    written by the database from the visits just inserted (one statement per action)."""
    last = session.exec(select(func.max(Visit.id))).one() or 0
    session.execute(insert(Visit.__table__), rows)
    visit = Visit.__table__
    new = visit.c.id > last
    event = ReviewEvent.__table__
    columns = ["visit_id", "actor_id", "action", "note", "revision", "created_at"]
    session.execute(event.insert().from_select(columns, select(
        visit.c.id, visit.c.shopper_id, literal("submitted"), literal(""), literal(1),
        visit.c.submitted_at).where(new)))
    reviewer = (select(func.min(ManagerRegion.user_id))
                .join(Location, Location.region_id == ManagerRegion.region_id)
                .where(Location.id == visit.c.location_id).scalar_subquery())
    session.execute(event.insert().from_select(columns, select(
        visit.c.id, reviewer, literal("approved"), literal(""), literal(2),
        visit.c.approved_at).where(new)))
