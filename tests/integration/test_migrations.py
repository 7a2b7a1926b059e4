"""Migrations build the schema from nothing, step by step, keep the data they find, and
agree with the models."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, make_url, text
from sqlmodel import SQLModel

from shopper import migrate
from shopper.db import make_engine
from shopper.migrate import alembic_config


def test_migrations_match_the_models(migrated):
    # `migrated` applied every migration to an empty database at the start of the run.
    engine = make_engine(migrated)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_database_is_at_head_and_has_every_table(migrated):
    engine = make_engine(migrated)
    assert migrate.is_current(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables


def test_every_migration_file_is_one_line_of_history():
    scripts = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert len(scripts.get_heads()) == 1  # no branches left unmerged
    files = {path.stem.split("_")[0] for path in
             (Path(migrate.MIGRATIONS) / "versions").glob("[0-9]*.py")}
    assert {script.revision for script in scripts.walk_revisions()} == files


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, empty: a file for SQLite, a new database on the server."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        return
    name = f"shopper_migrate_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(server_url).set(database=name)
                         .render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_an_older_database_is_upgraded_with_its_data(empty_database):
    engine = empty_database
    migrate.upgrade(engine, "0001")
    assert not migrate.is_current(engine)
    assert "timezone" not in {c["name"] for c in inspect(engine).get_columns("client")}
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO client (name, created_at) VALUES ('Acme', CURRENT_TIMESTAMP)"))
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, timezone FROM client")).all()
    assert [tuple(row) for row in rows] == [("Acme", None)]
    migrate.upgrade(engine)  # at head already: nothing to do, nothing lost
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM client")).scalar() == 1
    engine.dispose()


def _insert(connection, table: str, **values) -> int:
    """A row with `values` and a plain value for every other required column."""
    columns = inspect(connection).get_columns(table)
    row = dict(values)
    for column in columns:
        if column["name"] in row or column["nullable"] or column.get("default") is not None \
                or column["name"] == "id":
            continue
        kind = str(column["type"]).upper()
        row[column["name"]] = (
            "2026-10-01 10:00:00+00:00" if "DATE" in kind or "TIME" in kind
            else True if "BOOL" in kind else 1 if "INT" in kind else 1.0 if "FLOAT" in kind or
            "REAL" in kind or "DOUBLE" in kind else
            uuid.uuid4().hex if "UUID" in kind or "CHAR(32)" in kind
            else "{}" if "JSON" in kind else f"{table}-{column['name']}")
    names = ", ".join(row)
    marks = ", ".join(f":{name}" for name in row)
    result = connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks}) "
                                     "RETURNING id"), row)
    return result.scalar()


def test_scores_are_stored_once_after_0004(empty_database):
    """0004 keeps cx, service and experience only in the visit's columns, and
    `shopper db upgrade` then fills the sums (tested in test_scorecards)."""
    engine = empty_database
    migrate.upgrade(engine, "0003")
    with engine.begin() as connection:
        client = _insert(connection, "client", name="Acme")
        region = _insert(connection, "region", client_id=client, name="North")
        location = _insert(connection, "location", region_id=region, code="N1",
                           channel="in_store")
        user = _insert(connection, "user_account", email="sam@example.com", role="shopper",
                       client_id=None)
        questionnaire = _insert(connection, "questionnaire", key="q", version=1,
                                status="published")
        _insert(connection, "visit", shopper_id=user, location_id=location,
                questionnaire_id=questionnaire, status="approved", channel="in_store",
                origin="field", cx=75.0, service=80.0, experience=70.0,
                scores='{"cx": 75.0, "service": 80.0, "experience": 70.0, '
                       '"sections": {"a": 75.0}, "touchpoints": {"t": 75.0}, '
                       '"critical_failures": []}')
    migrate.upgrade(engine)
    with engine.connect() as connection:
        scores, cx = connection.execute(text("SELECT scores, cx FROM visit")).one()
        target = connection.execute(text("SELECT target FROM client")).scalar()
    scores = json.loads(scores) if isinstance(scores, str) else scores
    assert scores == {"sections": {"a": 75.0}, "touchpoints": {"t": 75.0},
                      "critical_failures": []}
    assert cx == 75.0 and target == 80.0  # and the visit survived the client's new column
    engine.dispose()
