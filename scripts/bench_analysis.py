"""Benchmark of the analysis pages (Overview, Consumption, Prices, Costs, Data quality and the
Dashboard) with 1,000,000 fill-ups in the table.

    python scripts/bench_analysis.py [--users 10000] [--rows 1000000] [--heavy-rows 20000]
                                     [--repeat 5] [--write docs/performance.md]

Works in dedicated databases, never the developer's: `fueltracker_bench` (the full table) and
`fueltracker_bench_small` (about 10,000 rows), on the server of FUELTRACKER_DATABASE_URL when
set, else on the embedded server under data/ (the same server `make run` uses). It

1. creates both databases if missing, migrates them and seeds them through the owner
   connection (not the app role: row-level security does not bind the table owner, which is
   what a seeder wants) with COPY: --users accounts sharing --rows fill-ups (1-2 vehicles
   each; the measured "typical" user has TYPICAL_ROWS of them), plus one heavy account with
   --heavy-rows fill-ups. Rows are stored in date order across users, as years of use would
   leave them (a user's rows are scattered over the table, not side by side). Seeding is
   skipped when a database already holds exactly the expected counts, so re-runs are fast.
   The small database holds the typical user with the same rows, plus other users up to
   SMALL_ROWS rows in all;
2. points the app at the big database (FUELTRACKER_DATABASE_URL, cookie key) and prints
   EXPLAIN ANALYZE of the per-user load (load_entries_frame's own SQL, history.entries_sql)
   as the app runs it: role fueltracker_app, scoped to the user, row-level security on;
3. times load_entries_frame (the service, app role) for the typical user with ~10,000 and
   with 1,000,000 rows in the table, metrics.add_derived, and the floor: the same SELECT
   fetched with plain psycopg as the owner; and the Consumption page's queries over one
   DuckDB connection per query, per page run, per cached frame, or a cursor per page run;
4. times every analysis page with streamlit's AppTest (the whole script run: router, sign-in
   gate, page) cold (every cache cleared just before), warm (the next run) and after a
   period change (another preset on a warm page, results cache cleared: a new filter over
   the same data), for the typical and the heavy user, medians of --repeat runs after a
   warm-up; between them, a bare one-element page (the floor), so that every time is also
   given as a ratio to what any rerun cost at that moment;
5. profiles (cProfile) the slowest cold page once;
6. with --write, replaces (or adds) the "Analysis pages" section of the given Markdown file.

Targets (a benchmark, not a test; issue 15), in one run: every page warm at most 60 ms for
the typical user and 100 ms for the heavy one; cold at most 300 ms typical, 800 ms heavy; a
period change at most 150 ms typical; the heavy user's load within 2x its psycopg floor;
the per-user load with 1,000,000 rows within 1.5x of 10,000 rows. Exit status 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import re
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Literal, TypedDict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/bench_analysis.py`

import numpy as np
import pandas as pd
import psycopg

from scripts.benchlib import (
    fetch_one,
    libpq_url,
    machine,
    median_ms,
    replace_section,
    sign_in_state,
)

BIG_DB = "fueltracker_bench"
SMALL_DB = "fueltracker_bench_small"
SMALL_ROWS = 10_000
TYPICAL_ROWS = 300
TYPICAL_USER = "bench_u00000"
HEAVY_USER = "bench_heavy"
HEAVY_VEHICLES = 4
HARNESS = ROOT / "tests" / "app" / "harness.py"
PAGES = {  # label -> script
    "Dashboard": ROOT / "pages" / "dashboard.py",
    "Overview": ROOT / "pages" / "overview.py",
    "Consumption": ROOT / "pages" / "consumption.py",
    "Prices": ROOT / "pages" / "prices.py",
    "Costs": ROOT / "pages" / "costs.py",
    "Data quality": ROOT / "pages" / "data_quality.py",
}
# Issue 15's targets, in one run on a 2-core machine.
TARGET_WARM_MS = 60
TARGET_HEAVY_WARM_MS = 100
TARGET_COLD_MS = 300
TARGET_HEAVY_COLD_MS = 800
TARGET_PERIOD_MS = 150
TARGET_LOAD_FLOOR_RATIO = 2.0
TARGET_LOAD_RATIO = 1.5
STATIONS = ("Shell Hauptstraße", "Aral A9", "Esso Ring", "Total Nord", "JET Süd", "bft 100%")
BRANDS = ("Shell", "Aral", "Esso", "Total", "JET", "")
GRADES = ("E10", "E5", "Super Plus", "Diesel", "")
VEHICLE_NAMES = ("Golf", "Transporter", "V-Strom", "Zoe")
SECTION = "## Analysis pages"
NOTES = """
### What issue 15 changed, and what each change bought

Before, a warm run rebuilt every DuckDB query (a new in-memory connection per query, about
20 ms to open on this machine), every plotly figure (15-25 ms each, validated) and every
chart's CSV bytes on every rerun; only the per-user frame was cached. Measured with this
script on the code just before issue 15 (2026-12-02, load average 1.2 before the page runs
and 2.9 after; floor 3.6 ms typical run, 3.8 ms heavy run):

