"""`shopper demo`: the data set every dashboard and report shows on first run."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select
from werkzeug.security import check_password_hash

from shopper.field.scores import stored_scores
from shopper.models import (
    Assignment,
    Client,
    Location,
    ManagerRegion,
    Questionnaire,
    Region,
    User,
    Visit,
    utcnow,
)
from shopper.questionnaires import parse_stored
from shopper.scoring import aggregate_location, score_visit, visit_scores_from_document


def counts(session) -> dict[str, int]:
    session.rollback()  # a new transaction sees what the command committed
    return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Client, Region, Location, User, Questionnaire, Assignment, Visit)}


def test_demo_has_the_contract_accounts_and_loads_once(runner, session):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    first = counts(session)
    again = runner.invoke(args=["demo"])
    assert "nothing changed" in again.output
    assert counts(session) == first

    accounts = {u.email: u for u in session.exec(select(User))}
    for email, role, password in [("admin@demo.test", "admin", "demo-admin"),
                                  ("manager@demo.test", "manager", "demo-manager"),
                                  ("shopper@demo.test", "shopper", "demo-shopper"),
                                  ("client@demo.test", "client", "demo-client")]:
        assert accounts[email].role == role
        assert check_password_hash(accounts[email].password_hash, password)
    client = session.exec(select(Client)).one()
    assert client.name == "Demo Retail"
    assert accounts["client@demo.test"].client_id == client.id
    north = session.exec(select(Region).where(Region.name == "North")).one()
    managed = session.exec(select(ManagerRegion.region_id).where(
        ManagerRegion.user_id == accounts["manager@demo.test"].id)).all()
    assert managed == [north.id]
    assert sorted(session.exec(select(Region.name))) == ["North", "South"]


def test_demo_locations_assignments_and_history(runner, session):
    runner.invoke(args=["demo"])
    locations = session.exec(select(Location)).all()
    assert len(locations) >= 6
    channels = {loc.channel for loc in locations}
    assert {"in_store", "online"} <= channels
    for store in (loc for loc in locations if loc.channel == "in_store"):
        assert store.address and store.city and -90 <= store.latitude <= 90
    for shop in (loc for loc in locations if loc.channel == "online"):
        assert shop.url.startswith("https://")

    shopper = session.exec(select(User).where(User.email == "shopper@demo.test")).one()
    open_assignments = session.exec(select(Assignment).where(
        Assignment.shopper_id == shopper.id, Assignment.status == "open")).all()
    assert len(open_assignments) >= 3
    assert all(a.window_end > utcnow() for a in open_assignments)

    approved = session.exec(select(Visit).where(Visit.status == "approved")).all()
    months = {(v.started_at.year, v.started_at.month) for v in approved}
    assert len(months) >= 6
    assert {v.location_id for v in approved} == {loc.id for loc in locations}
    assert 0 < sum(v.critical_failure for v in approved) < len(approved) * 0.1


def test_demo_scores_are_the_engines(runner, session):
    runner.invoke(args=["demo"])
    questionnaire = parse_stored(session.exec(select(Questionnaire)).one())
    for visit in session.exec(select(Visit)).all():
        scores = score_visit(questionnaire, visit.answers, visit.channel)
        assert stored_scores(visit)["cx"] == scores.cx and "cx" not in visit.scores
        assert visit.scores["sections"] == scores.sections
        assert visit.critical_failure == bool(scores.critical_failures)
        assert len(visit.explanation) == len(questionnaire.questions)


def test_demo_has_improving_and_slipping_locations(runner, session):
    runner.invoke(args=["demo"])
    by_location: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    now = utcnow()
    rows = session.exec(select(Visit, Location.code).join(Location).where(
        Visit.status == "approved")).all()
    for visit, code in rows:
        age_days = (now - visit.started_at).days
        if age_days < 62 or age_days > 120:  # the last two months against the first two
            half = "recent" if age_days < 62 else "early"
            by_location[code][half].append(visit_scores_from_document(stored_scores(visit)))

    def trend(code: str, headline: str) -> float:
        early = getattr(aggregate_location(by_location[code]["early"]), headline).mean
        recent = getattr(aggregate_location(by_location[code]["recent"]), headline).mean
        return recent - early

    assert trend("N-LDS-01", "cx") > 5  # improving
    assert trend("S-LON-01", "cx") < -5  # slipping
    # warm service in a tired store; a smooth web shop with cold service
    manchester = aggregate_location(by_location["N-MAN-02"]["recent"])
    assert manchester.service.mean - manchester.experience.mean > 15
    web = aggregate_location(by_location["N-WEB-01"]["recent"])
    assert web.experience.mean - web.service.mean > 15


def test_demo_tops_up_synthetic_visits(runner, session):
    runner.invoke(args=["demo"])
    before = counts(session)["Visit"]
    result = runner.invoke(args=["demo", "--visits", "300"])
    assert result.exit_code == 0, result.output
    assert "300 synthetic visits" in result.output
    assert counts(session)["Visit"] == before + 300
    runner.invoke(args=["demo", "--visits", "300"])
    assert counts(session)["Visit"] == before + 300
    runner.invoke(args=["demo", "--visits", "350"])
    session.rollback()
    synthetic = session.exec(select(Visit).where(Visit.origin == "synthetic")).all()
    assert len(synthetic) == 350
    assert all(v.status == "approved" and v.scores is not None for v in synthetic)
    ages = [(utcnow() - v.started_at).days for v in synthetic]
    assert min(ages) < 30 and max(ages) > 300


def test_the_default_questionnaire_speaks_every_language_units_included():
    from shopper.config import LANGUAGES
    from shopper.demo import default_questionnaire_document

    document = default_questionnaire_document()
    texts = []
    for section in document["sections"]:
        for question in section["questions"]:
            texts += [question["text"]] + [question[k] for k in ("unit", "help") if k in question]
    assert texts and all(isinstance(t, dict) and set(t) == set(LANGUAGES) for t in texts)


def test_demo_visits_went_through_the_submission_and_review_services(runner, session):
    from shopper.models import Region, ReviewEvent

    assert runner.invoke(args=["demo"]).exit_code == 0
    waiting = session.exec(select(Visit).where(Visit.status == "submitted")).all()
    flags = {flag for visit in waiting for flag in visit.quality_flags}
    assert {"too_short", "far_from_location", "outside_window"} <= flags
    assert all(visit.flag_count == len(visit.quality_flags) for visit in waiting)
    [resubmitted] = [v for v in waiting if v.revision > 1]
    actions = [e.action for e in session.exec(select(ReviewEvent).where(
        ReviewEvent.visit_id == resubmitted.id).order_by(ReviewEvent.id))]
    assert actions == ["submitted", "returned", "submitted"]
    assert resubmitted.revision == 3 and resubmitted.answers["wait_minutes"] == 9.0
    # Each approval is by a manager of the visit's own region.
    managers = {u.id: u for u in session.exec(select(User).where(User.role == "manager"))}
    region_of_manager = {m.id: {r.region_id for r in session.exec(
        select(ManagerRegion).where(ManagerRegion.user_id == m.id))} for m in managers.values()}
    approvals = session.exec(
        select(ReviewEvent, Location.region_id).join(Visit, Visit.id == ReviewEvent.visit_id)
        .join(Location, Location.id == Visit.location_id)
        .where(ReviewEvent.action == "approved")).all()
    assert approvals and all(region in region_of_manager[e.actor_id] for e, region in approvals)
    south = session.exec(select(Region).where(Region.name == "South")).one()
    assert any(region == south.id for _e, region in approvals)


def test_synthetic_history_is_what_the_services_would_have_written(app, runner, session):
    """A sample of the bulk-written history against the submission and review
    services run on the same visits (in a transaction rolled back after)."""
    from shopper.config import DEFAULTS
    from shopper.field.submissions import Submission, submit_visit
    from shopper.models import ReviewEvent
    from shopper.review.services import approve_visit

    assert runner.invoke(args=["demo", "--visits", "40"]).exit_code == 0
    sample = session.exec(select(Visit).where(Visit.origin == "synthetic")
                          .order_by(Visit.id).limit(8)).all()
    assert len(sample) == 8
    shopper = session.exec(select(User).where(User.email == "shopper@demo.test")).one()
    with Session(app.extensions["shopper.engine"]) as scratch:
        for bulk in sample:
            trail = session.exec(select(ReviewEvent).where(ReviewEvent.visit_id == bulk.id)
                                 .order_by(ReviewEvent.id)).all()
            assignment = Assignment(shopper_id=shopper.id, location_id=bulk.location_id,
                                    questionnaire_id=bulk.questionnaire_id, status="done",
                                    window_start=bulk.started_at - timedelta(days=1),
                                    window_end=bulk.started_at + timedelta(days=1))
            scratch.add(assignment)
            scratch.flush()
            made = submit_visit(
                session=scratch, user=scratch.get(User, shopper.id), settings=DEFAULTS,
                submission=Submission(uuid=uuid.uuid4(), assignment_id=assignment.id,
                                      channel=bulk.channel, started_at=bulk.started_at,
                                      ended_at=bulk.ended_at, answers=bulk.answers),
                now=bulk.submitted_at).visit
            reviewer = scratch.get(User, trail[1].actor_id)
            made = approve_visit(session=scratch, user=reviewer, visit=made,
                                 revision=made.revision, now=bulk.approved_at)
            for name in ("scores", "explanation", "cx", "service", "experience",
                         "critical_failure", "quality_flags", "flag_count", "revision",
                         "status"):
                assert getattr(made, name) == getattr(bulk, name), name
            made_trail = scratch.exec(select(ReviewEvent).where(
                ReviewEvent.visit_id == made.id).order_by(ReviewEvent.id)).all()
            assert [(e.action, e.actor_id, e.revision) for e in made_trail] == [
                (e.action, e.actor_id, e.revision) for e in trail]
            region = scratch.get(Location, bulk.location_id).region_id
            assert scratch.exec(select(ManagerRegion).where(
                ManagerRegion.user_id == reviewer.id, ManagerRegion.region_id == region)).first()
        scratch.rollback()
