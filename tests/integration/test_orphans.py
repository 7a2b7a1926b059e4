"""The orphan sweeper (issue 11): photo files that no row names, older than the grace
period, are removed; files with a row, and young files whose transaction may still be
open, are kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

from shopper import jobs
from tests.factories import field_world, make_visit
from tests.integration.test_scope import stored_photo


def test_the_sweeper_removes_only_old_files_without_a_row(app, session, caplog):
    world = field_world(session)
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"])
    upload_dir = Path(app.config["UPLOAD_DIR"])
    kept = stored_photo(session, str(upload_dir), world["sam"], visit)
    session.commit()
    orphan, young = upload_dir / "0123abcd.jpg", upload_dir / "4567ef01.jpg"
    orphan.write_bytes(b"\xff\xd8 left by a killed worker")
    young.write_bytes(b"\xff\xd8 its transaction may still be open")
    two_hours_ago = time.time() - 7200
    for path in (orphan, upload_dir / kept.path):
        os.utime(path, (two_hours_ago, two_hours_ago))
    with app.app_context(), caplog.at_level("INFO"):
        assert jobs.sweep_orphans.call_local() == 1
    assert not orphan.exists()
    assert young.exists() and (upload_dir / kept.path).exists()
    assert "1 files without a photo row removed" in caplog.text
