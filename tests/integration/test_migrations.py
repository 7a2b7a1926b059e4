"""Migrations build the schema from nothing, and agree with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
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


def test_upgrade_twice_changes_nothing(migrated):
    engine = make_engine(migrated)
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    engine.dispose()


def test_alembic_config_points_at_the_migrations(migrated):
    engine = make_engine(migrated)
    config = alembic_config(engine)
    engine.dispose()
    assert config.get_main_option("script_location").endswith("migrations")
