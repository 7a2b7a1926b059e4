"""A scratch PostgreSQL database for a benchmark: made on entry, dropped on exit."""

from __future__ import annotations

import contextlib
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
