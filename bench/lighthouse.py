"""Lighthouse (mobile) on the shopper's visit form: performance, accessibility and
layout shift, the median of three runs.

    python bench/lighthouse.py

Goals (issue 7): performance >= 95 (median of 3), accessibility 100, cumulative layout
shift under 0.05. Serves the demo with gunicorn (two workers, as in production but with
no compressing proxy in front) from a scratch SQLite database, logs in as the demo
shopper, and runs Lighthouse from the npm registry with Debian's Chromium
(CHROME_PATH); Lighthouse is installed into a scratch folder on first use.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LIGHTHOUSE_DIR = Path(os.environ.get("LIGHTHOUSE_DIR", Path(tempfile.gettempdir()) /
                                     "shopper-lighthouse"))
CHROME_FLAGS = ("--headless --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")


def lighthouse() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--prefix", str(LIGHTHOUSE_DIR),
                        "lighthouse@12"], check=True)
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode({
        "email": "shopper@demo.test", "password": "demo-shopper",
        "csrf_token": token}).encode())
    return next(c.value for c in jar if c.name == "session")


def main() -> None:
    binary = lighthouse()
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, SHOPPER_ENV="development",
                   DATABASE_URL=f"sqlite:///{scratch}/shopper.db",
                   UPLOAD_DIR=f"{scratch}/uploads")
        subprocess.run([BIN / "shopper", "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        subprocess.run([BIN / "shopper", "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "wsgi:app"], env=env, cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(50):
                try:
                    urllib.request.urlopen(base + "/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
            headers = Path(scratch) / "headers.json"
            headers.write_text(json.dumps({"Cookie": f"session={session_cookie(base)}"}))
            runs = []
            for number in range(3):
                report = Path(scratch) / f"run{number}.json"
                subprocess.run([binary, f"{base}/visits/1", "--quiet",
                                f"--chrome-flags={CHROME_FLAGS}",
                                f"--extra-headers={headers}",
                                "--only-categories=performance,accessibility",
                                "--output=json", f"--output-path={report}"],
                               env=dict(env, CHROME_PATH="/usr/bin/chromium"), check=True)
                result = json.loads(report.read_text())
                audits = result["audits"]
                runs.append({
                    "performance": round(result["categories"]["performance"]["score"] * 100),
                    "accessibility": round(
                        result["categories"]["accessibility"]["score"] * 100),
                    "cls": audits["cumulative-layout-shift"]["numericValue"],
                    "fcp_ms": audits["first-contentful-paint"]["numericValue"],
                    "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
                })
                print(f"run {number + 1}: " + ", ".join(
                    f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in runs[-1].items()))
        finally:
            server.terminate()
            server.wait(timeout=10)
    print("median: " + ", ".join(
        f"{key} {statistics.median(r[key] for r in runs):.3g}" for key in runs[0]))


if __name__ == "__main__":
    main()
