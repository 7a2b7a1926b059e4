"""PDF reports (issue 10, "Speed and memory"): a location's PDF drawn warm, the memory it
takes, its download served from the cache, a 50-location roll-up, and WeasyPrint against
Chromium printing the same HTML.

    python bench/reports.py [--visits 20000] [--skip-chromium]

Two scratch SQLite databases, each with the demo and `--visits` synthetic approved
visits over the last 12 months: the demo as it is (8 locations), for the location PDF,
and the demo with 42 more stores in its regions (50 locations), each given a copy of
the approved visits of one of the demo's six stores, for the roll-up. Every report is
for last month, in English.

1. `render.location_pdf` in an app context, 20 runs after 3 warm-ups, the kept file
   deleted after each run so that every run draws: p50 and p95. Goal: p95 <= 0.3 s.
2. This process's resident memory (VmRSS) just before its first location PDF, and its
   peak (VmHWM, reset to VmRSS just before) over the warm-ups and the 20 runs. Goal: a
   peak at most 100 MB above the memory before.
3. GET /reports/locations/<id>.pdf as the demo's admin: the first call draws, the next
   40 are served from the cache: p50 and p95. Goal: p95 < 20 ms.
4. `render.rollup_pdf` of the 50 locations, 3 runs (the kept file deleted between):
   each and the best, its pages and size; then the data and HTML alone
   (`render.rollup_parts`, which the roll-up streams to the drawing processes) and
   `pdf.render_numbered` of those parts (drawing in parallel processes, the merge and
   the page stamp). Goal: best <= 8 s on 2 cores.
5. The location HTML of (1) with its stylesheet inlined, the same string for both:
   Chromium (Debian's, through Playwright) `page.pdf` against WeasyPrint's
   `pdf.render_pdf`, 20 runs each after 3 warm-ups (p50; Chromium also with
   `page.set_content` in each run, as WeasyPrint parses each time); Chromium's memory is the
   VmRSS summed over the browser and all its processes after the runs, WeasyPrint's the
   increase of (2).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_babel import force_locale  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from scratch import logged_in, percentile  # noqa: E402
from sqlalchemy import func, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from shopper import create_app, migrate  # noqa: E402
from shopper.demo import CLIENT_NAME, load_demo  # noqa: E402
from shopper.models import Client, Location, Region, Visit, utcnow  # noqa: E402
from shopper.periods import client_zone  # noqa: E402
from shopper.reports import pdf, render  # noqa: E402
from shopper.scorecards import services  # noqa: E402
from shopper.scorecards.periods import Period, default_period  # noqa: E402
from shopper.scorecards.storage import rebuild_score_days  # noqa: E402

RUNS, WARM_UP, REQUESTS, ROLLUP_RUNS = 20, 3, 40, 3
#: Stores added to the demo's 8 locations for the roll-up.
EXTRA_LOCATIONS = 42
GOAL_LOCATION_S, GOAL_MB, GOAL_CACHED_MS, GOAL_ROLLUP_S = 0.3, 100.0, 20.0, 8.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
MB = 1024 * 1024



def timed(call, runs: int = RUNS, warm_up: int = WARM_UP) -> list[float]:
    """Seconds of each of `runs` calls, after `warm_up` calls."""
    for _ in range(warm_up):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def status_bytes(field: str, pid: int | str = "self") -> int:
    """VmRSS (resident now) or VmHWM (peak) of a process, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


class PeakMemory:
    """The peak resident memory of this process over a `with` block: VmHWM, reset to
    VmRSS on entry ("5" to /proc/self/clear_refs, proc(5)); where the kernel refuses
    the reset, VmRSS sampled every 5 ms in a thread instead."""

    def __enter__(self) -> PeakMemory:
        self.peak = 0
        self._sampler = None
        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
        except OSError:
            self._stop = threading.Event()
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, status_bytes("VmRSS"))

    def __exit__(self, *exc) -> None:
        if self._sampler is None:
            self.peak = status_bytes("VmHWM")
        else:
            self._stop.set()
            self._sampler.join()
        self.peak = max(self.peak, status_bytes("VmRSS"))
        self.method = "VmHWM" if self._sampler is None else "sampled VmRSS"