| page | typical cold | typical warm | typical period | heavy cold | heavy warm | heavy period |
|---|---|---|---|---|---|---|
| Dashboard | 315 (87x) | 235 (65x) | 164 (45x) | 813 (215x) | 233 (62x) | 331 (88x) |
| Overview | 44 (12x) | 31 (9x) | 32 (9x) | 406 (108x) | 82 (22x) | 80 (21x) |
| Consumption | 448 (123x) | 418 (115x) | 410 (113x) | 1677 (444x) | 1622 (430x) | 1023 (271x) |
| Prices | 419 (115x) | 378 (104x) | 371 (102x) | 911 (241x) | 474 (125x) | 368 (97x) |
| Costs | 415 (114x) | 400 (110x) | 405 (112x) | 854 (226x) | 474 (126x) | 428 (113x) |
| Data quality | 101 (28x) | 88 (24x) | n/a | 391 (104x) | 96 (25x) | n/a |

The heavy load was 189 ms against a 104 ms floor in that run (1.8x, the floor inflated by
the machine's load); the same day's first run measured 394 against 163 ms (2.4x), and the
quiet run of 2026-11-26 166 against 41 ms (4.0x). The issue's own figures, from before
issue 12B: warm Dashboard 189, Consumption 419, Prices 379, Costs 355, Overview 29, Data
quality 68 ms.

In the order they were made (each measured on its own; the table above is the result):

1. **One place per number** (fueltracker/metrics.py `Ratio`): consumption, fuel cost per
   km and price per litre are each defined once and rendered into every query by
   `Ratio.sql`; the per-segment values are add_derived's columns. No speed effect; it made
   one query helper (`analytics.Source`) possible.
2. **DuckDB: one cursor per page build** on a database opened once per process, the frame
   registered once (as an Arrow table), instead of a connection per query. The table
   "DuckDB" above: the Consumption page's five queries over a user's whole frame cost
   about 5x (typical user) and 2x (heavy) with a connection per query what they cost with
   a cursor per page run. A connection kept per cached frame is no faster than the cursor
   (registering the frame is cheap next to opening a database), and would hold a DuckDB
   connection per cached user, shared by concurrent runs (a connection is not
   thread-safe), so it was not taken. Arrow instead of the pandas frame: 30 against 38 ms
   for four queries over 80 rows, 81 against 90 over 20,000 (alternating runs in one
   process).
3. **Figures without plotly's validation.** Measured on a 300-point scatter: validated with
   `template="plotly_white"` 25 ms, a prepared `go.layout.Template` object 17 ms (plotly
   still validates and copies it), no template 9 ms, the same figure from dicts with
   `_validate=False` 0.9 ms. plotly's update calls still cost about 1 ms each on an
   unvalidated figure, so charts are drawn as dicts (`charts._Draft`) and built once.
   The typical user's whole-history charts, previous code against this, alternating in one
   process: per-tank consumption 39 -> 11 ms, Dashboard consumption 47 -> 12, spend per
   month 29 -> 4, seasons 29 -> 11. tests/unit/test_charts_fast.py validates every chart
   and requires the validated figure to be identical.
4. **Results cached per (user id, data revision, filter, units)** (`ui/results.py`,
   `st.cache_resource`): a warm run reads only the user row and the cached results;
   `st.cache_data` would unpickle each figure, and plotly validates an unpickled figure
   again (14 ms a figure). The filters read `VehicleFacts` (names and dates) instead of
   the frame. Chart CSVs are made on click. This is the warm column: the typical user's
   pages at 5-13x the floor where they were 9-115x (Consumption 115x -> 13x).
5. **The cold load** (`load_entries_frame`): through the session's DBAPI cursor, numbers
   cast to float8 and dates to day numbers in SQL, fetched in binary format, the frame
   built column by column: the heavy account's load from ~4x its psycopg floor to 1.5-1.9x
   over the runs of 2026-12-02 (the table above: this run's).

### Where the time goes now

- **Warm** (typical 14-37 ms, 5-13x the bare page): the router and sign-in gate (the user
  row is read twice per run, `auth.gate` and `auth.require_user`, about 3 ms each), the
  widgets, and `st.plotly_chart` serialising each cached figure (`Figure.to_dict` deep-
  copies it, then JSON): about half of a warm Consumption run (cProfile). A heavy user's
  year holds ~730 fill-ups, so its warm pages cost little more. Next lever, not needed for
  the targets: hand st.plotly_chart a figure whose dict is prepared once.
- **Period change** (a new filter over the cached frame, typical 46-138 ms): the page's
  queries (2-6 ms each over a period's rows) and figures (4-12 ms each), on top of the warm
  run. The Consumption page is the dearest (three cached parts: the page, the per-tank
  chart of its slider, the year over year of its vehicle pick; one query fewer since the
  measured vehicles are read off the derived column).
- **Cold** adds the user's load and derive and the filters' facts: typical 4-10 + 3 ms,
  heavy 90-135 + 8-10 ms (its psycopg floor 55-70 ms: PostgreSQL's 12 ms plus psycopg
  making 20,000 tuples of Python values; the rest is building the columns, about 30 ms),
  then the page's build over the period.

### Earlier findings that still hold

**The heavy user's cold time and the sidebar.** A first run of this benchmark (before issue
15) measured 610-943 ms cold for the heavy user: the sidebar passed the CSV of all
fill-ups as the download button's `data`, so every cold run formatted 20,000 rows. The
button gets a callable since (fueltracker/ui/layout.py); the chart buttons do the same
now.

**Row-level security does not defeat the index.** The policy's `user_id = app.user_id`
becomes a One-Time Filter, and `user_id = <id>` (int8eq, leakproof) stays an index
condition: for the typical user the planner ANDs `ix_fuel_entries_user_date` with
`ix_fuel_entries_vehicle_date` per vehicle (300 heap blocks, one per row: the rows are
scattered across the table by date, as in production). For the heavy user it drives from
the 4 vehicles through `ix_fuel_entries_vehicle_date` and filters `user_id` (the join
condition `vehicles.user_id = :id` makes the vehicle index alone enough); both are index
scans with no leakproof problem, unlike the History keyset comparison above. No migration
is needed.
"""


# --------------------------------------------------------------------------- databases


def bench_databases() -> tuple[str, str]:
    """SQLAlchemy URLs of the big and the small bench database (created if missing), on the
    configured server or the embedded one. Read before the app is pointed at the bench."""
    from sqlalchemy.engine import make_url

    from fueltracker.config import Settings
    from fueltracker.embedded import ensure_database, start_server

    configured = Settings().database_url
    if not configured:
        server = start_server(Settings().data_dir / "pgdata")
        return ensure_database(server, BIG_DB), ensure_database(server, SMALL_DB)
    base = make_url(configured)
    admin = base.set(database="postgres").render_as_string(hide_password=False)
    urls = []
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        for name in (BIG_DB, SMALL_DB):
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
            urls.append(base.set(database=name).render_as_string(hide_password=False))
    return urls[0], urls[1]


# --------------------------------------------------------------------------- data


def user_row_counts(users: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Fill-ups per regular user: the first (the typical user) has TYPICAL_ROWS, the others a
    skewed spread (gamma) summing to exactly `rows` in all."""
    rest = rows - TYPICAL_ROWS
    weights = rng.gamma(1.2, 1.0, users - 1)
    counts = np.maximum(2, np.floor(weights / weights.sum() * rest)).astype(np.int64)
    diff = rest - int(counts.sum())
    while diff != 0:  # spread the rounding over random users, keeping everyone at >= 2
        picks = rng.integers(0, users - 1, abs(diff))
        if diff > 0:
            np.add.at(counts, picks, 1)
        else:
            ok = picks[counts[picks] > 2]
            np.add.at(counts, ok, -1)
        diff = rest - int(counts.sum())
    return np.concatenate([[TYPICAL_ROWS], counts])


def plan_accounts(
    users: int, rows: int, heavy_rows: int, small: bool
) -> tuple[list[str], list[int], list[int]]:
    """(usernames, fill-ups per user, vehicles per user). Deterministic: the small plan is
    the first users of the big one (same typical user, same rows), up to SMALL_ROWS."""
    rng = np.random.default_rng(1_000_000)
    counts = user_row_counts(users, rows, rng)
    vehicles = rng.integers(1, 3, users)  # 1 or 2
    vehicles[0] = 2
    names = [f"bench_u{i:05d}" for i in range(users)]
    if small:
        keep = int(np.searchsorted(np.cumsum(counts), SMALL_ROWS)) + 1
        return names[:keep], counts[:keep].tolist(), vehicles[:keep].tolist()
    return (
        names + [HEAVY_USER],
        counts.tolist() + [heavy_rows],
        vehicles.tolist() + [HEAVY_VEHICLES],
    )


def entries_frame(
    user_ids: list[int],
    counts: list[int],
    vehicle_ids: list[list[int]],
) -> pd.DataFrame:
    """The fill-ups, generated vectorised: per vehicle, one fill-up every few days ending
    about today, increasing odometer, volume from distance and consumption, ~10% partial,
    ~1% missed_previous. Sorted by date (the order years of use would store them in)."""
    today = dt.date.today()
    user_col, vehicle_col, count_col = [], [], []
    for uid, count, cars in zip(user_ids, counts, vehicle_ids, strict=True):
        share = np.full(len(cars), count // len(cars))
        share[: count % len(cars)] += 1
        for car, n in zip(cars, share, strict=True):
            user_col.append(uid)
            vehicle_col.append(car)
            count_col.append(int(n))
    # One generator per column, and the typical user first: their rows are the same in the
    # small and the big database (a column's first draws do not depend on the row count).
    seeds = iter(range(20_000, 20_100))

    class _Rng:
        def __getattr__(self, name):
            return getattr(np.random.default_rng(next(seeds)), name)

    rng = _Rng()
    n_vehicles = len(vehicle_col)
    count_arr = np.array(count_col)
    total = int(count_arr.sum())
    # Days between fill-ups of a vehicle; the heavy account's fleet fills up every 2 days.
    step_col = np.where(count_arr >= 2000, 2, rng.integers(2, 15, n_vehicles))
    vehicle_index = np.repeat(np.arange(n_vehicles), count_arr)
    starts = np.concatenate([[0], np.cumsum(count_arr)[:-1]])
    k = np.arange(total) - np.repeat(starts, count_arr)  # position within the vehicle
    remaining = np.repeat(count_arr, count_arr) - 1 - k  # fill-ups after this one
    days_ago = remaining * step_col[vehicle_index] + (rng.random(total) < 0.3)
    date = np.datetime64(today) - days_ago.astype("timedelta64[D]")
    distance = rng.uniform(300, 700, total)
    first_odometer = rng.uniform(5_000, 150_000, n_vehicles)
    cumulative = np.cumsum(distance)
    group_base = np.repeat(cumulative[starts] - distance[starts], count_arr)
    odometer = np.round(first_odometer[vehicle_index] + cumulative - group_base, 1)
    consumption = rng.uniform(4.5, 11.0, n_vehicles)[vehicle_index]
    volume = np.clip(
        np.round(distance * consumption / 100 * rng.uniform(0.93, 1.07, total), 3), 1.0, 150.0
    )
    price = rng.uniform(1.45, 1.95, total)
    frame = pd.DataFrame(
        {
            "user_id": np.array(user_col)[vehicle_index],
            "vehicle_id": np.array(vehicle_col)[vehicle_index],
            "date": date,
            "odometer_km": odometer,
            "volume_l": volume,
            "total_amount": np.round(volume * price, 2),
            "station": np.array(STATIONS)[rng.integers(0, len(STATIONS), total)],
            "brand": np.array(BRANDS)[rng.integers(0, len(BRANDS), total)],
            "grade": np.array(GRADES)[rng.integers(0, len(GRADES), total)],
            "notes": np.where(rng.random(total) < 0.05, "road trip", ""),
            "is_full": np.where(rng.random(total) < 0.10, "f", "t"),
            "missed_previous": np.where(rng.random(total) < 0.01, "t", "f"),
        }
    )
    return frame.sort_values(["date", "user_id"], kind="stable")


def copy_csv(cursor, statement: str, frame: pd.DataFrame) -> None:
    """COPY `frame` as CSV (empty field = NULL) in chunks."""
    with cursor.copy(statement) as copy:
        for start in range(0, len(frame), 100_000):
            buffer = io.StringIO()
            frame.iloc[start : start + 100_000].to_csv(
                buffer, header=False, index=False, float_format="%.3f"
            )
            copy.write(buffer.getvalue())


def seed(url: str, plan: tuple[list[str], list[int], list[int]]) -> tuple[bool, float]:
    """Seed `url` with `plan` unless it already holds exactly that; (seeded?, seconds)."""
    import bcrypt

    names, counts, n_vehicles = plan
    expected_users, expected_rows = len(names), sum(counts)
    with psycopg.connect(libpq_url(url)) as owner:
        have_users = fetch_one(owner.execute("SELECT count(*) FROM users"))[0]
        have_rows = fetch_one(owner.execute("SELECT count(*) FROM fuel_entries"))[0]
        have_typical = fetch_one(
            owner.execute(
                "SELECT count(*) FROM fuel_entries f JOIN users u ON u.id = f.user_id "
                "WHERE u.username = %s",
                (TYPICAL_USER,),
            )
        )[0]
    if (have_users, have_rows, have_typical) == (expected_users, expected_rows, TYPICAL_ROWS):
        return False, 0.0
    start = time.perf_counter()
    # One hash for every bench account: they never sign in (bcrypt costs ~0.2 s per hash).
    password_hash = bcrypt.hashpw(secrets.token_bytes(24), bcrypt.gensalt()).decode()
    with psycopg.connect(libpq_url(url)) as owner, owner.cursor() as cursor:
        # A dedicated database: start from empty.
        cursor.execute(
            "TRUNCATE fuel_entries, vehicles, users, login_attempts RESTART IDENTITY CASCADE"
        )
        users_frame = pd.DataFrame(
            {"username": names, "display_name": names, "password_hash": password_hash}
        )
        copy_csv(
            cursor,
            "COPY users (username, display_name, password_hash) FROM STDIN (FORMAT csv)",
            users_frame,
        )
        ids: dict[str, int] = dict(cursor.execute("SELECT username, id FROM users").fetchall())
        user_ids = [ids[name] for name in names]
        cars = pd.DataFrame(
            {
                "user_id": np.repeat(user_ids, n_vehicles),
                "name": [VEHICLE_NAMES[i] for n in n_vehicles for i in range(n)],
            }
        )
        copy_csv(cursor, "COPY vehicles (user_id, name) FROM STDIN (FORMAT csv)", cars)
        by_owner: dict[int, list[int]] = {}
        for vehicle_id, user_id in cursor.execute(
            "SELECT id, user_id FROM vehicles ORDER BY id"
        ).fetchall():
            by_owner.setdefault(user_id, []).append(vehicle_id)
        frame = entries_frame(user_ids, counts, [by_owner[u] for u in user_ids])
        copy_csv(
            cursor,
            "COPY fuel_entries (user_id, vehicle_id, date, odometer_km, volume_l, "
            "total_amount, station, brand, grade, notes, is_full, missed_previous) "
            "FROM STDIN (FORMAT csv)",
            frame,
        )
        owner.commit()
    with psycopg.connect(libpq_url(url), autocommit=True) as owner:
        owner.execute("VACUUM ANALYZE users")
        owner.execute("VACUUM ANALYZE vehicles")
        owner.execute("VACUUM ANALYZE fuel_entries")
    return True, time.perf_counter() - start


def user_id_of(url: str, username: str) -> tuple[int, int]:
    """(id, fill-up count) of a bench account."""
    with psycopg.connect(libpq_url(url)) as owner:
        user_id, count = fetch_one(
            owner.execute(
                "SELECT u.id, count(f.id) FROM users u "
                "LEFT JOIN fuel_entries f ON f.user_id = u.id "
                "WHERE u.username = %s GROUP BY u.id",
                (username,),
            )
        )
        return user_id, count


# --------------------------------------------------------------------------- measures


def captured_load_sql(engine, user_id: int) -> tuple[str, dict]:
    """The SELECT load_entries_frame runs (SQL text and parameters). It runs it on the
    session's DBAPI cursor, out of SQLAlchemy's sight, so the text comes from the service."""
    from fueltracker.services import history

    return history.entries_sql(engine.dialect), {"user_id": user_id}


def explain_load(engine, user_id: int) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the per-user load, as the app runs it (app role, scoped)."""
    from sqlalchemy import text

    from fueltracker.db import scope_to_user, session_scope

    statement, parameters = captured_load_sql(engine, user_id)
    with session_scope(engine) as session:
        scope_to_user(session, user_id)
        raw = session.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters
        )
        plan = [row[0] for row in raw]
        role = session.execute(text("SELECT current_user")).scalar_one()
    return f"-- as role {role}, app.user_id = {user_id}\n" + "\n".join(plan)


def derive_ms(engine, user_id: int, repeat: int) -> float:
    """Median ms of metrics.add_derived on the user's entries frame."""
    from fueltracker import metrics
    from fueltracker.db import session_scope
    from fueltracker.services import history

    with session_scope(engine) as session:
        frame = history.load_entries_frame(session, user_id)
    return median_ms(lambda: metrics.add_derived(frame), repeat)


def load_and_floor_ms(url: str, engine, user_id: int, repeat: int) -> tuple[float, float]:
    """Median ms of load_entries_frame in its own transaction (what derived_frame does),
    and of its floor: the same SELECT fetched with plain psycopg (default text format) on
    an open owner connection (no DataFrame, no row-level security, no app transaction; a
    new connection is NOT part of it: the app's pool keeps its connections). The two run
    alternately, so that a busy moment of the machine weighs on both alike."""
    from fueltracker.db import session_scope
    from fueltracker.services import history

    statement, parameters = captured_load_sql(engine, user_id)
    with psycopg.connect(libpq_url(url)) as owner:

        def fetch():
            with owner.cursor() as cursor:
                cursor.execute(statement, parameters)
                cursor.fetchall()
            owner.rollback()

        def load():
            with session_scope(engine) as session:
                history.load_entries_frame(session, user_id)

        loads: list[float] = []
        floors: list[float] = []
        load()
        fetch()
        for _ in range(repeat):
            for action, times in ((load, loads), (fetch, floors)):
                start = time.perf_counter()
                action()
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(loads), statistics.median(floors)


# A page of one element: what any Streamlit rerun costs on this machine at this moment (the
# script runner, the session, the message queue). Every page time is also given as a ratio to
# it, measured in the same run and interleaved with the pages, so that figures taken while
# other processes load the machine can still be compared.
BARE_PAGE = "import streamlit as st\nst.title('Bare page')"
# The period control of each page (the Data quality page has none); a "period change"
# cycles through its presets (ui/periods.py, the custom range aside): a new filter over the
# same, already loaded, data.
PERIOD_KEYS = {
    "Dashboard": "dashboard_period",
    "Overview": "overview_period",
    "Consumption": "consumption_period",
    "Prices": "prices_period",
    "Costs": "costs_period",
}


def _timed(app) -> float:
    start = time.perf_counter()
    app.run()
    if app.exception:
        raise SystemExit(f"page failed: {app.exception[0].message}")
    return (time.perf_counter() - start) * 1000


# What page_times measures of one page.
PageKind = Literal["cold", "warm", "period"]
PAGE_KINDS: tuple[PageKind, ...] = ("cold", "warm", "period")


class PageTimes(TypedDict):
    cold: float
    warm: float
    period: float | None
    floor: float


def page_times(user_id: int, repeat: int) -> dict[str, PageTimes]:
    """{page: {"cold", "warm", "period" (None without a period control), "floor"}}: medians in
    ms of the AppTest script run of each page. Cold: every cache cleared (st.cache_data holds
    the user's frame, st.cache_resource the results and figures). Warm: the next run. Period:
    the run after picking another period preset on a warm page, the results cache cleared
    first so that every pick is a filter never seen (the frame stays cached: same data).
    Floor: the bare one-element page, run between the page's runs."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from fueltracker.ui import periods

    bare = AppTest.from_string(BARE_PAGE, default_timeout=60)
    bare.run()
    app = AppTest.from_file(str(HARNESS), default_timeout=300)
    sign_in_state(app, user_id)
    app.run()
    results: dict[str, PageTimes] = {}
    for label, script in PAGES.items():
        app.switch_page(str(script)).run()  # warm-up: first run of the page in this session
        if app.exception:
            raise SystemExit(f"{label} failed: {app.exception[0].message}")
        cold: list[float] = []
        warm: list[float] = []
        period: list[float] = []
        floor: list[float] = []
        for _ in range(repeat):
            st.cache_data.clear()
            st.cache_resource.clear()
            cold.append(_timed(app))
            warm.append(_timed(app))
            floor.append(_timed(bare))
        key = PERIOD_KEYS.get(label)
        if key is not None:
            presets = (
                periods.DASHBOARD_PRESETS
                if label == "Dashboard"
                else tuple(p for p in periods.ANALYSIS_PRESETS if p != periods.CUSTOM)
            )
            current = app.segmented_control(key=key).value
            choices = [p for p in presets if p != current]
            for number in range(repeat):
                app.run()  # warm
                st.cache_resource.clear()
                app.segmented_control(key=key).set_value(choices[number % len(choices)])
                period.append(_timed(app))
                floor.append(_timed(bare))
            app.segmented_control(key=key).set_value(current)
            app.run()
        results[label] = {
            "cold": statistics.median(cold),
            "warm": statistics.median(warm),
            "period": statistics.median(period) if period else None,
            "floor": statistics.median(floor),
        }
    return results


def duckdb_strategies(engine, user_id: int, repeat: int) -> dict[str, float]:
    """Median ms of the Consumption page's five queries over one user's whole frame, four
    ways: a new in-memory connection per query (as before issue 15), one connection per page
    run (the frame registered once), one kept open per cached frame (queries only), and one
    cursor per page run on a database opened once per process (analytics.Source)."""
    import duckdb

    from fueltracker import analytics, metrics
    from fueltracker.db import session_scope
    from fueltracker.services import history

    with session_scope(engine) as session:
        derived = metrics.add_derived(history.load_entries_frame(session, user_id))
    frame = analytics.query_frame(derived)
    statements = [
        analytics._CONSUMPTION_SERIES_SQL.replace("$window", "0"),
        analytics._CONSUMPTION_SERIES_SQL.replace("$window", "4"),
        analytics._MONTHLY_SQL,
        analytics._MONTH_OF_YEAR_SQL,
        analytics._SEASON_SQL,
    ]

    def per_query():
        for sql in statements:
            connection = duckdb.connect(":memory:")
            connection.register("derived", frame)
            connection.execute(sql).df()
            connection.close()

    def per_run():
        connection = duckdb.connect(":memory:")
        connection.register("derived", frame)
        for sql in statements:
            connection.execute(sql).df()
        connection.close()

    kept = duckdb.connect(":memory:")
    kept.register("derived", frame)

    def per_frame():
        for sql in statements:
            kept.execute(sql).df()

    database = duckdb.connect(":memory:", config={"threads": 1})

    def cursor_per_run():
        cursor = database.cursor()
        cursor.register("derived", frame)
        for sql in statements:
            cursor.execute(sql).df()
        cursor.close()

    try:
        return {
            "per query": median_ms(per_query, repeat),
            "per run": median_ms(per_run, repeat),
            "per cached frame": median_ms(per_frame, repeat),
            "cursor per run": median_ms(cursor_per_run, repeat),
        }
    finally:
        kept.close()
        database.close()


def profile_cold(user_id: int, label: str, top: int = 10) -> str:
    """cProfile of one cold run of page `label`: the top functions by own time, then the
    project's functions by cumulative time. AppTest runs the script in a thread of its own,
    which a profiler enabled here would not see: the profiler is switched on inside that
    thread, around the harness's runpy.run_path of app.py."""
    import runpy

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(HARNESS), default_timeout=300)
    sign_in_state(app, user_id)
    app.run()
    app.switch_page(str(PAGES[label])).run()
    st.cache_data.clear()
    st.cache_resource.clear()
    profiler = cProfile.Profile()
    run_path = runpy.run_path

    def profiled(*args, **kwargs):
        profiler.enable()
        try:
            return run_path(*args, **kwargs)
        finally:
            profiler.disable()

    runpy.run_path = profiled
    try:
        app.run()
    finally:
        runpy.run_path = run_path
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(re.escape(str(ROOT)) + "/(fueltracker|pages)/", top)
    text_out = out.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")
    text_out = re.sub(r"lib/python3\.\d+/site-packages/", "", text_out)
    return "\n".join(line.rstrip() for line in text_out.splitlines() if line.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--heavy-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--write", type=Path, help="Markdown file to record the figures in")
    args = parser.parse_args()

    big_url, small_url = bench_databases()
    # Point the app at the bench before it reads its settings.
    os.environ["FUELTRACKER_DATABASE_URL"] = big_url
    os.environ["FUELTRACKER_COOKIE_KEY"] = secrets.token_urlsafe(36)  # 48 characters
    from fueltracker import config, db
    from fueltracker.migrate import upgrade_to_head

    config.get_settings.cache_clear()
    db.get_engine.cache_clear()

    seeding = {}
    for name, url, small in (("small", small_url, True), ("big", big_url, False)):
        upgrade_to_head(url)
        plan = plan_accounts(args.users, args.rows, args.heavy_rows, small)
        seeded, seconds = seed(url, plan)
        seeding[name] = (len(plan[0]), sum(plan[1]), seeded, seconds)
        print(
            f"{name}: {len(plan[0]):,} users, {sum(plan[1]):,} fill-ups "
            + (f"seeded in {seconds:.1f} s" if seeded else "(already seeded)"),
            flush=True,
        )

    big_engine, small_engine = db.get_engine(big_url), db.get_engine(small_url)
    typical_id, typical_rows = user_id_of(big_url, TYPICAL_USER)
    heavy_id, heavy_rows = user_id_of(big_url, HEAVY_USER)
    small_typical_id, small_typical_rows = user_id_of(small_url, TYPICAL_USER)
    assert typical_rows == small_typical_rows == TYPICAL_ROWS

    typical_plan = explain_load(big_engine, typical_id)
    print(
        "\nEXPLAIN ANALYZE of the per-user load, typical user, 1M-row table:\n"
        + typical_plan
        + "\n"
    )
    heavy_plan = explain_load(big_engine, heavy_id)
    index_used = "ix_fuel_entries_user_date" in typical_plan
    load_repeat = max(args.repeat * 3, 15)
    loads = {}
    for name, url, engine, user_id, repeat in (
        ("small", small_url, small_engine, small_typical_id, load_repeat),
        ("big", big_url, big_engine, typical_id, load_repeat),
        ("heavy", big_url, big_engine, heavy_id, max(args.repeat, 7)),
    ):
        loads[f"load_{name}"], loads[f"floor_{name}"] = load_and_floor_ms(
            url, engine, user_id, repeat
        )
    loads |= {
        "derive_typical": derive_ms(big_engine, typical_id, load_repeat),
        "derive_heavy": derive_ms(big_engine, heavy_id, args.repeat),
    }
    ratio = loads["load_big"] / loads["load_small"]
    for key, value in loads.items():
        print(f"{key:<16} {value:8.1f} ms")
    print(f"load 1M / 10k = {ratio:.2f}", flush=True)

    strategies = {}
    from fueltracker import analytics

    if hasattr(analytics, "query_frame"):  # the code before issue 15 has no such helper
        strategies = {
            "typical": duckdb_strategies(big_engine, typical_id, load_repeat),
            "heavy": duckdb_strategies(big_engine, heavy_id, args.repeat),
        }
        for who, times in strategies.items():
            print(f"DuckDB, {who}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in times.items()))

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode chatter
    load_before = os.getloadavg()
    pages = {
        "typical": page_times(typical_id, args.repeat),
        "heavy": page_times(heavy_id, max(3, args.repeat // 2 + 1)),
    }
    load_after = os.getloadavg()
    floors = {who: statistics.median(p["floor"] for p in pages[who].values()) for who in pages}
    print(
        f"\nbare page (floor): typical run {floors['typical']:.1f} ms, "
        f"heavy run {floors['heavy']:.1f} ms; load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after the page runs"
    )
    print(
        f"{'page':<14} "
        + " ".join(
            f"{h:>17}"
            for h in (
                "typ cold",
                "typ warm",
                "typ period",
                "heavy cold",
                "heavy warm",
                "heavy period",
            )
        )
    )
    for label in PAGES:
        cells = [
            cell(pages[who][label][kind], floors[who])
            for who in ("typical", "heavy")
            for kind in PAGE_KINDS
        ]
        print(f"{label:<14} " + " ".join(f"{c:>17}" for c in cells))

    typical, heavy = pages["typical"].values(), pages["heavy"].values()
    verdicts = {
        "warm": all(p["warm"] <= TARGET_WARM_MS for p in typical),
        "heavy_warm": all(p["warm"] <= TARGET_HEAVY_WARM_MS for p in heavy),
        "cold": all(p["cold"] <= TARGET_COLD_MS for p in typical),
        "heavy": all(p["cold"] <= TARGET_HEAVY_COLD_MS for p in heavy),
        "period": all(p["period"] <= TARGET_PERIOD_MS for p in typical if p["period"] is not None),
        "ratio": ratio <= TARGET_LOAD_RATIO,
        "load_floor": loads["load_heavy"] / loads["floor_heavy"] <= TARGET_LOAD_FLOOR_RATIO,
    }
    print("targets:", {k: ("met" if v else "MISSED") for k, v in verdicts.items()})
    print(f"ix_fuel_entries_user_date in the plan: {index_used}")

    profile = ""
    slowest = max(PAGES, key=lambda label: pages["heavy"][label]["cold"])
    if not args.no_profile:
        profile = profile_cold(heavy_id, slowest)
        print(f"\ncProfile, cold {slowest}, heavy user:\n{profile}")

    if args.write:
        with psycopg.connect(libpq_url(big_url)) as conn:
            postgres = fetch_one(conn.execute("SHOW server_version"))[0]
        write_report(
            args.write,
            args,
            seeding,
            loads,
            ratio,
            pages,
            floors,
            (load_before, load_after),
            strategies,
            verdicts,
            typical_plan,
            heavy_plan,
            slowest,
            profile,
            postgres,
            (typical_rows, heavy_rows),
        )
        print(f"wrote {args.write}")
    return 0 if all(verdicts.values()) else 1


def cell(ms: float | None, floor: float) -> str:
    """A time with its ratio to the bare page measured in the same run: "52 (17x)"."""
    return "n/a" if ms is None else f"{ms:.0f} ({ms / floor:.0f}x)"


def write_report(
    path: Path,
    args,
    seeding,
    loads,
    ratio,
    pages,
    floors,
    load_average,
    strategies,
    verdicts,
    plan,
    heavy_plan,
    slowest,
    profile,
    postgres,
    row_counts,
) -> None:
    """Replace (or append) the analysis section of `path`, keeping everything before it."""
    info = machine()
    mark = {True: "met", False: "**missed**"}
    typical_rows, heavy_rows = row_counts
    page_rows = "\n".join(
        f"| {label} | "
        + " | ".join(
            cell(pages[who][label][kind], floors[who])
            for who in ("typical", "heavy")
            for kind in PAGE_KINDS
        )
        + " |"
        for label in PAGES
    )
    strategy_rows = "\n".join(
        f"| {name} | {strategies['typical'][name]:.1f} | {strategies['heavy'][name]:.1f} |"
        for name in strategies.get("typical", {})
    )
    big_users, big_rows, big_seeded, big_seconds = seeding["big"]
    seed_note = f"this run: seeded in {big_seconds:.1f} s" if big_seeded else "this run: skipped"
    small_users, small_rows, _, _ = seeding["small"]
    load_floor = loads["load_heavy"] / loads["floor_heavy"]
    targets = (
        (f"typical user, every page warm at most {TARGET_WARM_MS} ms", "warm", ""),
        (f"heavy user, every page warm at most {TARGET_HEAVY_WARM_MS} ms", "heavy_warm", ""),
        (f"typical user, every page cold at most {TARGET_COLD_MS} ms", "cold", ""),
        (f"heavy user, every page cold at most {TARGET_HEAVY_COLD_MS} ms", "heavy", ""),
        (
            f"typical user, a period change on a warm page at most {TARGET_PERIOD_MS} ms",
            "period",
            "",
        ),
        (
            f"heavy user's load within {TARGET_LOAD_FLOOR_RATIO:.0f}x of its psycopg floor",
            "load_floor",
            f" ({load_floor:.2f}x)",
        ),
        (
            f"load with {big_rows:,} rows within {TARGET_LOAD_RATIO}x of {small_rows:,} rows",
            "ratio",
            f" ({ratio:.2f}x)",
        ),
    )
    target_rows = "\n".join(
        f"| {what} | {mark[verdicts[key]]}{figure} |" for what, key, figure in targets
    )
    section = f"""{SECTION}

Measured by `scripts/bench_analysis.py` (`make bench`) on {dt.date.today().isoformat()},
on the machine described above (History section); load average (1 min) {load_average[0][0]:.2f}
before the page runs and {load_average[1][0]:.2f} after them.

### Setup

- Database `{BIG_DB}`: {big_users:,} accounts, {big_rows:,} fill-ups ({args.rows:,} over
  {args.users:,} accounts with 1-2 vehicles each, plus one heavy account with
  {args.heavy_rows:,} over {HEAVY_VEHICLES} vehicles), seeded with COPY as the owner,
  stored in date order across accounts (a user's rows scattered over the table, as years of
  use leave them), then VACUUM ANALYZE. Seeding the 1,020,000 rows takes about 26 s here (users,
  vehicles and fill-ups COPYed as CSV, one bcrypt hash shared by every account); a re-run
  finding the same counts skips it ({seed_note}).
- Database `{SMALL_DB}`: {small_users} accounts, {small_rows:,} fill-ups, including the
  typical user with the same {typical_rows} rows: the "10,000 rows" side of the load ratio.
- Typical user: {typical_rows} fill-ups over 2 vehicles. Heavy user: {heavy_rows:,}.
- Page times are the whole script run as streamlit's AppTest runs it (router, sign-in gate,
  page), medians of {args.repeat} runs (heavy user: {max(3, args.repeat // 2 + 1)}) after a
  warm-up. *Cold*: every Streamlit cache cleared just before the run (`st.cache_data`: the
  user's derived frame; `st.cache_resource`: the pages' results and figures), so the run
  loads the user's fill-ups, derives every value and builds every result; the database's
  own buffer cache stays warm. *Warm*: the next run. *Period*: another period preset picked
  on a warm page, the results cache cleared first (a filter never seen, the same data: the
  frame stays cached); Data quality has no period.
- *Floor*: a bare Streamlit page of one element (`st.title`), run through AppTest between
  the page runs: what any rerun costs on this machine at that moment. Each time is followed
  by its ratio to that floor, e.g. `52 (17x)`; the floor of the typical user's runs was
  {floors["typical"]:.1f} ms, of the heavy user's {floors["heavy"]:.1f} ms.
- Loads are medians of {max(args.repeat * 3, 15)} runs (heavy: {max(args.repeat, 7)}), each in
  its own transaction, alternating with their floor: the same SELECT as
  `load_entries_frame`'s fetched with plain psycopg (default text format) on an open owner
  connection: no DataFrame, no row-level security, no transaction of the app's. The
  service itself fetches in binary format.
- Machine: {info["nproc"]} CPUs ({info["cpu"]}), {info["ram"]} RAM, Python {info["python"]},
  PostgreSQL {postgres}.

### Figures

Page script times, milliseconds:

| page | typical cold | typical warm | typical period | heavy cold | heavy warm | heavy period |
|---|---|---|---|---|---|---|
| bare page (floor) | {floors["typical"]:.1f} | | | {floors["heavy"]:.1f} | | |
{page_rows}

Per-user load, milliseconds:

| measure | ms |
|---|---|
| `load_entries_frame`, typical user, {small_rows:,} rows in the table | {loads["load_small"]:.1f} |
| `load_entries_frame`, typical user, {big_rows:,} rows in the table | {loads["load_big"]:.1f} |
| `load_entries_frame`, heavy user | {loads["load_heavy"]:.1f} |
| floor (psycopg fetch), typical user, {small_rows:,} rows | {loads["floor_small"]:.1f} |
| floor (psycopg fetch), typical user, {big_rows:,} rows | {loads["floor_big"]:.1f} |
| floor (psycopg fetch), heavy user | {loads["floor_heavy"]:.1f} |
| `metrics.add_derived`, typical user | {loads["derive_typical"]:.1f} |
| `metrics.add_derived`, heavy user | {loads["derive_heavy"]:.1f} |

DuckDB, the Consumption page's five queries over the user's frame, milliseconds:

| connection | typical user | heavy user |
|---|---|---|
{strategy_rows}

### Targets

| target | result |
|---|---|
{target_rows}

ANALYSIS_NOTES

### The per-user load under row-level security

EXPLAIN ANALYZE of `load_entries_frame`'s SELECT as the app runs it (role fueltracker_app,
`app.user_id` set, row-level security on), typical user, {big_rows:,} rows:

```
{plan}
```

Heavy user:

```
{heavy_plan}
```

### Where the time goes

cProfile of one cold run of the slowest cold page ({slowest}, heavy user); paths shortened:

```
{profile.strip()}
```
"""
    section = section.replace("ANALYSIS_NOTES", NOTES.strip())
    replace_section(path, SECTION, section)


if __name__ == "__main__":
    raise SystemExit(main())
