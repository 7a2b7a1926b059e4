"""Error pages: clear words, an incident number for the unexpected, never a traceback."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from shopper import db
from shopper.models import Client
from tests.conftest import csrf_token


@pytest.fixture
def failing_app(app):
    @app.post("/test-explodes")
    def explodes():
        db.get_session().add(Client(name="Half-written"))
        db.get_session().flush()
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/api/v1/test-explodes")
    def api_explodes():
        raise RuntimeError("boom")

    return app


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "<html" in response.text


def test_unknown_api_path_is_json(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Page not found"


def test_unexpected_error_shows_an_incident_number_and_logs_it(failing_app, caplog, session):
    client = failing_app.test_client()
    token = csrf_token(client.get("/login").text)
    with caplog.at_level(logging.ERROR):
        response = client.post("/test-explodes", data={"csrf_token": token})
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "Traceback" not in response.text and "hunter2" not in response.text
    incident = response.text.split("<code>")[1].split("</code>")[0]
    assert len(incident) == 12
    assert any(incident in record.getMessage() and record.exc_info
               for record in caplog.records)
    # nothing the request wrote was kept
    assert session.exec(select(Client).where(Client.name == "Half-written")).first() is None


def test_unexpected_api_error_is_json_with_the_incident(failing_app):
    response = failing_app.test_client().get("/api/v1/test-explodes")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "Something went wrong" and len(body["incident"]) == 12


def test_error_pages_are_translated(client):
    response = client.get("/missing", headers={"Accept-Language": "fr"})
    assert "Page introuvable" in response.text


def test_wrong_method_says_so(client):
    response = client.delete("/login")
    assert response.status_code == 405
    assert response.headers["Allow"]


@pytest.fixture
def app_without_database(tmp_path):
    """An app whose PostgreSQL refuses connections: a port nothing listens on."""
    import socket

    from shopper import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "SHOPPER_ENV": "testing",
                      "DATABASE_URL": f"postgresql://root@127.0.0.1:{port}/test",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    yield app
    app.extensions["shopper.engine"].dispose()


def test_an_unreachable_database_is_a_503_with_retry_after_in_the_api(app_without_database,
                                                                       caplog):
    client = app_without_database.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/assignments",
                              headers={"Authorization": "Bearer not-checked-yet"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    body = response.get_json()
    assert body["error"] == "unavailable" and "outbox" in body["message"]
    assert any(body["incident"] in record.getMessage() and record.exc_info
               for record in caplog.records)
    assert client.get("/healthz").status_code == 503
    from shopper.api.openapi import openapi_document

    said = openapi_document()["paths"]["/assignments"]["get"]["responses"]["503"]
    assert "Retry-After" in said["headers"]  # the document says what the API answers
    assert set(body) <= {"error", "message", "incident"}


def test_an_unreachable_database_is_a_503_page_for_a_form(app_without_database):
    client = app_without_database.test_client()
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "email": "sam@example.com",
                                           "password": "whatever-it-is"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "10"
    assert "Try again in a moment" in response.text and "Nothing was saved" in response.text
    assert "Traceback" not in response.text and "psycopg" not in response.text


def test_other_database_errors_stay_a_500(app, session):
    from shopper.models import Visit

    @app.get("/api/v1/test-breaks-a-key")
    def breaks_a_key():
        import uuid

        db.get_session().add(Visit(uuid=uuid.uuid4(), shopper_id=999, location_id=999,
                                   questionnaire_id=999, channel="in_store", answers={}))
        db.get_session().flush()

    response = app.test_client().get("/api/v1/test-breaks-a-key")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_an_unopenable_sqlite_database_is_a_503_too(tmp_path):
    """SQLite's own way of being away: its file cannot be opened (here a directory)."""
    from shopper import create_app

    (tmp_path / "shopper.db").mkdir()
    app = create_app({"TESTING": True, "SHOPPER_ENV": "testing",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'shopper.db'}"})
    client = app.test_client()
    for method, path in (("GET", "/api/v1/assignments"), ("POST", "/api/v1/visits")):
        response = client.open(path, method=method, json={} if method == "POST" else None,
                               headers={"Authorization": "Bearer some-token"})
        assert (response.status_code, response.headers.get("Retry-After")) == (503, "10")
        assert response.get_json()["error"] == "unavailable"
    app.extensions["shopper.engine"].dispose()
