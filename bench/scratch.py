"""Helpers the benchmarks share: a scratch PostgreSQL database (made on entry, dropped
on exit), a percentile, a logged-in test client."""

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
