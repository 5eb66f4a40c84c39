"""Benchmark of the JSON API on a 20,000-fill-up account: what one request costs.

    python scripts/bench_api.py [--rows 20000] [--repeat 31] [--write docs/performance.md]

Works in its own database `fueltracker_bench_api` (the embedded server under data/, or the
server of FUELTRACKER_DATABASE_URL), migrated here. The account's fill-ups are seeded with
one COPY through the owner connection; every request then goes through the API as a
client sends it (Starlette's TestClient: the ASGI app in this process, no network), with a
bearer token, as the app's role under row-level security. Figures are medians of --repeat
requests after a warm-up, in milliseconds:

- GET /users/me: the floor (token check and its counted use, one service call);
- GET /fillups?limit=50, page 1 and page 100 (following `next`): keyset pages plus the
  derived values over the whole history;
- GET /fillups/{id}, POST /fillups (a new tank each time), GET /stats (all time).

Target: page 100 within 1.5x of page 1 (keyset pages), as for the History page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/bench_api.py`

from scripts.benchlib import libpq_url, machine, replace_section

DATABASE = "fueltracker_bench_api"
SECTION = "## API"
USERNAME = "bench_api"
TARGET_RATIO = 1.5
PAGE_SIZE = 50
DEEP_PAGE = 100


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


def seed(url: str, rows: int) -> tuple[int, int, str]:
    """(Re)create the bench account with `rows` fill-ups on one car; returns its user id,
    the car's id and a read+write token."""
    import psycopg

    from fueltracker.db import session_scope
    from fueltracker.schemas import TokenCreate, UserCreate, VehicleCreate
    from fueltracker.services import tokens, users, vehicles

    with psycopg.connect(libpq_url(url)) as owner:
        owner.execute("DELETE FROM users WHERE lower(username) = %s", (USERNAME,))
    with session_scope() as session:
        user = users.register_user(
            session,
            UserCreate(username=USERNAME, display_name="Bench", password=secrets.token_urlsafe(24)),
        )
        car = vehicles.create_vehicle(session, user.id, VehicleCreate(name="Golf"))
        token = tokens.create_token(
            session, user.id, TokenCreate(name="bench", scope="read+write")
        ).secret
    rng = random.Random(18)
    first_day = dt.date.today() - dt.timedelta(days=rows + 400)
    odometer_km = 10_000.0
    with psycopg.connect(libpq_url(url)) as owner, owner.cursor() as cursor:
        with cursor.copy(
            "COPY fuel_entries (user_id, vehicle_id, date, odometer_km, volume_l, "
            "total_amount, is_full, missed_previous) FROM STDIN"
        ) as copy:
            for day in range(rows):
                odometer_km += rng.uniform(300, 700)
                volume_l = round(rng.uniform(20, 55), 3)
                copy.write_row(
                    (
                        user.id,
                        car.id,
                        first_day + dt.timedelta(days=day),
                        round(odometer_km, 1),
                        volume_l,
                        round(volume_l * rng.uniform(1.45, 1.95), 2),
                        rng.random() > 0.1,
                        False,
                    )
                )
        owner.commit()
        owner.execute("ANALYZE fuel_entries")
    return user.id, car.id, token


