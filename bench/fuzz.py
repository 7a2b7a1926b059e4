"""The long fuzzing run of the API (issue: schemathesis, at least 10,000 cases): the
suite's tests/fuzz/test_api_schema.py with a bigger budget, a fresh seed, and failures
counted instead of stopping at the first.

    python bench/fuzz.py                          # 10,000 cases or more, SQLite
    python bench/fuzz.py --cases 20000 --seed 7
    python bench/fuzz.py --postgres postgresql://root@127.0.0.1:5432/test

Prints the cases sent (by role), the server errors, the answers the document does not
describe (by schemathesis check), and the statuses by operation; exits 1 when any case
failed. The same run through pytest directly:

    SHOPPER_FUZZ_CASES=10000 SHOPPER_FUZZ_KEEP_GOING=1 SHOPPER_FUZZ_REPORT=fuzz.json \\
        python -m pytest tests/fuzz
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000,
                        help="the least number of cases to send (default 10,000)")
    parser.add_argument("--seed", type=int, default=None, help="default: a random one")
    parser.add_argument("--postgres", default="",
                        help="a PostgreSQL server to run on (a fresh database is made on it)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "fuzz.json"
        env = os.environ | {
            "SHOPPER_ENV": "testing", "SHOPPER_FUZZ_CASES": str(args.cases),
            "SHOPPER_FUZZ_SEED": str(seed), "SHOPPER_FUZZ_KEEP_GOING": "1",
            "SHOPPER_FUZZ_REPORT": str(report_path)}
        if args.postgres:
            env["TEST_DATABASE_URL"] = args.postgres
        else:
            env.pop("TEST_DATABASE_URL", None)
        command = [sys.executable, "-m", "pytest", "tests/fuzz", "-q", "-p", "no:cacheprovider"]
        print(f"seed {seed}, at least {args.cases:,} cases, "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}: {' '.join(command)}", flush=True)
        start = time.perf_counter()
        finished = subprocess.run(command, cwd=ROOT, env=env, check=False)
        seconds = time.perf_counter() - start
        if not report_path.exists():
            print(f"pytest stopped before the count (exit {finished.returncode})")
            return 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    failed = report["failed_cases"]
    print(f"\ncases sent:          {report['cases']:,} in {seconds:.0f} s "
          f"({', '.join(f'{role} {n:,}' for role, n in report['by_role'].items())})")
    print(f"server errors:       {failed.get('server_error', 0):,}")
    print(f"document violations: {failed.get('document', 0):,}")
    for failure, count in sorted(report["failures"].items()):
        print(f"  {count:6,}  {failure}")
    for where, message in report["first_failures"].items():
        print(f"\n--- first {where}:\n{message}")
    print("answers by operation and status:")
    for key, count in report["statuses"].items():
        print(f"  {count:6,}  {key}")
    return 0 if finished.returncode == 0 and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
