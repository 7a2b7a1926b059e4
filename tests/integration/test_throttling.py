"""Log-in and API-token throttling (issue 11): state in the database, so it holds across
workers; a locked account answers 429 with Retry-After, the right password included;
an address guessing many accounts or tokens is locked too; others are not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from shopper import create_app
from shopper.auth import throttle
from shopper.auth.services import issue_api_token
from shopper.models import AuthFailure, utcnow
from tests.conftest import TEST_SECRET, csrf_token
from tests.factories import PASSWORD, field_world


@pytest.fixture
def world(session):
    world = field_world(session)
    world["token"] = issue_api_token(session=session, user=world["sam"])
    session.commit()
    return world


def log_in(client, email: str, password: str, **environ):
    page = client.get("/login", environ_base=environ)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_token(page.text)},
                       environ_base=environ)


def age_failures(session, seconds: int) -> None:
    session.rollback()
    for failure in session.exec(select(AuthFailure)).all():
        failure.at -= timedelta(seconds=seconds)
    session.commit()


def test_five_failures_lock_the_account_for_a_minute(world, app, session):
    client = app.test_client()
    for _ in range(5):
        response = log_in(client, "ada@example.com", "wrong")
        assert response.status_code == 200 and "not right" in response.text
    locked = log_in(client, "ada@example.com", PASSWORD)  # the right one
    assert locked.status_code == 429
    assert 50 <= int(locked.headers["Retry-After"]) <= 61
    assert "Too many failed attempts" in locked.text
    # another account from the same address is not locked
    assert log_in(app.test_client(), "mia@example.com", PASSWORD).status_code == 302
    age_failures(session, 61)
    assert log_in(app.test_client(), "ada@example.com", PASSWORD).status_code == 302


def test_an_address_guessing_many_accounts_is_locked(world, app, session):
    now = utcnow()
    session.add_all(AuthFailure(kind="login", account=f"guess{i}@example.com",
                                address="127.0.0.1", at=now) for i in range(99))
    session.commit()
    client = app.test_client()
    assert log_in(client, "nobody@example.com", "x").status_code == 200  # the 100th
    response = log_in(client, "mia@example.com", PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 500
    # another address is not
    assert log_in(app.test_client(), "mia@example.com", PASSWORD,
                  REMOTE_ADDR="10.0.0.7").status_code == 302


def test_api_token_guessing_is_throttled_by_address(world, app, session):
    client = app.test_client()
    now = utcnow()
    session.add_all(AuthFailure(kind="token", address="127.0.0.1", at=now) for _ in range(99))
    session.commit()
    assert client.get("/api/v1/assignments",
                      headers={"Authorization": "Bearer guess"}).status_code == 401
    response = client.get("/api/v1/assignments",
                          headers={"Authorization": f"Bearer {world['token']}"})
    assert response.status_code == 429 and response.is_json
    assert int(response.headers["Retry-After"]) > 0
    # The submission's view goes on in the read that found its caller: locked all the same.
    submitted = client.post("/api/v1/visits", json={},
                            headers={"Authorization": f"Bearer {world['token']}"})
    assert submitted.status_code == 429 and submitted.is_json
    ok = client.get("/api/v1/assignments", headers={"Authorization": f"Bearer {world['token']}"},
                    environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert ok.status_code == 200
    unlocked = client.post("/api/v1/visits", json={}, environ_base={"REMOTE_ADDR": "10.0.0.8"},
                           headers={"Authorization": f"Bearer {world['token']}"})
    assert unlocked.status_code == 422  # checked, as from any unlocked address


def test_an_admin_clears_a_lock(world, app, session, runner):
    client = app.test_client()
    for _ in range(5):
        log_in(client, "ada@example.com", "wrong")
    assert log_in(client, "ada@example.com", PASSWORD).status_code == 429
    result = runner.invoke(args=["users", "unlock", "--email", "ADA@example.com"])
    assert result.exit_code == 0 and "5 failed attempts forgotten" in result.output
    assert log_in(app.test_client(), "ada@example.com", PASSWORD).status_code == 302


def test_the_lock_is_in_the_database_not_the_process(world, app, migrated, tmp_path):
    """A second app (another gunicorn worker) sees the first one's failures."""
    for _ in range(5):
        log_in(app.test_client(), "ada@example.com", "wrong")
    other = create_app({"TESTING": True, "SHOPPER_ENV": "testing", "SECRET_KEY": TEST_SECRET,
                        "DATABASE_URL": migrated, "UPLOAD_DIR": str(tmp_path / "u"),
                        "JOBS_IMMEDIATE": True})
    assert log_in(other.test_client(), "ada@example.com", PASSWORD).status_code == 429
    other.extensions["shopper.engine"].dispose()


def test_trusted_proxies_decide_whose_address_it_is(world, app, migrated, tmp_path, session):
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    log_in(app.test_client(), "nobody@example.com", "x", **forwarded)
    # no proxy trusted: the socket's address, whatever the header says
    assert session.exec(select(AuthFailure.address)).all() == ["127.0.0.1"]
    behind = create_app({"TESTING": True, "SHOPPER_ENV": "testing", "SECRET_KEY": TEST_SECRET,
                         "DATABASE_URL": migrated, "UPLOAD_DIR": str(tmp_path / "u"),
                         "JOBS_IMMEDIATE": True, "TRUSTED_PROXIES": 1})
    log_in(behind.test_client(), "nobody@example.com", "x", **forwarded)
    session.rollback()
    assert sorted(session.exec(select(AuthFailure.address)).all()) == ["127.0.0.1",
                                                                       "203.0.113.9"]
    behind.extensions["shopper.engine"].dispose()
    assert throttle.ACCOUNT_LIMIT == 5 and throttle.ADDRESS_LIMIT == 100
