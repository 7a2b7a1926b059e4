"""POST/GET /api/v1/visits, drafts and assignments: every status code, and races."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shopper.auth.services import issue_api_token
from shopper.models import ReviewEvent, Visit, utcnow
from shopper.questionnaires import parse_stored
from shopper.scoring import score_visit
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    RETAIL_ANSWERS,
    field_world,
    make_assignment,
    make_client,
    make_location,
    make_questionnaire,
    make_region,
    make_user,
    make_visit,
)


@pytest.fixture
def world(session):
    world = field_world(session)
    world["token"] = issue_api_token(session=session, user=world["sam"])
    world["kim_token"] = issue_api_token(session=session, user=world["kim"])
    session.commit()
    return world


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def payload(world, **changes) -> dict:
    started = utcnow() - timedelta(minutes=30)
    body = {
        "uuid": str(uuid.uuid4()), "assignment_id": world["assignment"].id,
        "channel": "in_store", "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=22)).isoformat(),
        "answers": dict(RETAIL_ANSWERS), "position": {
            "latitude": 53.7985, "longitude": -1.5417, "accuracy": 12},
    }
    body.update(changes)
    return body


def stored_visits(app) -> int:
    with Session(app.extensions["shopper.engine"]) as session:
        return session.exec(select(func.count()).select_from(Visit)).one()


def test_assignments_carry_everything_a_visit_needs(world, client):
    response = client.get("/api/v1/assignments", headers=bearer(world["token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next"] is None
    [item] = body["items"]
    assert item["id"] == world["assignment"].id
    assert item["location"] == world["store"].id
    assert item["channel"] == "in_store" and item["state"] == "new"
    assert set(item["window"]) == {"start", "end"}
    assert item["questionnaire"]["id"] == "retail-visit"
    assert len(item["questionnaire"]["sections"]) == 4


def test_api_needs_a_user(client):
    assert client.get("/api/v1/assignments").status_code == 401
    assert client.get("/api/v1/assignments", headers=bearer("nope")).status_code == 401


def test_first_post_stores_the_visit_with_the_engines_scores(world, client, app):
    body = payload(world)
    response = client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    assert response.status_code == 201
    visit = response.get_json()
    assert visit["uuid"] == body["uuid"] and visit["status"] == "submitted"
    assert visit["location"] == world["store"].id
    assert visit["questionnaire"] == {"id": "retail-visit", "version": 1}
    expected = score_visit(parse_stored(world["questionnaire"]), RETAIL_ANSWERS, "in_store")
    assert visit["scores"]["cx"] == expected.cx
    assert visit["scores"]["sections"] == expected.sections
    assert visit["scores"]["critical_failures"] == []
    assert response.headers["Location"] == f"/api/v1/visits/{body['uuid']}"
    assert stored_visits(app) == 1  # 201 means committed
    with Session(app.extensions["shopper.engine"]) as session:
        events = session.exec(select(ReviewEvent.action)).all()
    assert events == ["submitted"]


def test_the_same_post_again_answers_200_and_stores_nothing_more(world, client, app):
    body = payload(world)
    first = client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    again = client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert stored_visits(app) == 1


def test_the_same_uuid_with_other_answers_is_a_conflict(world, client, app):
    body = payload(world)
    client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    changed = dict(body, answers=dict(body["answers"], greeted="no"))
    response = client.post("/api/v1/visits", json=changed, headers=bearer(world["token"]))
    assert response.status_code == 409
    stored = client.get(f"/api/v1/visits/{body['uuid']}", headers=bearer(world["token"]))
    assert stored.get_json()["answers"]["greeted"] == "yes"


def test_invalid_answers_get_one_message_per_question_and_nothing_is_stored(world, client, app):
    answers = dict(RETAIL_ANSWERS, greeted="maybe", checkout_ease=11, colour="red")
    del answers["store_clean"]
    response = client.post("/api/v1/visits", json=payload(world, answers=answers),
                           headers=bearer(world["token"]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid"
    assert sorted((e["question"], e["code"], e["message"]) for e in body["errors"]) == [
        ("checkout_ease", "out_of_range", "Choose a whole number from 0 to 10."),
        ("colour", "unknown_question", "There is no such question in this questionnaire."),
        ("greeted", "expected_yes_no", "Choose yes or no."),
        ("store_clean", "required", "Answer this question.")]
    assert sorted(body["messages"]) == sorted(
        f"{e['question']}: {e['message']}" for e in body["errors"])
    assert stored_visits(app) == 0


@pytest.mark.parametrize(("language", "message"), [
    ("de", "Beantworten Sie diese Frage."), ("es", "Responda a esta pregunta."),
    ("fr", "Répondez à cette question."),
])
def test_problems_are_in_the_callers_language(world, client, language, message):
    answers = dict(RETAIL_ANSWERS)
    del answers["store_clean"]
    response = client.post("/api/v1/visits", json=payload(world, answers=answers),
                           headers=bearer(world["token"]) | {"Accept-Language": language})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"question": "store_clean", "code": "required", "message": message}]


@pytest.mark.parametrize(("changes", "field"), [
    ({"uuid": "not-a-uuid"}, "uuid"),
    ({"uuid": None}, "uuid"),
    ({"assignment_id": "1"}, "assignment_id"),
    ({"started_at": "2026-11-22T10:00:00"}, "started_at"),
    ({"ended_at": "yesterday"}, "ended_at"),
    ({"answers": ["yes"]}, "answers"),
    ({"position": {"latitude": 123, "longitude": 0}}, "position.latitude"),
    ({"position_status": "maybe"}, "position_status"),
    ({"colour": "red"}, "colour"),
    ({"channel": "online"}, "channel"),
])
def test_bad_fields_are_named(world, client, app, changes, field):
    response = client.post("/api/v1/visits", json=payload(world, **changes),
                           headers=bearer(world["token"]))
    assert response.status_code == 422
    assert field in [e["question"] for e in response.get_json()["errors"]]
    assert stored_visits(app) == 0


def test_ended_before_started_is_refused(world, client):
    body = payload(world)
    body["ended_at"], body["started_at"] = body["started_at"], body["ended_at"]
    response = client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    assert response.status_code == 422
    assert {"question": "ended_at", "code": "ends_before_start",
            "message": "The visit cannot end before it started."} in response.get_json()["errors"]


def test_not_json_is_a_bad_request(world, client):
    response = client.post("/api/v1/visits", data="answers=yes", headers=bearer(world["token"]))
    assert response.status_code == 400


def test_someone_elses_assignment_is_not_found(world, client, app):
    response = client.post("/api/v1/visits", json=payload(world),
                           headers=bearer(world["kim_token"]))
    assert response.status_code == 404
    assert stored_visits(app) == 0


def test_browser_session_needs_the_csrf_header(world, client, auth):
    auth.login("sam@example.com", PASSWORD)
    body = payload(world)
    assert client.post("/api/v1/visits", json=body).status_code == 400
    token = csrf_token(client.get("/shopper").text)
    response = client.post("/api/v1/visits", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert (response.get_json()["uuid"], response.get_json()["status"]) == (
        body["uuid"], "submitted")


def test_a_fresh_csrf_token_can_be_fetched(world, client, auth):
    auth.login("sam@example.com", PASSWORD)
    response = client.get("/api/v1/csrf-token")
    assert response.headers["Cache-Control"] == "no-store"
    body = payload(world)
    created = client.post("/api/v1/visits", json=body,
                          headers={"X-CSRFToken": response.get_json()["token"]})
    assert created.status_code == 201
    assert created.get_json()["uuid"] == body["uuid"]


def test_twenty_identical_posts_at_once_store_one_visit(world, app):
    body = payload(world)
    statuses: list[int] = []
    start = threading.Barrier(20)

    def post() -> None:
        client = app.test_client()
        start.wait(timeout=10)
        statuses.append(client.post("/api/v1/visits", json=body,
                                    headers=bearer(world["token"])).status_code)

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 19 + [201]
    assert stored_visits(app) == 1


def test_a_returned_visit_is_resubmitted_as_a_new_revision(world, client, session):
    body = payload(world)
    client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    visit = session.exec(select(Visit)).one()
    visit.status = "returned"
    session.add(visit)
    session.commit()
    changed = dict(body, answers=dict(body["answers"], greeted="no"))
    response = client.post("/api/v1/visits", json=changed, headers=bearer(world["token"]))
    assert response.status_code == 200
    document = response.get_json()
    assert (document["status"], document["revision"]) == ("submitted", 2)
    assert document["answers"]["greeted"] == "no"
    assert document["scores"]["cx"] < 100


def test_drafts_are_kept_until_submitted(world, client):
    body = payload(world)
    draft = client.put(f"/api/v1/visits/{body['uuid']}/draft", headers=bearer(world["token"]),
                       json={"assignment_id": world["assignment"].id,
                             "answers": {"greeted": "yes"}, "started_at": body["started_at"]})
    assert draft.status_code == 200 and draft.get_json()["status"] == "draft"
    state = client.get("/api/v1/assignments", headers=bearer(world["token"])).get_json()
    assert state["items"][0]["state"] == "draft"
    assert state["items"][0]["visit_uuid"] == body["uuid"]
    assert client.post("/api/v1/visits", json=body,
                       headers=bearer(world["token"])).status_code == 201
    late = client.put(f"/api/v1/visits/{body['uuid']}/draft", headers=bearer(world["token"]),
                      json={"assignment_id": world["assignment"].id, "answers": {}})
    assert late.status_code == 409


@pytest.mark.parametrize("status", ["draft", "returned"])
def test_a_visit_does_not_move_to_another_assignment_of_the_same_shopper(
        world, client, session, status):
    second = make_assignment(session, world["sam"], world["store"], world["questionnaire"])
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                       status=status, assignment_id=world["assignment"].id)
    session.commit()
    moved = payload(world, uuid=str(visit.uuid), assignment_id=second.id)
    response = client.post("/api/v1/visits", json=moved, headers=bearer(world["token"]))
    assert response.status_code == 409
    draft = client.put(f"/api/v1/visits/{visit.uuid}/draft", headers=bearer(world["token"]),
                       json={"assignment_id": second.id, "answers": {"greeted": "no"}})
    assert draft.status_code == 409
    session.expire_all()
    kept = session.get(Visit, visit.id)
    assert (kept.assignment_id, kept.status, kept.answers) == (
        world["assignment"].id, status, visit.answers)


def test_twenty_saves_of_one_draft_at_once_store_one(world, app):
    draft_uuid = uuid.uuid4()
    statuses: list[int] = []
    start = threading.Barrier(20)

    def put(number: int) -> None:
        client = app.test_client()
        start.wait(timeout=10)
        statuses.append(client.put(
            f"/api/v1/visits/{draft_uuid}/draft", headers=bearer(world["token"]),
            json={"assignment_id": world["assignment"].id,
                  "answers": {"greeted": "yes", "wait_minutes": number}}).status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 20
    with Session(app.extensions["shopper.engine"]) as session:
        drafts = session.exec(select(Visit)).all()
    assert [(d.uuid, d.status) for d in drafts] == [(draft_uuid, "draft")]
    assert drafts[0].answers["wait_minutes"] in range(20)  # one of the saves, whole


def test_a_second_visit_for_the_same_assignment_is_a_conflict(world, client):
    client.post("/api/v1/visits", json=payload(world), headers=bearer(world["token"]))
    response = client.post("/api/v1/visits", json=payload(world),
                           headers=bearer(world["token"]))
    assert response.status_code == 409


@pytest.mark.parametrize(("who", "status"), [
    ("sam", 200), ("kim", 404), ("north_manager", 200), ("south_manager", 404),
    ("admin", 200), ("viewer", 404)])
def test_a_visit_is_seen_by_its_owner_its_regions_managers_and_admins(
        world, client, app, who, status):
    body = payload(world)
    client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    with Session(app.extensions["shopper.engine"]) as session:
        token = issue_api_token(session=session, user=session.get(type(world[who]),
                                                                  world[who].id))
        session.commit()
    assert client.get(f"/api/v1/visits/{body['uuid']}",
                      headers=bearer(token)).status_code == status
    assert client.get("/api/v1/visits/not-a-uuid", headers=bearer(token)).status_code == 404


def test_visit_list_filters_by_location_status_and_dates(world, client, session):
    sam, store = world["sam"], world["store"]
    days = [utcnow() - timedelta(days=d) for d in (40, 20, 5)]
    for started in days:
        make_visit(session, sam, store, world["questionnaire"], status="approved",
                   started_at=started)
    make_visit(session, sam, store, world["questionnaire"], status="submitted")
    session.commit()
    token = world["token"]
    everything = client.get("/api/v1/visits", headers=bearer(token)).get_json()
    assert len(everything["items"]) == 4 and everything["next"] is None
    approved = client.get(f"/api/v1/visits?location={store.id}&status=approved",
                          headers=bearer(token)).get_json()["items"]
    assert len(approved) == 3 and all(v["scores"]["cx"] == 100.0 for v in approved)
    window = client.get("/api/v1/visits", headers=bearer(token), query_string={
        "from": days[1].date().isoformat(), "to": days[2].date().isoformat(),
        "status": "approved"}).get_json()["items"]
    assert len(window) == 2
    assert client.get("/api/v1/visits?from=last-week",
                      headers=bearer(token)).status_code == 422
    assert client.get("/api/v1/visits", headers=bearer(world["kim_token"])
                      ).get_json()["items"] == []


def test_visit_list_pages(world, client, session):
    for i in range(55):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   started_at=utcnow() - timedelta(hours=i))
    session.commit()
    first = client.get("/api/v1/visits", headers=bearer(world["token"])).get_json()
    assert len(first["items"]) == 50 and first["next"].endswith("page=2")
    second = client.get(first["next"], headers=bearer(world["token"])).get_json()
    assert len(second["items"]) == 5 and second["next"] is None


@pytest.mark.parametrize(("changes", "flags"), [
    ({}, []),
    ({"minutes": 3}, ["too_short"]),
    ({"position": {"latitude": 53.81, "longitude": -1.5418, "accuracy": 10}},
     ["far_from_location"]),
    ({"days_ago": 3}, ["outside_window"]),
])
def test_quality_flags(world, client, changes, flags):
    started = utcnow() - timedelta(days=changes.get("days_ago", 0), minutes=40)
    body = payload(world, started_at=started.isoformat(),
                   ended_at=(started + timedelta(minutes=changes.get("minutes", 20))).isoformat())
    if "position" in changes:
        body["position"] = changes["position"]
    response = client.post("/api/v1/visits", json=body, headers=bearer(world["token"]))
    assert response.status_code == 201
    assert response.get_json()["quality_flags"] == flags


def test_refused_check_in_is_recorded(world, client):
    body = payload(world, position=None, position_status="refused")
    document = client.post("/api/v1/visits", json=body,
                           headers=bearer(world["token"])).get_json()
    assert (document["position"], document["position_status"]) == (None, "refused")


def test_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/assignments", "/visits", "/visits/{uuid}", "/photos", "/locations",
                 "/locations/{id}/scorecard", "/questionnaires/{id}"):
        assert path in document["paths"]


def test_locations_and_questionnaires_in_scope(world, client):
    locations = client.get("/api/v1/locations", headers=bearer(world["token"])).get_json()
    assert [loc["id"] for loc in locations["items"]] == [world["store"].id]
    assert set(locations["items"][0]) >= {"id", "name", "region", "channel"}
    document = client.get("/api/v1/questionnaires/retail-visit?version=1",
                          headers=bearer(world["token"]))
    assert document.status_code == 200 and document.get_json()["id"] == "retail-visit"
    assert client.get("/api/v1/questionnaires/nope",
                      headers=bearer(world["token"])).status_code == 404


def test_a_cancelled_assignment_takes_no_visit(world, client, session, app):
    world["assignment"].status = "cancelled"
    session.add(world["assignment"])
    session.commit()
    response = client.post("/api/v1/visits", json=payload(world), headers=bearer(world["token"]))
    assert response.status_code == 409
    assert response.get_json()["message"] == "this assignment was cancelled"
    assert stored_visits(app) == 0


def test_location_scorecard_is_the_engines_aggregate_of_approved_visits(world, client,
                                                                       session):
    from shopper.scoring import aggregate_location
    from shopper.scoring import score_visit as engine_score

    questionnaire = parse_stored(world["questionnaire"])
    answers = [RETAIL_ANSWERS, RETAIL_ANSWERS | {"greeted": "no", "store_clean": 2},
               RETAIL_ANSWERS | {"had_problem": "yes", "return_policy_correct": "no"}]
    for offset, visit_answers in zip((3, 10, 20), answers, strict=True):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   answers=visit_answers, started_at=utcnow() - timedelta(days=offset))
    make_visit(session, world["sam"], world["store"], world["questionnaire"],
               status="submitted")  # not approved: left out
    session.commit()
    manager = issue_api_token(session=session, user=world["north_manager"])
    session.commit()
    since = (utcnow() - timedelta(days=15)).date().isoformat()
    response = client.get(f"/api/v1/locations/{world['store'].id}/scorecard",
                          query_string={"from": since}, headers=bearer(manager))
    assert response.status_code == 200
    card = response.get_json()
    expected = aggregate_location([engine_score(questionnaire, a, "in_store")
                                   for a in answers[:2]])
    assert (card["name"], card["region"], card["channel"]) == ("Store N1", "North", "in_store")
    assert card["visits"] == 2 and card["critical_failure_rate"] == 0.0
    assert card["cx"]["n"] == 2 and card["cx"]["mean"] == pytest.approx(expected.cx.mean)
    assert card["cx"]["ci95"] == pytest.approx(list(expected.cx.ci95))
    everything = client.get(f"/api/v1/locations/{world['store'].id}/scorecard",
                            headers=bearer(manager)).get_json()
    assert everything["visits"] == 3 and everything["critical_failure_rate"] == \
        pytest.approx(1 / 3)
    south = issue_api_token(session=session, user=world["south_manager"])
    session.commit()
    assert client.get(f"/api/v1/locations/{world['store'].id}/scorecard",
                      headers=bearer(south)).status_code == 404
    assert client.get(f"/api/v1/locations/{world['store'].id}/scorecard?from=soon",
                      headers=bearer(manager)).status_code == 422


def test_dates_are_the_calendar_days_of_each_programmes_time_zone(session, client):
    from datetime import UTC, datetime

    tokyo_client = make_client(session, "Tokyo Stores")
    tokyo_client.timezone = "Asia/Tokyo"
    tokyo = make_location(session, make_region(session, tokyo_client, "Kanto"))
    london = make_location(session, make_region(session, make_client(session, "UK"), "South"))
    questionnaire = make_questionnaire(session)
    shopper = make_user(session, "shopper")
    # 16:00 UTC on 1 July is 01:00 on 2 July in Tokyo, and still 1 July in London (UTC).
    started = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    in_tokyo = make_visit(session, shopper, tokyo, questionnaire, started_at=started)
    in_london = make_visit(session, shopper, london, questionnaire, started_at=started)
    token = issue_api_token(session=session, user=make_user(session, "admin"))
    session.commit()

    def listed(query: str) -> set:
        response = client.get(f"/api/v1/visits?{query}", headers=bearer(token))
        assert response.status_code == 200
        return {item["uuid"] for item in response.get_json()["items"]}

    assert listed("from=2026-07-02&to=2026-07-02") == {str(in_tokyo.uuid)}
    assert listed("from=2026-07-01&to=2026-07-01") == {str(in_london.uuid)}
    assert listed("to=2026-07-01") == {str(in_london.uuid)}
    assert listed("from=2026-07-01") == {str(in_tokyo.uuid), str(in_london.uuid)}
    assert listed("from=2026-07-03&to=2026-07-01") == set()
    card = client.get(f"/api/v1/locations/{tokyo.id}/scorecard?from=2026-07-02&to=2026-07-02",
                      headers=bearer(token)).get_json()
    assert card["visits"] == 1
    card = client.get(f"/api/v1/locations/{tokyo.id}/scorecard?from=2026-07-01&to=2026-07-01",
                      headers=bearer(token)).get_json()
    assert card["visits"] == 0


def test_a_second_visit_of_an_assignment_is_a_conflict_and_stores_nothing(world, app, client):
    first = client.post("/api/v1/visits", json=payload(world), headers=bearer(world["token"]))
    assert first.status_code == 201
    other = payload(world)  # another uuid, the same assignment
    assert other["uuid"] != first.get_json()["uuid"]
    response = client.post("/api/v1/visits", json=other, headers=bearer(world["token"]))
    assert response.status_code == 409
    assert "another visit" in response.get_json()["message"]
    assert stored_visits(app) == 1
    with Session(app.extensions["shopper.engine"]) as check:
        events = check.exec(select(ReviewEvent.action)).all()
    assert events == ["submitted"]
