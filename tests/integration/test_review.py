"""The review actions through the API: approve, return with notes, edit with a reason,
each checked against the revision shown and kept in the audit trail."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from shopper.auth.services import issue_api_token
from shopper.models import ReviewEvent, Visit, utcnow
from shopper.questionnaires import parse_stored
from shopper.scoring import score_visit
from tests.factories import RETAIL_ANSWERS, field_world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(session):
    world = field_world(session)
    for who in ("sam", "kim", "north_manager", "south_manager", "admin", "viewer"):
        world[f"{who}_token"] = issue_api_token(session=session, user=world[who])
    session.commit()
    return world


def submit(client, world, answers=None, **changes):
    started = utcnow() - timedelta(minutes=40)
    body = {"uuid": str(uuid.uuid4()), "assignment_id": world["assignment"].id,
            "channel": "in_store", "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=25)).isoformat(),
            "answers": dict(answers or RETAIL_ANSWERS)} | changes
    response = client.post("/api/v1/visits", json=body, headers=bearer(world["sam_token"]))
    assert response.status_code in (200, 201), response.get_json()
    return body, response.get_json()


def act(client, world, who, visit, action, **body):
    method, path = {"approve": ("post", "/approve"), "return": ("post", "/return"),
                    "edit": ("patch", "")}[action]
    return getattr(client, method)(f"/api/v1/visits/{visit['uuid']}{path}", json=body,
                                   headers=bearer(world[f"{who}_token"]))


def stored(app, visit_uuid) -> Visit:
    with Session(app.extensions["shopper.engine"]) as session:
        return session.exec(select(Visit).where(Visit.uuid == uuid.UUID(visit_uuid))).one()


def events(client, world, visit, who="north_manager"):
    response = client.get(f"/api/v1/visits/{visit['uuid']}/events",
                          headers=bearer(world[f"{who}_token"]))
    assert response.status_code == 200
    return response.get_json()["items"]


def test_approving_counts_the_visit_and_raises_its_revision(world, client, app):
    _body, visit = submit(client, world)
    assert visit["revision"] == 1
    response = act(client, world, "north_manager", visit, "approve", revision=1)
    assert response.status_code == 200
    approved = response.get_json()
    assert (approved["status"], approved["revision"]) == ("approved", 2)
    assert approved["shopper"] == world["sam"].id  # reviewers see who made it
    trail = events(client, world, visit)
    assert [(e["action"], e["actor"], e["revision"]) for e in trail] == [
        ("submitted", world["sam"].id, 1), ("approved", world["north_manager"].id, 2)]
    assert stored(app, visit["uuid"]).approved_at is not None


@pytest.mark.parametrize(("revision", "status"), [(2, 409), (0, 409), ("1", 422), (None, 422)])
def test_a_stale_or_missing_revision_changes_nothing(world, client, app, revision, status):
    _body, visit = submit(client, world)
    assert act(client, world, "north_manager", visit, "approve",
               revision=revision).status_code == status
    kept = stored(app, visit["uuid"])
    assert (kept.status, kept.revision) == ("submitted", 1)


def test_an_approved_visit_cannot_be_approved_or_returned_again(world, client):
    _body, visit = submit(client, world)
    act(client, world, "north_manager", visit, "approve", revision=1)
    assert act(client, world, "north_manager", visit, "approve", revision=2).status_code == 409
    assert act(client, world, "north_manager", visit, "return", revision=2,
               note="Again").status_code == 409


@pytest.mark.parametrize(("action", "body"), [
    ("approve", {}),
    ("return", {"note": " Photo missing ", "notes": {"greeted": "Who greeted?"}}),
    ("edit", {"answers": {"greeted": "no"}, "reason": "The receipt says otherwise"}),
])
def test_a_retried_review_action_answers_as_the_first_and_does_it_once(world, client, app,
                                                                       action, body):
    """The answer lost (a dropped connection, a killed worker): the reviewer's client
    sends the same action at the same revision again, and gets 200, not 409."""
    _body, visit = submit(client, world)
    first = act(client, world, "north_manager", visit, action, revision=1, **body)
    again = act(client, world, "north_manager", visit, action, revision=1, **body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json()
    assert stored(app, visit["uuid"]).revision == 2
    assert [e["action"] for e in events(client, world, visit)].count(
        {"approve": "approved", "return": "returned", "edit": "edited"}[action]) == 1


@pytest.mark.parametrize(("who", "body"), [
    ("admin", {}),  # another reviewer's approval is not this one's retry
    ("north_manager", {"note": "Something else"}),  # other content: not a retry
])
def test_a_different_action_at_a_stale_revision_is_still_409(world, client, who, body):
    _body, visit = submit(client, world)
    act(client, world, "north_manager", visit, "return", revision=1, note="Photo missing")
    action = "return" if "note" in body else "approve"
    assert act(client, world, who, visit, action, revision=1, **body).status_code == 409


@pytest.mark.parametrize("who", ["south_manager", "sam", "kim", "viewer"])
def test_only_the_regions_managers_and_admins_review(world, client, app, who):
    _body, visit = submit(client, world)
    for action, body in (("approve", {"revision": 1}),
                         ("return", {"revision": 1, "note": "No"}),
                         ("edit", {"revision": 1, "answers": {"greeted": "no"},
                                   "reason": "x"})):
        assert act(client, world, who, visit, action, **body).status_code == 404
    assert client.get(f"/api/v1/visits/{visit['uuid']}/events",
                      headers=bearer(world[f"{who}_token"])).status_code == 404
    assert stored(app, visit["uuid"]).revision == 1
    assert act(client, world, "admin", visit, "approve", revision=1).status_code == 200


def test_two_reviewers_at_once_the_second_gets_409(world, app):
    with app.test_client() as client:
        _body, visit = submit(client, world)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def approve(who: str) -> None:
        with app.test_client() as client:
            start.wait(timeout=10)
            statuses.append(act(client, world, who, visit, "approve",
                                revision=1).status_code)

    threads = [threading.Thread(target=approve, args=(who,))
               for who in ("north_manager", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    kept = stored(app, visit["uuid"])
    assert (kept.status, kept.revision) == ("approved", 2)
    with Session(app.extensions["shopper.engine"]) as session:
        assert len(session.exec(select(ReviewEvent).where(
            ReviewEvent.visit_id == kept.id, ReviewEvent.action == "approved")).all()) == 1


def test_a_returned_visit_carries_its_notes_to_the_shopper(world, client, auth):
    _body, visit = submit(client, world)
    response = act(client, world, "north_manager", visit, "return", revision=1,
                   note="Please check two answers.",
                   notes={"store_clean": "Was it <really> a 5?", "greeted": "  "})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["revision"]) == ("returned", 2)
    [_, returned] = events(client, world, visit)
    assert (returned["note"], returned["notes"]) == (
        "Please check two answers.", {"store_clean": "Was it <really> a 5?"})
    auth.login("sam@example.com", "correct horse battery")
    assert "Please check two answers." in client.get("/shopper").text
    page = client.get(f"/visits/{world['assignment'].id}").text
    note = page.split('id="question-store_clean"')[1].split('id="question-')[0]
    assert "Was it &lt;really&gt; a 5?" in note  # next to its question, escaped


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"note": "", "notes": {}}, "note", "missing"),
    ({"note": "x", "notes": {"colour": "red?"}}, "notes.colour", "unknown_question"),
    ({"note": "x", "notes": ["no"]}, "notes", "not_a_map"),
    ({"note": "x" * 4001}, "note", "too_long"),
])
def test_a_return_needs_a_note_about_real_questions(world, client, app, body, field, code):
    _body, visit = submit(client, world)
    response = act(client, world, "north_manager", visit, "return", revision=1, **body)
    assert response.status_code == 422
    assert [(e["question"], e["code"]) for e in response.get_json()["errors"]] == [
        (field, code)]
    assert stored(app, visit["uuid"]).status == "submitted"


def test_a_resubmission_needs_new_content_within_the_days_allowed(world, client, app,
                                                                  session):
    body, visit = submit(client, world)
    act(client, world, "north_manager", visit, "return", revision=1, note="Fix the wait")
    # The phone's blind re-send of what it sent before: the visit as it stands.
    again = client.post("/api/v1/visits", json=body, headers=bearer(world["sam_token"]))
    assert again.status_code == 200
    assert (again.get_json()["status"], again.get_json()["revision"]) == ("returned", 2)
    fixed = dict(body, answers=dict(body["answers"], wait_minutes=4))
    response = client.post("/api/v1/visits", json=fixed, headers=bearer(world["sam_token"]))
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["revision"]) == ("submitted", 3)
    resubmitted = events(client, world, visit)[-1]
    assert resubmitted["action"] == "submitted" and resubmitted["revision"] == 3
    assert (resubmitted["before"]["answers"], resubmitted["after"]["answers"]) == (
        {"wait_minutes": 1}, {"wait_minutes": 4})
    # Returned again, and the days allowed pass.
    act(client, world, "north_manager", visit, "return", revision=3, note="Once more")
    event = session.exec(select(ReviewEvent).where(ReviewEvent.action == "returned")
                         .order_by(ReviewEvent.id.desc())).first()
    event.created_at = utcnow() - timedelta(days=3, minutes=1)
    session.add(event)
    session.commit()
    late = dict(body, answers=dict(body["answers"], wait_minutes=3))
    assert client.post("/api/v1/visits", json=late,
                       headers=bearer(world["sam_token"])).status_code == 409
    assert stored(app, visit["uuid"]).status == "returned"


@pytest.mark.parametrize("approve_first", [False, True])
def test_an_edit_is_rescored_by_the_engine_and_kept_in_the_trail(world, client, app,
                                                                 approve_first):
    _body, visit = submit(client, world)
    revision = 1
    if approve_first:
        act(client, world, "north_manager", visit, "approve", revision=1)
        revision = 2
    response = act(client, world, "north_manager", visit, "edit", revision=revision,
                   answers={"greeted": "no", "checkout_ease": 4},
                   reason="The receipt shows a 9-minute wait")
    assert response.status_code == 200
    edited = response.get_json()
    expected = dict(RETAIL_ANSWERS, greeted="no", checkout_ease=4)
    engine = score_visit(parse_stored(world["questionnaire"]), expected, "in_store")
    assert edited["answers"] == expected
    assert edited["scores"]["cx"] == pytest.approx(engine.cx)
    assert edited["scores"]["touchpoints"] == pytest.approx(engine.touchpoints)
    assert edited["status"] == ("approved" if approve_first else "submitted")
    assert edited["revision"] == revision + 1
    assert stored(app, visit["uuid"]).cx == pytest.approx(engine.cx)
    trail = events(client, world, visit)[-1]
    assert (trail["action"], trail["note"], trail["actor"]) == (
        "edited", "The receipt shows a 9-minute wait", world["north_manager"].id)
    assert trail["before"]["answers"] == {"checkout_ease": 10, "greeted": "yes"}
    assert trail["after"]["answers"] == {"checkout_ease": 4, "greeted": "no"}


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"answers": {"greeted": "no"}, "reason": ""}, "reason", "missing"),
    ({"answers": {"greeted": "no"}}, "reason", "missing"),
    ({"answers": {"checkout_ease": 11}, "reason": "typo"}, "checkout_ease", "out_of_range"),
    ({"answers": {"greeted": "yes"}, "reason": "typo"}, "answers", "unchanged"),
    ({"answers": {}, "reason": "typo"}, "answers", "not_a_map"),
])
def test_an_invalid_edit_is_422_and_changes_nothing(world, client, app, body, field, code):
    _body, visit = submit(client, world)
    response = act(client, world, "north_manager", visit, "edit", revision=1, **body)
    assert response.status_code == 422
    assert (field, code) in [(e["question"], e["code"]) for e in response.get_json()["errors"]]
    kept = stored(app, visit["uuid"])
    assert (kept.revision, kept.answers) == (1, RETAIL_ANSWERS)


def test_a_client_viewer_reads_approved_visits_without_shopper_or_position(world, client):
    _body, visit = submit(client, world, position={"latitude": 53.8, "longitude": -1.5})
    act(client, world, "north_manager", visit, "approve", revision=1)
    seen = client.get(f"/api/v1/visits/{visit['uuid']}",
                      headers=bearer(world["viewer_token"])).get_json()
    assert seen["status"] == "approved"
    assert "shopper" not in seen and "position" not in seen
    own = client.get(f"/api/v1/visits/{visit['uuid']}",
                     headers=bearer(world["sam_token"])).get_json()
    assert own["position"]["latitude"] == 53.8 and "shopper" not in own


def test_a_blind_resend_after_an_edit_changes_nothing(world, client, app):
    body, visit = submit(client, world)
    act(client, world, "north_manager", visit, "edit", revision=1,
        answers={"greeted": "no"}, reason="The video shows no greeting")
    again = client.post("/api/v1/visits", json=body, headers=bearer(world["sam_token"]))
    assert again.status_code == 200
    assert (again.get_json()["answers"]["greeted"], again.get_json()["revision"]) == ("no", 2)
    kept = stored(app, visit["uuid"])
    assert (kept.answers["greeted"], kept.revision) == ("no", 2)
