"""How long `shopper demo --visits N` takes to load synthetic history (issue 3: 100,000
in under a minute), on SQLite and on PostgreSQL.

    python bench/demo_load.py                    # 100,000 visits, SQLite and PostgreSQL
    python bench/demo_load.py --visits 20000 --postgres ''   # SQLite only

Each run starts from a fresh database (a temporary SQLite file; a new PostgreSQL
database, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SHOPPER = str(Path(sys.executable).parent / "shopper")


def shopper(*args: str, url: str) -> None:
    env = os.environ | {"SHOPPER_ENV": "development", "DATABASE_URL": url}
    subprocess.run([SHOPPER, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def timed_load(url: str, visits: int) -> float:
    shopper("db", "upgrade", url=url)
    shopper("demo", url=url)
    start = time.perf_counter()
    shopper("demo", "--visits", str(visits), url=url)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://root@127.0.0.1:5432/test",
                        help="a PostgreSQL server to make a scratch database on ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seconds = timed_load(f"sqlite:///{tmp}/bench.db", args.visits)
        size = Path(tmp, "bench.db").stat().st_size
        print(f"SQLite: {args.visits:,} synthetic visits in {seconds:.1f} s "
              f"({args.visits / seconds:,.0f} visits/s, database {size / 1e6:.0f} MB)")
    if args.postgres:
        import psycopg
        from sqlalchemy import make_url

        name = f"shopper_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(args.postgres).set(database=name).render_as_string(False)
            seconds = timed_load(url, args.visits)
            print(f"PostgreSQL: {args.visits:,} synthetic visits in {seconds:.1f} s "
                  f"({args.visits / seconds:,.0f} visits/s)")
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
