"""`shopper backup` and `shopper restore` (issue 11): a consistent copy taken while
visits keep arriving, with the uploads, put back into a fresh installation; a restore
refuses a database that holds data without --force; PostgreSQL is told to use pg_dump."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shopper import create_app, migrate
from shopper.backup import keep_latest
from shopper.db import make_engine
from shopper.models import Photo, ReportDelivery, ReportSchedule, ReviewEvent, Visit
from tests.conftest import TEST_SECRET
from tests.factories import field_world, make_assignment, make_visit
from tests.integration.test_api_visits import bearer, payload
from tests.integration.test_scope import stored_photo

POSTGRES = "TEST_DATABASE_URL"


def counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {model.__name__: session.exec(select(func.count()).select_from(model)).one()
                for model in (Visit, Photo, ReviewEvent, ReportDelivery)}


@pytest.fixture
def world(session, app):
    from shopper.auth.services import issue_api_token
    from shopper.review.services import approve_visit

    world = field_world(session)
    visit = make_visit(session, world["sam"], world["store"], world["questionnaire"],
                       status="submitted")
    approve_visit(session=session, user=world["north_manager"], visit=visit,
                  revision=visit.revision, now=visit.submitted_at or visit.started_at)
    world["photo"] = stored_photo(session, app.config["UPLOAD_DIR"], world["sam"], visit)
    schedule = ReportSchedule(client_id=world["acme"].id, recipients=["a@example.com"])
    session.add(schedule)
    session.flush()
    session.add(ReportDelivery(schedule_id=schedule.id, client_id=world["acme"].id,
                               period="2026-10", recipients=["a@example.com"], status="sent"))
    world["token"] = issue_api_token(session=session, user=world["sam"])
    # Open assignments for the visits that arrive during the backup (one visit each).
    world["open"] = [make_assignment(session, world["sam"], world["store"],
                                     world["questionnaire"]).id for _ in range(40)]
    session.commit()
    return world


def test_a_backup_taken_while_visits_arrive_restores_whole(world, app, runner, tmp_path,
                                                           database_url):
    if "postgresql" in database_url:
        result = runner.invoke(args=["backup", str(tmp_path / "b.tar.gz")])
        assert result.exit_code == 1 and "pg_dump" in result.output
        assert result.output.strip().count("\n") == 0
        return
    sent = []

    def keep_sending():
        client = app.test_client()
        for assignment_id in world["open"]:  # all of them, before, during and after
            response = client.post("/api/v1/visits", json=payload(
                world, position=None, assignment_id=assignment_id),
                headers=bearer(world["token"]))
            sent.append(response.status_code)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    try:
        target = tmp_path / "backup.tar.gz"
        result = runner.invoke(args=["backup", str(target)])
    finally:
        sender.join(timeout=120)
    assert result.exit_code == 0, result.output
    assert "the database and 1 uploads" in result.output
    assert sent == [201] * 40  # every visit arriving around the backup was stored

    fresh_url = f"sqlite:///{tmp_path / 'fresh' / 'shopper.db'}"
    engine = make_engine(fresh_url)
    migrate.upgrade(engine)
    engine.dispose()
    fresh = create_app({"TESTING": True, "SHOPPER_ENV": "testing", "SECRET_KEY": TEST_SECRET,
                        "DATABASE_URL": fresh_url, "UPLOAD_DIR": str(tmp_path / "up2"),
                        "JOBS_IMMEDIATE": True})
    restored = fresh.test_cli_runner().invoke(args=["restore", str(target)])
    assert restored.exit_code == 0, restored.output
    got = counts(fresh.extensions["shopper.engine"])
    assert got["Photo"] == 1 and got["ReviewEvent"] >= 1 and got["ReportDelivery"] == 1
    assert 1 <= got["Visit"] <= 1 + len(sent)  # one moment: whole visits, none half
    assert (tmp_path / "up2" / world["photo"].path).read_bytes() == (
        Path(app.config["UPLOAD_DIR"]) / world["photo"].path).read_bytes()
    # a second restore finds data: refused without --force, done with it
    again = fresh.test_cli_runner().invoke(args=["restore", str(target)])
    assert again.exit_code == 1 and "--force" in again.output
    assert fresh.test_cli_runner().invoke(args=["restore", "--force", str(target)]
                                          ).exit_code == 0
    fresh.extensions["shopper.engine"].dispose()


def test_a_tarball_that_is_not_ours_is_refused(world, app, runner, tmp_path, database_url):
    import tarfile

    bad = tmp_path / "evil.tar.gz"
    (tmp_path / "passwd").write_text("root:x:0:0")
    with tarfile.open(bad, "w:gz") as archive:
        archive.add(tmp_path / "passwd", arcname="../../etc/passwd")
    result = runner.invoke(args=["restore", "--force", str(bad)])
    assert result.exit_code == 1
    assert "not a Shopper backup" in result.output or "pg_dump" in result.output


def test_the_periodic_backup_keeps_the_latest(tmp_path):
    for day in range(1, 10):
        (tmp_path / f"shopper-202611{day:02d}T030500Z.tar.gz").write_bytes(b"x")
    removed = keep_latest(tmp_path, 7)
    assert [p.name for p in removed] == ["shopper-20261102T030500Z.tar.gz",
                                         "shopper-20261101T030500Z.tar.gz"]
    assert len(list(tmp_path.glob("*.tar.gz"))) == 7
