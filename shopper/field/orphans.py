"""Photo files without a row: a worker killed between writing a photo's file and
committing its row (or a crash before its rollback hook ran) leaves one. The sweeper
removes such files once they are older than a grace period (longer than any request),
so a file whose transaction is still open is never touched."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from ..models import Photo

log = logging.getLogger(__name__)

#: Names asked about in one query.
BATCH = 500


def sweep_orphans(session: Session, upload_dir: str | Path, *,
                  grace: timedelta = timedelta(hours=1), now: float | None = None) -> int:
    """Remove the files of `upload_dir` older than `grace` that no photo row names;
    returns how many were removed (and logs it)."""
    directory = Path(upload_dir)
    if not directory.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - grace.total_seconds()
    old = [path for path in directory.iterdir()
           if path.is_file() and path.stat().st_mtime < cutoff]
    removed = 0
    for start in range(0, len(old), BATCH):
        batch = old[start:start + BATCH]
        known = set(session.exec(select(Photo.path).where(
            Photo.path.in_([path.name for path in batch]))).all())
        for path in batch:
            if path.name not in known:
                path.unlink(missing_ok=True)
                removed += 1
    session.rollback()  # it only read
    log.info("orphan sweep of %s: %d files without a photo row removed", directory, removed)
    return removed
