"""The app factory and the health check."""

from __future__ import annotations

from shopper import create_app


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_test_config_overrides_the_defaults():
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32})
    assert app.config["SECRET_KEY"] == "x" * 32
    assert app.testing


def test_environment_is_read_when_the_app_is_made(monkeypatch):
    monkeypatch.setenv("SHOPPER_ENV", "development")
    assert create_app().config["SHOPPER_ENV"] == "development"
    monkeypatch.delenv("SHOPPER_ENV")
    assert create_app().config["SHOPPER_ENV"] == "production"
