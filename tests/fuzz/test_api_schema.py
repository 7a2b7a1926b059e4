"""Schemathesis against the API's own OpenAPI document: every operation, as each role
(shopper, manager, admin, client viewer) with its bearer token, on a programme with data
for each of them. Goal: no server error, and no answer the document does not describe.

All of schemathesis's checks run on every case (call_and_validate's default set): no
server error; status codes, content types, headers and bodies as documented; data the
document calls invalid refused, and data it calls valid not refused (but for a documented
422 where validity depends on more than a JSON schema can say: the questionnaire's answers,
the clock, a photo's bytes); no operation answering without credentials; an unsupported
method answering 405 with Allow. Phases: coverage (boundary and invalid values of every
parameter and property) and fuzzing; the document has no examples, and no links for the
stateful phase.

The budget is a minimum number of cases actually sent, counted here and checked by the
last test of the module, so that it cannot shrink unnoticed: SHOPPER_FUZZ_CASES (default
2,000) spread over the operations and roles. A longer run: bench/fuzz.py (10,000 cases,
with SHOPPER_FUZZ_KEEP_GOING, which counts failures instead of stopping at the first).
SHOPPER_FUZZ_SEED picks the seed (the suite's default one is fixed, so that a failure in
CI is the same on a laptop); SHOPPER_FUZZ_REPORT names a JSON file for the counts.

The document is built by shopper.api.openapi at import (a pure function: no app, no
database); test_the_fuzzed_document_is_the_one_served checks that the app serves exactly
it. schemathesis.pytest.from_fixture would load it from the app fixture, but it sets
`Function._nodeid`, which pytest 9.2 no longer has.
"""

from __future__ import annotations

import io
import json
import math
import os
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.errors import FailureGroup
from sqlalchemy import delete
from sqlmodel import Session

from shopper.api.openapi import openapi_document
from shopper.auth.services import issue_api_token
from shopper.models import AuthFailure, utcnow
from tests.factories import RETAIL_ANSWERS, field_world, make_visit

#: Who calls the API, by role: the field_world user whose token each case carries.
ROLES = {"shopper": "sam", "manager": "north_manager", "admin": "admin", "client": "viewer"}

BUDGET = int(os.environ.get("SHOPPER_FUZZ_CASES", "2000"))
SEED = int(os.environ.get("SHOPPER_FUZZ_SEED", "20261201"))
KEEP_GOING = os.environ.get("SHOPPER_FUZZ_KEEP_GOING", "") not in ("", "0")
REPORT = os.environ.get("SHOPPER_FUZZ_REPORT")

#: Operations where a request the JSON schema accepts may still be invalid (422, as the
#: document says): answers checked against the questionnaire, times against the clock,
#: a photo's bytes, a review note or reason that must not be blank.
SEMANTIC_422 = ["submit_visit", "save_draft", "upload_photo", "edit_visit", "approve_visit",
                "return_visit"]

#: The checks' codes of a server error; every other failure is the app and the document
#: disagreeing.
SERVER_ERRORS = {"ST101", "ST102"}


class CurrentApp:
    """The WSGI app schemathesis calls: the current test's (the `app` fixture is made for
    each test, on a fresh database), set by the `world` fixture."""

    app: Any = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


CURRENT_APP = CurrentApp()
DOCUMENT = openapi_document()
OPERATIONS = sum(len(methods) for methods in DOCUMENT["paths"].values())
MAX_EXAMPLES = math.ceil(BUDGET / (OPERATIONS * len(ROLES)))

schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"database": "none"},
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "429"]}},
    "operations": [{
        "include-operation-id": SEMANTIC_422,
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]}},
    }],
}))
schema.app = CURRENT_APP

#: Cases sent, by role; answers, by operation and status; failures found, by check code
#: (SHOPPER_FUZZ_KEEP_GOING only).
CASES: Counter[str] = Counter()
STATUSES: Counter[str] = Counter()
FAILURES: Counter[str] = Counter()
FAILED_CASES: Counter[str] = Counter()
#: The first report of each kind of failure on each operation, to reproduce it by.
FIRST_FAILURES: dict[str, str] = {}

#: The world's ids that generated values are sometimes replaced with, so that cases reach
#: real visits, photos and assignments (random UUIDs only ever find nothing).
KNOWN: dict[str, list[Any]] = {}


def photo_bytes() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 200)).save(output, "PNG")
    return output.getvalue()


@pytest.fixture
def world(app, session):
    """field_world with a visit in each state (Sam's in North, Kim's in South), one photo,
    and a token for each role."""
    CURRENT_APP.app = app
    world = field_world(session, web=True)
    visits = [make_visit(session, world["sam"], world["store"], world["questionnaire"],
                         status=status) for status in ("submitted", "approved", "returned")]
    visits.append(make_visit(session, world["kim"], world["other_store"],
                             world["questionnaire"], status="submitted"))
    tokens = {role: issue_api_token(session=session, user=world[who])
              for role, who in ROLES.items()}
    session.commit()
    photo_uuid, draft_uuid = uuid.uuid4(), uuid.uuid4()
    uploaded = app.test_client().post("/api/v1/photos", headers=bearer(tokens["shopper"]), data={
        "file": (io.BytesIO(photo_bytes()), "shelf.png"), "uuid": str(photo_uuid),
        "visit_uuid": str(draft_uuid)})
    assert uploaded.status_code == 201, uploaded.text
    KNOWN.clear()
    KNOWN.update({
        "uuid": [str(v.uuid) for v in visits] + [str(photo_uuid), str(draft_uuid)],
        "location": [world[name].id for name in ("store", "other_store", "web")],
        "questionnaire": [world["questionnaire"].key],
        "assignment_id": [world[name].id for name in ("assignment", "kim_assignment",
                                                      "web_assignment")],
        "revision": [1, 2],
    })
    world["tokens"] = tokens
    yield world
    CURRENT_APP.app = None


