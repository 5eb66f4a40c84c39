"""Benchmark: importing a 10,000-row Fuelly export end to end (detect, parse, preview,
import in one transaction), the path the Import page takes after the upload.

    python scripts/bench_import.py [--rows 10000] [--repeat 3] [--write docs/performance.md]

Works in its own database `fueltracker_bench_import` (embedded server under data/, or the
server of FUELTRACKER_DATABASE_URL), migrated here, as the app's role with row-level
security; every repetition imports into a fresh account. Target (issue 6): under 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.benchlib import machine, replace_section

DATABASE = "fueltracker_bench_import"
SECTION = "## Import"
TARGET_S = 3.0
HEADER = (
    "car_name, model, l/100km, odometer, km, litres, price, city_percentage, "
    "fuelup_date, date_added, tags, notes, missed_fuelup, partial_fuelup, latitude, "
    "longitude, brand"
)


def fuelly_file(rows: int) -> bytes:
    """A metric Fuelly export of `rows` fill-ups of one car, newest first as Fuelly writes."""
    lines, odometer_km, day = [], 10_000, dt.date.today() - dt.timedelta(days=rows + 1)
    records = []
    for number in range(rows):
        odometer_km += 400 + (number * 37) % 250
        litres = 25 + (number * 13) % 20 + 0.37
        day += dt.timedelta(days=1)
        partial = number % 11 == 5
        records.append(
            f"Golf, VW Golf, 0, {odometer_km}, 0, {litres:.2f}, "
            f"{1.55 + (number % 30) / 100:.3f}, 0, {day.isoformat()}, "
            f"{day.isoformat()}, , fill {number}, 0, {int(partial)}, , , Aral"
        )
    lines = [HEADER, *reversed(records)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def database_url() -> str:
    """The bench database's URL (created and migrated if missing)."""
    from sqlalchemy.engine import make_url

    from fueltracker.config import Settings
    from fueltracker.embedded import ensure_database, start_server
    from fueltracker.migrate import upgrade_to_head

    configured = Settings().database_url
    if configured:
        import psycopg

        base = make_url(configured)
        admin = base.set(database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        url = base.set(database=DATABASE).render_as_string(hide_password=False)
    else:
        url = ensure_database(start_server(Settings().data_dir / "pgdata"), DATABASE)
    upgrade_to_head(url)
    return url


def one_import(data: bytes) -> dict[str, float]:
    """Seconds of each step for one import into a fresh account."""
    from fueltracker.db import session_scope
    from fueltracker.importers.detect import detect_format
    from fueltracker.importers.fuelly import parse_fuelly
    from fueltracker.schemas import UserCreate
    from fueltracker.services import transfer, users

    with session_scope() as session:
        user = users.register_user(
            session,
            UserCreate(
                username=f"bench_import_{secrets.token_hex(4)}",
                display_name="Bench",
                password=secrets.token_urlsafe(16),
            ),
        )
    times = {}
    started = time.perf_counter()
    assert detect_format(data) == "fuelly"
    parsed = parse_fuelly(data)
    assert not parsed.errors, parsed.errors[:3]
    times["detect + parse"] = time.perf_counter() - started
    mark = time.perf_counter()
    with session_scope() as session:
        preview = transfer.preview_rows(session, user.id, parsed.rows)
    assert preview.count("new") == len(parsed.rows)
    times["preview"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with session_scope() as session:
        result = transfer.import_rows(session, user.id, parsed.rows)
    assert result.imported == len(parsed.rows)
    times["import (one transaction)"] = time.perf_counter() - mark
    times["end to end"] = time.perf_counter() - started
    return times


def main() -> int:
    """Run the benchmark; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", type=Path, help="add the figures to this markdown file")
    args = parser.parse_args()

    url = database_url()
    os.environ["FUELTRACKER_DATABASE_URL"] = url
    os.environ.setdefault("FUELTRACKER_COOKIE_KEY", secrets.token_urlsafe(48))
    from fueltracker import config, db

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()

    data = fuelly_file(args.rows)
    runs = [one_import(data) for _ in range(args.repeat)]
    medians = {step: statistics.median(run[step] for run in runs) for step in runs[0]}
    met = medians["end to end"] < TARGET_S
    for step, seconds in medians.items():
        print(f"{step:28} {seconds:6.2f} s")
    print(f"target < {TARGET_S:.0f} s: {'met' if met else 'MISSED'}")
    if args.write:
        write_report(args.write, args.rows, len(data), args.repeat, medians, met)
    return 0 if met else 1


def write_report(
    path: Path, rows: int, size_bytes: int, repeat: int, medians: dict[str, float], met: bool
) -> None:
    """Replace this benchmark's section at the end of `path` (it runs after the others)."""
    info = machine()
    table = "\n".join(f"| {step} | {seconds:.2f} |" for step, seconds in medians.items())
    section = f"""{SECTION}

Measured by `scripts/bench_import.py` (`make bench`) on {dt.date.today().isoformat()}:
a metric Fuelly export of {rows:,} fill-ups ({size_bytes / 1024:.0f} KiB) imported into a
fresh account, median of {repeat} runs, as the Import page does it after the upload
(detect, parse, preview with every row validated, import in one transaction), as the
app's role under row-level security. Machine: {info["nproc"]} CPUs ({info["cpu"]}),
{info["ram"]} RAM, Python {info["python"]}.

| step | seconds |
|---|---|
{table}

Target: under {TARGET_S:.0f} s end to end: **{"met" if met else "missed"}**. The preview
and the import each validate every row against the vehicle's history in memory (one query
for the existing readings, a bisect per row), and the insert is one executemany.
"""
    replace_section(path, SECTION, section)


if __name__ == "__main__":
    raise SystemExit(main())
