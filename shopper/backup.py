"""Backups of a SQLite installation: a consistent copy of the database taken while the
app runs (SQLite's online backup API: writers carry on, the copy is one moment) and the
upload directory, in one .tar.gz. PostgreSQL is backed up with pg_dump (README); its
uploads with any file copy.

A restore refuses a database that holds data unless told to replace it."""

from __future__ import annotations

import logging
import os
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, inspect, literal, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

log = logging.getLogger(__name__)

DATABASE_NAME = "shopper.db"
UPLOADS = "uploads"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why, in one line."""


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError("shopper backup copies SQLite databases; for PostgreSQL use "
                          "pg_dump (see the README) and copy UPLOAD_DIR")
    return Path(url.database)


def backup(database_url: str, upload_dir: str | Path, target: str | Path) -> dict[str, int]:
    """Write `target` (.tar.gz): the database as of one moment and every upload."""
    source = _sqlite_path(database_url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        copy = Path(scratch) / DATABASE_NAME
        with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(copy) as out:
            live.backup(out)  # pages in steps; other connections keep writing
        out.close()
        live.close()
        partial = Path(scratch) / "backup.tar.gz"
        files = 0
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(copy, arcname=DATABASE_NAME)
            uploads = Path(upload_dir)
            if uploads.is_dir():
                for path in sorted(uploads.iterdir()):
                    if path.is_file():
                        archive.add(path, arcname=f"{UPLOADS}/{path.name}")
                        files += 1
        os.replace(partial, target)  # whole or not at all
    log.info("backup %s: the database and %d uploads", target, files)
    return {"uploads": files, "bytes": target.stat().st_size}


def holds_data(engine: Engine) -> bool:
    """Whether any of the app's tables that the database has holds a row."""
    from . import models  # noqa: F401  (every table on the metadata)

    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return any(connection.execute(select(literal(1)).select_from(table).limit(1)).first()
                   for table in SQLModel.metadata.sorted_tables if table.name in present)


def restore(database_url: str, upload_dir: str | Path, source: str | Path, *,
            engine: Engine, force: bool = False) -> dict[str, int]:
    """Put a backup back: the database's content replaced by the copy's (through the
    backup API, so the file stays the app's), and the uploads written beside."""
    target = _sqlite_path(database_url)
    if holds_data(engine) and not force:
        raise BackupError(f"{target} holds data: give --force to replace it")
    engine.dispose()
    uploads = Path(upload_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(source, "r:gz") as archive:
        members = archive.getmembers()
        for member in members:  # names from the archive only as we made them
            name = member.name
            if not member.isfile() or (name != DATABASE_NAME and not (
                    name.startswith(f"{UPLOADS}/") and "/" not in name[len(UPLOADS) + 1:]
                    and name[len(UPLOADS) + 1:] not in ("", ".", ".."))):
                raise BackupError(f"{source}: not a Shopper backup (holds {name!r})")
        if DATABASE_NAME not in {member.name for member in members}:
            raise BackupError(f"{source}: not a Shopper backup (no {DATABASE_NAME})")
        # Read as bytes to a path of our own: nothing in the archive names where it goes.
        (Path(scratch) / DATABASE_NAME).write_bytes(
            archive.extractfile(DATABASE_NAME).read())
        with sqlite3.connect(Path(scratch) / DATABASE_NAME) as copy, \
                sqlite3.connect(target, timeout=30) as live:
            copy.backup(live)
        copy.close()
        live.close()
        files = 0
        for member in members:
            if member.name.startswith(f"{UPLOADS}/"):
                extracted = archive.extractfile(member)
                (uploads / Path(member.name).name).write_bytes(extracted.read())
                files += 1
    log.info("restored %s: the database and %d uploads", source, files)
    return {"uploads": files}


def keep_latest(directory: str | Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest backups of `directory`; the removed ones."""
    found = sorted(Path(directory).glob("shopper-*.tar.gz"), key=lambda p: p.name,
                   reverse=True)
    for old in found[keep:]:
        old.unlink(missing_ok=True)
    return found[keep:]


def periodic_name() -> str:
    return time.strftime("shopper-%Y%m%dT%H%M%SZ.tar.gz", time.gmtime())
