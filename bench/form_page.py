"""The shopper's form page on a phone: how much its first load weighs, whether it asks
any other host for anything, and how fast show_if reacts on a 60-question form.

    python bench/form_page.py

Goals (issue 4): first load, everything included, at most 50 KB compressed, no request
to any other host; show_if updates under 16 ms on a 60-question form. Runs the app on
loopback on a scratch SQLite database, and Debian's Chromium through Playwright at
360 x 740.
"""

from __future__ import annotations

import gzip
import logging
import statistics
import sys
import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlmodel import Session, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from shopper import create_app, migrate  # noqa: E402
from shopper.demo import load_demo  # noqa: E402
from shopper.models import Assignment, Location, User, utcnow  # noqa: E402
from shopper.questionnaires import import_questionnaire  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def sixty_questions() -> dict:
    """60 questions in 12 sections; every third one depends on the yes/no before it,
    in chains, so that one answer shows or hides many questions."""
    sections, number = [], 0
    for s in range(12):
        questions = []
        for _ in range(5):
            q = {"id": f"q{number}", "text": f"Question {number}: was it as expected?",
                 "help": "Look carefully before you answer.", "type": "yes_no",
                 "dimension": "service" if number % 2 else "experience"}
            if number % 5 == 1:
                q = {**q, "type": "scale", "min": 1, "max": 5}
            if number % 5 == 3:
                q = {**q, "type": "choice", "options": [
                    {"value": "a", "label": "Always", "score": 1},
                    {"value": "s", "label": "Sometimes", "score": 0.5},
                    {"value": "n", "label": "Never", "score": 0}]}
            if number % 3 == 2 and number >= 2:
                previous = number - 2 if (number - 2) % 5 not in (1, 3) else 0
                q["show_if"] = {"question": f"q{previous}", "equals": "yes"}
            questions.append(q)
            number += 1
        sections.append({"id": f"s{s}", "title": f"Section {s}", "questions": questions})
    return {"id": "sixty", "title": "Sixty questions", "sections": sections}


def setup(app) -> int:
    engine = app.extensions["shopper.engine"]
    migrate.upgrade(engine)
    with Session(engine) as session:
        load_demo(session=session, now=utcnow())
        row, _ = import_questionnaire(session=session, document=sixty_questions())
        shopper = session.exec(select(User).where(User.email == "shopper@demo.test")).one()
        store = session.exec(select(Location).where(Location.code == "S-BTN-02")).one()
        assignment = Assignment(shopper_id=shopper.id, location_id=store.id,
                                questionnaire_id=row.id, window_start=utcnow(),
                                window_end=utcnow() + timedelta(days=7))
        session.add(assignment)
        session.commit()
        return assignment.id


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SHOPPER_ENV": "testing", "SECRET_KEY": "bench-secret-0123456789",
                          "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                          "UPLOAD_DIR": f"{tmp}/uploads"})
        sixty = setup(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            measure(base, sixty)
        finally:
            server.shutdown()


def measure(base: str, sixty: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740},
                                      service_workers="block")
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("#email", "shopper@demo.test")
        page.fill("#password", "demo-shopper")
        page.click("button[type=submit]")
        page.wait_for_url(base + "/shopper")
        for label, assignment in (("demo questionnaire (31 questions)", 1),
                                  ("60-question form", sixty)):
            first_load(context, base, assignment, label)
        page.goto(f"{base}/visits/{sixty}")
        page.wait_for_selector("[data-progress]:not([hidden])")
        timings = page.evaluate("""() => {
            const driver = document.querySelector('#question-q0 input[value=yes]');
            const other = document.querySelector('#question-q0 input[value=no]');
            const times = [];
            for (let i = 0; i < 100; i++) {
                const radio = i % 2 ? driver : other;
                const start = performance.now();
                radio.click();  // input and change handlers run synchronously in here
                times.push(performance.now() - start);
            }
            return times;
        }""")
        shown = page.locator("[data-question]:visible").count()
        print(f"show_if on the 60-question form ({shown} visible after the last toggle): "
              f"median {statistics.median(timings):.2f} ms, "
              f"95th percentile {sorted(timings)[94]:.2f} ms, max {max(timings):.2f} ms "
              f"per answer (goal < 16 ms)")
        browser.close()


def first_load(context, base: str, assignment: int, label: str) -> None:
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.route("**/*", lambda route: route.continue_())  # no cache between the two
    page.goto(f"{base}/visits/{assignment}", wait_until="networkidle")
    raw = compressed = 0
    hosts = set()
    rows = []
    for response in responses:
        hosts.add(urlsplit(response.url).netloc)
        body = response.body()
        size = len(gzip.compress(body, compresslevel=6))
        raw += len(body)
        compressed += size
        rows.append(f"    {urlsplit(response.url).path:40} {len(body):7,} B  {size:6,} B gz")
    print(f"first load of the form page, {label}: {len(responses)} requests, "
          f"{raw / 1024:.1f} KB, {compressed / 1024:.1f} KB gzip-compressed (goal <= 50 KB); "
          f"hosts: {', '.join(sorted(hosts))}")
    print("\n".join(rows))
    page.close()


if __name__ == "__main__":
    main()
