"""The database layer: SQLite settings, concurrent writers, time zones, constraints."""

from __future__ import annotations

import copy
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from shopper import create_app, db, migrate
from shopper.exceptions import InvalidInput
from shopper.models import Client, Visit
from tests.factories import make_client, make_location, make_questionnaire, make_user, make_visit


def engine_of(app):
    return app.extensions["shopper.engine"]


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on its own SQLite file, whatever database the suite runs on."""
    app = create_app({"TESTING": True, "SHOPPER_ENV": "testing",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}"})
    migrate.upgrade(engine_of(app))
    yield app
    engine_of(app).dispose()


def test_sqlite_has_wal_foreign_keys_and_a_busy_timeout(sqlite_app):
    with engine_of(sqlite_app).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_foreign_keys_are_enforced(session):
    session.add(Visit(uuid=uuid.uuid4(), shopper_id=999, location_id=999, questionnaire_id=999,
                      channel="in_store", answers={}))
    with pytest.raises(IntegrityError):
        session.flush()


def test_check_constraints_are_enforced(session):
    location = make_location(session)
    location.channel = "mail"  # short enough for the column: the CHECK must refuse it
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize("which", ["suite database", "sqlite"])
def test_concurrent_writers_wait_instead_of_failing(which, request):
    """20 threads each read then write in one transaction, at once. With deferred BEGIN,
    SQLite fails some of them with "database is locked" (a read lock cannot be
    upgraded while another writer holds the lock); with BEGIN IMMEDIATE all commit."""
    app = request.getfixturevalue("app" if which == "suite database" else "sqlite_app")
    with app.app_context():
        session = db.get_session()
        make_client(session, name="Counter")
        db.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def increment(worker: int) -> None:
        try:
            with app.test_request_context("/", method="POST"):
                session = db.get_session()
                start.wait(timeout=10)
                client = session.exec(select(Client).where(Client.name == "Counter")).one()
                client.contact_email = f"{worker}@example.com"
                session.add(client)
                session.add(Client(name=f"Worker {worker}"))
                db.commit()
                db.close_session()
        except BaseException as error:  # collected, asserted below
            errors.append(error)

    threads = [threading.Thread(target=increment, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with Session(engine_of(app)) as session:
        names = session.exec(select(Client.name)).all()
    assert len(names) == 21


def test_reads_begin_deferred_and_writes_immediate(sqlite_app):
    app, statements = sqlite_app, []
    engine = engine_of(app)

    def record(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with app.test_request_context("/", method="GET"):
            db.get_session().exec(text("SELECT 1"))
            db.close_session()
        with app.test_request_context("/", method="POST"):
            db.get_session().exec(text("SELECT 1"))
            db.close_session()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == ["BEGIN", "BEGIN IMMEDIATE"]


def test_timestamps_come_back_timezone_aware_in_utc(session):
    client = make_client(session)
    client.created_at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC) + timedelta(hours=0)
    session.commit()
    session.expire_all()
    stored = session.get(Client, client.id).created_at
    assert stored == datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_timestamps_are_refused(session):
    client = make_client(session)
    client.created_at = datetime(2026, 3, 1, 12, 30)
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_visit_uuid_is_unique(session):
    shopper = make_user(session)
    location = make_location(session)
    first = make_visit(session, shopper, location)
    with pytest.raises(IntegrityError):
        make_visit(session, shopper, location, uuid=first.uuid)


def test_published_questionnaire_never_changes(app, session):
    row = make_questionnaire(session)
    session.commit()
    assert row.status == "published"
    published = copy.deepcopy(row.document)
    row.document = dict(row.document, version=1, title="Changed")
    with pytest.raises(InvalidInput, match="cannot change; make a new version"):
        session.flush()
    session.rollback()
    row = session.get(type(row), row.id)
    row.status = "retired"  # retiring is allowed
    session.commit()
    session.expire_all()
    stored = session.get(type(row), row.id)
    assert (stored.status, stored.document) == ("retired", published)  # the document kept
    stored.document = dict(stored.document, title="Changed again")
    with pytest.raises(InvalidInput, match="retired and cannot change"):
        session.flush()


def test_a_submission_holds_sqlite_write_lock_only_to_check_again_and_insert(sqlite_app):
    """Who the caller is, the checks and the scoring are read in one deferred
    transaction (WAL: no lock); the IMMEDIATE one reads again the assignment row and the uuid's
    state (one statement), then inserts the visit and its event."""
    from shopper.auth.services import issue_api_token
    from tests.factories import RETAIL_ANSWERS, field_world

    engine = engine_of(sqlite_app)
    with Session(engine, expire_on_commit=False) as session:
        world = field_world(session)
        token = issue_api_token(session=session, user=world["sam"])
        session.commit()
    transactions: list[list[str]] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            transactions.append([statement])
        elif transactions:
            transactions[-1].append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        started = datetime.now(UTC) - timedelta(minutes=30)
        response = sqlite_app.test_client().post(
            "/api/v1/visits", headers={"Authorization": f"Bearer {token}"}, json={
                "uuid": str(uuid.uuid4()), "assignment_id": world["assignment"].id,
                "channel": "in_store", "started_at": started.isoformat(),
                "ended_at": (started + timedelta(minutes=22)).isoformat(),
                "answers": dict(RETAIL_ANSWERS)})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.text
    [locked] = [t for t in transactions if t[0] == "BEGIN IMMEDIATE"]
    kinds = [statement.split()[0] + " " + statement.split(" FROM ")[-1].split()[0]
             if statement.startswith("SELECT") else " ".join(statement.split()[:3])
             for statement in locked[1:]]
    assert kinds == ["SELECT assignment", "INSERT INTO visit", "INSERT INTO review_event"]
    assert "LEFT OUTER JOIN visit ON visit.uuid = ?" in locked[1]
    # The caller, found outside the lock, and the checks: one deferred transaction.
    [read] = [t for t in transactions if t[0] == "BEGIN"]
    assert "api_token_hash" in read[1]
    assert any("FROM assignment" in s for s in read[2:])
