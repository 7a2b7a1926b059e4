"""Migrations build the schema from nothing, step by step, keep the data they find, and
agree with the models."""

from __future__ import annotations

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
