"""Server errors found when the running app was attacked from outside (issue 11): each
request here once answered 500. Now each gets a clear 4xx and stores nothing; on
PostgreSQL as on SQLite (int4 ids, NUL bytes)."""

from __future__ import annotations

import dataclasses
import decimal
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import jsonify

from shopper.auth.services import issue_api_token
from shopper.models import utcnow
from tests.conftest import csrf_token
from tests.factories import PASSWORD, RETAIL_ANSWERS, field_world
from tests.integration.test_api_visits import bearer, payload, stored_visits

HUGE = "99999999999999999999"
INT4 = str(2**31)  # one past PostgreSQL's integer


@pytest.fixture
def world(session):
    world = field_world(session)
    world["token"] = issue_api_token(session=session, user=world["sam"])
    world["admin_token"] = issue_api_token(session=session, user=world["admin"])
    session.commit()
    return world


def logged_in(client, email="ada@example.com"):
    page = client.get("/login")
    client.post("/login", data={"email": email, "password": PASSWORD,
                                "csrf_token": csrf_token(page.text)})
    return client


@pytest.mark.parametrize("path", [
    f"/api/v1/visits?page={HUGE}", f"/api/v1/visits?location={HUGE}",
    f"/api/v1/visits?location={INT4}", f"/api/v1/questionnaires/retail-visit?version={HUGE}",
    f"/api/v1/locations/{HUGE}/scorecard", f"/api/v1/locations/{INT4}/scorecard",
    "/api/v1/visits?location=%00", "/api/v1/visits%00",
])
def test_api_reads_beyond_the_ranges_are_4xx(world, client, path):
    response = client.get(path, headers=bearer(world["admin_token"]))
    assert 400 <= response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("path", ["/api/v1/visits?to=9999-12-31",
                                  "/api/v1/visits?from=0001-01-01&to=0001-01-01"])
def test_the_ends_of_the_calendar_are_no_server_error(world, client, path):
    response = client.get(path, headers=bearer(world["admin_token"]))
    assert response.status_code in (200, 422), (path, response.status_code)


@pytest.mark.parametrize("path", [
    f"/scorecards/locations/{HUGE}", f"/scorecards/locations/{INT4}",
    f"/review/visits/{uuid.uuid4()}%00", f"/review?location={HUGE}", f"/review?page={HUGE}",
    "/scorecards?from=9999-12-01&to=9999-12-31", "/scorecards?from=0001-01-01&to=0001-01-02",
    f"/scorecards/visits.csv?location={HUGE}", "/scorecards?region=%00",
    f"/reports/schedules/{INT4}", f"/reports/locations/{INT4}.pdf",
])
def test_pages_beyond_the_ranges_are_not_server_errors(world, client, path):
    logged_in(client)
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("changes", [
    {"assignment_id": int(HUGE)}, {"assignment_id": 2**31},
    {"answers": RETAIL_ANSWERS | {"wait_minutes": 2**70}},
    {"answers": RETAIL_ANSWERS | {"wait_minutes": -(2**64)}},
    {"started_at": "0001-01-01T00:00:00+14:00"},
    {"ended_at": "9999-12-31T23:59:59-14:00"},
])
def test_a_hostile_submission_is_refused_and_stores_nothing(world, client, app, changes):
    response = client.post("/api/v1/visits", json=payload(world, **changes),
                           headers=bearer(world["token"]))
    assert response.status_code in (400, 404, 422), response.status_code
    assert response.is_json
    assert stored_visits(app) == 0


def test_json_nested_thousands_deep_is_400(world, client, app):
    deep = "[" * 20000 + "]" * 20000
    response = client.post("/api/v1/visits", data=deep, content_type="application/json",
                           headers=bearer(world["token"]))
    assert response.status_code == 400 and response.is_json
    assert stored_visits(app) == 0


def test_a_nul_byte_in_the_log_in_email_is_a_form_error(world, client):
    page = client.get("/login")
    response = client.post("/login", data={"email": "ada@example.com\x00",
                                           "password": PASSWORD,
                                           "csrf_token": csrf_token(page.text)})
    assert 400 <= response.status_code < 500 or (
        response.status_code == 200 and "not right" in response.text)


def test_a_multipart_part_without_a_name_is_400(world, client):
    body = (b"--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
            b"--b\r\nContent-Disposition: form-data; filename=\"x.png\"\r\n"
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n--b--\r\n")
    response = client.post("/login", data=io.BytesIO(body).read(),
                           content_type="multipart/form-data; boundary=b")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/scorecards\r\nX: y",
                                    "/scorecards%09x"])
