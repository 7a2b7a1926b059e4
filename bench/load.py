"""Shoppers in the field, at once, against gunicorn: nothing lost, doubled or orphaned.

    .venv/bin/python bench/load.py [--database sqlite|postgresql] [--shoppers 50]
        [--visits 20] [--photos 3] [--threads 8] [--workers 2] [--phase all|field|rate]
        [--markdown]

Two runs on one scratch database, each against a fresh `gunicorn --workers N` on
loopback, the client on the same machine with `--threads` threads:

- **field**: every shopper sends `--visits` visits with `--photos` photos each (JPEGs as
  the phone sends them: at most 1600 px on the long edge), then sends each visit again
  blindly once, and one visit in ten five times at once. Meanwhile a manager approves
  what arrives (the API's review actions) and a roll-up report of the client renders
  and is sent (`shopper reports send`, one after another, 20 s apart). Afterwards the
  database and the upload directory are counted: every visit stored once, every photo
  once with its file, no file without a row and no row without a file.
- **rate**: visit submissions alone (their photos already stored), nothing else
  running, against `GET /healthz` (one database round trip) on the same server in the
  same run: the goal is submissions at at least 60% of /healthz's rate, p95 <= 100 ms.
  With each, the CPU a request cost (Linux's /proc): gunicorn's master and workers, the
  client (this process), and the rest of the machine (PostgreSQL's backends).

Exit status 1 when something was lost, doubled or orphaned, or a request failed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench.scratch import percentile, scratch_postgres  # noqa: E402

BIN = Path(sys.executable).parent
RATE_GOAL = 0.60
#: Seconds between two report sendings of the field run (each a roll-up of every
#: location: about 7 s of one core).
REPORT_PAUSE = 20
P95_GOAL_MS = 100.0


# --- the world ------------------------------------------------------------------------


def phone_jpeg(rng: random.Random) -> bytes:
    """A phone's photo as the app sends it: resized to 1600 px, JPEG quality 85."""
    size = (1600, 1200)
    base = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise((400, 300), 40).resize(size)
    tint = tuple(rng.randrange(60, 200) for _ in range(3))
    picture = Image.merge("RGB", (base, noise, Image.new("L", size, tint[2])))
    output = io.BytesIO()
    picture.save(output, "JPEG", quality=85)
    return output.getvalue()


def distinct(jpeg: bytes, nonce: bytes) -> bytes:
    """The same picture with other bytes (a JPEG comment): another photo to the server."""
    return jpeg[:2] + b"\xff\xfe" + (len(nonce) + 2).to_bytes(2, "big") + nonce + jpeg[2:]


def build_world(url: str, work: Path, args) -> dict:
    """Client, region, a location and a shopper with tokens per shopper, assignments for
    both runs, a manager, a monthly schedule; the rate run's photos stored already."""
    from sqlmodel import Session

    from shopper import create_app, migrate
    from shopper.auth.services import issue_api_token
    from shopper.db import make_engine
    from shopper.demo import default_questionnaire_document
    from shopper.models import Photo, ReportSchedule
    from shopper.questionnaires import parse_stored
    from tests import factories

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(app_config(url, work))
    world: dict = {"shoppers": [], "manager_token": None}
    rng = random.Random(7)
    with Session(app.extensions["shopper.engine"], expire_on_commit=False) as session:
        client = factories.make_client(session, "Acme")
        region = factories.make_region(session, client, "North")
        row = factories.make_questionnaire(session, default_questionnaire_document())
        questionnaire = parse_stored(row)
        manager = factories.make_user(session, "manager", email="manager@load.test",
                                      regions=[region])
        session.add(ReportSchedule(client_id=client.id, recipients=["client@load.test"]))
        stored = Path(work / "uploads")
        stored.mkdir(parents=True, exist_ok=True)
        template = stored / "rate-template.jpg"
        template.write_bytes(phone_jpeg(rng))
        for number in range(args.shoppers):
            location = factories.make_location(session, region, f"L{number:03}")
            shopper = factories.make_user(session, "shopper", email=f"s{number}@load.test")
            field = [factories.make_assignment(session, shopper, location, row, days=30)
                     for _ in range(args.visits)]
            rate = [factories.make_assignment(session, shopper, location, row, days=30)
                    for _ in range(args.visits)]
            session.flush()
            rate_visits = []
            for assignment in rate:
                visit_uuid = uuid.uuid4()
                refs = []
                for _ in range(args.photos):
                    photo_uuid = uuid.uuid4()
                    name = f"{photo_uuid.hex}.jpg"
                    os.link(template, stored / name)
                    session.add(Photo(uuid=photo_uuid, visit_uuid=visit_uuid,
                                      owner_id=shopper.id, sha256=uuid.uuid4().hex * 2,
                                      size=template.stat().st_size, width=1600, height=1200,
                                      content_type="image/jpeg", path=name))
                    refs.append(str(photo_uuid))
                rate_visits.append((assignment.id, visit_uuid, refs))
            world["shoppers"].append({
                "token": issue_api_token(session=session, user=shopper),
                "field": [a.id for a in field], "rate": rate_visits})
        world["manager_token"] = issue_api_token(session=session, user=manager)
        world["client"] = client.name
        session.commit()
    template.unlink()
    app.extensions["shopper.engine"].dispose()
    world["answers"] = answers_for(questionnaire)
    return world


