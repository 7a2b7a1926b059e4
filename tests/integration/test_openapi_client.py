"""A client generated from the OpenAPI document works: openapi-python-client reads the
whole document without a warning, and its typed models parse what a live server
answers through a visit's life (submit, approve, read back, audit trail, scorecard).
A key or type the document gets wrong shows up here as a model left out, a parse that
falls back to a plain dict, or a key the model does not know."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest

from shopper.auth.services import issue_api_token
from shopper.models import utcnow
from tests.factories import RETAIL_ANSWERS, field_world

#: The package the generator writes (its name is the directory's).
PACKAGE = "shopper_api_client"


def generate_client(client, directory) -> str:
    """Write the app's document to `directory`, generate a client package from it there
    and answer what the generator printed. Runs offline, with no post hooks (ruff is not
    needed to import the package)."""
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    (directory / "openapi.json").write_text(json.dumps(document.get_json()))
    (directory / "generator.json").write_text(json.dumps({"post_hooks": []}))
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate",
         "--path", str(directory / "openapi.json"), "--output-path", str(directory / PACKAGE),
         "--meta", "none", "--config", str(directory / "generator.json"),
         "--fail-on-warning"],
        capture_output=True, text=True, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


@pytest.fixture
def api(client, tmp_path):
    """The generated client package, imported; forgotten again afterwards."""
    generate_client(client, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def world(session):
    world = field_world(session)
    for who in ("sam", "north_manager"):
        world[f"{who}_token"] = issue_api_token(session=session, user=world[who])
    session.commit()
    return world


def test_the_generator_takes_every_endpoint_and_model(client, tmp_path):
    output = generate_client(client, tmp_path)
    assert "warning" not in output.lower(), output
    assert "unable to" not in output.lower(), output
    models = tmp_path / PACKAGE / "models"
    for module in ("visit", "scores", "score_map", "scorecard", "score_summary", "change",
                   "event",
                   "assignment", "questionnaire", "invalid", "error"):
        assert (models / f"{module}.py").is_file(), module


def test_a_generated_client_follows_a_visit_through_review(api, world, live_server):
    from shopper_api_client.api.field import list_assignments, submit_visit
    from shopper_api_client.api.locations import get_location_scorecard
    from shopper_api_client.api.review import approve_visit, list_visit_events
    from shopper_api_client.api.visits import get_visit
    from shopper_api_client.models import (
        Answers,
        Approve,
        Assignment,
        AssignmentList,
        Change,
        Channel,
        Event,
        EventAction,
        EventChange,
        EventList,
        Question,
        Questionnaire,
        Scorecard,
        ScoreMap,
        Scores,
        ScoreSummary,
        Submission,
        Visit,
        VisitStatus,
    )

    def as_user(who: str):
        return api.AuthenticatedClient(base_url=f"{live_server}/api/v1",
                                       token=world[f"{who}_token"],
                                       raise_on_unexpected_status=True)

    sam, manager = as_user("sam"), as_user("north_manager")

    assignments = list_assignments.sync(client=sam)
    assert isinstance(assignments, AssignmentList)
    assignment = assignments.items[0]
    assert isinstance(assignment, Assignment) and assignment.id == world["assignment"].id
    assert isinstance(assignment.questionnaire, Questionnaire)
    assert all(isinstance(q, Question) for s in assignment.questionnaire.sections
               for q in s.questions)
    assert assignment.additional_properties == {}
    assert assignment.questionnaire.additional_properties == {}

    started = utcnow() - timedelta(minutes=40)
    submitted = submit_visit.sync_detailed(client=sam, body=Submission(
        uuid=uuid.uuid4(), assignment_id=assignment.id, channel=Channel.IN_STORE,
        started_at=started, ended_at=started + timedelta(minutes=25),
        answers=Answers.from_dict(RETAIL_ANSWERS)))
    assert submitted.status_code == 201
    visit = submitted.parsed
    assert isinstance(visit, Visit) and visit.revision == 1
    assert visit.status is VisitStatus.SUBMITTED

    approved = approve_visit.sync(client=manager, uuid=visit.uuid, body=Approve(revision=1))
    assert isinstance(approved, Visit) and approved.status is VisitStatus.APPROVED

    visit = get_visit.sync(client=manager, uuid=visit.uuid)
    assert isinstance(visit, Visit)
    assert (visit.status, visit.revision) == (VisitStatus.APPROVED, 2)
    assert visit.shopper == world["sam"].id
    assert isinstance(visit.scores, Scores) and isinstance(visit.scores.cx, float)
    assert isinstance(visit.scores.sections, ScoreMap) and visit.scores.sections.additional_keys
    assert all(isinstance(score, float | None)
               for score in visit.scores.touchpoints.additional_properties.values())
    assert visit.answers.to_dict() == RETAIL_ANSWERS
    # The document names every key a visit has: nothing left over for the model to hold.
    assert visit.additional_properties == {} and visit.scores.additional_properties == {}

    events = list_visit_events.sync(client=manager, uuid=visit.uuid)
    assert isinstance(events, EventList)
    assert all(isinstance(event, Event) for event in events.items)
    assert [(e.action, e.revision) for e in events.items] == [
        (EventAction.SUBMITTED, 1), (EventAction.APPROVED, 2)]
    assert events.items[-1].actor == world["north_manager"].id
    assert isinstance(events.items[-1].after, EventChange)
    assert events.items[-1].after.status is VisitStatus.APPROVED
    assert all(event.additional_properties == {} for event in events.items)

    scorecard = get_location_scorecard.sync(client=manager, id=world["store"].id)
    assert isinstance(scorecard, Scorecard)
    assert (scorecard.location, scorecard.visits) == (world["store"].id, 1)
    assert isinstance(scorecard.cx, ScoreSummary) and isinstance(scorecard.cx.mean, float)
    assert scorecard.cx.mean == pytest.approx(visit.scores.cx)
    assert (scorecard.cx.n, scorecard.cx.ci95) == (1, None)
    assert isinstance(scorecard.sections, ScoreMap)
    assert scorecard.sections.to_dict() == visit.scores.sections.to_dict()
    assert isinstance(scorecard.change.cx, Change)  # no period given: nothing to compare
    assert (scorecard.change.cx.previous, scorecard.change.cx.change,
            scorecard.change.cx.significant) == (None, None, None)