def test_a_next_with_control_characters_goes_home(world, client, target):
    page = client.get("/login")
    response = client.post("/login?next=" + target.replace("\r", "%0d").replace("\n", "%0a")
                           .replace("\x00", "%00"),
                           data={"email": "ada@example.com", "password": PASSWORD,
                                 "csrf_token": csrf_token(page.text)})
    assert response.status_code == 302
    assert "\r" not in response.location and "\n" not in response.location
    assert response.location in ("/", "/admin")


def test_a_nul_in_the_query_is_400_before_anything_reads_it(world, client):
    page = client.get("/login")
    response = client.post("/login?next=/%00", data={
        "email": "ada@example.com", "password": PASSWORD, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 400


def test_pagination_links_never_echo_the_host_header(world, client, app, session):
    from tests.factories import make_visit

    for hours in range(51):
        make_visit(session, world["sam"], world["store"], world["questionnaire"],
                   started_at=utcnow() - timedelta(hours=hours + 1))
    session.commit()
    headers = bearer(world["token"]) | {"Host": "evil.example"}
    first = client.get("/api/v1/visits", headers=headers).get_json()
    assert first["next"] == "/api/v1/visits?page=2"
    app.config["BASE_URL"] = "https://shopper.example.org"
    first = client.get("/api/v1/visits", headers=headers).get_json()
    assert first["next"] == "https://shopper.example.org/api/v1/visits?page=2"


def test_the_document_says_a_drafts_times_may_be_null(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for name in ("started_at", "ended_at"):
        assert "null" in str(schemas["Visit"]["properties"][name])
    assert "null" in str(schemas["Draft"]["properties"]["started_at"])
    assert schemas["VisitList"]["properties"]["next"]["format"] == "uri-reference"


# --- found by the schemathesis run of tests/fuzz (issue: fuzz the API) ------------------


@pytest.fixture
def review_world(session):
    """Sam's visit, submitted, and a token for North's manager."""
    from tests.factories import make_visit

    world = field_world(session)
    world["visit"] = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                                status="submitted")
    world["token"] = issue_api_token(session=session, user=world["sam"])
    world["manager_token"] = issue_api_token(session=session, user=world["north_manager"])
    session.commit()
    return world


@pytest.mark.parametrize(("action", "body"), [
    ("return", {"note": "fix\x00this"}),
    ("edit", {"answers": {"greeted": "no"}, "reason": "seen\x00again"}),
])
def test_a_nul_in_a_review_note_is_422_and_changes_nothing(review_world, client, action, body):
    visit = review_world["visit"]
    url = f"/api/v1/visits/{visit.uuid}"
    send = client.post if action == "return" else client.patch
    response = send(url + ("/return" if action == "return" else ""),
                    json={"revision": visit.revision, **body},
                    headers=bearer(review_world["manager_token"]))
    assert response.status_code == 422  # PostgreSQL: a NUL in text, once a 500
    [error] = response.get_json()["errors"]
    assert error["question"] == ("note" if action == "return" else "reason")
    stored = client.get(url, headers=bearer(review_world["manager_token"])).get_json()
    assert (stored["status"], stored["revision"]) == ("submitted", visit.revision)
    assert stored["answers"]["greeted"] == "yes"


@pytest.mark.parametrize(("changes", "field"), [
    ({"assignment_id": 2**31}, "assignment_id"),  # PostgreSQL: past int4, once a 500
    ({"assignment_id": -(2**40)}, "assignment_id"),
    ({"assignment_id": "1"}, "assignment_id"),  # once taken for assignment 1
    ({"answers": {"greeted": 2**70}}, "answers.greeted"),  # past 64 bits: once a 500
])
def test_a_draft_the_database_cannot_hold_is_422(world, client, app, changes, field):
    body = {"assignment_id": world["assignment"].id, "answers": {}} | changes
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}/draft", json=body,
                          headers=bearer(world["token"]))
    assert response.status_code == 422
    assert [e["question"] for e in response.get_json()["errors"]] == [field]
    assert stored_visits(app) == 0


def test_a_draft_not_started_yet_may_say_so_with_null(world, client):
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}/draft", headers=bearer(world["token"]),
                          json={"assignment_id": world["assignment"].id,
                                "answers": {"greeted": "yes"}, "started_at": None})
    assert response.status_code == 200  # as the document says: was 422 "missing"
    assert response.get_json()["status"] == "draft"


@pytest.mark.parametrize(("query", "field"), [
    ("status=bogus", "status"), ("page=0", "page"), ("page=two", "page"),
    ("location=0", "location"), ("location=-3", "location")])
