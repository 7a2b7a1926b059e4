"""Plain functions that build test data."""

from __future__ import annotations

import copy
import functools
import uuid as uuid_module
from datetime import timedelta
from pathlib import Path
from typing import Any

from shopper.auth.services import hash_password
from shopper.field.scores import apply_scores
from shopper.files import read_document
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
from shopper.questionnaires import import_questionnaire, parse_stored
from shopper.scorecards.storage import refresh_visit_day

ROOT = Path(__file__).resolve().parent.parent
#: The spec's worked examples: the shared copy when it sits beside the project (as in
#: CI), else the copy kept in tests/fixtures/spec.
SPEC_EXAMPLES = next(
    p for p in (ROOT.parent / "shared" / "spec" / "examples", ROOT / "tests" / "fixtures" / "spec")
    if (p / "retail.yaml").exists()
)


def questionnaire_doc(*questions: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A valid questionnaire document with one section holding `questions`."""
    if not questions:
        questions = ({"id": "q1", "text": "Q1", "type": "yes_no"},)
    doc: dict[str, Any] = {
        "id": "test",
        "title": "Test",
        "sections": [{"id": "main", "title": "Main", "questions": [dict(q) for q in questions]}],
    }
    doc.update(top)
    return copy.deepcopy(doc)


def yes_no(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "yes_no", **extra}


def scale(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "scale", **extra}


def choice(qid: str, **extra: Any) -> dict[str, Any]:
    options = [{"value": "good", "label": "Good", "score": 1},
               {"value": "fair", "label": "Fair", "score": 0.4},
               {"value": "poor", "label": "Poor", "score": 0}]
    return {"id": qid, "text": qid, "type": "choice", "options": options, **extra}


def number(qid: str, **extra: Any) -> dict[str, Any]:
    bands = [{"max": 2, "score": 1}, {"max": 5, "score": 0.5}, {"score": 0}]
    return {"id": qid, "text": qid, "type": "number", "bands": bands, **extra}


def text(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "text", **extra}


def photo(qid: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "text": qid, "type": "photo", **extra}


# --- database rows ----------------------------------------------------------------------
# Plain functions that add rows and flush; the test commits when it needs to.

PASSWORD = "correct horse battery"


@functools.cache
def _password_hash(password: str) -> str:
    return hash_password(password)  # scrypt is slow on purpose: hash each password once


def make_client(session, name="Acme Stores"):
    client = Client(name=name)
    session.add(client)
    session.flush()
    return client


def make_region(session, client=None, name="North"):
    client = client or make_client(session)
    region = Region(client_id=client.id, name=name)
    session.add(region)
    session.flush()
    return region


def make_location(session, region=None, code=None, channel="in_store", **extra):
    region = region or make_region(session)
    code = code or f"L-{uuid_module.uuid4().hex[:6]}"
    location = Location(region_id=region.id, code=code, name=extra.pop("name", f"Store {code}"),
                        channel=channel, **extra)
    session.add(location)
    session.flush()
    return location


def make_user(session, role="shopper", email=None, password=PASSWORD, regions=(), client=None,
              **extra):
    email = email or f"{role}-{uuid_module.uuid4().hex[:6]}@example.com"
    user = User(email=email, role=role, password_hash=_password_hash(password),
                client_id=client.id if client else None, **extra)
    session.add(user)
    session.flush()
    for region in regions:
        session.add(ManagerRegion(user_id=user.id, region_id=region.id))
    session.flush()
    return user


def make_questionnaire(session, document=None) -> Questionnaire:
    document = document or read_document(SPEC_EXAMPLES / "retail.yaml")
    row, _ = import_questionnaire(session=session, document=document)
    return row


def make_assignment(session, shopper, location, questionnaire=None, days=7, **extra):
    questionnaire = questionnaire or make_questionnaire(session)
    now = utcnow()
    assignment = Assignment(shopper_id=shopper.id, location_id=location.id,
                            questionnaire_id=questionnaire.id,
                            window_start=extra.pop("window_start", now - timedelta(days=1)),
                            window_end=extra.pop("window_end", now + timedelta(days=days)),
                            **extra)
    session.add(assignment)
    session.flush()
    return assignment


RETAIL_ANSWERS = {"greeted": "yes", "wait_minutes": 1, "store_clean": 5, "asked_needs": "yes",
                  "pushy": "no", "had_problem": "no", "checkout_ease": 10}


def make_visit(session, shopper, location, questionnaire=None, answers=None,
               status="approved", started_at=None, **extra):
    questionnaire = questionnaire or make_questionnaire(session)
    started = started_at or utcnow() - timedelta(days=3)
    visit = Visit(uuid=extra.pop("uuid", None) or uuid_module.uuid4(), shopper_id=shopper.id,
                  location_id=location.id,
                  questionnaire_id=questionnaire.id, status=status, channel=location.channel,
                  started_at=started, ended_at=started + timedelta(minutes=20),
                  answers=dict(answers or RETAIL_ANSWERS), **extra)
    apply_scores(visit, parse_stored(questionnaire))
    session.add(visit)
    session.flush()
    if status == "approved":  # as the review service leaves it: counted in the sums
        refresh_visit_day(session=session, visit=visit)
    return visit


def field_world(session, *, web: bool = False) -> dict[str, Any]:
    """The programme most field tests start from: client Acme with regions North and
    South; store N1 in North (in Leeds) and S1 in South; the retail
    questionnaire; shoppers Sam (assigned to N1) and Kim (assigned to S1); a manager of
    each region, an admin and a client viewer. `web` adds Acme's web shop W1 in North
    with an assignment for Sam. Flushed, not committed."""
    acme = make_client(session, "Acme")
    north, south = make_region(session, acme, "North"), make_region(session, acme, "South")
    store = make_location(session, north, "N1", latitude=53.7984, longitude=-1.5418)
    other_store = make_location(session, south, "S1")
    questionnaire = make_questionnaire(session)
    sam = make_user(session, "shopper", email="sam@example.com")
    kim = make_user(session, "shopper", email="kim@example.com")
    world = {
        "acme": acme, "north": north, "south": south, "store": store,
        "other_store": other_store, "questionnaire": questionnaire, "sam": sam, "kim": kim,
        "assignment": make_assignment(session, sam, store, questionnaire),
        "kim_assignment": make_assignment(session, kim, other_store, questionnaire),
        "north_manager": make_user(session, "manager", email="mia@example.com",
                                   regions=[north]),
        "south_manager": make_user(session, "manager", email="sol@example.com",
                                   regions=[south]),
        "admin": make_user(session, "admin", email="ada@example.com"),
        "viewer": make_user(session, "client", email="cal@example.com", client=acme),
    }
    if web:
        world["web"] = make_location(session, north, "W1", channel="online", name="Web shop")
        world["web_assignment"] = make_assignment(session, sam, world["web"], questionnaire)
    return world
