"""Settings from the environment, production safety, and the headers of every page."""

from __future__ import annotations

import pytest

from shopper import create_app
from shopper.config import ConfigError, from_environment


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = create_app({"SHOPPER_ENV": "testing", "TESTING": True,
                      "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SHOPPER_ENV", raising=False)  # unset means production
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": "short"})


def test_development_and_testing_accept_it(monkeypatch):
    monkeypatch.setenv("SHOPPER_ENV", "development")
    app = create_app({"DATABASE_URL": "sqlite://"})
    assert app.config["DEVELOPMENT"] and not app.config["SESSION_COOKIE_SECURE"]


def production_app(tmp_path, **extra):
    return create_app({"SHOPPER_ENV": "production", "SECRET_KEY": "x" * 40,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", **extra})


def test_production_marks_cookies_secure_and_sends_hsts(tmp_path):
    app = production_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_secure_false_serves_plain_http(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    app = create_app({"SHOPPER_ENV": "production", "SECRET_KEY": "x" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    response = app.test_client().get("/login")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


def test_cookies_are_httponly_and_samesite_lax(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_every_page_has_protective_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(("environ", "message"), [
    ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT must be a whole number"),
    ({"SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE must be true or false"),
])
def test_bad_environment_values_are_named(environ, message):
    with pytest.raises(ConfigError, match=message):
        from_environment(environ)


def test_environment_settings_are_read(monkeypatch, tmp_path):
    environ = {"DATABASE_URL": "postgresql://db/shopper", "REDIS_URL": "redis://r:6379/0",
               "SMTP_HOST": "mail", "SMTP_PORT": "587", "SMTP_TLS": "true",
               "MAIL_FROM": "Shopper <s@example.com>", "UPLOAD_DIR": "/srv/uploads"}
    settings = from_environment(environ)
    assert settings["SMTP_PORT"] == 587 and settings["SMTP_TLS"] is True
    assert settings["DATABASE_URL"] == "postgresql://db/shopper"
    assert settings["UPLOAD_DIR"] == "/srv/uploads"


def test_importing_the_app_does_no_heavy_work():
    """A job imports services without building the app or hashing a password."""
    import subprocess
    import sys

    probe = ("import shopper.auth.services as s, shopper.field.submissions, shopper.cli;"
             "import flask; print(s._dummy_hash.cache_info().currsize,"
             " 'shopper.field.views' in __import__('sys').modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["0", "False"]
