"""Helpers the benchmarks share: a scratch PostgreSQL database (made on entry, dropped
on exit), an app on a migrated database with one shopper's assignments, a percentile,
a logged-in test client."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Iterator

from sqlalchemy import make_url


@contextlib.contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """The URL of a new, empty database on the server `server_url` names."""
    import psycopg

    name = f"shopper_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def logged_in(app, email: str, password: str):
    """A test client of `app` logged in through the real form."""
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def migrated_app(config: dict):
    """The app of `config`, its database (config["DATABASE_URL"]) migrated first."""
    from shopper import create_app, migrate
    from shopper.db import make_engine

    engine = make_engine(config["DATABASE_URL"])
    migrate.upgrade(engine)
    engine.dispose()
    return create_app(config)


def one_shopper(app, visits: int, email: str) -> dict:
    """In `app`'s database: a client, region and location, the demo's questionnaire and
    a shopper with `visits` open assignments there. Their ids, the shopper's API token
    and the engine's questionnaire."""
    from sqlmodel import Session

    from shopper.auth.services import issue_api_token
    from shopper.demo import default_questionnaire_document
    from shopper.questionnaires import parse_stored
    from tests import factories

    with Session(app.extensions["shopper.engine"], expire_on_commit=False) as session:
        region = factories.make_region(session, factories.make_client(session, "Acme"))
        row = factories.make_questionnaire(session, default_questionnaire_document())
        location = factories.make_location(session, region, "L1")
        shopper = factories.make_user(session, "shopper", email=email)
        assignments = [factories.make_assignment(session, shopper, location, row, days=30).id
                       for _ in range(visits)]
        token = issue_api_token(session=session, user=shopper)
        session.commit()
        return {"assignments": assignments, "token": token,
                "questionnaire": parse_stored(row)}