def forget_failed_tokens(app) -> None:
    """The ignored_auth check sends a wrong token or two with each case, and after 100
    from one address in 10 minutes the app locks it out (429, auth/throttle.py): forgotten
    every 25 cases, so that a long run goes on reaching the operations."""
    with Session(app.extensions["shopper.engine"]) as session:
        session.execute(delete(AuthFailure))
        session.commit()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _with_known_values(case, draw):
    """A positive case with some of its values replaced by the world's, which keeps it
    valid: ids that exist, and for a submission, answers and times that could be true."""
    if "uuid" in case.path_parameters:
        case.path_parameters = case.path_parameters | {
            "uuid": draw(st.sampled_from(KNOWN["uuid"]))}
    if "id" in case.path_parameters:
        key = "questionnaire" if case.path.startswith("/questionnaires") else "location"
        case.path_parameters = case.path_parameters | {"id": draw(st.sampled_from(KNOWN[key]))}
    if "location" in case.query:
        case.query = case.query | {"location": draw(st.sampled_from(KNOWN["location"]))}
    # Not a photo's form: schemathesis takes any change to a body holding a file for a
    # negative case. A random visit_uuid is a visit not stored yet, which a shopper may
    # upload for, and its sample files include a PNG, a JPEG and a WebP.
    if isinstance(case.body, dict) and case.path != "/photos":
        body = dict(case.body)
        for name in ("assignment_id", "revision"):
            if name in body:
                body[name] = draw(st.sampled_from(KNOWN[name]))
        if case.path == "/visits":  # Sam's visit to N1, as it could be
            started = utcnow() - timedelta(minutes=draw(st.integers(25, 600)))
            body |= {"assignment_id": KNOWN["assignment_id"][0], "channel": "in_store",
                     "answers": dict(RETAIL_ANSWERS), "started_at": started.isoformat(),
                     "ended_at": (started + timedelta(minutes=20)).isoformat()}
        if case.method.upper() == "PATCH":  # a change the questionnaire allows
            body["answers"] = {"greeted": draw(st.sampled_from(["yes", "no"]))}
        case.body = body
    return case


@schema.hook
def flatmap_case(context, case):
    """Half the positive cases get the world's values; negative ones stay as made, so that
    the invalid part is still invalid."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return st.just(case)
    return st.composite(lambda draw: _with_known_values(case, draw) if draw(st.booleans())
                        else case)()


@schema.hook
def after_call(context, case, response):
    STATUSES[f"{case.operation.label} {response.status_code}"] += 1


@pytest.mark.parametrize("role", ROLES)
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
          # The app and the world live for the whole test on purpose: the cases act on
          # one programme, as callers do on a running server.
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@schema.parametrize()
def test_every_answer_is_as_documented(case, world, role, app):
    CASES[role] += 1
    if CASES[role] % 25 == 0:
        forget_failed_tokens(app)
    try:
        case.call_and_validate(headers=bearer(world["tokens"][role]))
    except FailureGroup as failures:
        if not KEEP_GOING:
            raise
        FAILED_CASES["server_error" if any(f.code in SERVER_ERRORS for f in failures.exceptions)
                     else "document"] += 1
        FAILURES.update(f"{f.code} {f.title}" for f in failures.exceptions)
        for failure in failures.exceptions:
            FIRST_FAILURES.setdefault(f"{failure.code} {case.operation.label} as {role}",
                                      failures.message)


def test_the_fuzzed_document_is_the_one_served(app):
    served = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert served.raw_schema == schema.raw_schema


def test_the_whole_budget_was_spent():
    """Last in the module: the cases sent, over every operation and role, are at least the
    budget (Hypothesis stops early on a small input space; the coverage phase adds more)."""
    if REPORT:
        with open(REPORT, "w", encoding="utf-8") as report:
            json.dump({"budget": BUDGET, "seed": SEED, "cases": sum(CASES.values()),
                       "by_role": dict(CASES), "failed_cases": dict(FAILED_CASES),
                       "failures": dict(FAILURES), "first_failures": FIRST_FAILURES,
                       "statuses": dict(sorted(STATUSES.items()))},
                      report, indent=2)
    assert set(CASES) == set(ROLES), "run the whole module: the budget is over every role"
    assert sum(CASES.values()) >= BUDGET, dict(CASES)
    assert not FAILURES, FAILURES  # SHOPPER_FUZZ_KEEP_GOING: what the cases above counted