def process_tree(root: int) -> list[int]:
    """`root` and every process below it, from the parent ids of /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ")".
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, queue = [], [root]
    while queue:
        pid = queue.pop()
        tree.append(pid)
        queue.extend(children.get(pid, []))
    return tree


def chromium_bytes() -> tuple[int, int, int]:
    """(VmRSS summed, Pss summed, processes) of the Chromium processes below this one:
    the browser (a child of Playwright's driver) and all its children."""
    rss = pss = count = 0
    for pid in process_tree(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            if b"chrom" not in os.path.basename(command):
                continue
            rss += status_bytes("VmRSS", pid)
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            pss += int(re.search(r"^Pss:\s+(\d+) kB", rollup, re.M).group(1)) * 1024
            count += 1
        except (OSError, LookupError, AttributeError):
            continue  # gone, or a kernel thread
    return rss, pss, count



def make_app(tmp: str):
    app = create_app({"SHOPPER_ENV": "development", "SECRET_KEY": "bench-" * 4,
                      "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "UPLOAD_DIR": f"{tmp}/uploads",
                      "REPORT_DIR": f"{tmp}/reports", "OUTBOX_DIR": f"{tmp}/outbox",
                      "JOBS_IMMEDIATE": True})
    migrate.upgrade(app.extensions["shopper.engine"])
    return app


def load(app, visits: int, extra_locations: int = 0) -> tuple[float, int]:
    """The demo with its synthetic history, then `extra_locations` more stores in its
    regions, each with a copy of the approved visits of one of the demo's stores: the
    seconds it took and the approved visits there are."""
    start = time.perf_counter()
    with app.app_context(), Session(app.extensions["shopper.engine"]) as session:
        load_demo(session=session, now=utcnow(), synthetic_visits=visits, settings=app.config)
        session.commit()
        if extra_locations:
            add_stores(session, extra_locations)
            session.commit()
        approved = session.exec(select(func.count()).select_from(Visit)
                                .where(Visit.status == "approved")).one()
    return time.perf_counter() - start, approved


def add_stores(session: Session, count: int) -> None:
    """`count` stores, each given the approved visits of a demo store (copied in SQL, new
    uuids, no assignment), then the sums rebuilt. Copied rather than topped up by
    load_demo: its synthetic visits to a location outside the demo's list are answered
    as a demo location of either channel would be, so an in-store location can get an
    online visit's answers, which the engine refuses (shopper/demo.py,
    _top_up_synthetic)."""
    client = session.exec(select(Client).where(Client.name == CLIENT_NAME)).one()
    stores = session.exec(
        select(Location).join(Region, Region.id == Location.region_id)
        .where(Region.client_id == client.id, Location.channel == "in_store")
        .order_by(Location.id)).all()
    columns = [c.name for c in Visit.__table__.columns
               if c.name not in ("id", "uuid", "location_id", "assignment_id")]
    names = ", ".join(columns)
    # SQLite: the Uuid type stores 32 hex digits.
    copy = text(f"INSERT INTO visit (uuid, location_id, assignment_id, {names}) "
                f"SELECT lower(hex(randomblob(16))), :location, NULL, {names} FROM visit "
                "WHERE location_id = :source AND status = 'approved'")
    for number in range(1, count + 1):
        source = stores[number % len(stores)]
        store = Location(region_id=source.region_id, code=f"B-{number:03d}",
                         name=f"Bench store {number:03d}", channel="in_store",
                         city=source.city)
        session.add(store)
        session.flush()
        session.execute(copy, {"location": store.id, "source": source.id})
    rebuild_score_days(session=session)


def location_figures(app, period: Period) -> dict:
    """(1) and (2): the location PDF drawn warm, and the memory it takes."""
    with app.app_context(), Session(app.extensions["shopper.engine"]) as session:
        location = session.exec(select(Location).order_by(Location.id)).first()
        kept = []

        def draw():
            key, content = render.location_pdf(session=session, location=location,
                                               period=period, locale="en")
            render.kept_path(key).unlink()
            kept[:] = [content]

        gc.collect()
        before = status_bytes("VmRSS")
        with PeakMemory() as memory:
            times = timed(draw)
        after = status_bytes("VmRSS")
    return {"location": location.name, "location_id": location.id,
            "pages": len(PdfReader(BytesIO(kept[0])).pages), "bytes": len(kept[0]),
            "p50_s": statistics.median(times),
            "p95_s": percentile(times, 0.95),
            "rss_before_mb": before / MB, "rss_after_mb": after / MB,
            "peak_mb": memory.peak / MB, "increase_mb": (memory.peak - before) / MB,
            "peak_method": memory.method}


def cached_download(app, location_id: int, period: Period) -> dict:
    """(3): the download route, drawing once, then serving what it kept."""
    admin = logged_in(app, "admin@demo.test", "demo-admin")
    path = f"/reports/locations/{location_id}.pdf?period={period.key}"

    def call():
        response = admin.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.data.startswith(b"%PDF-"), response.data[:40]

    kept = list(Path(app.config["REPORT_DIR"]).glob("*.pdf"))
    assert not kept, kept  # so that the first call draws
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    times = [seconds * 1000 for seconds in timed(call, runs=REQUESTS, warm_up=0)]
    return {"first_ms": first * 1000, "p50_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95)}


def location_html(app, location_id: int, period: Period) -> str:
    """The location PDF's HTML with its stylesheet inlined (the app hands WeasyPrint the
    parsed stylesheet instead: render.STYLESHEETS)."""
    with app.test_request_context(), Session(app.extensions["shopper.engine"]) as session:
        location = session.get(Location, location_id)
        client = session.get(Client, session.get(Region, location.region_id).client_id)
        with force_locale("en"):
            page = services.location_page(session=session, location=location, period=period,
                                          default_zone=app.config["DEFAULT_TIMEZONE"])
            html = render.location_html(page, locale="en",
                                        zone=client_zone(client, app.config["DEFAULT_TIMEZONE"]))
    assert render.STYLESHEETS == ("css/report.css",) and html.count("</head>") == 1
    css = (Path(app.static_folder) / "css" / "report.css").read_text("utf-8")
    return html.replace("</head>", f"<style>{css}</style></head>")


def chromium_comparison(app, location_id: int, period: Period) -> dict:
    """(5): the same HTML printed by WeasyPrint and by Chromium."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system` installs chromium"
    html = location_html(app, location_id, period)
    static_dir = app.static_folder
    weasy_pdf = pdf.render_pdf(html, static_dir=static_dir)
    weasy = timed(lambda: pdf.render_pdf(html, static_dir=static_dir))
    with sync_playwright() as playwright:
        # The executable given: Playwright never downloads a browser of its own.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html)
            print_pdf = {"format": "A4", "print_background": True}
            chromium_pdf = page.pdf(**print_pdf)
            chromium = timed(lambda: page.pdf(**print_pdf))

            def load_and_print():
                page.set_content(html)
                page.pdf(**print_pdf)

            loaded = timed(load_and_print)
            rss, pss, processes = chromium_bytes()
            version = browser.version
        finally:
            browser.close()
    return {"version": version, "weasyprint_p50_s": statistics.median(weasy),
            "chromium_p50_s": statistics.median(chromium),
            "chromium_with_load_p50_s": statistics.median(loaded),
            "weasyprint_pages": len(PdfReader(BytesIO(weasy_pdf)).pages),
            "chromium_pages": len(PdfReader(BytesIO(chromium_pdf)).pages),
            "weasyprint_bytes": len(weasy_pdf), "chromium_bytes": len(chromium_pdf),
            "chromium_rss_mb": rss / MB, "chromium_pss_mb": pss / MB,
            "chromium_processes": processes}


def rollup_figures(app, period: Period) -> dict:
    """(4): the client's roll-up over its 50 locations."""
    static_dir = app.static_folder
    with app.app_context(), Session(app.extensions["shopper.engine"]) as session:
        client = session.exec(select(Client).where(Client.name == CLIENT_NAME)).one()
        scope = services.client_scope(session=session, client=client)
        runs = []
        for _run in range(ROLLUP_RUNS):
            start = time.perf_counter()
            key, content = render.rollup_pdf(session=session, scope=scope, period=period,
                                             kind="rollup", locale="en")
            runs.append(time.perf_counter() - start)
            render.kept_path(key).unlink()
        pages = len(PdfReader(BytesIO(content)).pages)

        start = time.perf_counter()
        with force_locale("en"):
            parts = list(render.rollup_parts(session, scope, period, "rollup", locale="en"))
            footer = render._footer_text(client.name, period)
            label = render.page_label()
        prepared = time.perf_counter()
        pdf.render_numbered(parts, static_dir=static_dir, footer=footer, page_label=label,
                            processes=app.config.get("REPORT_PROCESSES"),
                            stylesheets=render.STYLESHEETS)
        drawn = time.perf_counter()
        # The stamp alone: the one-document overlay of every page's footer and number.
        pdf.render_pdf(pdf._overlay_html(footer, label, pages), static_dir=static_dir)
        stamped = time.perf_counter()
    return {"locations": len(scope.locations), "parts": len(parts), "runs_s": runs,
            "best_s": min(runs), "pages": pages, "bytes": len(content),
            "data_html_s": prepared - start, "render_numbered_s": drawn - prepared,
            "stamp_document_s": stamped - drawn,
            "processes": app.config.get("REPORT_PROCESSES") or os.cpu_count()}


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run(visits: int, skip_chromium: bool = False) -> dict:
    """Every figure, printed as it comes and returned."""
    figures: dict = {"visits": visits, "cores": os.cpu_count()}
    period = default_period(utcnow().date())
    figures["period"] = period.key
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        seconds, approved = load(app, visits)
        print(f"demo, 8 locations, {visits:,} synthetic visits, {approved:,} approved in all "
              f"({seconds:.0f} s to load); "
              f"reports for {period.key}, {os.cpu_count()} cores")
        one = figures["location"] = location_figures(app, period)
        print(f"  1. location PDF, warm ({RUNS} runs)    p50 {one['p50_s']:6.3f} s    "
              f"p95 {one['p95_s']:6.3f} s   goal <= {GOAL_LOCATION_S} s: "
              f"{verdict(one['p95_s'] <= GOAL_LOCATION_S)}   "
              f"({one['location']}, {one['pages']} pages, {one['bytes'] / 1024:.0f} KB)")
        print(f"  2. memory, {RUNS + WARM_UP} location PDFs     "
              f"before {one['rss_before_mb']:.0f} MB"
              f"   peak {one['peak_mb']:.0f} MB ({one['peak_method']})"
              f"   +{one['increase_mb']:.0f} MB   goal <= +{GOAL_MB:.0f} MB: "
              f"{verdict(one['increase_mb'] <= GOAL_MB)}   (after {one['rss_after_mb']:.0f} MB)")
        three = figures["cached"] = cached_download(app, one["location_id"], period)
        print(f"  3. cached download ({REQUESTS} GETs)     p50 {three['p50_ms']:6.1f} ms   "
              f"p95 {three['p95_ms']:6.1f} ms  goal < {GOAL_CACHED_MS:.0f} ms: "
              f"{verdict(three['p95_ms'] < GOAL_CACHED_MS)}   "
              f"(first GET, drawing: {three['first_ms']:.0f} ms)")
        if not skip_chromium:
            five = figures["chromium"] = chromium_comparison(app, one["location_id"], period)
            five["time_ratio"] = five["weasyprint_p50_s"] / five["chromium_p50_s"]
            five["memory_ratio"] = five["chromium_rss_mb"] / one["increase_mb"]
        app.extensions["shopper.engine"].dispose()
    if not skip_chromium:
        print(f"  5. same HTML, {RUNS} runs (p50)      WeasyPrint {five['weasyprint_p50_s']:.3f} s"
              f"   Chromium {five['version']} page.pdf {five['chromium_p50_s']:.3f} s"
              f" (set_content + page.pdf {five['chromium_with_load_p50_s']:.3f} s)")
        print(f"     pages and size               WeasyPrint {five['weasyprint_pages']}, "
              f"{five['weasyprint_bytes'] / 1024:.0f} KB   Chromium {five['chromium_pages']}, "
              f"{five['chromium_bytes'] / 1024:.0f} KB")
        print(f"     memory                       WeasyPrint +{one['increase_mb']:.0f} MB"
              f"   Chromium {five['chromium_rss_mb']:.0f} MB VmRSS summed over "
              f"{five['chromium_processes']} processes (Pss {five['chromium_pss_mb']:.0f} MB)")
        print(f"     time WeasyPrint/Chromium {five['time_ratio']:.2f}x   "
              f"memory Chromium/WeasyPrint {five['memory_ratio']:.1f}x")

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        seconds, approved = load(app, visits, extra_locations=EXTRA_LOCATIONS)
        four = figures["rollup"] = rollup_figures(app, period)
        app.extensions["shopper.engine"].dispose()
    print(f"demo with {four['locations']} locations ({EXTRA_LOCATIONS} stores added, each "
          f"with a demo store's visits copied), {approved:,} approved visits "
          f"({seconds:.0f} s to load)")
    runs = "  ".join(f"{s:.2f}" for s in four["runs_s"])
    print(f"  4. roll-up PDF ({ROLLUP_RUNS} runs)           {runs} s   best {four['best_s']:.2f} s"
          f"   goal <= {GOAL_ROLLUP_S:.0f} s: {verdict(four['best_s'] <= GOAL_ROLLUP_S)}   "
          f"({four['pages']} pages, {four['bytes'] / 1024:.0f} KB)")
    print(f"     data + HTML (parent) {four['data_html_s']:.2f} s   render_numbered "
          f"{four['render_numbered_s']:.2f} s ({four['parts']} parts, {four['processes']} "
          f"processes; its stamp document alone {four['stamp_document_s']:.2f} s)")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=20_000)
    parser.add_argument("--skip-chromium", action="store_true")
    args = parser.parse_args()
    run(args.visits, skip_chromium=args.skip_chromium)


if __name__ == "__main__":
    main()