def measure(token: str, car_id: int, repeat: int) -> dict[str, float]:
    """Median ms of each request."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    from fueltracker.api.app import PREFIX, create_api

    app = Starlette(routes=[Mount(PREFIX, app=create_api())])
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:

        def timed(request) -> float:
            request()  # warm-up
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                response = request()
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code < 300, response.text
            return statistics.median(times)

        cursor = None
        for _ in range(DEEP_PAGE - 1):
            cursor = client.get(
                f"{PREFIX}/fillups",
                params={"limit": PAGE_SIZE} | ({"cursor": cursor} if cursor else {}),
                headers=auth,
            ).json()["next"]
        one = client.get(f"{PREFIX}/fillups", params={"limit": 1}, headers=auth).json()
        entry_id = one["data"][0]["id"]
        latest = dt.date.fromisoformat(one["data"][0]["date"])
        odometer = [float(one["data"][0]["odometer_km"])]

        def post() -> object:
            odometer[0] += 500
            return client.post(
                f"{PREFIX}/fillups",
                headers=auth,
                json={
                    "vehicle_id": car_id,
                    "date": latest.isoformat(),
                    "odometer_km": str(odometer[0]),
                    "volume_l": "40",
                    "price_per_l": "1.80",
                },
            )

        return {
            "GET /users/me": timed(lambda: client.get(f"{PREFIX}/users/me", headers=auth)),
            f"GET /fillups?limit={PAGE_SIZE}, page 1": timed(
                lambda: client.get(f"{PREFIX}/fillups", params={"limit": PAGE_SIZE}, headers=auth)
            ),
            f"GET /fillups?limit={PAGE_SIZE}, page {DEEP_PAGE}": timed(
                lambda: client.get(
                    f"{PREFIX}/fillups",
                    params={"limit": PAGE_SIZE, "cursor": cursor},
                    headers=auth,
                )
            ),
            "GET /fillups/{id}": timed(
                lambda: client.get(f"{PREFIX}/fillups/{entry_id}", headers=auth)
            ),
            "POST /fillups": timed(post),
            "GET /stats (all time)": timed(
                lambda: client.get(f"{PREFIX}/stats", params={"from": "1990-01-01"}, headers=auth)
            ),
        }


def main() -> int:
    """Run the benchmark; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--write", type=Path, help="add the figures to this markdown file")
    args = parser.parse_args()

    url = database_url()
    os.environ["FUELTRACKER_DATABASE_URL"] = url
    os.environ.setdefault("FUELTRACKER_COOKIE_KEY", secrets.token_urlsafe(48))
    # The bench is one client hammering one token: no rate limit in the way.
    os.environ["FUELTRACKER_API_RATE_LIMIT_PER_MINUTE"] = "100000"
    from fueltracker import config, db

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()

    _user_id, car_id, token = seed(url, args.rows)
    medians = measure(token, car_id, args.repeat)
    for label, ms in medians.items():
        print(f"{label:34} {ms:8.1f} ms")
    ratio = (
        medians[f"GET /fillups?limit={PAGE_SIZE}, page {DEEP_PAGE}"]
        / medians[f"GET /fillups?limit={PAGE_SIZE}, page 1"]
    )
    met = ratio <= TARGET_RATIO
    print(
        f"page {DEEP_PAGE} / page 1: {ratio:.2f} (target <= {TARGET_RATIO}: "
        f"{'met' if met else 'MISSED'})"
    )
    if args.write:
        write_report(args.write, args.rows, args.repeat, medians, ratio, met)
    return 0 if met else 1


def write_report(
    path: Path, rows: int, repeat: int, medians: dict[str, float], ratio: float, met: bool
) -> None:
    """Replace this benchmark's section of `path`."""
    info = machine()
    table = "\n".join(f"| {label} | {ms:.1f} |" for label, ms in medians.items())
    section = f"""{SECTION}

Measured by `scripts/bench_api.py` (`make bench`) on {dt.date.today().isoformat()}: one
account with {rows:,} fill-ups on one car, each request sent through the API as a client
sends it (the ASGI app in process, no network), with a bearer token, as the app's role
under row-level security; median of {repeat} requests after a warm-up. Machine:
{info["nproc"]} CPUs ({info["cpu"]}), {info["ram"]} RAM, Python {info["python"]}.

| request | median ms |
|---|---|
{table}

Page {DEEP_PAGE} / page 1: **{ratio:.2f}** (target at most {TARGET_RATIO}:
{"met" if met else "missed"}): keyset pages, as the History page's.

Every request pays for its token: a lookup by hash and one `UPDATE` of the token's row
(last use, the rate limit's count). Reads take the derived values from the per-process
cache keyed by (user, data revision) (`api/derived.py`); a write bumps the revision, so
`POST /fillups` pays for recomputing them over the whole history (`metrics.add_derived`)
to answer this tank's consumption: most of its time at this size. On a small shared
machine the medians move by tens of percent from one run to the next; the page ratio,
measured within one run, is the figure to compare.
"""
    replace_section(path, SECTION, section)


if __name__ == "__main__":
    raise SystemExit(main())
