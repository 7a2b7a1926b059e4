"""The database: one engine per app, one session per request, one commit at the edge.

SQLite (the default) gets WAL, foreign keys, a busy timeout, and writes that start
with ``BEGIN IMMEDIATE``: a writer takes the write lock when its transaction starts,
so concurrent writers queue on the busy timeout instead of failing halfway with
"database is locked" when a read lock cannot be upgraded. Reads keep a plain
deferred ``BEGIN`` and never wait for writers (WAL).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

#: True while the current request or command writes: its SQLite transactions begin
#: IMMEDIATE. A ContextVar, so each thread or greenlet has its own.
_writing: ContextVar[bool] = ContextVar("shopper_db_writing", default=False)

#: Methods that never change anything (RFC 9110): their requests read, so their SQLite
#: transactions begin DEFERRED, and they need no CSRF token (security.py).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _json_serializer(value: Any) -> str:
    # Compact and several times faster than json.dumps: JSON columns hold every visit's
    # answers, scores and explanation.
    return orjson.dumps(value).decode()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`, with the SQLite settings above when it is SQLite."""
    options.setdefault("json_serializer", _json_serializer)
    options.setdefault("json_deserializer", orjson.loads)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {}).update(timeout=30, check_same_thread=False)
        engine = create_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


def init_app(app: Flask) -> None:
    """Create the app's engine and close the request's session on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["shopper.engine"] = engine
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["shopper.engine"]


def get_session() -> Session:
    """The session of the current request (or app context), made on first use.

    Requests with unsafe methods write, so their transactions begin IMMEDIATE on SQLite.
    """
    if "db_session" not in g:
        if has_request_context() and request.method not in SAFE_METHODS:
            # The whole body first (a slow phone's upload, a stalled client): on SQLite a
            # writer holds the database's write lock from its first query to its commit,
            # so none may be taken while the network is still sending.
            request.get_data(cache=True, parse_form_data=True)
            g.db_writing_token = _writing.set(True)
        g.db_session = Session(engine(), expire_on_commit=False)
        g.db_after_commit = []
        g.db_on_rollback = []
    return g.db_session


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current session has committed (e-mail outbox)."""
    get_session()
    g.db_after_commit.append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run `callback` if the session ends without committing (remove a written file)."""
    get_session()
    g.db_on_rollback.append(callback)


def end_read() -> None:
    """End the request's transaction when it has only read (nothing to commit): the next
    query begins a new one. On SQLite a writing request's transactions hold the write
    lock, so a request that has read what it needs ends that before its slow work and
    takes the lock again to write (`reading` does the same around a block)."""
    session = g.get("db_session")
    if engine().dialect.name != "sqlite":
        return  # PostgreSQL locks rows, not the database: one transaction is cheaper
    if session is not None and _only_read(session):
        session.commit()


def _only_read(session: Session) -> bool:
    """In a transaction with nothing to write (a commit only ends the read)."""
    return session.in_transaction() and not (session.new or session.dirty
                                             or session.deleted)


def commit() -> None:
    """Commit the request's session, then run what waited for the commit."""
    session = get_session()
    session.commit()
    g.db_on_rollback = []
    callbacks, g.db_after_commit = g.db_after_commit, []
    for callback in callbacks:
        callback()


def close_session(_exception: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back whatever was not committed
    for callback in g.pop("db_on_rollback", None) or ():
        callback()
    g.pop("db_after_commit", None)
    g.pop("db_read_kept", None)
    token = g.pop("db_writing_token", None)
    if token is not None:
        _writing.reset(token)


@contextlib.contextmanager
def reading(session: Session, *, keep: bool = False) -> Iterator[None]:
    """Within this block `session` reads in a transaction of its own that ends with the
    block, deferred on SQLite (WAL: it takes no lock and waits for no writer), also
    in a writing request; the next query begins a new transaction. For a session with
    no transaction open and nothing to write, or with the read a `keep` block left open.
    On PostgreSQL (rows are locked, not the database) the block is part of the
    request's one transaction.

    `keep`: the transaction stays open when the block ends, for the next `reading`
    block to go on in (who the caller is and a submission's checks: one transaction).
    Nothing may write before that block ends it; the request's teardown rolls it back
    otherwise.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    token = _writing.set(False)
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _writing.reset(token)
        if keep and not failed:
            g.db_read_kept = session.get_transaction()  # None when nothing was read
        elif _only_read(session):
            try:
                session.commit()  # read only; expire_on_commit=False keeps what was loaded
            except SQLAlchemyError:
                if not failed:
                    raise
                # The block's own error is the one to answer (the database went away
                # during it, say); the request's teardown closes the session.


def read_kept(session: Session) -> bool:
    """Whether the request's session is in the read a `reading(keep=True)` block left
    open (and nothing else since)."""
    # Known by its transaction: once that ends (committed, rolled back), no later one is it.
    kept = g.get("db_read_kept") if has_app_context() else None
    return kept is not None and session.get_transaction() is kept and _only_read(session)


def keeps_reading(view: Callable) -> Callable:
    """Mark a view that goes on reading in the transaction that found its caller (its
    own first `reading` block ends it; it writes only after)."""
    view.keeps_reading = True
    return view


def view_keeps_reading() -> bool:
    """Whether the request's view is marked with keeps_reading."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "keeps_reading", False)


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Within this block, SQLite transactions begin IMMEDIATE (CLI commands, jobs)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)

