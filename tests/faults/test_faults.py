"""Faults, from outside: gunicorn workers killed (SIGKILL) while shoppers submit, upload
and managers review; connections cut in the middle of a body; the SMTP server gone for
a while; the job worker killed while it sends a report. After each: nothing lost,
nothing half-written, nothing orphaned, no report sent twice, and every retry of a
request that was cut answered as a success.

The database restarted under load (PostgreSQL) runs in `make soak` (bench/faults.py):
it would cut every other test's connections too.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from shopper.auth.services import issue_api_token
from shopper.demo import default_questionnaire_document
from shopper.field.orphans import sweep_orphans
from shopper.models import Photo, ReportDelivery, ReportSchedule, ReviewEvent, Visit, utcnow
from shopper.questionnaires import parse_stored
from shopper.reports import delivery
from shopper.scorecards.periods import month
from tests.factories import field_world, make_assignment, make_questionnaire
from tests.smtp_server import SmtpServer, free_port

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
#: The photo question of the demo's questionnaire.
PHOTO_QUESTION = "shelf_photo"


# --- a real server --------------------------------------------------------------------


class Server:
    """gunicorn with two sync workers on the test database, and a way to kill them."""

    def __init__(self, app, workers: int = 2):
        self.port = free_port()
        env = dict(os.environ)
        for name in ("SECRET_KEY", "DATABASE_URL", "UPLOAD_DIR", "REPORT_DIR", "OUTBOX_DIR",
                     "JOBS_FILE"):
            env[name] = str(app.config[name])
        env |= {"SHOPPER_ENV": "production", "BASE_URL": "http://127.0.0.1",
                "JOBS_IMMEDIATE": "1"}
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "critical", "--timeout", "60",
             "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while self.workers() < workers or not self._answers():
            assert self.process.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            return request(self.port, "GET", "/healthz")[0] == 200
        except OSError:
            return False

    def workers(self) -> int:
        return len(self.worker_pids())

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_a_worker(self, rng: random.Random) -> bool:
        pids = self.worker_pids()
        if not pids:
            return False
        try:
            os.kill(rng.choice(pids), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.fixture
def server(app):
    served = Server(app)
    yield served
    served.stop()


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def until_answered(port: int, method: str, path: str, body: bytes | None, headers: dict,
                   cut: list[int]) -> tuple[int, bytes]:
    """Send until an answer comes, as the phone's outbox does; `cut` counts the tries
    that got none (the worker died under them), or a 502-like 5xx."""
    for _attempt in range(30):
        try:
            status, data = request(port, method, path, body, headers)
        except (ConnectionError, http.client.HTTPException, TimeoutError):
            cut.append(1)
            time.sleep(0.05)
            continue
        return status, data
    raise AssertionError(f"{method} {path}: no answer in 30 tries")


class Killer:
    """Kills a busy worker now and then while the block runs: at most `kills` times,
    each when both workers are up (a worker takes a second or two to start again),
    about `every` seconds apart."""

    def __init__(self, server: Server, every: float = 0.6, kills: int = 30):
        self.server, self.every, self.most = server, every, kills
        self.kills = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        rng = random.Random(5)
        while self.kills < self.most and not self._done.wait(self.every * (0.5 + rng.random())):
            if self.server.workers() >= 2 and self.server.kill_a_worker(rng):
                self.kills += 1

    def __enter__(self) -> Killer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()


def run_all(work, items, threads: int = 6) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, items))


def run_until_killed(work, items, killer: Killer, kills: int, cut: list,
                     threads: int = 6) -> int:
    """Run `work` over `items` ten at a time until the killer has killed `kills` workers
    and at least one request was cut by a kill (a loaded machine restarts workers
    slowly: a fixed amount of work could end first). How many items were used."""
    used = 0
    while used < len(items) and (killer.kills < kills or not cut):
        run_all(work, items[used:used + 10], threads)
        used += 10
    return used


def jpeg(seed: int) -> bytes:
    output = io.BytesIO()
    Image.effect_noise((320, 240), 30 + seed % 50).convert("RGB").save(output, "JPEG")
    return output.getvalue()


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        .encode() for name, value in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
             f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode() + file
    body += f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def visit_body(assignment_id: int, visit_uuid: uuid.UUID, answers: dict) -> bytes:
    started = utcnow() - timedelta(minutes=40)
    return json.dumps({
        "uuid": str(visit_uuid), "assignment_id": assignment_id, "channel": "in_store",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=25)).isoformat(), "answers": answers}).encode()


def full_answers(questionnaire) -> dict:
    """An answer to each question a store visit is asked (photos aside)."""
    answers = {}
    for question in questionnaire.questions:
        if question.type in ("yes_no", "scale", "choice", "number"):
            answers[question.id] = {"yes_no": "yes", "number": 2}.get(
                question.type, question.max if question.type == "scale" else
                question.options[0].value if question.type == "choice" else None)
    return answers


@pytest.fixture
def world(session):
    world = field_world(session)
    retail = make_questionnaire(session, default_questionnaire_document())
    world["answers"] = full_answers(parse_stored(retail))
    world["assignments"] = [make_assignment(session, world["sam"], world["store"], retail)
                            for _ in range(120)]
    world["sam_token"] = issue_api_token(session=session, user=world["sam"])
    world["manager_token"] = issue_api_token(session=session, user=world["north_manager"])
    session.commit()
    return world


def files_in(app) -> set[str]:
    return {p.name for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


# --- killed workers -------------------------------------------------------------------


def test_workers_killed_during_uploads_and_submissions_lose_and_double_nothing(
        app, session, world, server):
    headers = {"Authorization": f"Bearer {world['sam_token']}"}
    sent: dict[str, list[str]] = {}
    statuses: list[int] = []
    cut: list[int] = []

    def one_visit(assignment) -> None:
        visit_uuid = uuid.uuid4()
        refs = []
        for n in range(2):
            photo_uuid = uuid.uuid4()
            body, kind = multipart({"uuid": str(photo_uuid), "visit_uuid": str(visit_uuid)},
                                   jpeg(assignment.id * 3 + n))
            status, data = until_answered(server.port, "POST", "/api/v1/photos", body,
                                          headers | {"Content-Type": kind}, cut)
            statuses.append(status if status in (200, 201) else (status, data[:300]))
            refs.append(str(photo_uuid))
        body = visit_body(assignment.id, visit_uuid, world["answers"] | {PHOTO_QUESTION: refs})
        for _again in range(2):  # the phone's blind re-send
            status, data = until_answered(server.port, "POST", "/api/v1/visits", body,
                                          headers | {"Content-Type": "application/json"}, cut)
            statuses.append(status if status in (200, 201) else (status, data[:300]))
        sent[str(visit_uuid)] = refs

    with Killer(server) as killer:
        run_until_killed(one_visit, world["assignments"], killer, kills=5, cut=cut)
    assert killer.kills >= 3 and cut, "the test killed no worker under a request"
    assert set(statuses) <= {200, 201}, [s for s in statuses if s not in (200, 201)]

    session.expire_all()
    visits = session.exec(select(Visit).where(Visit.shopper_id == world["sam"].id)).all()
    assert sorted(str(v.uuid) for v in visits) == sorted(sent)  # none lost, none doubled
    for visit in visits:
        assert visit.answers[PHOTO_QUESTION] == sent[str(visit.uuid)]
        assert visit.cx is not None  # whole: scored with its answers
        assert len(session.exec(select(ReviewEvent).where(
            ReviewEvent.visit_id == visit.id)).all()) == 1
    photos = session.exec(select(Photo)).all()
    assert sorted(str(p.uuid) for p in photos) == sorted(r for refs in sent.values()
                                                         for r in refs)
    named = {p.path for p in photos}
    assert named <= files_in(app)  # every row has its file
    # A worker killed between writing a file and committing its row leaves the file:
    # the sweeper removes exactly those, and nothing a row names.
    orphans = files_in(app) - named
    print(f"\nkilled {killer.kills} workers, {len(cut)} requests cut and sent again; "
          f"{len(visits)} visits and {len(photos)} photos stored once each, "
          f"{len(orphans)} orphan files swept")
    assert sweep_orphans(session, app.config["UPLOAD_DIR"], grace=timedelta(0)) == len(orphans)
    assert files_in(app) == named


def test_workers_killed_during_review_actions_approve_each_visit_once(app, session, world,
                                                                       server):
    submitter = {"Authorization": f"Bearer {world['sam_token']}",
                 "Content-Type": "application/json"}
    visits = []
    for assignment in world["assignments"][:80]:
        visit_uuid = uuid.uuid4()
        status, _data = request(server.port, "POST", "/api/v1/visits",
                                visit_body(assignment.id, visit_uuid, world["answers"]),
                                submitter)
        assert status == 201
        visits.append(visit_uuid)
    reviewer = {"Authorization": f"Bearer {world['manager_token']}",
                "Content-Type": "application/json"}
    statuses: list[int] = []
    cut: list[int] = []

    def approve(visit_uuid) -> None:
        status, data = until_answered(server.port, "POST",
                                      f"/api/v1/visits/{visit_uuid}/approve",
                                      json.dumps({"revision": 1}).encode(), reviewer, cut)
        statuses.append(status)
        assert status != 200 or json.loads(data)["status"] == "approved"

    with Killer(server, every=0.1, kills=20) as killer:
        used = run_until_killed(approve, visits, killer, kills=3, cut=cut)
    visits = visits[:used]
    assert killer.kills >= 2 and cut, "the test killed no worker under a request"
    assert set(statuses) == {200}, statuses
    print(f"\nkilled {killer.kills} workers, {len(cut)} approvals cut and sent again")
    session.expire_all()
    for visit_uuid in visits:
        visit = session.exec(select(Visit).where(Visit.uuid == visit_uuid)).one()
        assert (visit.status, visit.revision) == ("approved", 2)
        assert len(session.exec(select(ReviewEvent).where(
            ReviewEvent.visit_id == visit.id, ReviewEvent.action == "approved")).all()) == 1


# --- connections cut mid-body ---------------------------------------------------------


def cut_mid_body(port: int, path: str, headers: dict, body: bytes) -> None:
    """Send the headers and half the body, then close the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(head.encode() + b"\r\n" + body[: len(body) // 2])


def test_connections_cut_mid_body_store_nothing_and_the_retry_succeeds(app, session, world,
                                                                       server):
    headers = {"Authorization": f"Bearer {world['sam_token']}"}
    assignment = world["assignments"][0]
    visit_uuid, photo_uuid = uuid.uuid4(), uuid.uuid4()
    photo, kind = multipart({"uuid": str(photo_uuid), "visit_uuid": str(visit_uuid)},
                            jpeg(1))
    visit = visit_body(assignment.id, visit_uuid,
                       world["answers"] | {PHOTO_QUESTION: [str(photo_uuid)]})
    for _ in range(5):
        cut_mid_body(server.port, "/api/v1/photos", headers | {"Content-Type": kind}, photo)
        cut_mid_body(server.port, "/api/v1/visits",
                     headers | {"Content-Type": "application/json"}, visit)
    time.sleep(1)  # the workers notice the closed connections
    session.expire_all()
    assert session.exec(select(Photo)).all() == []
    assert session.exec(select(Visit)).all() == []
    assert files_in(app) == set()
    assert request(server.port, "POST", "/api/v1/photos", photo,
                   headers | {"Content-Type": kind})[0] == 201
    assert request(server.port, "POST", "/api/v1/visits", visit,
                   headers | {"Content-Type": "application/json"})[0] == 201


# --- mail and the job worker ----------------------------------------------------------


def _schedule(session, world) -> ReportSchedule:
    made = ReportSchedule(client_id=world["acme"].id, recipients=["client@example.com"],
                          created_at=utcnow() - timedelta(days=400))
    session.add(made)
    session.commit()
    return made


def _due_now(session) -> None:
    session.execute(ReportDelivery.__table__.update().values(
        next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    session.expire_all()  # the test's session keeps what it loaded (expire_on_commit off)


def test_the_smtp_server_gone_for_a_while_delays_the_report_and_sends_it_once(
        app, session, world):
    made = _schedule(session, world)
    period = month((utcnow() - timedelta(days=40)).date())
    port = free_port()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    server = SmtpServer()
    with app.app_context():
        queued = delivery.request_sending(session, made, period, None)
        session.commit()
        outcomes = [delivery.send(session, queued.id).status]  # nothing listens
        for _ in range(2):
            _due_now(session)
            outcomes.append(delivery.send(session, queued.id).status)
        session.refresh(queued)
        gone_error = queued.error
        server.start(port)  # back, on the same address
        try:
            _due_now(session)
            outcomes.append(delivery.send(session, queued.id).status)
            outcomes.append(delivery.send(session, queued.id).status)  # sent: nothing to do
        finally:
            server.stop()
    assert outcomes == ["queued", "queued", "queued", "sent", "skipped"]
    assert gone_error and str(port) in gone_error
    session.refresh(queued)
    assert (queued.status, queued.attempts, queued.error) == ("sent", 4, None)
    assert len(server.messages) == 1


def _count(app, made) -> int:
    from sqlalchemy import func
    from sqlmodel import Session

    with Session(app.extensions["shopper.engine"]) as session:
        return session.exec(select(func.count()).select_from(ReportDelivery).where(
            ReportDelivery.schedule_id == made.id)).one()


def test_report_sending_killed_at_any_moment_never_mails_a_report_twice(app, session, world):
    """`shopper reports send` (the path the job takes) killed at random moments of its
    sending, six times: each sending (a row of the log) arrives at most once; a sending
    cut between its SMTP conversation and its commit is marked failed after its lease
    ("may or may not have arrived"), never mailed again by the sweep."""
    made = _schedule(session, world)
    period = month((utcnow() - timedelta(days=40)).date())
    rng = random.Random(3)
    with SmtpServer() as smtp:
        smtp.data_delay = 1.0  # a slow server: some kills land inside the conversation
        env = dict(os.environ)
        for name in ("SECRET_KEY", "DATABASE_URL", "UPLOAD_DIR", "REPORT_DIR", "OUTBOX_DIR",
                     "JOBS_FILE"):
            env[name] = str(app.config[name])
        env |= {"SHOPPER_ENV": "production", "BASE_URL": "http://127.0.0.1",
                "SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port)}
        command = [str(BIN / "shopper"), "reports", "send", "--client", world["acme"].name,
                   "--period", period.key]
        timings = []
        for _kill in range(6):
            started = time.monotonic()
            sender = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Once its sending is logged: somewhere in the drawing, the SMTP conversation
            # or the commit after it.
            deadline = time.monotonic() + 30
            while (sender.poll() is None and time.monotonic() < deadline
                   and _count(app, made) <= _kill):
                time.sleep(0.02)
            time.sleep(rng.random() * 2.5)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(sender.pid, signal.SIGKILL)
            sender.wait(timeout=30)
            timings.append(time.monotonic() - started)
        app.config.update(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port)
        with app.app_context():
            swept = delivery.mark_interrupted(session, now=utcnow() + timedelta(minutes=11))
            session.commit()
            due = delivery.due_deliveries(session, utcnow() + timedelta(days=1))
            _due_now(session)
            for delivery_id in due:  # what was queued and never tried: the job sends it
                delivery.send(session, delivery_id)
            session.commit()
        session.expire_all()
        rows = session.exec(select(ReportDelivery).where(
            ReportDelivery.schedule_id == made.id)).all()
        ids = [message["Message-ID"] for message in smtp.messages]
    print(f"\n6 sendings killed: {Counter(row.status for row in rows)}, "
          f"{len(ids)} messages received, {swept} swept as interrupted")
    assert len(rows) == 6, timings
    assert {row.status for row in rows} <= {"sent", "failed"}
    assert len(ids) == len(set(ids))  # no sending mailed twice
    sent = {row.message_id for row in rows if row.status == "sent"}
    assert sent <= set(ids)
    for row in rows:
        if row.status == "failed":
            assert "may or may not have arrived" in row.error
    assert swept == sum(1 for row in rows if row.status == "failed")
    assert len(ids) - len(sent) <= swept  # a cut sending may have arrived, once
