"""Shared fixtures: app, client, runner, session, auth. Factories: tests/factories.py.

The suite runs against SQLite by default and against PostgreSQL when
TEST_DATABASE_URL names a server: a fresh database is made on it for the run and
dropped after. Migrations are applied once per run; every test starts from empty
tables.
"""

from __future__ import annotations

import os
import re
import threading
import uuid

import pytest
from sqlalchemy import make_url, text
from sqlmodel import Session, SQLModel
from werkzeug.serving import make_server

from shopper import create_app, migrate
from shopper.db import make_engine
from tests.smtp_server import smtp_server  # noqa: F401  (a fixture for every test)

TEST_SECRET = "test-secret-key-0123456789abcdef"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'shopper-test.db'}"
        return
    name = f"shopper_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return database_url


#: Every sequence of the test database back to its start, as a new database has it.
_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n"
    " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()")


def _empty_tables(engine) -> None:
    """Every table emptied, children first. DELETE, not TRUNCATE, on PostgreSQL too:
    a test leaves a few rows, and TRUNCATE makes every table and index a new file
    (56 ms a test against 5 ms, about 40 s of the PostgreSQL run)."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            connection.execute(_RESTART_SEQUENCES)


@pytest.fixture
def app(migrated, tmp_path):
    app = create_app({
        "TESTING": True,
        "SHOPPER_ENV": "testing",
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": migrated,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "REPORT_DIR": str(tmp_path / "reports"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "JOBS_FILE": str(tmp_path / "jobs.db"),
        # Jobs run at once, in the caller; tests/integration/test_jobs.py runs a real
        # consumer on Redis and on SQLite storage.
        "JOBS_IMMEDIATE": True,
    })
    yield app
    engine = app.extensions["shopper.engine"]
    _empty_tables(engine)
    engine.dispose()


def _closing(app):
    """The app, with every response closed even when the browser drops the connection
    mid-file (a test's browser closing while its service worker still fetches):
    Werkzeug's development server then skips closing it, and the open file would
    surface as a ResourceWarning in an unrelated test."""

    def serve(environ, start_response):
        response = app(environ, start_response)
        try:
            yield from response
        finally:
            if hasattr(response, "close"):
                response.close()

    return serve


@pytest.fixture
def live_server(app):
    """The app served on loopback by a real WSGI server in a thread."""
    server = make_server("127.0.0.1", 0, _closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A session on the test database, for setting up and checking data."""
    with Session(app.extensions["shopper.engine"], expire_on_commit=False) as session:
        yield session


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no csrf-token meta"
    return match.group(1)


class AuthActions:
    """Log in and out through the real form, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str, follow_redirects: bool = False):
        page = self._client.get("/login")
        return self._client.post("/login", data={
            "email": email, "password": password, "csrf_token": csrf_token(page.text),
        }, follow_redirects=follow_redirects)

    def logout(self):
        page = self._client.get("/", follow_redirects=True)
        return self._client.post("/logout", data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def auth(client):
    return AuthActions(client)
