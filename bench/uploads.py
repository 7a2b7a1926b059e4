"""What the costliest photo uploads take of a worker: wall time and peak memory.

    .venv/bin/python bench/uploads.py [--markdown] [--repeat N] [NAME ...]

Goal (issue of the 154 KB PNG that took 1.5 s and 500 MB): any upload, accepted or
refused, at most 2 s and at most 150 MB above the worker's resident memory before the
request. Each file below is generated here, then sent in a fresh child process: the
app on a scratch SQLite database, warmed up by a few small uploads, then one
POST /api/v1/photos through the WSGI app, its body built before the baseline (as a
worker would receive it). The child reports the answer, the wall time of the request
and its peak resident memory above the resident memory it had just before (VmHWM
and VmRSS of /proc/self/status, the peak reset just before the request).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

GOAL_SECONDS = 2.0
GOAL_MB = 150.0


# --- the files ------------------------------------------------------------------------


def _save(picture: Image.Image, kind: str, **options) -> bytes:
    output = io.BytesIO()
    picture.save(output, kind, **options)
    return output.getvalue()


def _scene(size: tuple[int, int]) -> Image.Image:
    """Something like a photo: smooth gradients with fine grain, cheap to make at any
    size (a noise tile repeated), compressing to a few MB as JPEG."""
    width, height = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    tile = Image.effect_noise((509, 509), 24)
    grain = Image.new("L", size)
    for top in range(0, height, 509):
        for left in range(0, width, 509):
            grain.paste(tile, (left, top))
    blue = red.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", [Image.blend(band, grain, 0.4) for band in (red, green, blue)])


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body)))


def _raw_png(width: int, height: int, bit_depth: int, colour_type: int, pixel: bytes,
             interlaced: bool = False) -> bytes:
    """A flat-colour PNG written by hand: 16-bit and interlaced ones Pillow cannot save."""
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4),
               (1, 0, 2, 2), (0, 1, 1, 2)] if interlaced else [(0, 0, 1, 1)])
    compressor = zlib.compressobj(9)
    idat = []
    for x0, y0, dx, dy in passes:
        pass_width = (width - x0 + dx - 1) // dx
        pass_height = (height - y0 + dy - 1) // dy
        if pass_width and pass_height:
            row = b"\0" + pixel * pass_width
            for _ in range(pass_height):
                idat.append(compressor.compress(row))
    idat.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0,
                         1 if interlaced else 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", b"".join(idat)) + _png_chunk(b"IEND", b""))


def _phone_jpeg(size=(4000, 3000), **options) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Phone"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show
    return _save(_scene(size), "JPEG", quality=85, exif=exif, **options)


def _mpo(size=(4000, 3000)) -> bytes:
    scene = _scene(size)
    return _save(scene, "MPO", save_all=True, quality=85,
                 append_images=[scene.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])


def _noise_png(size=(1800, 1800)) -> bytes:
    return _save(Image.frombytes("RGB", size, random.Random(1).randbytes(size[0] * size[1] * 3)),
                 "PNG")


def _gradient(size: tuple[int, int]) -> Image.Image:
    return Image.merge("RGB", [Image.linear_gradient("L").resize(size)] * 3)


def _with_text(png: bytes, chunks: int) -> bytes:
    """`png` with zTXt chunks, each of its own key, inflating to 1 MB of text each, after
    its pixels (where Pillow reads them only as it loads them)."""
    packed = zlib.compress(b"a" * 1_000_000, 9)
    text = b"".join(_png_chunk(b"zTXt", b"note%d\0\0" % n + packed) for n in range(chunks))
    end = png.index(b"IEND") - 4
    return png[:end] + text + png[end:]


def _gif() -> bytes:
    return _save(Image.new("P", (4000, 4000)), "GIF")


#: name -> (what it is, how to make it). Sizes in pixels, width x height.
FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "png-flat-40mpx": ("PNG RGB 6324x6324, one colour (the reported file)",
                       lambda: _save(Image.new("RGB", (6324, 6324), (200, 30, 30)), "PNG")),
    "png-flat-rgba-40mpx": ("PNG RGBA 6324x6324, one colour",
                            lambda: _save(Image.new("RGBA", (6324, 6324), (9, 9, 9, 90)),
                                          "PNG")),
    "png-palette-40mpx": ("PNG palette 6324x6324, one colour",
                          lambda: _save(Image.new("P", (6324, 6324), 3), "PNG")),
    "png-1bit-400mpx": ("PNG 1-bit 20000x20000 (decompression bomb)",
                        lambda: _save(Image.new("1", (20000, 20000)), "PNG")),
    "png-16bit-grey-36mpx": ("PNG 16-bit grey 6000x6000",
                             lambda: _raw_png(6000, 6000, 16, 0, b"\x80\x00")),
    "png-16bit-rgb-25mpx": ("PNG 16-bit RGB 5000x5000",
                            lambda: _raw_png(5000, 5000, 16, 2, b"\x9c\x40\x4e\x20\xff\xff")),
    "png-16bit-rgb-12mpx": ("PNG 16-bit RGB 4000x3000",
                            lambda: _raw_png(4000, 3000, 16, 2, b"\x9c\x40\x4e\x20\xff\xff")),
    "png-interlaced-16mpx": ("PNG RGB Adam7 interlaced 4000x4000",
                             lambda: _raw_png(4000, 4000, 8, 2, b"\x10\x80\xf0", True)),
    "png-noise-10mb": ("PNG RGB 1800x1800 of noise (9.7 MB)", _noise_png),
    "png-scene-12mpx": ("PNG RGB 4000x3000, photo-like", lambda: _save(_scene((4000, 3000)),
                                                                       "PNG")),
    "png-gradient-17mpx": ("PNG RGB 4800x3600, gradients",
                           lambda: _save(_gradient((4800, 3600)), "PNG")),
    "png-text-17mpx": ("the same with 60 zTXt chunks of 1 MB of text each", lambda: _with_text(
        _save(_gradient((4800, 3600)), "PNG"), 60)),
    "png-text-bomb": ("PNG 640x480 with 100 zTXt chunks of 1 MB of text each",
                      lambda: _with_text(_save(Image.new("RGB", (640, 480)), "PNG"), 100)),
    "png-truncated": ("PNG RGB 4000x3000 cut in half",
                      lambda: (lambda d: d[:len(d) // 2])(_save(_scene((4000, 3000)), "PNG"))),
    "jpeg-phone-12mpx": ("JPEG 4000x3000, EXIF orientation 6 (a phone's photo)", _phone_jpeg),
    "jpeg-noise-10mb": ("JPEG 3300x2500 of noise, quality 95", lambda: _save(
        Image.frombytes("RGB", (3300, 2500), random.Random(2).randbytes(3300 * 2500 * 3)),
        "JPEG", quality=95)),
    "jpeg-8000x6000": ("JPEG 8000x6000 (48 Mpx)", lambda: _save(_scene((8000, 6000)), "JPEG",
                                                                 quality=70)),
    "jpeg-7200x5400": ("JPEG 7200x5400 (38.9 Mpx)", lambda: _save(_scene((7200, 5400)), "JPEG",
                                                                   quality=80)),
    "jpeg-4799x4799": ("JPEG 4799x4799 (23 Mpx, no reduced decoding)",
                       lambda: _save(_scene((4799, 4799)), "JPEG", quality=85)),
    "jpeg-4799x3599": ("JPEG 4799x3599 (17 Mpx, no reduced decoding)",
                       lambda: _save(_scene((4799, 3599)), "JPEG", quality=85)),
    "jpeg-icc-17mpx": ("JPEG 4799x3599, one colour, 10 MB ICC profile", lambda: _save(
        Image.new("RGB", (4799, 3599), (90, 90, 90)), "JPEG", icc_profile=b"x" * 10_000_000)),
    "jpeg-444-4799x3599": ("JPEG 4799x3599 4:4:4", lambda: _save(
        _scene((4799, 3599)), "JPEG", quality=85, subsampling=0)),
    "jpeg-progressive-12mpx": ("JPEG progressive 4000x3000",
                               lambda: _phone_jpeg(progressive=True)),
    "jpeg-progressive-39mpx": ("JPEG progressive 7200x5400",
                               lambda: _save(_scene((7200, 5400)), "JPEG", quality=80,
                                             progressive=True)),
    "jpeg-cmyk-24mpx": ("JPEG CMYK 6000x4000", lambda: _save(_scene((6000, 4000)).convert(
        "CMYK"), "JPEG", quality=50)),
    "jpeg-grey-40mpx": ("JPEG grey 8000x5000", lambda: _save(_scene((8000, 5000)).convert("L"),
                                                             "JPEG", quality=80)),
    "jpeg-panorama-39mpx": ("JPEG 65000x600", lambda: _save(_scene((65000, 600)), "JPEG",
                                                            quality=80)),
    "jpeg-truncated": ("JPEG 7200x5400 cut in half",
                       lambda: (lambda d: d[:len(d) // 2])(_save(_scene((7200, 5400)), "JPEG",
                                                                 quality=80))),
    "mpo-phone-12mpx": ("MPO, 2 pictures 4000x3000 (a phone's multi-picture JPEG)", _mpo),
    "webp-flat-40mpx": ("WebP 6324x6324, one colour",
                        lambda: _save(Image.new("RGB", (6324, 6324), (20, 90, 200)), "WEBP",
                                      quality=80)),
    "webp-scene-12mpx": ("WebP 4000x3000, photo-like",
                         lambda: _save(_scene((4000, 3000)), "WEBP", quality=80)),
    "webp-scene-7mpx": ("WebP 3000x2250, photo-like",
                        lambda: _save(_scene((3000, 2250)), "WEBP", quality=80)),
    "webp-truncated": ("WebP 3000x2250 cut in half",
                       lambda: (lambda d: d[:len(d) // 2])(_save(_scene((3000, 2250)), "WEBP",
                                                                 quality=80))),
    "gif-16mpx": ("GIF 4000x4000 (not accepted)", _gif),
}


# --- one upload in a child process ----------------------------------------------------


def _status_bytes(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak) of this process, from /proc/self/status."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_peak() -> None:
    # getrusage's ru_maxrss would do, but Linux keeps it across exec: a child started
    # by this (large) parent would inherit its peak. "5" resets VmHWM to VmRSS
    # (proc(5), /proc/pid/clear_refs).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _child(path: str) -> None:
    import gc

    from sqlmodel import Session
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from shopper import create_app, migrate
    from shopper.auth.services import issue_api_token
    from shopper.db import make_engine
    from shopper.models import User

    scratch = Path(tempfile.mkdtemp(prefix="shopper-bench-"))
    url = f"sqlite:///{scratch / 'bench.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"SHOPPER_ENV": "testing", "TESTING": True, "SECRET_KEY": "b" * 32,
                      "DATABASE_URL": url, "UPLOAD_DIR": str(scratch / "uploads")})
    with Session(app.extensions["shopper.engine"]) as session:
        shopper = User(email="bench@example.com", role="shopper", password_hash="-")
        session.add(shopper)
        session.flush()
        token = issue_api_token(session=session, user=shopper)
        session.commit()

    def environ(data: bytes) -> tuple[EnvironBuilder, dict]:
        builder = EnvironBuilder(
            path="/api/v1/photos", method="POST",
            headers={"Authorization": f"Bearer {token}"},
            data={"file": (io.BytesIO(data), "photo"), "uuid": str(uuid.uuid4()),
                  "visit_uuid": str(uuid.uuid4())})
        return builder, builder.get_environ()

    for kind in ("JPEG", "PNG", "WEBP"):  # warm-up: imports, plugins, first queries
        builder, warm = environ(_save(Image.new("RGB", (64, 48), (1, 2, 3)), kind))
        run_wsgi_app(app, warm, buffered=True)
        builder.close()

    builder, request = environ(Path(path).read_bytes())
    gc.collect()
    before = _status_bytes("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    app_iter, status, _headers = run_wsgi_app(app, request, buffered=True)
    seconds = time.perf_counter() - started
    peak = _status_bytes("VmHWM")
    body = json.loads(b"".join(app_iter) or b"{}")
    errors = body.get("errors") or [{}]
    print(json.dumps({"status": int(status.split()[0]), "code": errors[0].get("code", ""),
                      "message": body.get("message") or "; ".join(body.get("messages", [])),
                      "seconds": seconds, "peak_mb": max(peak - before, 0) / 1e6}))


# --- the table ------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, default=3,
                        help="uploads of each file, each in its own process (default 3)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("names", nargs="*", help="only these files (default: all)")
    arguments = parser.parse_args()
    if arguments.child:
        _child(arguments.child)
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="shopper-bench-files-") as scratch:
        for name in arguments.names or list(FILES):
            description, make = FILES[name]
            data = make()
            path = Path(scratch) / name
            path.write_bytes(data)
            results = []
            for _ in range(arguments.repeat):
                child = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                       capture_output=True, text=True, check=False,
                                       env=os.environ | {"SHOPPER_ENV": "testing"})
                if child.returncode != 0:
                    print(child.stderr, file=sys.stderr)
                    return 1
                results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            answers = {f"{r['status']} {r['code']}".strip() for r in results}
            seconds = sorted(r["seconds"] for r in results)
            peak = max(r["peak_mb"] for r in results)
            ok = seconds[-1] <= GOAL_SECONDS and peak <= GOAL_MB
            rows.append((name, description, f"{len(data) / 1000:,.0f} KB", " / ".join(answers),
                         f"{statistics.median(seconds):.2f} ({seconds[-1]:.2f})",
                         f"{peak:.0f}", "yes" if ok else "NO"))
            if not arguments.markdown:
                print("  ".join(rows[-1]), flush=True)
    if arguments.markdown:
        print("| file | what | size | answer | time, s: median (worst) | peak memory, MB "
              "| within goal |")
        print("|---|---|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    return 0 if all(row[-1] == "yes" for row in rows) else 2


if __name__ == "__main__":
    sys.exit(main())