def test_list_filters_outside_the_document_are_422(world, client, query, field):
    # Each once answered 200 as if the filter were not there (or page 1).
    response = client.get(f"/api/v1/visits?{query}", headers=bearer(world["admin_token"]))
    assert response.status_code == 422
    assert [e["question"] for e in response.get_json()["errors"]] == [field]


def test_locations_refuse_a_page_that_is_no_page_as_documented(world, client):
    response = client.get("/api/v1/locations?page=0", headers=bearer(world["admin_token"]))
    assert response.status_code == 422
    document = client.get("/api/v1/openapi.json").get_json()
    assert "422" in document["paths"]["/locations"]["get"]["responses"]


@pytest.mark.parametrize("path", ["/api/v1/failing-write", "/failing-write"])
def test_a_write_the_database_refuses_still_answers_500_with_an_incident(
        migrated, tmp_path, path):
    """A failed flush expires the logged-in user and closing the session detaches it: the
    500 (its language, the page's "signed in as") once read it again and raised, so no
    500 was answered at all. The route writes a location with a channel the database's
    check refuses, as a logged-in user, on a real database."""
    from sqlmodel import Session

    from shopper import create_app, db
    from shopper.auth.session import login_required
    from shopper.models import Location
    from tests.conftest import TEST_SECRET, _empty_tables

    app = create_app({"TESTING": True, "SHOPPER_ENV": "testing", "SECRET_KEY": TEST_SECRET,
                      "DATABASE_URL": migrated, "UPLOAD_DIR": str(tmp_path / "uploads"),
                      "JOBS_FILE": str(tmp_path / "jobs.db"), "JOBS_IMMEDIATE": True,
                      "PROPAGATE_EXCEPTIONS": False})

    @login_required
    def failing_write():
        region_id = db.get_session().get(Location, world["store"].id).region_id
        db.get_session().add(Location(region_id=region_id, code="X1", name="X", channel="fax"))
        db.get_session().flush()
        return "stored"

    app.add_url_rule(path, "failing_write", failing_write, methods=["POST"])
    engine = app.extensions["shopper.engine"]
    try:
        with Session(engine, expire_on_commit=False) as session:
            world = field_world(session)
            token = issue_api_token(session=session, user=world["admin"])
            session.commit()
        client = app.test_client()
        if path.startswith("/api/"):
            response = client.post(path, headers=bearer(token))
            assert response.status_code == 500
            assert response.get_json()["incident"]
        else:
            logged_in(client)
            page = client.get("/", follow_redirects=True)
            response = client.post(path, data={"csrf_token": csrf_token(page.text)})
            assert response.status_code == 500
            assert "Incident number" in response.text
    finally:
        _empty_tables(engine)
        engine.dispose()


def test_a_photo_form_with_a_field_of_its_own_is_422(world, client, session):
    from sqlmodel import select

    from shopper.models import Photo
    from tests.integration.test_api_photos import image_bytes

    response = client.post("/api/v1/photos", headers=bearer(world["token"]), data={
        "file": (io.BytesIO(image_bytes("PNG", (8, 8))), "p.png"), "uuid": str(uuid.uuid4()),
        "visit_uuid": str(uuid.uuid4()), "caption": "shelf"})
    assert response.status_code == 422  # as the document says: once stored, caption ignored
    assert [e["question"] for e in response.get_json()["errors"]] == ["caption"]
    assert session.exec(select(Photo)).all() == []


def test_the_apis_json_answers_are_the_standard_librarys_document(app):
    """orjson writes the API's answers: the same document as Flask's standard-library
    JSON (dates as HTTP dates, UUIDs and decimals as strings, dataclasses as objects,
    integer keys as strings, keys sorted), and an integer past 64 bits still answers."""
    @dataclasses.dataclass
    class Point:
        x: int
        label: str

    value = {"when": datetime(2026, 12, 1, 9, 30, tzinfo=UTC), "id": uuid.UUID(int=7),
             "price": decimal.Decimal("1.50"), "point": Point(1, "<b>é</b>"),
             "counts": {3: "three", 1: "one"}, "z": None, "a": [1.5, True, "ü"]}
    with app.test_request_context():
        answer = jsonify(value)
        expected = json.loads(json.dumps(value, default=app.json.default, sort_keys=True))
        assert json.loads(answer.get_data()) == expected
        assert answer.get_data(as_text=True).index('"a"') < answer.get_data(
            as_text=True).index('"z"')  # keys sorted
        assert answer.mimetype == "application/json"
        huge = jsonify({"n": 2**70})
        assert json.loads(huge.get_data()) == {"n": 2**70}