def answers_for(questionnaire) -> dict:
    """Answers to every question a store visit is asked (photo questions filled later)."""
    answers = {}
    for question in questionnaire.questions:
        if question.type == "yes_no":
            answers[question.id] = "yes"
        elif question.type == "scale":
            answers[question.id] = question.max
        elif question.type == "choice":
            answers[question.id] = question.options[0].value
        elif question.type == "number":
            answers[question.id] = 2
    return answers


def with_photos(answers: dict, refs: list[str]) -> dict:
    """The answers with the photos spread over the questionnaire's two photo questions."""
    half = (len(refs) + 1) // 2
    return answers | {"shelf_photo": refs[:half], "receipt_photo": refs[half:]}


# --- the server -----------------------------------------------------------------------


def app_config(url: str, work: Path) -> dict:
    return {"SHOPPER_ENV": "production", "SECRET_KEY": "load-bench-secret-0123456789abcdef",
            "DATABASE_URL": url, "UPLOAD_DIR": str(work / "uploads"),
            "REPORT_DIR": str(work / "reports"), "OUTBOX_DIR": str(work / "outbox"),
            "JOBS_FILE": str(work / "jobs.db"), "BASE_URL": "http://127.0.0.1"}


def environment(url: str, work: Path) -> dict:
    env = dict(os.environ)
    env.update({key: str(value) for key, value in app_config(url, work).items()})
    env["JOBS_IMMEDIATE"] = "1"  # mail goes to OUTBOX_DIR from the sending process
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_cpu(root: int) -> float:
    """CPU seconds (user and system) of a process and of its children, read from /proc
    (Linux): gunicorn's master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue  # ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / tick
        pending.extend(int(child) for child in children)
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has spent not idle since it booted (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(url: str, work: Path, workers: int):
    """gunicorn on a free port: yields the port and its master's pid."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=environment(url, work), start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def request(port: int, method: str, path: str, body: bytes | None = None,
            headers: dict | None = None) -> tuple[int, bytes, float]:
    """One request on a new connection (gunicorn's sync workers close each)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    return response.status, data, time.perf_counter() - started


def multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                 + file + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Tally:
    """Latencies by kind and statuses, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.failures: list[str] = []

    def add(self, kind: str, status: int, seconds: float, expected: tuple[int, ...],
            body: bytes = b"") -> None:
        with self.lock:
            self.seconds[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status not in expected and len(self.failures) < 5:
                self.failures.append(f"{kind}: {status} {body[:200]!r}")

    def errors(self, kind: str, expected: tuple[int, ...]) -> int:
        return sum(n for status, n in self.statuses[kind].items() if status not in expected)


def visit_body(assignment_id: int, visit_uuid: uuid.UUID, answers: dict) -> bytes:
    now = time.time()
    from datetime import UTC, datetime

    ended = datetime.fromtimestamp(now, UTC) - timedelta(minutes=2)
    return json.dumps({
        "uuid": str(visit_uuid), "assignment_id": assignment_id, "channel": "in_store",
        "started_at": (ended - timedelta(minutes=25)).isoformat(),
        "ended_at": ended.isoformat(), "answers": answers}).encode()


# --- the field run --------------------------------------------------------------------


def field_run(port: int, world: dict, args, url: str, work: Path) -> dict:
    tally = Tally()
    rng = random.Random(11)
    jpeg = phone_jpeg(rng)
    sent: list[tuple[int, str, list[str]]] = []
    sent_lock = threading.Lock()
    burst_pool = ThreadPoolExecutor(5)
    done = threading.Event()

    def one_visit(shopper: dict, assignment_id: int, index: int) -> None:
        auth = {"Authorization": f"Bearer {shopper['token']}"}
        visit_uuid = uuid.uuid4()
        refs = []
        for _ in range(args.photos):
            photo_uuid = uuid.uuid4()
            body, kind = multipart({"uuid": str(photo_uuid), "visit_uuid": str(visit_uuid)},
                                   distinct(jpeg, photo_uuid.bytes))
            status, data, seconds = request(port, "POST", "/api/v1/photos", body,
                                            auth | {"Content-Type": kind})
            tally.add("photo", status, seconds, (201,), data)
            refs.append(str(photo_uuid))
        body = visit_body(assignment_id, visit_uuid, with_photos(world["answers"], refs))
        headers = auth | {"Content-Type": "application/json"}
        status, data, seconds = request(port, "POST", "/api/v1/visits", body, headers)
        tally.add("visit", status, seconds, (201,), data)
        status, data, seconds = request(port, "POST", "/api/v1/visits", body, headers)
        tally.add("visit re-sent", status, seconds, (200,), data)
        if index % 10 == 0:  # five at once, as a phone retrying on a bad connection would
            for status, data, seconds in burst_pool.map(
                    lambda _: request(port, "POST", "/api/v1/visits", body, headers),
                    range(5)):
                tally.add("visit x5 at once", status, seconds, (200,), data)
        with sent_lock:
            sent.append((assignment_id, str(visit_uuid), refs))

    def manager() -> None:
        auth = {"Authorization": f"Bearer {world['manager_token']}",
                "Content-Type": "application/json"}
        while not done.is_set():
            status, data, seconds = request(port, "GET", "/api/v1/visits?status=submitted",
                                            headers=auth)
            tally.add("review list", status, seconds, (200,), data)
            items = json.loads(data)["items"] if status == 200 else []
            for item in items[:10]:
                status, data, seconds = request(
                    port, "POST", f"/api/v1/visits/{item['uuid']}/approve",
                    json.dumps({"revision": item["revision"]}).encode(), auth)
                tally.add("approve", status, seconds, (200,), data)
            if not items:
                time.sleep(0.5)

    reports = {"sent": 0, "failed": 0}

    def report() -> None:
        period = (time.strftime("%Y-%m", time.gmtime(time.time() - 32 * 86400)))
        while not done.is_set():
            started = time.perf_counter()
            result = subprocess.run(
                [str(BIN / "shopper"), "reports", "send", "--client", world["client"],
                 "--period", period], cwd=ROOT, env=environment(url, work),
                capture_output=True, text=True)
            tally.add("report sent", 200 if result.returncode == 0 else 500,
                      time.perf_counter() - started, (200,), result.stderr.encode())
            reports["sent" if result.returncode == 0 else "failed"] += 1
            done.wait(REPORT_PAUSE)

    work_items = [(shopper, assignment_id, index)
                  for index, (shopper, assignment_id) in enumerate(
                      (s, a) for position in range(args.visits) for s in world["shoppers"]
                      for a in [s["field"][position]])]
    helpers = [threading.Thread(target=manager), threading.Thread(target=report)]
    started = time.perf_counter()
    for helper in helpers:
        helper.start()
    with ThreadPoolExecutor(args.threads) as pool:
        list(pool.map(lambda item: one_visit(*item), work_items))
    elapsed = time.perf_counter() - started
    done.set()
    for helper in helpers:
        helper.join()
    burst_pool.shutdown()
    return {"seconds": elapsed, "tally": tally, "sent": sent, "reports": reports}


def count_field(url: str, work: Path, world: dict, sent: list) -> dict:
    """What the database and the upload directory hold of the field run."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from shopper.db import make_engine
    from shopper.models import Photo, Visit

    engine = make_engine(url)
    field_ids = {a for s in world["shoppers"] for a in s["field"]}
    with Session(engine) as session:
        visits = session.exec(select(Visit.uuid, Visit.assignment_id, Visit.answers)
                              .where(Visit.assignment_id.in_(field_ids))).all()
        photo_rows = session.exec(select(Photo.uuid, Photo.path)).all()
        by_status = dict(session.exec(select(Visit.status, func.count())
                                      .group_by(Visit.status)).all())
    engine.dispose()
    stored = {str(v.uuid): v for v in visits}
    lost = [u for _a, u, _r in sent if u not in stored]
    doubled = len(visits) - len({v.assignment_id for v in visits})
    photo_paths = {p.path for p in photo_rows}
    files = {p.name for p in (work / "uploads").rglob("*") if p.is_file()}
    missing_photos = sum(1 for _a, u, refs in sent if u in stored
                         and set(refs) - {str(p) for p in stored[u].answers["shelf_photo"]
                                          + stored[u].answers["receipt_photo"]})
    return {"visits sent": len(sent), "visits stored": len(visits), "lost": len(lost),
            "doubled": doubled, "photo rows": len(photo_rows),
            "photos per visit missing": missing_photos,
            "files without a row": len(files - photo_paths),
            "rows without a file": len(photo_paths - files), "by status": by_status}


# --- the rate run ---------------------------------------------------------------------


def rate_run(port: int, server_pid: int, world: dict, args) -> dict:
    """/healthz, then the submissions, then /healthz again, each with the same threads;
    with each, the CPU a request cost gunicorn (master and workers), the client (this
    process) and the rest of the machine (PostgreSQL's backends, other programs)."""
    #: Each phase's CPU seconds a request, (gunicorn, client, rest), by kind of request.
    cpu: dict[str, list[tuple[float, float, float]]] = defaultdict(list)

    def hammer(make, count: int, kind: str = "") -> tuple[float, list[float], Counter]:
        seconds, statuses = [], Counter()
        lock = threading.Lock()
        server, client, busy = tree_cpu(server_pid), time.process_time(), machine_busy()

        def one(item):
            method, path, body, headers = make(item)
            status, _data, took = request(port, method, path, body, headers)
            with lock:
                seconds.append(took)
                statuses[status] += 1

        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(one, range(count)))
        if kind:
            server = tree_cpu(server_pid) - server
            client = time.process_time() - client
            rest = max(0.0, machine_busy() - busy - server - client)
            cpu[kind].append((server / count, client / count, rest / count))
        return time.perf_counter() - started, seconds, statuses

    visits = [(s["token"], a, v, refs) for s in world["shoppers"] for a, v, refs in s["rate"]]
    random.Random(3).shuffle(visits)
    bodies = [(token, visit_body(a, v, with_photos(world["answers"], refs)))
              for token, a, v, refs in visits]

    def healthz(_item):
        return "GET", "/healthz", None, {}

    def submission(index):
        token, body = bodies[index]
        return "POST", "/api/v1/visits", body, {"Authorization": f"Bearer {token}",
                                                "Content-Type": "application/json"}

    hammer(healthz, 200)  # warm
    health_count = max(2000, len(bodies) * 2)
    before = hammer(healthz, health_count, "healthz")
    submitted = hammer(submission, len(bodies), "visit")
    after = hammer(healthz, health_count, "healthz")
    health_rate = (2 * health_count) / (before[0] + after[0])
    visit_rate = len(bodies) / submitted[0]
    return {
        "healthz per s": health_rate,
        "healthz p95 ms": 1000 * percentile(before[1] + after[1], 0.95),
        "visits per s": visit_rate,
        "visit p50 ms": 1000 * percentile(submitted[1], 0.50),
        "visit p95 ms": 1000 * percentile(submitted[1], 0.95),
        "visit p99 ms": 1000 * percentile(submitted[1], 0.99),
        "ratio": visit_rate / health_rate,
        # CPU milliseconds a request (the mean of the phases of a kind): gunicorn / the
        # client / the rest of the machine.
        **{f"{kind} CPU ms (gunicorn/client/rest)": "/".join(
            f"{1000 * statistics.fmean(part):.2f}" for part in zip(*cpu[kind], strict=True))
           for kind in ("healthz", "visit")},
        "visit statuses": dict(submitted[2]),
        "healthz statuses": dict(before[2] + after[2]),
    }


# --- main -----------------------------------------------------------------------------


def report_field(result: dict, counts: dict, markdown: bool) -> bool:
    tally = result["tally"]
    print(f"\nField run: {counts['visits sent']} visits in {result['seconds']:.1f} s "
          f"({result['reports']['sent']} reports sent meanwhile, "
          f"{result['reports']['failed']} failed)")
    head = "| request | count | per s | p50 ms | p95 ms | p99 ms | statuses |"
    print(head if markdown else head.replace("|", " "))
    if markdown:
        print("|---|---:|---:|---:|---:|---:|---|")
    for kind, seconds in tally.seconds.items():
        line = (f"| {kind} | {len(seconds)} | {len(seconds) / result['seconds']:.1f} | "
                f"{1000 * percentile(seconds, 0.5):.0f} | {1000 * percentile(seconds, 0.95):.0f}"
                f" | {1000 * percentile(seconds, 0.99):.0f} | "
                f"{dict(tally.statuses[kind])} |")
        print(line if markdown else line.replace("|", " "))
    for key, value in counts.items():
        print(f"  {key}: {value}")
    for failure in tally.failures:
        print("  failed:", failure)
    return (not tally.failures and counts["lost"] == 0 and counts["doubled"] == 0
            and counts["photos per visit missing"] == 0 and counts["files without a row"] == 0
            and counts["rows without a file"] == 0
            and counts["visits stored"] == counts["visits sent"])


def report_rate(result: dict) -> bool:
    print("\nRate run (submissions alone, photos stored before):")
    for key, value in result.items():
        print(f"  {key}: {value:.3f}" if isinstance(value, float) else f"  {key}: {value}")
    met = result["ratio"] >= RATE_GOAL and result["visit p95 ms"] <= P95_GOAL_MS
    print(f"  goal (>= {RATE_GOAL:.0%} of /healthz, p95 <= {P95_GOAL_MS:.0f} ms): "
          f"{'met' if met else 'NOT met'}")
    return set(result["visit statuses"]) == {201}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test"))
    parser.add_argument("--shoppers", type=int, default=50)
    parser.add_argument("--visits", type=int, default=20)
    parser.add_argument("--photos", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--phase", choices=("all", "field", "rate"), default="all")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopper-load-"))
    ok = True
    try:
        with contextlib.ExitStack() as stack:
            if args.database == "postgresql":
                url = stack.enter_context(scratch_postgres(args.postgres_url))
            else:
                url = f"sqlite:///{work / 'shopper.db'}"
            started = time.perf_counter()
            world = build_world(url, work, args)
            print(f"{args.database}: {args.shoppers} shoppers x {args.visits} visits x "
                  f"{args.photos} photos, {args.threads} client threads, "
                  f"{args.workers} gunicorn workers (set up in "
                  f"{time.perf_counter() - started:.0f} s)")
            if args.phase in ("all", "rate"):
                with gunicorn(url, work, args.workers) as (port, pid):
                    ok &= report_rate(rate_run(port, pid, world, args))
            if args.phase in ("all", "field"):
                with gunicorn(url, work, args.workers) as (port, _pid):
                    result = field_run(port, world, args, url, work)
                ok &= report_field(result, count_field(url, work, world, result["sent"]),
                                   args.markdown)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
