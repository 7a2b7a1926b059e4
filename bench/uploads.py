"""What the costliest and the most hostile photo uploads take of a worker: wall time and
peak memory.

    .venv/bin/python bench/uploads.py [--markdown] [--repeat N] [NAME ...]

Goal (issue of the 154 KB PNG that took 1.5 s and 500 MB): any upload, accepted or
refused, at most 2 s and at most 150 MB above the worker's resident memory before the
request. The files: the costly photos below, then every file of the hostile table
(tests/hostile_files.py, sent with its own name and content type; its expected answer
is checked too). Each is generated here, then sent in a fresh child process: the app on
a scratch SQLite database, warmed up by a few small uploads, then one
POST /api/v1/photos through the WSGI app, its body built before the baseline (as a
worker would receive it). The child reports the answer, the wall time of the request
and its peak resident memory above the resident memory it had just before (VmHWM
and VmRSS of /proc/self/status, the peak reset just before the request). Children are
forked from a server process that has imported the app once (importing it takes
seconds, most of the old run), and copy a database migrated once.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from tests.hostile_files import (  # noqa: E402
    HOSTILE,
    HostileFile,
    cut,
    gradient,
    mpo,
    multipart_body,
    phone_jpeg,
    raw_png,
    save,
    scene,
    with_text,
)

GOAL_SECONDS = 2.0
GOAL_MB = 150.0
#: Seconds a child may take before the run is called failed.
CHILD_TIMEOUT = 300


# --- the costly photos ----------------------------------------------------------------


def _noise_png(size=(1800, 1800)) -> bytes:
    return save(Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3)),
                "PNG")


def _gif() -> bytes:
    return save(Image.new("P", (4000, 4000)), "GIF")


#: name -> (what it is, how to make it). Sizes in pixels, width x height. Sent as the
#: test client sends a file without a type: named "photo", application/octet-stream.
COSTLY = {
    "png-flat-40mpx": ("PNG RGB 6324x6324, one colour (the reported file)",
                       lambda: save(Image.new("RGB", (6324, 6324), (200, 30, 30)), "PNG")),
    "png-flat-rgba-40mpx": ("PNG RGBA 6324x6324, one colour",
                            lambda: save(Image.new("RGBA", (6324, 6324), (9, 9, 9, 90)),
                                         "PNG")),
    "png-palette-40mpx": ("PNG palette 6324x6324, one colour",
                          lambda: save(Image.new("P", (6324, 6324), 3), "PNG")),
    "png-1bit-400mpx": ("PNG 1-bit 20000x20000 (decompression bomb)",
                        lambda: save(Image.new("1", (20000, 20000)), "PNG")),
    "png-16bit-grey-36mpx": ("PNG 16-bit grey 6000x6000",
                             lambda: raw_png(6000, 6000, 16, 0, b"\x80\x00")),
    "png-16bit-rgb-25mpx": ("PNG 16-bit RGB 5000x5000",
                            lambda: raw_png(5000, 5000, 16, 2, b"\x9c\x40\x4e\x20\xff\xff")),
    "png-16bit-rgb-12mpx": ("PNG 16-bit RGB 4000x3000",
                            lambda: raw_png(4000, 3000, 16, 2, b"\x9c\x40\x4e\x20\xff\xff")),
    "png-interlaced-16mpx": ("PNG RGB Adam7 interlaced 4000x4000",
                             lambda: raw_png(4000, 4000, 8, 2, b"\x10\x80\xf0", True)),
    "png-noise-10mb": ("PNG RGB 1800x1800 of noise (9.7 MB)", _noise_png),
    "png-scene-12mpx": ("PNG RGB 4000x3000, photo-like", lambda: save(scene((4000, 3000)),
                                                                      "PNG")),
    "png-gradient-17mpx": ("PNG RGB 4800x3600, gradients",
                           lambda: save(gradient((4800, 3600)), "PNG")),
    "png-text-17mpx": ("the same with 60 zTXt chunks of 1 MB of text each", lambda: with_text(
        save(gradient((4800, 3600)), "PNG"), 60)),
    "png-text-bomb": ("PNG 640x480 with 100 zTXt chunks of 1 MB of text each",
                      lambda: with_text(save(Image.new("RGB", (640, 480)), "PNG"), 100)),
    "png-truncated": ("PNG RGB 4000x3000 cut in half",
                      lambda: cut(save(scene((4000, 3000)), "PNG"))),
    "jpeg-phone-12mpx": ("JPEG 4000x3000, EXIF orientation 6 (a phone's photo)", phone_jpeg),
    "jpeg-noise-10mb": ("JPEG 3300x2500 of noise, quality 95", lambda: save(
        Image.frombytes("RGB", (3300, 2500), random.Random(2).randbytes(3300 * 2500 * 3)),
        "JPEG", quality=95)),
    "jpeg-8000x6000": ("JPEG 8000x6000 (48 Mpx)", lambda: save(scene((8000, 6000)), "JPEG",
                                                                quality=70)),
    "jpeg-7200x5400": ("JPEG 7200x5400 (38.9 Mpx)", lambda: save(scene((7200, 5400)), "JPEG",
                                                                  quality=80)),
    "jpeg-4799x4799": ("JPEG 4799x4799 (23 Mpx, no reduced decoding)",
                       lambda: save(scene((4799, 4799)), "JPEG", quality=85)),
    "jpeg-4799x3599": ("JPEG 4799x3599 (17 Mpx, no reduced decoding)",
                       lambda: save(scene((4799, 3599)), "JPEG", quality=85)),
    "jpeg-icc-17mpx": ("JPEG 4799x3599, one colour, 10 MB ICC profile", lambda: save(
        Image.new("RGB", (4799, 3599), (90, 90, 90)), "JPEG", icc_profile=b"x" * 10_000_000)),
    "jpeg-444-4799x3599": ("JPEG 4799x3599 4:4:4", lambda: save(
        scene((4799, 3599)), "JPEG", quality=85, subsampling=0)),
    "jpeg-progressive-12mpx": ("JPEG progressive 4000x3000",
                               lambda: phone_jpeg(progressive=True)),
    "jpeg-progressive-39mpx": ("JPEG progressive 7200x5400",
                               lambda: save(scene((7200, 5400)), "JPEG", quality=80,
                                            progressive=True)),
    "jpeg-cmyk-24mpx": ("JPEG CMYK 6000x4000", lambda: save(scene((6000, 4000)).convert(
        "CMYK"), "JPEG", quality=50)),
    "jpeg-grey-40mpx": ("JPEG grey 8000x5000", lambda: save(scene((8000, 5000)).convert("L"),
                                                            "JPEG", quality=80)),
    "jpeg-panorama-39mpx": ("JPEG 65000x600", lambda: save(scene((65000, 600)), "JPEG",
                                                           quality=80)),
    "jpeg-truncated": ("JPEG 7200x5400 cut in half",
                       lambda: cut(save(scene((7200, 5400)), "JPEG", quality=80))),
    "mpo-phone-12mpx": ("MPO, 2 pictures 4000x3000 (a phone's multi-picture JPEG)", mpo),
    "webp-flat-40mpx": ("WebP 6324x6324, one colour",
                        lambda: save(Image.new("RGB", (6324, 6324), (20, 90, 200)), "WEBP",
                                     quality=80)),
    "webp-scene-12mpx": ("WebP 4000x3000, photo-like",
                         lambda: save(scene((4000, 3000)), "WEBP", quality=80)),
    "webp-scene-7mpx": ("WebP 3000x2250, photo-like",
                        lambda: save(scene((3000, 2250)), "WEBP", quality=80)),
    "webp-truncated": ("WebP 3000x2250 cut in half",
                       lambda: cut(save(scene((3000, 2250)), "WEBP", quality=80))),
    "gif-16mpx": ("GIF 4000x4000 (not accepted)", _gif),
}

#: Every file, the costly photos first, then the hostile table.
FILES: dict[str, HostileFile] = {
    name: HostileFile(name, description, make, filename="photo",
                      content_type="application/octet-stream", expected=None)
    for name, (description, make) in COSTLY.items()
}
for _hostile in HOSTILE:
    assert _hostile.name not in FILES, f"{_hostile.name} is in both tables"
    FILES[_hostile.name] = _hostile


# --- one upload in a child process ----------------------------------------------------

#: Imported once by the fork server the children are forked from: the app's modules,
#: which create_app would import in each child (WeasyPrint's alone takes a second), and
#: this file's own (each child runs this file again, as multiprocessing does).
PRELOAD = ["tests.hostile_files", "shopper", "shopper.cli", "shopper.migrate",
           "shopper.api.review", "shopper.api.views", "shopper.auth.views",
           "shopper.field.views", "shopper.main.views", "shopper.reports.views",
           "shopper.reports.pdf", "shopper.review.views", "shopper.scorecards.views",
           "sqlmodel", "werkzeug.test"]


def _status_bytes(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak) of this process, from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_peak() -> None:
    # getrusage's ru_maxrss would do, but Linux keeps it across exec and fork: a child
    # started by a large parent would inherit its peak. "5" resets VmHWM to VmRSS
    # (proc(5), /proc/pid/clear_refs).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _child(path: str, filename: str, content_type: str, database: str, answer) -> None:
    import gc

    from sqlmodel import Session
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from shopper import create_app
    from shopper.auth.services import issue_api_token
    from shopper.models import User

    gc.freeze()  # what the fork server imported is no garbage: collect only what follows
    with tempfile.TemporaryDirectory(prefix="shopper-bench-") as scratch:
        shutil.copyfile(database, Path(scratch) / "bench.db")
        url = f"sqlite:///{Path(scratch) / 'bench.db'}"
        app = create_app({"SHOPPER_ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 32,
                          "DATABASE_URL": url, "UPLOAD_DIR": str(Path(scratch) / "uploads")})
        with Session(app.extensions["shopper.engine"]) as session:
            shopper = User(email="bench@example.com", role="shopper", password_hash="-")
            session.add(shopper)
            session.flush()
            token = issue_api_token(session=session, user=shopper)
            session.commit()

        def environ(data: bytes, filename: str = "photo",
                    content_type: str = "application/octet-stream") -> dict:
            boundary, body = multipart_body(
                [("uuid", str(uuid.uuid4())), ("visit_uuid", str(uuid.uuid4()))], "file",
                filename, content_type, data)
            return EnvironBuilder(
                path="/api/v1/photos", method="POST", data=body,
                headers={"Authorization": f"Bearer {token}"},
                content_type=f"multipart/form-data; boundary={boundary}").get_environ()

        for kind in ("JPEG", "PNG", "WEBP"):  # warm-up: imports, plugins, first queries
            run_wsgi_app(app, environ(save(Image.new("RGB", (64, 48), (1, 2, 3)), kind)),
                         buffered=True)

        request = environ(Path(path).read_bytes(), filename, content_type)
        gc.collect()
        before = _status_bytes("VmRSS")
        _reset_peak()
        started = time.perf_counter()
        app_iter, status, _headers = run_wsgi_app(app, request, buffered=True)
        seconds = time.perf_counter() - started
        peak = _status_bytes("VmHWM")
        body = json.loads(b"".join(app_iter) or b"{}")
        app.extensions["shopper.engine"].dispose()
    errors = body.get("errors") or [{}]
    code = errors[0].get("code") or (body.get("error", "") if "errors" not in body else "")
    answer.send({"status": int(status.split()[0]), "code": code,
                 "message": body.get("message") or "; ".join(body.get("messages", [])),
                 "seconds": seconds, "peak_mb": max(peak - before, 0) / 1e6})
    answer.close()


def _upload(context, path: Path, hostile: HostileFile, database: str) -> dict:
    """One upload of the file at `path` in a child of its own."""
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(str(path), hostile.filename,
                                                 hostile.content_type, database, sender))
    child.start()
    sender.close()
    try:
        if not receiver.poll(CHILD_TIMEOUT):
            child.kill()
            raise RuntimeError(f"{hostile.name}: no answer in {CHILD_TIMEOUT} s")
        return receiver.recv()
    except EOFError:
        raise RuntimeError(f"{hostile.name}: the child failed (exit code "
                           f"{child.join() or child.exitcode})") from None
    finally:
        child.join()
        receiver.close()


def _migrated(directory: Path) -> str:
    """A database file migrated once, which each child copies."""
    from shopper import migrate
    from shopper.db import make_engine

    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return str(path)


# --- the table ------------------------------------------------------------------------


def _answer(status: int, code: str) -> str:
    return f"{status} {code}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, default=3,
                        help="uploads of each file, each in its own process (default 3)")
    parser.add_argument("names", nargs="*", help="only these files (default: all)")
    arguments = parser.parse_args()
    unknown = set(arguments.names) - set(FILES)
    if unknown:
        parser.error(f"no such file: {', '.join(sorted(unknown))}")
    os.environ["SHOPPER_ENV"] = "testing"  # before the fork server starts: children inherit
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    rows = []
    with tempfile.TemporaryDirectory(prefix="shopper-bench-files-") as scratch:
        database = _migrated(Path(scratch))
        for name in arguments.names or list(FILES):
            hostile = FILES[name]
            data = hostile.data()
            path = Path(scratch) / "upload"
            path.write_bytes(data)
            try:
                results = [_upload(context, path, hostile, database)
                           for _ in range(arguments.repeat)]
            except RuntimeError as error:
                print(error, file=sys.stderr)
                return 1
            answers = {_answer(r["status"], r["code"]) for r in results}
            expected = _answer(*hostile.expected) if hostile.expected else ""
            seconds = sorted(r["seconds"] for r in results)
            peak = max(r["peak_mb"] for r in results)
            ok = (seconds[-1] <= GOAL_SECONDS and peak <= GOAL_MB
                  and (not expected or answers == {expected}))
            rows.append((name, hostile.description, f"{len(data) / 1000:,.0f} KB",
                         " / ".join(sorted(answers)), expected or "-",
                         f"{statistics.median(seconds):.2f} ({seconds[-1]:.2f})",
                         f"{peak:.0f}", "yes" if ok else "NO"))
            if not arguments.markdown:
                print("  ".join(rows[-1]), flush=True)
    if arguments.markdown:
        print("| file | what | size | answer | expected | time, s: median (worst) "
              "| peak memory, MB | within goal |")
        print("|---|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return 0 if all(row[-1] == "yes" for row in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
