"""Load and soak test: N concurrent sessions against one app server, or against 1 and 2
replicas behind the sticky proxy of docs/deploy.md, with the server's own timing of every
script run beside the clients' step times, and a replica lost during a run.

    python scripts/load.py --replicas 1,2 --sessions 10,20 --failover 10
                           [--browsers 1] [--rounds 2] [--write docs/performance.md]  # make load
    python scripts/load.py --sessions 10 --duration 180 [--write docs/performance.md]  # soak

It
1. uses the PostgreSQL of FUELTRACKER_BENCH_DATABASE_URL, else database
   `fueltracker_bench_load` on the embedded server under data/ (the bench's server), migrates
   it and seeds it with scripts/bench_analysis.py's functions (--seed-rows fill-ups over
   seed-rows/100 accounts; skipped when the counts already match). A dedicated database: the
   rows a run adds never change the analysis benchmark's counts, and they are deleted at the
   end (--keep keeps them), so the next run skips the seeding;
2. gives the accounts it drives (the seeded users nearest 300 fill-ups, one per session plus
   one for the warm-up) a password of this run (one bcrypt hash);
3. per configuration: without --replicas, ONE app server (`python -m fueltracker.ui.server`,
   127.0.0.1, a port in 18800-18849) driven directly, or --url (loopback only); with
   --replicas 1,2, that many app servers (same cookie key and Streamlit cookie secret)
   behind Debian's Caddy running deploy/Caddyfile unchanged (the file docs/deploy.md shows
   and the compose "scale" profile mounts; its variables name 127.0.0.1 and the replicas),
   every session going through the proxy; each replica warmed up by one journey first;
4. runs the levels one after another: per level N sessions, the first --browsers of them
   real browsers (contexts of ONE headless Debian Chromium, niceness --client-nice so that
   they do not starve the servers they measure), the others wire sessions
   (scripts/loadwire.py: Streamlit's websocket protocol, no browser), all driven from one
   asyncio loop. Each session repeats the journey open -> sign in (lands on the Dashboard)
   -> Log fill-up -> save a fill-up (recorded as saved only when the page says "Saved.") ->
   History -> Consumption -> Dashboard (its headline figures are read) -> sign out,
   --rounds times, or until --duration runs out (soak);
5. times each step on the client from the action to "fully drawn" (the browser tests'
   Settle criterion: no script run going on, no spinner or skeleton, no websocket frame for
   0.75 s; the time is taken at the last frame), and on the server: each replica logs every
   script run's wait and duration with the session's tag (fueltracker/ui/run_timing.py);
   a step's server time is the time its session's runs requested during the step were
   waiting or running (the sum of wait + duration when they follow one another; overlapping
   runs count once: loadlib.attribute_runs);
6. samples the servers' RSS (/proc/PID/status): the baseline after the warm-up, then per
   level once all its sessions are signed in (the figure: the growth over the baseline per
   session) and every 0.5 s for the peak; counts PostgreSQL's client backends; adds up the
   CPU time of the servers, the proxy and the clients (/proc/PID/stat);
7. --failover N (with 2+ replicas): a level of N sessions during which the replica of the
   first browser is killed (SIGKILL) when that browser has reached History; every session
   that loses its websocket must reconnect through the proxy to another replica and still
   be signed in (the re-auth cookie); the browser also downloads its fill-ups and uploads
   its canonical export on the Import page through the proxy, before and after the move
   (the download's URL asked of the other replica directly must fail: the files live in
   the session's replica, so the stickiness is what makes them work);
8. verifies: every fill-up a page confirmed is in the database exactly once (by user,
   vehicle, date, odometer), no other row appeared for the driven users, and the Dashboard
   figures each session saw last equal a recomputation from scratch (a fresh load of the
   rows, metrics.add_derived, views.dashboard_figures over the same period, formatted as the page
   formats them);
9. prints the tables and, with --write, replaces the "Load" (or "Soak") section of the file.

Targets (figures, not assertions): server-side p95 of every step under 1 s at 20 sessions
with 2 replicas, server memory under 10 MB per open session, no errors; failover loses
nothing. Exit status 1 when the integrity or the failover check fails (or a step errored
in a soak), 2 for refused arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import math
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/load.py`

import psycopg

from scripts import loadlib, loadstack, loadwire
from scripts.benchlib import libpq_url, machine
from scripts.browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright, ViewportSize

LOAD_DB = "fueltracker_bench_load"
TYPICAL_ROWS = 300
DISTANCE_PER_TANK_KM = 450
PRICE_PER_L = Decimal("1.70")
ANALYSIS_PAGE = "Consumption"
DASHBOARD_PERIOD = "Last 12 months"  # the Dashboard's default period
QUIET_MS = 750  # tests/e2e/browser.py Settle.QUIET_S
STEP_TIMEOUT_MS = 60_000
RECONNECT_TIMEOUT_S = 60.0
VIEWPORT = "1280x800"
SAMPLE_EVERY_S = 0.5
# POSIX time of a monotonic instant: the servers log POSIX times, the clients measure with
# the monotonic clock (same machine).
WALL_OFFSET_S = time.time() - time.monotonic()

# Settle inside the page: the time of the last websocket frame (either direction) is kept by
# a WebSocket subclass installed before Streamlit's code runs. Polling in the page instead of
# through Playwright saves the round trips that 20 sessions x 10 polls a second would cost
# on the same two CPUs.
WS_HOOK = """
(() => {
  const Native = window.WebSocket;
  window.__ftLastFrame = Date.now();
  class Watched extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__ftLastFrame = Date.now(); });
    }
    send(data) { window.__ftLastFrame = Date.now(); return super.send(data); }
  }
  window.WebSocket = Watched;
})();
"""
SETTLED = """
(quietMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSpinner"], [data-testid="stSkeleton"]')) return false;
  const quiet = Date.now() - window.__ftLastFrame;
  return quiet >= quietMs ? quiet : false;
}
"""
# The start of the app's two error messages (fueltracker/ui/errors.py): unexpected, outage.
APP_ERRORS = ("Something went wrong", "The database is not reachable")

# Measured on 2026-11-26 (py-spy and an A/B run of this script), 2026-12-02 (issue 15: an
# A/B run and cProfile on thread CPU time) and 2026-12-02 (issue 19: this script's run of 1
# against 2 replicas and its servers' timing lines); kept with the figures they explain, as
# bench_analysis.py keeps its notes.
WHERE_TIME_GOES = """
**A step's server time is mostly waiting, not working.** The timing lines split every run
into its wait (from the request to the start of the run), its duration and the CPU of its
own thread. At 20 sessions on 1 replica the 543 runs of the level waited 6 s in all before
starting (p95 0.04 s: Streamlit starts each session's run on its own thread at once), lasted
333 s and used 31 s of CPU: 91 % of the time a run was under way it was not running. 80 s of
that is the re-auth cookie's deliberate 1 s pause at sign-in and at sign-out (below); the
rest is a started run waiting for the GIL held by another session's thread of the same
process, for one of the 2 cores, and for PostgreSQL. With 2 replicas: 544 runs, 5 s of wait,
288 s of duration, 31 s of CPU (89 %). The work itself is small: a run's own CPU is 0.01 s
(the sign-in page, the fill-up form's fragment) to 0.12-0.14 s (Consumption). So the server
p95 of these tables measures queueing, and the wait_s field misses it: the queue is inside
the run, for the GIL and the cores, not before it.

**1 against 2 replicas on 2 cores: the same.** At 20 sessions 57.0 against 60.7 journeys per
minute, at 10 sessions 38.5 against 37.1, the same server CPU per journey (0.86 and 0.88 s
at 20 sessions), server p95 per step within 20 % either way (Dashboard 1.32 -> 1.05 s,
Consumption 1.71 -> 1.54 s, save fill-up 2.12 -> 2.19 s, sign in 3.21 -> 3.84 s). A second
process takes half the sessions off each GIL (a run's duration minus its CPU: 0.56 s on
average with 1 replica, 0.47 s with 2), but the replicas, Caddy, PostgreSQL and the load
clients share the same two cores, with other work on the machine (load average 3.5-6.6
during the levels): servers 35 s, clients 19 s and proxy 1 s of CPU in the 40 s of the
2-replica level at 20 sessions, PostgreSQL on top. A second replica cannot add CPU here; on
a machine where each replica has a core of its own it is what removes the GIL queue, which
this machine cannot show. Caddy's cookie policy places a new session at random (8 and 12 of
20 sessions here), costs about 1 s of CPU per level, and a replica costs its baseline (about
285 MB RSS) and nothing more per session.

**The target, server p95 under 1 s per step at 20 sessions with 2 replicas, is missed on
this machine**: Log fill-up 1.04 s, Dashboard 1.05 s, History 1.09 s, sign out 1.31 s,
Consumption 1.54 s, save fill-up 2.19 s, sign in 3.84 s. Even at 10 sessions only History,
Consumption, Dashboard and Log fill-up were under 1 s. What it would take: (1) sign in and
sign out cannot go under 1 s while the cookie component needs its 1 s pause inside the run
(fueltracker/ui/auth.py; 1.3 s for the sign-in run with nobody else on the server, bcrypt's
0.27 s included): setting the cookie without a pause (from the server's HTTP response, or a
component that reports back once it is set) is outside this issue. (2) The other steps wait
for cores: a journey costs about 0.9 s of server CPU over 8 steps, so 20 sessions clicking
without a pause ask for about 20 x 0.11 = 2.2 s of CPU per round of steps; a p95 under 1 s
needs about 3 cores for the app alone (one replica per core, the GIL holds each process to
about one), with PostgreSQL and the clients elsewhere, or a third of the work per run. A run
of this script with 2 sessions on 2 replicas (load average 1.8) had a server p95 of 0.1-0.3
s for every step but sign in (1.6 s) and sign out (1.0 s). (3) People pause between clicks:
20 signed-in users make far fewer simultaneous runs than 20 sessions of this script.

**Server CPU per journey: 0.86-1.02 s in this run, issue 15's 0.6 s still missed.** It was
1.5-1.7 s in this script's previous run (earlier on 2026-12-02), before the fill-up form
read per-revision facts (a keystroke's fragment run now costs 0.008 s of CPU); a run of this
code ten minutes before this one, at load average 5-10, measured 1.1 s. Per journey at 20
sessions on 1 replica (31 s of script-thread CPU for 40 journeys): sign-in runs 0.26 s
(bcrypt at cost 12, outside the GIL), Log fill-up 0.20 s (three page runs at 0.04 s, three
fragment runs), Consumption 0.14 s, Dashboard 0.13 s (three runs a journey, the one after
the save cold: the save bumps the data revision that keys the results, by design), History
0.05 s; Streamlit's event loop and its other threads about 0.07 s. Without the sign-in,
which a real user does once per visit rather than every 6 clicks, a journey costs about 0.6
s.

**The clients no longer dominate.** With every session in Chromium (the runs before the wire
sessions) the browsers used four to five times the server's CPU (about 6 s of Chromium per
journey against 1.3 s of server) and saturated the two cores at 20 sessions; Chromium's cost
is the pages' JavaScript (React, Arrow decoding, plotly.js), not painting. Now one session
per level is a browser and the others speak the websocket protocol (scripts/loadwire.py):
the clients used 18-19 s of CPU per level, about half the servers' at 20 sessions, and the
browser's step times (Chromium columns) follow the server's. "open" is the browser loading
Streamlit's JavaScript, not server time.

**Fixed earlier: Streamlit's garbage collection after every run.** py-spy (60 s, 5 sessions)
put 32 % of the server's samples in the `gc.collect()` Streamlit runs after each script run
while `runner.postScriptGC` is true; `.streamlit/config.toml` sets it false: server CPU per
journey 2.8 -> 1.4 s and p95 30-50 % lower in an A/B run at 20 sessions, no memory cost
(CPython's generational collector still frees cycles; the soak below shows no growth).
`server.fileWatcherType = "none"` as well: the polling watcher was 5.5 % of the samples and
a deployed app never changes its sources.

**Issue 15 (analysis results cached, figures without validation, cold load by column)**:
measured A/B with this script on a busy machine, server CPU per journey 2.0-2.1 s before,
1.4 s after (-32 %). A cProfile of each server thread then (5 sessions) put Streamlit's
event loop at 31 %, the Log fill-up form at 19 % (half of it its suggestions, recomputed on
every keystroke: now read from the per-revision facts), the Dashboard and Consumption at 14
% each, `st.plotly_chart` serialising figures at 6 %, bcrypt at 4 %, History at 3 %.

**Memory is far inside its target**: 1.3-2.6 MB per open session, 2.9-3.6 MB counting the
level's peak (a session keeps ids and widget values; the per-user frames live in
`st.cache_data`, at most 256 entries); RSS settles a little above the baseline after a level
(and after the soak). PostgreSQL saw 5-11 client backends: the pool (5 + 10 overflow per
replica) is not a limit at 20 sessions. The failover level's memory and CPU figures are not
comparable (a replica and its memory and CPU time leave the sums when it is killed).
""".strip()


def notes() -> str:
    """WHERE_TIME_GOES reflowed paragraph by paragraph at the report's width."""
    return "\n\n".join(
        loadlib.wrap_prose(" ".join(paragraph.split()))
        for paragraph in WHERE_TIME_GOES.split("\n\n")
    )


def get_settings_cookie_name() -> str:
    """The re-auth cookie's name (FUELTRACKER_COOKIE_NAME, as the servers read it)."""
    from fueltracker.config import get_settings

    return get_settings().cookie_name


def wall(monotonic_s: float) -> float:
    """The POSIX time of a monotonic instant."""
    return monotonic_s + WALL_OFFSET_S


@dataclass
class Driven:
    """An account the script signs in as, with what it needs to log a plausible fill-up."""

    user_id: int
    username: str
    vehicle_id: int  # the vehicle the form preselects (last used first)
    last_odometer_km: Decimal
    consumption_l_per_100km: Decimal
    figures: dict[str, str] = field(default_factory=dict)  # Dashboard, last seen
    figures_at: float = 0.0
    last_save_at: float = 0.0


@dataclass
class Ledger:
    """Fill-ups the pages confirmed, and those submitted without a confirmation."""

    confirmed: list[loadlib.Key] = field(default_factory=list)
    attempted: list[loadlib.Key] = field(default_factory=list)
    typed: dict[loadlib.Key, tuple[Decimal, Decimal]] = field(default_factory=dict)
    # Saves clicked and never confirmed (the replica died, or a timeout), with the rows
    # stored under their key when the session found out, before it went on: a retry of the
    # same fill-up later cannot hide them.
    in_flight: list[tuple[loadlib.Key, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- database


def load_database() -> tuple[str, object | None]:
    """(SQLAlchemy URL of the load database, embedded server handle or None)."""
    from fueltracker.config import Settings
    from fueltracker.embedded import ensure_database, start_server

    configured = os.environ.get("FUELTRACKER_BENCH_DATABASE_URL")
    if configured:
        return configured, None
    server = start_server(Settings().data_dir / "pgdata")
    return ensure_database(server, LOAD_DB), server


def prepare(url: str, rows: int) -> tuple[int, int, bool, float]:
    """Migrate and seed (bench_analysis.seed); (users, fill-ups, seeded?, seconds)."""
    from fueltracker.migrate import upgrade_to_head
    from scripts.bench_analysis import plan_accounts, seed

    upgrade_to_head(url)
    users = max(20, rows // 100)
    heavy = min(20_000, max(100, rows // 50))
    plan = plan_accounts(users, rows - heavy if rows > heavy * 2 else rows, heavy, small=False)
    seeded, seconds = seed(url, plan)
    return len(plan[0]), sum(plan[1]), seeded, seconds


def pick_accounts(url: str, count: int, password: str) -> list[Driven]:
    """The `count` seeded accounts nearest TYPICAL_ROWS fill-ups, each with this run's
    password and the state its first fill-up starts from."""
    import bcrypt

    with psycopg.connect(libpq_url(url)) as owner:
        picked = owner.execute(
            "SELECT u.id, u.username FROM users u JOIN fuel_entries f ON f.user_id = u.id "
            "WHERE u.username LIKE 'bench\\_u%%' GROUP BY u.id "
            "ORDER BY abs(count(f.id) - %s), u.id LIMIT %s",
            (TYPICAL_ROWS, count),
        ).fetchall()
        if len(picked) < count:
            raise SystemExit(f"only {len(picked)} seeded accounts; raise --seed-rows")
        password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
        owner.execute(
            "UPDATE users SET password_hash = %s WHERE id = ANY(%s)",
            (password_hash, [uid for uid, _ in picked]),
        )
        owner.execute("DELETE FROM login_attempts")  # no throttle left from an earlier run
        owner.commit()
        return [
            refresh(owner, Driven(uid, name, 0, Decimal(0), Decimal(0))) for uid, name in picked
        ]


def row(owner: psycopg.Connection, query: str, params: tuple[object, ...] = ()) -> tuple[Any, ...]:
    """The one row a query must return (an aggregate, or a row known to exist)."""
    found = owner.execute(query, params).fetchone()
    if found is None:
        raise RuntimeError(f"no row: {query}")
    return found


def refresh(owner: psycopg.Connection, account: Driven) -> Driven:
    """Reload the preselected vehicle (last used first: latest date, then latest logged), its
    last odometer and its average consumption from the database."""
    vehicle_id = row(
        owner,
        "SELECT vehicle_id FROM fuel_entries WHERE user_id = %s "
        "ORDER BY date DESC, id DESC LIMIT 1",
        (account.user_id,),
    )[0]
    low, high, volume = row(
        owner,
        "SELECT min(odometer_km), max(odometer_km), sum(volume_l) FROM fuel_entries "
        "WHERE vehicle_id = %s",
        (vehicle_id,),
    )
    account.vehicle_id = vehicle_id
    account.last_odometer_km = high
    account.consumption_l_per_100km = (volume / (high - low) * 100) if high > low else Decimal(7)
    return account


def refresh_from(url: str, account: Driven) -> None:
    with psycopg.connect(libpq_url(url)) as owner:
        refresh(owner, account)


def max_entry_id(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as owner:
        return row(owner, "SELECT coalesce(max(id), 0) FROM fuel_entries")[0]


def backends(url: str) -> int:
    """PostgreSQL client backends on the load database (this query's own not counted)."""
    with psycopg.connect(libpq_url(url)) as owner:
        return row(
            owner,
            "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_type = 'client backend'",
        )[0]


def stored_rows(url: str, user_id: int) -> int:
    with psycopg.connect(libpq_url(url)) as owner:
        return row(owner, "SELECT count(*) FROM fuel_entries WHERE user_id = %s", (user_id,))[0]


def canonical_export(url: str, user_id: int) -> str:
    """The account's fill-ups in the native CSV, as Account -> Your data downloads them."""
    from fueltracker.db import make_engine, session_scope
    from fueltracker.services import transfer

    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with session_scope(engine) as db:
            return transfer.export_native(db, user_id)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- clients


class StepFailed(Exception):
    """A journey step did not reach its expected page."""


@dataclass
class Reconnect:
    """A session that lost its websocket (its replica went away) and what happened next."""

    kind: str
    username: str
    step: str  # the step in flight when the connection went
    had_cookie: bool  # the re-auth cookie was in the browser (jar) when the connection went
    lost_at: float  # monotonic
    back_at: float | None  # monotonic, when its page was drawn again through the proxy
    signed_in: bool  # still signed in after the move, without typing the password
    replica_before: int | None
    replica_after: int | None

    @property
    def should_stay_signed_in(self) -> bool:
        """Signed in when the connection went: between sign-in and sign-out."""
        return self.step in Client.STEPS_SIGNED_IN


@dataclass
class Transfer:
    """An upload and a download through the proxy, by a browser stuck to one replica."""

    when: str
    replica: int | None
    download_rows: int | None = None
    expected_rows: int | None = None
    elsewhere_status: int | None = None  # the download URL asked of another replica
    upload_present: int | None = None
    upload_new: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Both files went through, and the download was not to be had from another
        replica (when one was asked)."""
        return (
            self.error is None
            and self.download_rows == self.expected_rows
            and self.upload_present == self.expected_rows
            and self.upload_new == 0
            and self.elsewhere_status != 200
        )


@dataclass
class Level:
    """What the clients of one level share: where they record steps, errors, windows and
    session tags, and how to reach the stack."""

    base_url: str
    password: str
    ledger: Ledger
    url: str  # the database's
    log: loadlib.StepLog = field(default_factory=loadlib.StepLog)
    browser_log: loadlib.StepLog = field(default_factory=loadlib.StepLog)
    windows: list[loadlib.StepWindow] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)  # session tag -> client number
    reconnects: list[Reconnect] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    replica_of: Callable[[dict[str, str]], int | None] = lambda cookies: None
    # Called once, by the first client of this kind to reach History (the failover).
    failover: Callable[[Client], Awaitable[None]] | None = None
    failover_kind: str = "chromium"
    browsers: Browsers | None = None
    # Cookies a wire session starts with (by client number): the failover level pins the
    # wire sessions to the replicas in turn, so both hold sessions whichever one dies.
    pin: Callable[[int], dict[str, str]] = lambda number: {}
    log_dir: Path | None = None  # where a failed file transfer leaves its screenshot
    clients: list[Client] = field(default_factory=list)
    placement: dict[int, int | None] = field(default_factory=dict)  # client -> replica


class Client:
    """One session walking the journey; subclasses drive a browser or the wire protocol."""

    kind = "?"

    def __init__(self, number: int, account: Driven, level: Level) -> None:
        self.number, self.account, self.level = number, account, level
        self.signed_in_event: asyncio.Event | None = None
        self.unconfirmed_save = False  # a save was clicked and not (yet) confirmed
        self.pending_key: loadlib.Key | None = None  # the fill-up of that save

    # ---------------------------------------------------------------- bookkeeping

    def note_session(self, session_id: str) -> None:
        """A Streamlit session this client holds (a new one after each (re)connection)."""
        from fueltracker.ui.run_timing import session_tag

        self.level.sessions[session_tag(session_id)] = self.number

    def record(self, step: str, started: float, seconds: float) -> None:
        self.level.log.ok(step, seconds)
        if self.kind == "chromium":
            self.level.browser_log.ok(step, seconds)
        self.level.windows.append(
            loadlib.StepWindow(self.number, step, wall(started), wall(started) + seconds)
        )

    def failed(self, step: str, message: str) -> None:
        self.level.log.failed(step, f"{self.account.username}: {message}")
        if self.kind == "chromium":
            self.level.browser_log.failed(step, f"{self.account.username}: {message}")

    def fillup_values(self) -> tuple[Decimal, Decimal, Decimal, loadlib.Key]:
        """(odometer, volume, total, key) of the next plausible fill-up of the account."""
        account = self.account
        odometer = Decimal(math.floor(account.last_odometer_km) + DISTANCE_PER_TANK_KM)
        volume = (DISTANCE_PER_TANK_KM * account.consumption_l_per_100km / 100).quantize(
            Decimal("0.01")
        )
        total = (volume * PRICE_PER_L).quantize(Decimal("0.01"))
        today = dt.datetime.now(dt.UTC).date().isoformat()  # the accounts' timezone is UTC
        return (
            odometer,
            volume,
            total,
            loadlib.fillup_key(account.user_id, account.vehicle_id, today, odometer),
        )

    def expected_hint(self) -> str:
        return f"{self.account.last_odometer_km.quantize(Decimal(1), ROUND_HALF_UP):,}"

    def attempt(self, key: loadlib.Key, volume: Decimal, total: Decimal) -> None:
        self.level.ledger.attempted.append(key)
        self.level.ledger.typed[key] = (volume, total)
        self.unconfirmed_save = True
        self.pending_key = key

    def confirm(self, key: loadlib.Key, odometer: Decimal) -> None:
        self.level.ledger.confirmed.append(key)
        self.unconfirmed_save = False
        self.pending_key = None
        self.account.last_odometer_km = odometer
        self.account.last_save_at = time.monotonic()

    async def settle_unconfirmed(self) -> None:
        """After a save that was never confirmed: note how many rows it stored (one or
        none; two would be a double save), then go on from what the database holds."""
        if self.pending_key is not None:
            stored = await asyncio.to_thread(stored_with_key, self.level.url, self.pending_key)
            self.level.ledger.in_flight.append((self.pending_key, stored))
            self.pending_key = None
        await asyncio.to_thread(refresh_from, self.level.url, self.account)
        self.unconfirmed_save = False

    def read_figures(self, cards: list[tuple[str, str]]) -> None:
        self.account.figures = loadlib.parse_metrics(cards)
        self.account.figures_at = time.monotonic()

    # ---------------------------------------------------------------- the journey

    STEPS_SIGNED_IN = ("log fill-up page", "save fill-up", "history", "analysis", "dashboard")

    async def ensure_signed_in(self) -> bool:
        """Open the app and sign in unless signed in already; False when a step failed and
        the session was reset."""
        if await self.is_signed_in():
            return True
        if await self.needs_open() and not await self.step("open", self.open):
            await self.recovered()
            await self.reset()
            return False
        if await self.is_signed_in():
            return True  # the re-auth cookie signed it in (after a failed step's reload)
        if not await self.step("sign in", self.sign_in):
            await self.recovered()
            await self.reset()
            return False
        return True

    async def journey(self) -> bool:
        """One journey; False when a step failed and the session was reset."""
        if not await self.ensure_signed_in():
            return False
        if self.signed_in_event is not None:
            self.signed_in_event.set()
        if self.number not in self.level.placement:
            self.level.placement[self.number] = self.level.replica_of(await self.cookies())
        for name in self.STEPS_SIGNED_IN:
            if not await self.step(name, getattr(self, name.replace(" ", "_").replace("-", "_"))):
                if await self.recovered():
                    continue  # moved to another replica, still signed in: go on
                await self.reset()
                return False
            if name == "dashboard":
                await self.read_dashboard()
            if (
                name == "history"
                and self.level.failover is not None
                and self.kind == self.level.failover_kind
            ):
                hook, self.level.failover = self.level.failover, None
                await hook(self)
        if not await self.step("sign out", self.sign_out):
            await self.reset()
            return False
        return True

    async def step(self, name: str, action: Callable[[], Awaitable[object]]) -> bool:
        raise NotImplementedError

    async def open(self) -> object:
        """Open the app (a fresh tab or websocket); what step() needs to time it."""
        raise NotImplementedError

    async def sign_in(self) -> object:
        raise NotImplementedError

    async def sign_out(self) -> object:
        raise NotImplementedError

    async def read_dashboard(self) -> None:
        """Keep the Dashboard's headline figures (compared with a recomputation later)."""
        raise NotImplementedError

    async def recovered(self) -> bool:
        """After a failed step: True when the session has reconnected and is signed in."""
        return False

    async def is_signed_in(self) -> bool:
        raise NotImplementedError

    async def needs_open(self) -> bool:
        raise NotImplementedError

    async def reset(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    async def cookies(self) -> dict[str, str]:
        raise NotImplementedError


class BrowserClient(Client):
    """One browser context signed in as one account, walking the journey."""

    kind = "chromium"

    def __init__(self, number: int, account: Driven, level: Level, context: BrowserContext) -> None:
        super().__init__(number, account, level)
        self.context = context
        self.page: Page | None = None
        self.opened_ws: list[float] = []  # monotonic times the page opened a websocket
        self.session_ids: list[tuple[float, str]] = []  # (monotonic, Streamlit session id)
        self.last_download_url = ""

    # ---------------------------------------------------------------- plumbing

    @property
    def tab(self) -> Page:
        """The open page: every step but the first runs after open() made it."""
        if self.page is None:
            raise StepFailed("no page open")
        return self.page

    def _watch(self, page: Page) -> None:
        """Learn the page's Streamlit session ids from its websocket's first frames (the
        new_session message), and when each websocket was opened."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        def on_websocket(ws) -> None:
            self.opened_ws.append(time.monotonic())

            def on_frame(payload) -> None:
                if not isinstance(payload, bytes | bytearray):
                    return
                msg = ForwardMsg()
                try:
                    msg.ParseFromString(bytes(payload))
                except Exception:  # noqa: BLE001 - not ours to judge
                    return
                session_id = (
                    msg.new_session.initialize.session_id
                    if msg.WhichOneof("type") == "new_session"
                    else ""
                )
                if session_id and all(session_id != known for _, known in self.session_ids):
                    self.session_ids.append((time.monotonic(), session_id))
                    self.note_session(session_id)

            ws.on("framereceived", on_frame)

        page.on("websocket", on_websocket)

    async def settled(self, started: float) -> float:
        """Wait for the Settle criterion; seconds from `started` to the last frame."""
        handle = await self.tab.wait_for_function(
            SETTLED, arg=QUIET_MS, polling=100, timeout=STEP_TIMEOUT_MS
        )
        quiet_ms = await handle.json_value()
        await handle.dispose()
        if any([await self.tab.get_by_text(text).count() for text in APP_ERRORS]):
            raise StepFailed("the page shows the app's unexpected-error message")
        if await self.tab.get_by_test_id("stException").count():
            raise StepFailed("the page shows an exception")
        return max(0.0, time.monotonic() - quiet_ms / 1000 - started)

    async def step(self, name: str, action) -> bool:
        from playwright.async_api import Error as PlaywrightError

        try:
            started = await action()
            self.record(name, started, await self.settled(started))
            return True
        except (StepFailed, PlaywrightError, AssertionError, TimeoutError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.failed(name, message)
            return False

    async def is_signed_in(self) -> bool:
        if self.page is None:
            return False
        return (
            await self.tab.get_by_test_id("stSidebar")
            .get_by_text(f"({self.account.username})")
            .count()
            > 0
        )

    async def needs_open(self) -> bool:
        return (
            self.page is None
            or not await self.tab.get_by_role("tab", name="Sign in", exact=True).count()
        )

    async def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in await self.context.cookies()}

    async def nav(self, link: str, heading: str) -> float:
        from playwright.async_api import expect

        started = time.monotonic()
        await (
            self.tab.get_by_test_id("stSidebarNav")
            .get_by_role("link", name=link, exact=True)
            .click()
        )
        await expect(self.tab.get_by_role("heading", name=heading, level=1)).to_be_visible()
        return started

    # ---------------------------------------------------------------- steps

    async def open(self) -> float:
        from playwright.async_api import expect

        if self.page is None:
            self.page = await self.context.new_page()
            self._watch(self.page)
        started = time.monotonic()
        await self.tab.goto(self.level.base_url)
        signed_in = self.tab.get_by_test_id("stSidebar").get_by_text(f"({self.account.username})")
        await expect(
            self.tab.get_by_role("tab", name="Sign in", exact=True).or_(signed_in)
        ).to_be_visible()
        return started

    async def sign_in(self) -> float:
        from playwright.async_api import expect

        page = self.tab
        await page.get_by_role("tab", name="Sign in", exact=True).click()
        form = page.get_by_test_id("stForm").filter(
            has=page.get_by_role("button", name="Sign in", exact=True)
        )
        await form.get_by_label("Username", exact=True).fill(self.account.username)
        await form.get_by_label("Password", exact=True).fill(self.level.password)
        started = time.monotonic()
        await form.get_by_role("button", name="Sign in", exact=True).click()
        await expect(page.get_by_test_id("stSidebar")).to_contain_text(f"({self.account.username})")
        await expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
        return started

    async def log_fill_up_page(self) -> float:
        return await self.nav("Log fill-up", "Log a fill-up")

    async def save_fill_up(self) -> float:
        from playwright.async_api import expect

        page = self.tab
        main = page.get_by_test_id("stMain")
        odometer, volume, total, key = self.fillup_values()
        hint = await main.locator('input[aria-label^="Odometer"]').get_attribute("placeholder")
        if not hint or self.expected_hint() not in hint:
            raise StepFailed(
                f"odometer hint {hint!r} is not the expected vehicle's ({self.expected_hint()})"
            )
        await main.locator('input[aria-label^="Odometer"]').fill(str(odometer))
        await main.locator('input[aria-label^="Volume"]').fill(str(volume))
        await main.locator('input[aria-label^="Total paid"]').fill(str(total))
        started = time.monotonic()
        self.attempt(key, volume, total)
        await main.get_by_role("button", name="Save fill-up", exact=True).click()
        saved = page.get_by_test_id("stAlert").filter(has_text="Saved.")
        confirm = page.get_by_text("Yes, these values are right", exact=True)
        await expect(saved.or_(confirm)).to_be_visible()
        if not await saved.count():
            # A plausibility warning: confirm it the way a user would (counts in the time).
            await confirm.click()
            await main.get_by_role("button", name="Save fill-up", exact=True).click()
            await expect(saved).to_be_visible()
        self.confirm(key, odometer)
        return started

    async def history(self) -> float:
        return await self.nav("History", "History")

    async def analysis(self) -> float:
        return await self.nav(ANALYSIS_PAGE, ANALYSIS_PAGE)

    async def dashboard(self) -> float:
        return await self.nav("Dashboard", "Dashboard")

    async def read_dashboard(self) -> None:
        cards = []
        for card in await self.tab.get_by_test_id("stMetric").all():
            label = await card.get_by_test_id("stMetricLabel").inner_text()
            value = await card.get_by_test_id("stMetricValue").inner_text()
            cards.append((label, value))
        self.read_figures(cards)

    async def sign_out(self) -> float:
        from playwright.async_api import expect

        started = time.monotonic()
        await self.tab.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        await expect(self.tab.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
        return started

    async def reset(self) -> None:
        """After a failure start over from a fresh page load (closing the old page)."""
        from playwright.async_api import Error as PlaywrightError

        if self.page is not None:
            try:
                await self.page.close()
            except PlaywrightError:
                pass  # a crashed page: the next journey opens a new one anyway
        self.page = None

    async def close(self) -> None:
        await self.context.close()

    # ---------------------------------------------------------------- failover and files

    async def await_reconnect(self, lost_at: float, replica_before: int | None) -> None:
        """After the replica under this tab was killed: wait until the page holds a new
        Streamlit session (a new_session frame: the frontend reconnected through the proxy
        and the page reran) and has settled, then see whether it is still signed in without
        anyone typing the password."""
        had_cookie = get_settings_cookie_name() in await self.cookies()
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        while not any(t > lost_at for t, _ in self.session_ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        back_at = None
        if any(t > lost_at for t, _ in self.session_ids):
            try:
                await self.settled(time.monotonic())
                back_at = time.monotonic()
            except Exception:  # noqa: BLE001 - recorded as not back
                back_at = None
        signed_in = (
            back_at is not None
            and await self.is_signed_in()
            and not await self.tab.get_by_role("tab", name="Sign in", exact=True).count()
        )
        self.level.reconnects.append(
            Reconnect(
                self.kind,
                self.account.username,
                "history",
                had_cookie,
                lost_at,
                back_at,
                signed_in,
                replica_before,
                self.level.replica_of(await self.cookies()),
            )
        )

    async def download(self) -> str:
        """Click the sidebar's "Download all fill-ups"; the file's text."""
        async with self.tab.expect_download(timeout=STEP_TIMEOUT_MS // 4) as info:
            await (
                self.tab.get_by_test_id("stSidebar")
                .get_by_role("button", name="Download all fill-ups")
                .click()
            )
        download = await info.value
        self.last_download_url = download.url
        return Path(await download.path()).read_text(encoding="utf-8")

    async def transfer_files(self, when: str, others: list[loadstack.Replica]) -> Transfer:
        """Download every fill-up from the sidebar and upload the canonical export on the
        Import page, through the proxy; the download's URL asked of another replica
        directly must fail (the file lives in this session's replica only). The first
        click must give the file, after a move to another replica too (the page has rerun
        there: fueltracker/ui/reconnect.py)."""
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import expect

        page = self.tab
        replica = self.level.replica_of(await self.cookies())
        result = Transfer(when, replica)
        try:
            result.expected_rows = await asyncio.to_thread(
                stored_rows, self.level.url, self.account.user_id
            )
            try:
                text = await self.download()
            except (PlaywrightError, TimeoutError) as exc:
                raise StepFailed(
                    "the download button's first click gave no file: "
                    + str(exc).strip().splitlines()[0]
                ) from exc
            export = await asyncio.to_thread(canonical_export, self.level.url, self.account.user_id)
            # A name of its own per upload: the uploader ignores the same file chosen again.
            upload = Path(tempfile.mkdtemp(prefix="fueltracker-load-")) / (
                f"{self.account.username}-{when.replace(' ', '-')}.csv"
            )
            upload.write_text(export, encoding="utf-8")
            await self.nav("Import", "Import fill-ups")
            await self.settled(time.monotonic())
            result.download_rows = len(list(csv.DictReader(io.StringIO(text))))
            path = "/" + self.last_download_url.split("/", 3)[3]
            if others:
                result.elsewhere_status = await asyncio.to_thread(
                    loadstack.http_status, others[0].base_url + path
                )
            uploader = page.get_by_test_id("stFileUploader").locator('input[type="file"]')
            await uploader.set_input_files(str(upload))
            present = page.get_by_test_id("stMetric").filter(
                has=page.get_by_test_id("stMetricLabel").get_by_text("Already present", exact=True)
            )
            await expect(present).to_be_visible()
            await self.settled(time.monotonic())
            result.upload_present = int(
                (await present.get_by_test_id("stMetricValue").inner_text()).replace(",", "")
            )
            new = page.get_by_test_id("stMetric").filter(
                has=page.get_by_test_id("stMetricLabel").get_by_text("New", exact=True)
            )
            result.upload_new = int(
                (await new.get_by_test_id("stMetricValue").inner_text()).replace(",", "")
            )
            upload.unlink()
            upload.parent.rmdir()
        except (StepFailed, PlaywrightError, AssertionError, TimeoutError, ValueError) as exc:
            result.error = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            if self.level.log_dir is not None:
                shot = self.level.log_dir / f"transfer-{when.replace(' ', '-')}.png"
                try:
                    await page.screenshot(path=str(shot), full_page=True)
                    print(f"transfer {when} failed: {exc}\nscreenshot {shot}", flush=True)
                except PlaywrightError:
                    pass
        self.level.transfers.append(result)
        return result


class WireClient(Client):
    """One wire session (no browser) signed in as one account, walking the journey."""

    kind = "wire"

    def __init__(self, number: int, account: Driven, level: Level) -> None:
        super().__init__(number, account, level)
        self.ws = loadwire.WireSession(
            level.base_url,
            quiet_s=QUIET_MS / 1000,
            timeout_s=STEP_TIMEOUT_MS / 1000,
            on_session=self.note_session,
        )
        self.ws.jar.update(level.pin(number))
        self.last_page = ""  # the page hash a reconnect asks for
        self.lost_pending: str | None = None  # the step in flight when the connection went

    # ---------------------------------------------------------------- plumbing

    async def step(self, name: str, action) -> bool:
        try:
            started, before = await action()
            self.record(name, started, await self.ws.settled(before, started))
            self.check_page()
            self.last_page = self.ws.page.page_hash
            return True
        except loadwire.ConnectionLost as exc:
            self.failed(name, f"connection lost: {exc}")
            self.lost_pending = name
            return False
        except (StepFailed, loadwire.WireError, OSError, TimeoutError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.failed(name, message)
            return False

    def check_page(self) -> None:
        texts = self.ws.page.alerts()
        if any(text.startswith(APP_ERRORS) for text in texts):
            raise StepFailed("the page shows the app's unexpected-error message")

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            raise StepFailed(what)

    @staticmethod
    def found(node: loadwire.Node | None, what: str) -> loadwire.Node:
        """The widget the page must show, else the step fails naming it."""
        if node is None:
            raise StepFailed(what)
        return node

    async def is_signed_in(self) -> bool:
        return self.ws.connected and any(
            f"({self.account.username})" in text
            for text in self.ws.page.texts(root=loadwire.SIDEBAR)
        )

    async def needs_open(self) -> bool:
        return not self.ws.connected or "Sign in" not in self.ws.page.tabs()

    async def cookies(self) -> dict[str, str]:
        return dict(self.ws.jar)

    async def settle_runs(self, before: int) -> None:
        """Wait for the run a typed value started (no quiet period: the browser does not
        wait between fields either)."""
        await self.ws.settled(before, time.monotonic(), quiet=False)

    async def nav(self, link: str, heading: str) -> tuple[float, int]:
        started = time.monotonic()
        before = await self.ws.link(link)
        await self.ws.settled(before, started, quiet=False)
        self.expect(heading in self.ws.page.headings(), f"no heading {heading!r}")
        return started, before

    # ---------------------------------------------------------------- steps

    async def open(self) -> tuple[float, int]:
        started = time.monotonic()
        await self.ws.connect()
        await self.ws.settled(0, started, quiet=False)
        self.expect(
            "Sign in" in self.ws.page.tabs() or await self.is_signed_in(), "no sign-in form"
        )
        return started, 0

    async def sign_in(self) -> tuple[float, int]:
        page = self.ws.page
        username = self.found(page.widget("text_input", "Username"), "no sign-in form")
        password = self.found(page.widget("text_input", "Password"), "no sign-in form")
        submit = self.found(page.widget("button", "Sign in"), "no sign-in form")
        started = time.monotonic()
        before = await self.ws.click(
            submit, (username, self.account.username), (password, self.level.password)
        )
        await self.ws.settled(before, started, quiet=False)
        self.expect(await self.is_signed_in(), "not signed in")
        self.expect("Dashboard" in self.ws.page.headings(), "no Dashboard")
        return started, before

    async def log_fill_up_page(self) -> tuple[float, int]:
        return await self.nav("Log fill-up", "Log a fill-up")

    async def save_fill_up(self) -> tuple[float, int]:
        page = self.ws.page
        odometer_field = self.found(
            page.widget("number_input", "Odometer", prefix=True), "no odometer field"
        )
        hint = odometer_field.proto.placeholder
        self.expect(
            self.expected_hint() in hint,
            f"odometer hint {hint!r} is not the expected vehicle's ({self.expected_hint()})",
        )
        odometer, volume, total, key = self.fillup_values()
        # Typed one field after the other: each value reruns the entry fragment.
        typed = [(odometer_field, odometer)]
        await self.settle_runs(
            await self.ws.rerun(
                widgets=[loadwire.widget_state(n, v) for n, v in typed],
                fragment_id=odometer_field.fragment_id,
            )
        )
        typed.append(
            (
                self.found(
                    self.ws.page.widget("number_input", "Volume", prefix=True), "no volume field"
                ),
                volume,
            )
        )
        await self.settle_runs(
            await self.ws.rerun(
                widgets=[loadwire.widget_state(n, v) for n, v in typed],
                fragment_id=odometer_field.fragment_id,
            )
        )
        typed.append(
            (
                self.found(
                    self.ws.page.widget("number_input", "Total paid", prefix=True), "no total field"
                ),
                total,
            )
        )
        save = self.found(self.ws.page.widget("button", "Save fill-up"), "no fill-up form")
        started = time.monotonic()
        self.attempt(key, volume, total)
        before = await self.ws.click(save, *typed)
        await self.ws.settled(before, started, quiet=False)
        if not any(text.startswith("Saved.") for text in self.ws.page.alerts()):
            confirm = self.found(
                self.ws.page.widget("checkbox", "Yes, these values are right"),
                "neither saved nor a warning to confirm",
            )
            # A plausibility warning: confirm it the way a user would (counts in the time).
            save = self.found(self.ws.page.widget("button", "Save fill-up"), "no fill-up form")
            again = await self.ws.click(save, *typed, (confirm, True))
            await self.ws.settled(again, started, quiet=False)
            self.expect(
                any(text.startswith("Saved.") for text in self.ws.page.alerts()),
                "not saved after confirming",
            )
        self.confirm(key, odometer)
        return started, before

    async def history(self) -> tuple[float, int]:
        return await self.nav("History", "History")

    async def analysis(self) -> tuple[float, int]:
        return await self.nav(ANALYSIS_PAGE, ANALYSIS_PAGE)

    async def dashboard(self) -> tuple[float, int]:
        return await self.nav("Dashboard", "Dashboard")

    async def read_dashboard(self) -> None:
        self.read_figures(self.ws.page.metrics())

    async def sign_out(self) -> tuple[float, int]:
        button = self.found(
            self.ws.page.widget("button", "Sign out", root=loadwire.SIDEBAR), "no sign-out button"
        )
        started = time.monotonic()
        before = await self.ws.click(button)
        await self.ws.settled(before, started, quiet=False)
        self.expect("Sign in" in self.ws.page.tabs(), "no sign-in form after signing out")
        return started, before

    async def reset(self) -> None:
        await self.ws.close()

    async def close(self) -> None:
        await self.ws.close()

    # ---------------------------------------------------------------- failover

    async def recovered(self) -> bool:
        """After a lost connection: reconnect through the proxy (it sends the tab to a live
        replica) asking for the page it was on, as the frontend does; record whether the
        session is still signed in."""
        if not self.lost_pending:
            return False
        step, self.lost_pending = self.lost_pending, None
        had_cookie = get_settings_cookie_name() in self.ws.jar
        lost_at = self.ws.lost_at or time.monotonic()
        replica_before = self.level.replica_of(dict(self.ws.jar))
        back_at, deadline = None, time.monotonic() + RECONNECT_TIMEOUT_S
        while back_at is None and time.monotonic() < deadline:
            try:
                await self.ws.connect(self.last_page)
                await self.ws.settled(0, time.monotonic(), quiet=False)
                back_at = time.monotonic()
            except Exception:  # noqa: BLE001 - refused, 502, a handshake error: try again
                await asyncio.sleep(0.5)
        signed_in = back_at is not None and await self.is_signed_in()
        self.level.reconnects.append(
            Reconnect(
                self.kind,
                self.account.username,
                step,
                had_cookie,
                lost_at,
                back_at,
                signed_in,
                replica_before,
                self.level.replica_of(dict(self.ws.jar)),
            )
        )
        if self.unconfirmed_save:
            await self.settle_unconfirmed()  # the save in flight may or may not have landed
        return signed_in


class Browsers:
    """Browser contexts for the browser sessions, all in ONE Chromium (each context gets its
    own renderer process anyway, the browser and GPU processes are shared)."""

    def __init__(self, playwright: Playwright, viewport: dict[str, int]) -> None:
        self.playwright = playwright
        self.viewport: ViewportSize = {"width": viewport["width"], "height": viewport["height"]}
        self.shared: Browser | None = None

    async def new_context(self) -> BrowserContext:
        """A fresh context (no cookies) with the settle hook installed."""
        if self.shared is None:
            self.shared = await self.playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        context = await self.shared.new_context(
            viewport=self.viewport,
            locale="en-US",
            timezone_id="UTC",
            reduced_motion="reduce",
            accept_downloads=True,
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        await context.add_init_script(WS_HOOK)
        return context

    async def close(self) -> None:
        if self.shared is not None:
            await self.shared.close()


@dataclass
class Pace:
    """When a session of a level starts another journey."""

    rounds: int
    deadline: float | None  # monotonic (a soak), else None: `rounds` journeys each
    follow_first: bool
    first_done: asyncio.Event
    budget: int = loadlib.MAX_JOURNEYS  # journeys left for the whole level

    def another(self, number: int, done: int) -> bool:
        """Whether session `number`, `done` journeys in, starts another (taking it from the
        budget)."""
        if (
            self.deadline is None
            and done >= self.rounds
            and (not self.follow_first or number == 0 or self.first_done.is_set())
        ):
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.budget <= 0:
            return False
        self.budget -= 1
        return True


async def make_clients(
    browsers: Browsers | None, level: Level, accounts: list[Driven], browser_count: int
) -> list[Client]:
    """One client per account: the first `browser_count` in Chromium, the others wire."""
    clients: list[Client] = []
    for number, account in enumerate(accounts):
        if number < browser_count and browsers is not None:
            clients.append(BrowserClient(number, account, level, await browsers.new_context()))
        else:
            clients.append(WireClient(number, account, level))
    return clients


async def run_level(
    browsers: Browsers | None,
    level: Level,
    accounts: list[Driven],
    browser_count: int,
    rounds: int,
    duration_s: float | None,
    on_all_signed_in,
    cpu: Callable[[], tuple[float, float, float]],
    ramp_up_s: float = 0.0,
    follow_first: bool = False,
) -> tuple[int, tuple[float, float, float]]:
    """Drive len(accounts) sessions concurrently, the first `browser_count` of them in
    Chromium, session n starting n x `ramp_up_s` after the first (not all signing in at the
    same instant); with `follow_first` the others go on after their rounds until the first
    session has finished its own (the failover level: sessions are busy on both replicas
    whenever the first one's replica goes). Returns (journeys completed, CPU seconds of
    servers, proxy and clients when the last journey ended: read before the browsers close,
    as the time of a process that exits may leave the tree with it)."""
    level.browsers = browsers
    level.failover_kind = "chromium" if browser_count and browsers is not None else "wire"
    clients = level.clients = await make_clients(browsers, level, accounts, browser_count)
    events = []
    for client in clients:
        client.signed_in_event = asyncio.Event()
        events.append(client.signed_in_event)
    first_done = asyncio.Event()
    pace = Pace(
        rounds,
        None if duration_s is None else time.monotonic() + duration_s,
        follow_first,
        first_done,
    )
    completed = 0

    async def drive(client: Client) -> None:
        try:
            await asyncio.sleep(client.number * ramp_up_s)
            await journeys(client)
        finally:
            if client.number == 0:
                first_done.set()

    async def journeys(client: Client) -> None:
        nonlocal completed
        done = 0
        while pace.another(client.number, done):
            if await client.journey():
                completed += 1
            elif client.unconfirmed_save:
                # A save without a confirmation may still have landed.
                await client.settle_unconfirmed()
            done += 1

    async def watch_signed_in() -> None:
        await asyncio.gather(*(event.wait() for event in events))
        await on_all_signed_in()

    watcher = asyncio.ensure_future(watch_signed_in())
    cpu_end = (0.0, 0.0, 0.0)
    try:
        await asyncio.gather(*(drive(c) for c in clients))
        cpu_end = cpu()
    finally:
        if not watcher.done():
            watcher.cancel()
        for client in clients:
            await client.close()
    return completed, cpu_end


# --------------------------------------------------------------------------- verification


def verify(
    url: str, accounts: list[Driven], ledger: Ledger, start_id: int
) -> tuple[loadlib.Integrity, list[str], tuple[int, int]]:
    """(rows verdict, problems, (accounts whose figures were compared, of which equal))."""
    from fueltracker import clock, metrics, views
    from fueltracker.db import make_engine, session_scope
    from fueltracker.services import history, users
    from fueltracker.ui import periods

    ids = [a.user_id for a in accounts]
    with psycopg.connect(libpq_url(url)) as owner:
        rows = owner.execute(
            "SELECT user_id, vehicle_id, date, odometer_km, volume_l, total_amount, count(*) "
            "OVER (PARTITION BY user_id, vehicle_id, date, odometer_km) FROM fuel_entries "
            "WHERE user_id = ANY(%s) AND id > %s",
            (ids, start_id),
        ).fetchall()
    stored: dict[loadlib.Key, int] = {}
    problems = []
    for user_id, vehicle_id, date, odometer, volume, total, count in rows:
        key = loadlib.fillup_key(user_id, vehicle_id, date.isoformat(), odometer)
        stored[key] = count
        typed = ledger.typed.get(key)
        if typed and (Decimal(volume), Decimal(total)) != typed:
            problems.append(f"{key}: stored {volume} L / {total}, typed {typed}")
    integrity = loadlib.check_rows(ledger.confirmed, ledger.attempted, stored.items())

    engine = make_engine(url, pool_size=1, max_overflow=0)
    compared = matched = 0
    try:
        for account in accounts:
            if not account.figures:
                continue
            if account.last_save_at > account.figures_at:
                continue  # a save after the last Dashboard visit: nothing to compare with
            with session_scope(engine) as db:
                user = users.get_user(db, account.user_id)
                frame = history.load_entries_frame(db, account.user_id)
            derived = metrics.add_derived(frame)
            today = clock.local_today(user.timezone)
            totals, per_vehicle = views.dashboard_figures(
                derived, periods.preset_start(DASHBOARD_PERIOD, today), today, user
            )
            expected = loadlib.parse_metrics((f.title, f.value) for f in totals + per_vehicle)
            compared += 1
            differ = [
                f"{account.username} {label}: page showed "
                f"{account.figures.get(label)!r}, recomputed {value!r}"
                for label, value in expected.items()
                if account.figures.get(label) != value
            ]
            problems += differ
            matched += not differ
    finally:
        engine.dispose()
    return integrity, problems, (compared, matched)


def stored_with_key(url: str, key: loadlib.Key) -> int:
    """How many rows hold this fill-up (user, vehicle, date, odometer)."""
    user_id, vehicle_id, date, odometer_km = key
    with psycopg.connect(libpq_url(url)) as owner:
        return row(
            owner,
            "SELECT count(*) FROM fuel_entries WHERE user_id = %s AND "
            "vehicle_id = %s AND date = %s AND odometer_km = %s",
            (user_id, vehicle_id, dt.date.fromisoformat(date), odometer_km),
        )[0]


def saves_in_flight(ledger: Ledger) -> tuple[int, int, int, int]:
    """The saves submitted without a confirmation, as the sessions found them before going
    on: (in all, stored once, not stored, stored more than once)."""
    counts = [stored for _, stored in ledger.in_flight]
    return (
        len(counts),
        counts.count(1),
        counts.count(0),
        sum(1 for stored in counts if stored > 1),
    )


def cleanup(url: str, ids: list[int], start_id: int) -> int:
    """Delete the rows this run added (the seed check then finds its counts again)."""
    with psycopg.connect(libpq_url(url)) as owner:
        deleted = owner.execute(
            "DELETE FROM fuel_entries WHERE user_id = ANY(%s) AND id > %s", (ids, start_id)
        ).rowcount
        owner.commit()
    return deleted


# --------------------------------------------------------------------------- stacks


@dataclass
class Stack:
    """The servers one configuration drives: replicas (or one server, or --url) and the
    proxy in front of them, if any."""

    label: str
    replicas: list[loadstack.Replica]
    proxy: loadstack.Proxy | None
    base_url: str
    external_pid: int | None = None  # --url with --server-pid
    log_dir: Path | None = None

    @property
    def server_pids(self) -> list[int]:
        pids = [r.pid for r in self.replicas if r.alive]
        return pids + ([self.external_pid] if self.external_pid else [])

    @property
    def server_side_pids(self) -> list[int]:
        return self.server_pids + ([self.proxy.pid] if self.proxy else [])

    def rss_kb(self) -> int | None:
        return loadstack.rss_kb(self.server_pids) if self.server_pids else None

    def cpu(self) -> tuple[float, float, float]:
        return loadstack.cpu_seconds(self.server_pids, self.proxy.pid if self.proxy else None)

    def pinned(self, number: int) -> dict[str, str]:
        """The sticky cookie that sends client `number` to replica (number mod replicas)
        + 1: Caddy honours a cookie naming a live replica."""
        if self.proxy is None or not self.replicas:
            return {}
        replica = self.replicas[number % len(self.replicas)]
        return {loadlib.STICKY_COOKIE: loadlib.sticky_cookie(replica.dial)}

    def replica_of(self, cookies: dict[str, str]) -> int | None:
        """The replica a client's sticky cookie names (None without a proxy)."""
        value = cookies.get(loadlib.STICKY_COOKIE)
        if self.proxy is None or value is None:
            return None
        for replica in self.replicas:
            if loadlib.sticky_cookie(replica.dial) == value:
                return replica.index
        return None

    def runs(self) -> list[loadlib.RunTiming]:
        """Every script run the replicas have logged so far."""
        runs = []
        for replica in self.replicas:
            if replica.log_path.exists():
                for line in replica.log_path.read_text(errors="replace").splitlines():
                    run = loadlib.parse_timing_line(line)
                    if run is not None:
                        runs.append(run)
        return runs

    def server_errors(self) -> int:
        return sum(
            1
            for replica in self.replicas
            if replica.log_path.exists()
            for line in replica.log_path.read_text(errors="replace").splitlines()
            if "unexpected error" in line or "Traceback" in line
        )

    def stop(self) -> None:
        loadstack.stop_all(self.replicas, self.proxy)


def start_stack(url: str, replicas: int | None, args, log_dir: Path) -> Stack:
    """One configuration's servers: `replicas` behind Caddy, or (None) one server driven
    directly, or --url."""
    if args.url:
        return Stack("--url", [], None, args.url.rstrip("/"), args.server_pid, log_dir)
    count = replicas or 1
    tag = f"{count}r" if replicas else "direct"
    started = loadstack.start_replicas(
        url, count, log_dir, args.streamlit_option, tag, behind_proxy=replicas is not None
    )
    if replicas is None:
        return Stack("1 server", started, None, started[0].base_url, log_dir=log_dir)
    try:
        proxy = loadstack.start_proxy(started, log_dir, tag)
    except SystemExit:
        loadstack.stop_all(started)
        raise
    return Stack(
        f"{count} replica{'s' if count > 1 else ''}",
        started,
        proxy,
        proxy.base_url,
        log_dir=log_dir,
    )


# --------------------------------------------------------------------------- levels


@dataclass
class Kill:
    """The failover level's kill of a replica (all None until it happened)."""

    replica: int | None = None
    at: float | None = None  # monotonic
    at_s: float | None = None  # seconds into the level
    save_in_flight: str | None = None  # the session whose save was in flight on it


@dataclass
class OpenSample:
    """A level's figures once all its sessions are signed in."""

    rss_kb: int | None = None
    load: str | None = None
    backends: int | None = None


@dataclass
class LevelResult:
    configuration: str
    replicas: int
    sessions: int
    browsers: int
    stats: list[loadlib.StepStats]
    browser_stats: list[loadlib.StepStats]
    server: dict[str, list[float]]
    between: list[float]
    journeys: int
    seconds: float
    rss_before_kb: int | None
    rss_open_kb: int | None
    rss_peak_kb: int | None
    backends_open: int | None
    load_during: str
    rss_after_kb: int | None
    server_cpu_s: float
    proxy_cpu_s: float
    client_cpu_s: float
    rss_baseline_kb: int | None = None  # after the warm-up, before any level
    failover: Kill | None = None
    reconnects: list[Reconnect] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    placement: list[tuple[int | None, int]] = field(default_factory=list)  # replica, sessions

    @property
    def placed(self) -> str:
        """ "6 + 4" sessions on replica 1 and 2 (as the sticky cookies said at sign-in)."""
        known = [f"{n} on replica {r}" for r, n in self.placement if r is not None]
        return ", ".join(known)

    @property
    def errors(self) -> int:
        return sum(row.errors for row in self.stats)

    @property
    def mb_per_session(self) -> float | None:
        """(RSS with every session signed in - baseline after the warm-up) / sessions."""
        if self.rss_baseline_kb is None or self.rss_open_kb is None:
            return None
        return loadlib.per_session_mb(self.rss_baseline_kb, self.rss_open_kb, self.sessions)

    @property
    def peak_mb_per_session(self) -> float | None:
        """The same with the level's peak RSS: an upper bound."""
        if self.rss_baseline_kb is None or self.rss_peak_kb is None:
            return None
        return loadlib.per_session_mb(self.rss_baseline_kb, self.rss_peak_kb, self.sessions)

    @property
    def per_minute(self) -> float:
        return loadlib.journeys_per_minute(self.journeys, self.seconds)


async def warm_up(stack: Stack, account: Driven, password: str, ledger: Ledger, url: str) -> None:
    """One wire journey against each replica directly, so every server has imported and
    compiled what the pages use before the baseline is taken."""
    targets = [r.base_url for r in stack.replicas] or [stack.base_url]
    for target in targets:
        level = Level(target, password, ledger, url)
        await run_level(None, level, [account], 0, 1, None, _noop, stack.cpu)
        if level.log.error_count():
            print(
                f"warm-up errors on {target}: "
                f"{[e for es in level.log.errors.values() for e in es]}",
                flush=True,
            )


async def measure_level(
    browsers: Browsers | None,
    stack: Stack,
    accounts: list[Driven],
    browser_count: int,
    args,
    ledger: Ledger,
    url: str,
    password: str,
    failover: bool = False,
) -> LevelResult:
    """Run one level while sampling the servers' RSS (before, once every session is signed
    in, peak, after) and PostgreSQL's backends; then attribute the servers' timing lines to
    the clients' steps."""
    level = Level(
        stack.base_url, password, ledger, url, replica_of=stack.replica_of, log_dir=stack.log_dir
    )
    killed = Kill()
    if failover:
        level.failover = lambda client: kill_under(client, stack, killed)
        level.pin = stack.pinned
    before = stack.rss_kb()
    open_sample = OpenSample()
    peak = [before or 0]
    sampling = [True]

    async def sample() -> None:
        while sampling[0] and stack.server_pids:
            if killed.replica is None:  # a killed replica's memory leaves the sum: no peak then
                peak[0] = max(peak[0], stack.rss_kb() or 0)
            await asyncio.sleep(SAMPLE_EVERY_S)

    async def all_signed_in() -> None:
        open_sample.rss_kb = stack.rss_kb()
        open_sample.load = loadstack.loadavg()
        open_sample.backends = await asyncio.to_thread(backends, url)

    sampler = asyncio.ensure_future(sample())
    started = time.monotonic()
    cpu_before = stack.cpu()
    try:
        journeys, cpu_after = await run_level(
            browsers,
            level,
            accounts,
            browser_count,
            args.rounds,
            args.duration,
            all_signed_in,
            stack.cpu,
            args.ramp_up,
            follow_first=failover,
        )
    finally:
        sampling[0] = False
        await sampler
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)  # the closed sessions' websockets are gone, the logs written
    server, between = loadlib.attribute_runs(stack.runs(), level.windows, level.sessions)
    result = LevelResult(
        stack.label,
        len(stack.replicas),
        len(accounts),
        min(browser_count, len(accounts)),
        level.log.stats(),
        level.browser_log.stats(),
        server,
        between,
        journeys,
        elapsed,
        before,
        open_sample.rss_kb,
        peak[0] or None,
        open_sample.backends,
        open_sample.load or loadstack.loadavg(),
        stack.rss_kb(),
        cpu_after[0] - cpu_before[0],
        cpu_after[1] - cpu_before[1],
        cpu_after[2] - cpu_before[2],
    )
    result.reconnects, result.transfers = level.reconnects, level.transfers
    result.placement = sorted(
        Counter(level.placement.values()).items(), key=lambda item: (item[0] is None, item[0] or 0)
    )
    if failover:
        killed.at_s = None if killed.at is None else killed.at - started
        result.failover = killed
    return result


async def kill_under(client: Client, stack: Stack, killed: Kill) -> None:
    """The failover: the browser (or first session) at History downloads and uploads through
    the proxy, then the replica it is stuck to is killed; it must come back through the proxy
    on another replica, signed in, and move files there too."""
    replica_index = stack.replica_of(await client.cookies())
    replica = next((r for r in stack.replicas if r.index == replica_index), None)
    if replica is None:
        print("failover: cannot tell which replica the session is on; nothing killed", flush=True)
        return
    others = [r for r in stack.replicas if r is not replica and r.alive]
    if isinstance(client, BrowserClient):
        await client.transfer_files("before the failover", others)
    # The moment that tests the most: another session of that replica has clicked "Save"
    # and its page has not said "Saved." yet (up to 30 s of waiting for one).
    in_flight, deadline = None, time.monotonic() + 30
    while in_flight is None and time.monotonic() < deadline:
        for other in client.level.clients:
            if (
                other is not client
                and other.unconfirmed_save
                and stack.replica_of(await other.cookies()) == replica.index
            ):
                in_flight = other.account.username
                break
        else:
            await asyncio.sleep(0.005)
    lost_at = time.monotonic()
    await asyncio.to_thread(loadstack.kill, replica)
    killed.replica, killed.at, killed.save_in_flight = replica.index, lost_at, in_flight
    print(
        f"failover: killed replica {replica.index} (pid {replica.pid}) under "
        f"{client.account.username}; a save in flight: {in_flight}",
        flush=True,
    )
    if isinstance(client, BrowserClient):
        await client.await_reconnect(lost_at, replica.index)
        # The other replica is the dead one now: nothing to ask it.
        await client.transfer_files("after the failover", [])


async def _noop() -> None:
    return None


async def drive_all(
    args,
    stacks: list[int | None],
    url: str,
    accounts: list[Driven],
    password: str,
    ledger: Ledger,
    levels: list[int],
    log_dir: Path,
) -> tuple[list[LevelResult], int]:
    """Every configuration (start its stack, warm up, run the levels and the failover,
    stop it), with the browsers and this script kept at --client-nice."""
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    results: list[LevelResult] = []
    server_errors = 0
    niced_pids: list[int] = []

    async def keep_niced() -> None:
        while True:
            await asyncio.to_thread(
                loadstack.deprioritise_client, list(niced_pids), args.client_nice
            )
            await asyncio.sleep(1.0)

    niced = asyncio.ensure_future(keep_niced()) if args.client_nice else None
    browsers_needed = args.browsers > 0
    try:
        async with async_playwright() as playwright:
            browsers = (
                Browsers(playwright, loadlib.parse_viewport(args.viewport))
                if browsers_needed
                else None
            )
            try:
                for replicas in stacks:
                    stack = start_stack(url, replicas, args, log_dir)
                    niced_pids[:] = stack.server_side_pids
                    try:
                        print(
                            f"\n{stack.label}: {stack.base_url}"
                            + (
                                f" (caddy {loadstack.caddy_version()}, "
                                f"replicas {[r.base_url for r in stack.replicas]})"
                                if stack.proxy
                                else ""
                            ),
                            flush=True,
                        )
                        await warm_up(stack, accounts[0], password, ledger, url)
                        await asyncio.sleep(2)
                        baseline = stack.rss_kb()
                        if baseline:
                            print(f"server RSS after warm-up: {baseline / 1024:.0f} MB", flush=True)
                        plan = [(n, False) for n in levels]
                        if args.failover and replicas and replicas >= 2:
                            plan.append((args.failover, True))
                        for sessions, failover in plan:
                            result = await measure_level(
                                browsers,
                                stack,
                                accounts[1 : sessions + 1],
                                args.browsers,
                                args,
                                ledger,
                                url,
                                password,
                                failover,
                            )
                            result.rss_baseline_kb = baseline
                            results.append(result)
                            print_level(result)
                    finally:
                        niced_pids[:] = []
                        stack.stop()
                        server_errors += stack.server_errors()
            finally:
                if browsers is not None:
                    await browsers.close()
    finally:
        if niced is not None:
            niced.cancel()
    return results, server_errors


def mb(kb: int | None) -> str:
    """Kilobytes as whole megabytes ("?" when not measured)."""
    return "?" if kb is None else f"{kb / 1024:.0f}"


def print_level(result: LevelResult) -> None:
    title = f"{result.configuration}, {result.sessions} sessions" + (
        " (failover)" if result.failover else ""
    )
    print(
        f"\n{title}: {result.journeys} journeys in {result.seconds:.0f} s "
        f"({result.per_minute:.1f}/min), load average {result.load_during}; "
        f"{result.placed}",
        flush=True,
    )
    print(
        loadlib.step_table_with_server(
            result.stats, result.server, result.browser_stats, result.between
        ),
        flush=True,
    )
    # A killed replica's CPU time leaves the sum: no server figure for the failover level.
    servers = (
        "servers n/a (a replica was killed)"
        if result.failover
        else f"servers {result.server_cpu_s:.0f} s "
        f"({result.server_cpu_s / max(result.journeys, 1):.1f} s per journey)"
    )
    print(
        f"CPU: {servers}, proxy {result.proxy_cpu_s:.0f} s, clients "
        f"{result.client_cpu_s:.0f} s, over {result.seconds:.0f} s of wall time",
        flush=True,
    )
    if result.mb_per_session is not None:
        print(
            f"server RSS {mb(result.rss_baseline_kb)} MB baseline, "
            f"{mb(result.rss_open_kb)} MB with all signed in "
            f"({result.mb_per_session:.1f} MB/session), peak "
            f"{mb(result.rss_peak_kb)} MB ({result.peak_mb_per_session:.1f} MB/"
            f"session); PostgreSQL backends {result.backends_open}",
            flush=True,
        )
    for item in result.reconnects:
        print(
            f"  reconnect {item.kind} {item.username} (during {item.step}): replica "
            f"{item.replica_before} -> "
            f"{item.replica_after}, back after "
            + (f"{item.back_at - item.lost_at:.1f} s" if item.back_at else "never")
            + f", signed in {item.signed_in} (re-auth cookie held: {item.had_cookie})",
            flush=True,
        )
    for transfer in result.transfers:
        print(
            f"  files {transfer.when} on replica {transfer.replica}: download "
            f"{transfer.download_rows} rows of {transfer.expected_rows} (other replica: HTTP "
            f"{transfer.elsewhere_status}), upload: {transfer.upload_present} present, "
            f"{transfer.upload_new} new"
            + (f", error {transfer.error}" if transfer.error else "")
            + f": {'ok' if transfer.ok else 'FAILED'}",
            flush=True,
        )


def failover_verdict(results: list[LevelResult]) -> tuple[bool, list[str]]:
    """(ok, problems) of the failover level: a replica was killed; every session that lost
    its connection came back on another replica, signed in; the files went through before
    and after."""
    problems = []
    levels = [r for r in results if r.failover is not None]
    for result in levels:
        if result.failover is None or result.failover.replica is None:
            problems.append("no replica was killed")
        if not result.reconnects:
            problems.append("no session lost its connection")
        for item in result.reconnects:
            if item.back_at is None:
                problems.append(f"{item.username} did not come back")
            elif item.replica_after in (None, item.replica_before):
                problems.append(f"{item.username} did not move to another replica")
            elif item.should_stay_signed_in and not item.signed_in:
                problems.append(
                    f"{item.username} came back signed out"
                    + (
                        ""
                        if item.had_cookie
                        else ": its browser held no re-auth cookie (the "
                        "cookie component had not set it at sign-in)"
                    )
                )
        if len(result.transfers) < 2 or not all(t.ok for t in result.transfers):
            problems.append("an upload or download through the proxy failed")
    return not problems and bool(levels), problems


def checked_arguments(args: argparse.Namespace) -> tuple[list[int], list[int | None], list[int]]:
    """(levels, replica counts (None: one server driven directly), every level including
    the failover's) of the command line; LoadArgumentError for one refused."""
    levels = loadlib.parse_levels(args.sessions)
    stacks: list[int | None] = [*loadlib.parse_replicas(args.replicas)] if args.replicas else [None]
    if args.failover:
        loadlib.parse_levels(str(args.failover))
        if max(n or 1 for n in stacks) < 2:
            raise loadlib.LoadArgumentError("--failover needs --replicas with 2 or more")
    all_levels = levels + ([args.failover] if args.failover else [])
    loadlib.check_limits(
        all_levels * len(stacks) if args.duration is None else levels, args.rounds, args.duration
    )
    if not 0 <= args.ramp_up <= 5:
        raise loadlib.LoadArgumentError("--ramp-up must be 0..5 seconds")
    if args.url:
        loadlib.check_loopback(args.url)
        if args.replicas:
            raise loadlib.LoadArgumentError("--url drives one server: no --replicas")
    if not 0 <= args.browsers <= max(all_levels):
        raise loadlib.LoadArgumentError("--browsers must be 0..the largest level")
    loadlib.streamlit_flags(args.streamlit_option)
    loadlib.parse_viewport(args.viewport)
    return levels, stacks, all_levels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions",
        default="5,10,20",
        help=f"concurrent sessions per level, e.g. 5,10,20 (max {loadlib.MAX_SESSIONS})",
    )
    parser.add_argument(
        "--replicas",
        help="compare configurations of this many app replicas behind Caddy "
        "(deploy/Caddyfile), e.g. 1,2; without it one server is driven "
        "directly",
    )
    parser.add_argument(
        "--failover",
        type=int,
        default=0,
        metavar="SESSIONS",
        help="with 2+ replicas: a level of this many sessions during which a replica is killed",
    )
    parser.add_argument(
        "--browsers",
        type=int,
        default=1,
        help="real Chromium sessions per level (the others speak Streamlit's "
        "websocket protocol, scripts/loadwire.py); default 1",
    )
    parser.add_argument("--rounds", type=int, default=2, help="journeys per session per level")
    parser.add_argument(
        "--ramp-up",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="pause between the starts of a level's sessions (default 0.5 s: "
        "20 sessions start over 10 s instead of signing in at once)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="soak: each session repeats the journey for this many seconds "
        f"(max {loadlib.MAX_DURATION_S})",
    )
    parser.add_argument(
        "--seed-rows",
        type=int,
        default=1_000_000,
        help="fill-ups in the seeded database (smaller for quick runs)",
    )
    parser.add_argument(
        "--url",
        help="drive this running server (loopback only) instead of "
        "starting one; it must serve the load database",
    )
    parser.add_argument("--server-pid", type=int, help="with --url: the server's PID (memory)")
    parser.add_argument("--viewport", default=VIEWPORT, help="browser window, WIDTHxHEIGHT")
    parser.add_argument(
        "--client-nice",
        type=int,
        default=10,
        choices=range(20),
        metavar="0-19",
        help="niceness of the browsers, the driver and the wire sessions "
        "(default 10): on one machine they would otherwise take CPU from "
        "the servers they measure; 0 to compete as equals",
    )
    parser.add_argument("--keep", action="store_true", help="keep the rows the run added")
    parser.add_argument(
        "--streamlit-option",
        action="append",
        default=[],
        metavar="SECTION.NAME=VALUE",
        help="extra option for the servers it starts, e.g. "
        "runner.postScriptGC=false (to measure a setting; repeatable)",
    )
    parser.add_argument("--write", type=Path, help="Markdown file to record the figures in")
    args = parser.parse_args()
    try:
        levels, stacks, all_levels = checked_arguments(args)
    except loadlib.LoadArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.browsers and not CHROMIUM.exists():
        print(f"error: browser sessions need Debian's Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    if args.replicas and not loadstack.caddy_available():
        print("error: --replicas needs Debian's caddy (make proxy installs it)", file=sys.stderr)
        return 2

    url, _server = load_database()  # the handle keeps the embedded server up
    users_n, rows_n, seeded, seed_s = prepare(url, args.seed_rows)
    print(
        f"{LOAD_DB}: {users_n:,} accounts, {rows_n:,} fill-ups "
        + (f"seeded in {seed_s:.0f} s" if seeded else "(already seeded)"),
        flush=True,
    )
    password = secrets.token_urlsafe(18)
    accounts = pick_accounts(url, max(all_levels) + 1, password)
    print(
        f"driving {len(accounts) - 1} accounts (+1 warm-up), ~{TYPICAL_ROWS} fill-ups each",
        flush=True,
    )
    start_id = max_entry_id(url)
    ledger = Ledger()
    log_dir = Path(tempfile.mkdtemp(prefix=f"fueltracker-load-{os.getpid()}-"))
    print(f"server and proxy logs in {log_dir}", flush=True)
    results, server_errors = asyncio.run(
        drive_all(args, stacks, url, accounts, password, ledger, levels, log_dir)
    )

    integrity, problems, compared = verify(url, accounts, ledger, start_id)
    in_flight = saves_in_flight(ledger)
    verdict_ok = integrity.ok and not problems
    print(
        f"\nintegrity: {integrity.confirmed} fill-ups confirmed; missing "
        f"{len(integrity.missing)}, duplicated {len(integrity.duplicated)}, unexpected "
        f"{len(integrity.unexpected)}, stored without confirmation "
        f"{len(integrity.unconfirmed_stored)}; Dashboard figures equal the recomputation for "
        f"{compared[1]} of {compared[0]} accounts; problems {len(problems)}: "
        f"{'PASS' if verdict_ok else 'FAIL'}"
    )
    for line in problems[:20]:
        print("  " + line)
    print(
        f"saves without a confirmation (in flight when a replica died, or timed out): "
        f"{in_flight[0]}, stored once {in_flight[1]}, not stored {in_flight[2]}, more than "
        f"once {in_flight[3]}"
    )
    failover_ok, failover_problems = failover_verdict(results) if args.failover else (True, [])
    if args.failover:
        print(f"failover: {'PASS' if failover_ok else 'FAIL'} {failover_problems}")
    if not args.keep:
        print(f"removed the run's {cleanup(url, [a.user_id for a in accounts], start_id)} rows")

    if args.write:
        write(
            args,
            results,
            integrity,
            problems,
            compared,
            server_errors,
            (users_n, rows_n),
            in_flight,
            (failover_ok, failover_problems),
        )
        print(f"wrote {args.write}")
    soak_errors = args.duration is not None and any(r.errors for r in results)
    return 0 if verdict_ok and failover_ok and not soak_errors else 1


# --------------------------------------------------------------------------- report


def write(
    args,
    results: list[LevelResult],
    integrity,
    problems,
    compared: tuple[int, int],
    server_errors: int,
    seeded: tuple[int, int],
    in_flight: tuple[int, int, int, int],
    failover: tuple[bool, list[str]],
) -> None:
    info = machine()
    accounts_compared, matched = compared
    soak = args.duration is not None
    heading = "## Soak" if soak else "## Load"
    mark = {True: "met", False: "**missed**"}
    proxied = bool(args.replicas)
    parts = [heading, ""]
    parts.append(
        f"Measured by `scripts/load.py` (`make {'soak' if soak else 'load'}`) on "
        f"{dt.date.today().isoformat()}: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} "
        f"RAM, Python {info['python']}, shared with other work (the load averages below). "
        + (
            f"App replicas (`python -m fueltracker.ui.server`, 127.0.0.1, same cookie key and "
            f"Streamlit cookie secret) behind Caddy {loadstack.caddy_version()} (Debian's "
            "package) running `deploy/Caddyfile` unchanged, the file docs/deploy.md shows "
            "(sticky cookie `fueltracker_lb`), 1 and 2 replicas compared in one run; "
            if proxied
            else "One app server (`python -m fueltracker.ui.server`, 127.0.0.1); "
        )
        + f"database `{LOAD_DB}` ({seeded[0]:,} accounts, {seeded[1]:,} fill-ups, seeded by "
        "bench_analysis's functions)"
        + (
            f" with `{' '.join(loadlib.streamlit_flags(args.streamlit_option))}`"
            if args.streamlit_option
            else ""
        )
        + f". Per level, {args.browsers} session{'s' if args.browsers != 1 else ''} in "
        f"headless Debian Chromium ({args.viewport}) and the others wire sessions "
        "(`scripts/loadwire.py`: Streamlit's websocket protocol with its own protobuf "
        "messages, no browser), all from one asyncio loop on the same machine at niceness "
        f"{args.client_nice} (the servers and the proxy at 0). Each session signs in as its "
        f"own account of about {TYPICAL_ROWS} fill-ups and walks: sign in (lands on the "
        f"Dashboard), Log fill-up, save a fill-up, History, {ANALYSIS_PAGE}, Dashboard, sign "
        "out"
        + (
            f", again and again for {args.duration:.0f} s"
            if soak
            else f", {args.rounds} times per level"
        )
        + (
            f"; the sessions of a level start {args.ramp_up:g} s apart."
            if args.ramp_up
            else "; the sessions of a level all start at once."
        )
        + " **Server** time of a step: how long the script runs its session asked for "
        "during the step were waiting to start or running, as each replica logs them "
        "(`fueltracker.timing` lines, fueltracker/ui/run_timing.py): the sum of wait + "
        "duration when the runs follow one another, overlapping runs counted once. "
        "**Client** time: "
        "from the click to the last websocket frame before the page settled (no run going "
        "on, no spinner or skeleton, 0.75 s without a frame: the browser tests' criterion), "
        "every session; the Chromium columns are the browser sessions' alone. p95 is the "
        "nearest-rank 95th percentile. Memory: the replicas' summed RSS (/proc) once every "
        "session of the level has signed in, minus their baseline after one warm-up journey "
        "each, divided by the sessions; the same with the level's peak RSS (sampled every "
        "0.5 s) is the upper bound."
    )
    measured = [r for r in results if r.failover is None]
    if proxied and measured:
        parts += ["", "### 1 against 2 replicas", "", summary_table(measured)]
    for result in measured:
        parts += ["", f"### {result.configuration}, {result.sessions} concurrent sessions", ""]
        parts.append(level_paragraph(result))
        parts += [
            "",
            loadlib.step_table_with_server(
                result.stats, result.server, result.browser_stats, result.between
            ),
            "",
        ]
        verdict = loadlib.server_verdict(result.server, result.mb_per_session, result.errors)
        worst = loadlib.worst_server_p95(result.server)
        parts.append(
            "Targets: "
            + ", ".join(f"{k} {mark[v]}" for k, v in verdict.items())
            + (f" (slowest server p95: {worst[0]}, {worst[1]:.2f} s)." if worst else ".")
        )
    for result in [r for r in results if r.failover is not None]:
        parts += ["", f"### Failover: a replica killed under {result.sessions} sessions", ""]
        parts.append(failover_paragraph(result, in_flight, failover))
        parts += [
            "",
            loadlib.step_table_with_server(
                result.stats, result.server, result.browser_stats, result.between
            ),
        ]
    parts += ["", "### Integrity" if soak else "### Integrity after the run", ""]
    parts.append(
        f"{integrity.confirmed} fill-ups confirmed by the page: missing "
        f"{len(integrity.missing)}, stored twice {len(integrity.duplicated)}, rows nobody "
        f"saved {len(integrity.unexpected)}, saved without a confirmation (a save in flight "
        f"when its replica was killed, or a timed-out one) {len(integrity.unconfirmed_stored)}. "
        f"The Dashboard figures each session saw last (after its last save) equal a "
        f"recomputation from a fresh load for {matched} of {accounts_compared} accounts; "
        f"unexpected-error lines in the servers' logs: {server_errors}. "
        f"**{'PASS' if integrity.ok and not problems else 'FAIL'}**."
    )
    if problems:
        parts += ["", "```", *problems[:20], "```"]
    if not soak:
        parts += ["", "### Where the time goes", "", "LOAD_NOTES"]
    text = "\n".join(loadlib.wrap_prose(part) for part in parts) + "\n"
    text = text.replace("LOAD_NOTES", notes())
    loadlib.write_section(args.write, heading, text)


def summary_table(results: list[LevelResult]) -> str:
    """One row per configuration and level: throughput, slowest p95s, memory, CPU."""
    lines = [
        "| replicas | sessions | journeys/min | server p95 s (slowest step) "
        "| client p95 s (slowest step) | Chromium max s (slowest step) | MB/session "
        "| server CPU s/journey | load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        server = loadlib.worst_server_p95(r.server)
        client = loadlib.worst_p95(r.stats)
        browser = max(
            ((row.step, row.max_s) for row in r.browser_stats if row.max_s is not None),
            key=lambda item: item[1],
            default=None,
        )
        lines.append(
            f"| {r.replicas} | {r.sessions} | {r.per_minute:.1f} | "
            + (f"{server[1]:.2f} ({server[0]})" if server else "–")
            + " | "
            + (f"{client[1]:.2f} ({client[0]})" if client else "–")
            + " | "
            + (f"{browser[1]:.2f} ({browser[0]})" if browser else "–")
            + " | "
            + (f"{r.mb_per_session:.1f}" if r.mb_per_session is not None else "–")
            + f" | {r.server_cpu_s / max(r.journeys, 1):.2f} | {r.load_during} |"
        )
    return "\n".join(lines)


def level_paragraph(result: LevelResult) -> str:
    return (
        f"{result.journeys} journeys in {result.seconds:.0f} s "
        f"({result.per_minute:.1f} per minute)"
        + (
            f"; sessions as the proxy placed them: {result.placed}"
            if result.replicas > 1 and result.placed
            else ""
        )
        + f"; load average {result.load_during} (1/5/15 min) when all were signed in"
        + (
            f"; servers' RSS {mb(result.rss_before_kb)} MB before the level, "
            f"{mb(result.rss_open_kb)} MB with the sessions open "
            f"(**{result.mb_per_session:.1f} MB per session** over the baseline of "
            f"{mb(result.rss_baseline_kb)} MB), peak {mb(result.rss_peak_kb)} MB "
            f"({result.peak_mb_per_session:.1f} MB per session), "
            f"{mb(result.rss_after_kb)} MB after the level's sessions closed"
            if result.mb_per_session is not None
            else ""
        )
        + (
            f"; {result.backends_open} PostgreSQL client backends"
            if result.backends_open is not None
            else ""
        )
        + f". CPU used during the level: servers {result.server_cpu_s:.0f} s "
        f"({result.server_cpu_s / max(result.journeys, 1):.2f} s per journey)"
        + (f", proxy {result.proxy_cpu_s:.1f} s" if result.proxy_cpu_s else "")
        + f", clients (Chromium, Playwright, wire sessions) {result.client_cpu_s:.0f} s."
    )


def failover_paragraph(
    result: LevelResult, in_flight: tuple[int, int, int, int], verdict: tuple[bool, list[str]]
) -> str:
    ok, problems = verdict
    kill = result.failover or Kill()
    moved = result.reconnects
    back = [r for r in moved if r.back_at is not None]
    times = sorted(r.back_at - r.lost_at for r in moved if r.back_at is not None)
    elsewhere = [r for r in back if r.replica_after not in (None, r.replica_before)]
    owed = [r for r in moved if r.should_stay_signed_in]
    kept = [r for r in owed if r.signed_in and r in elsewhere]
    files = "; ".join(
        f"{t.when} (replica {t.replica}): download {t.download_rows} rows of "
        f"{t.expected_rows}"
        + (
            f", the same URL from the other replica HTTP {t.elsewhere_status}"
            if t.elsewhere_status is not None
            else ""
        )
        + f"; upload of the canonical export: {t.upload_present} already present, "
        f"{t.upload_new} new" + (f", error: {t.error}" if t.error else "")
        for t in result.transfers
    )
    total, once, none, more = in_flight
    return (
        f"2 replicas behind the proxy, {result.sessions} sessions ({result.browsers} in "
        "Chromium; the others repeat the journey until the Chromium session has done its "
        "rounds, and start with a sticky cookie naming the replicas in turn, so that both "
        f"hold sessions: {result.placed}), {result.journeys} journeys completed in "
        f"{result.seconds:.0f} s. When the "
        f"Chromium session reached History, and as soon as a session of its replica had "
        f'clicked Save without its page saying "Saved." yet '
        f"({kill.save_in_flight or 'none came within 30 s'}), replica "
        f"{kill.replica} (the one the browser's sticky cookie named) was "
        "killed with SIGKILL"
        + (f", {kill.at_s:.0f} s into the level. " if kill.at_s is not None else ": never. ")
        + f"{len(moved)} sessions lost their websocket "
        f"({sum(1 for r in moved if r.kind == 'chromium')} Chromium, "
        f"{sum(1 for r in moved if r.kind == 'wire')} wire); {len(back)} came back through "
        f"the proxy"
        + (f" after {statistics_text(times)}" if times else "")
        + f", {len(elsewhere)} on the other replica; of the {len(owed)} that were signed in, "
        f"{len(kept)} still were (the re-auth cookie; nobody typed a password). The Chromium "
        "session reconnected by itself (the frontend's own reconnect); the wire sessions "
        "asked for the page they were on, as the frontend does. Saves in flight when the "
        f"replica died: {total} ({once} stored once, {none} not stored, {more} more than "
        "once; a session found out when it came back, before it went on). "
        f"{result.errors} steps failed: the ones in flight on the killed replica (first error "
        f"per step in the table). Files through the proxy: {files}. "
        f"**{'PASS' if ok else 'FAIL'}**" + (f" ({'; '.join(problems)})" if problems else "") + "."
    )


def statistics_text(times: list[float]) -> str:
    """ "0.9 s (median), 2.1 s (max)" of some seconds."""
    median, _, most = loadlib.distribution(times)
    return f"{median:.1f} s (median), {most:.1f} s (max)"


if __name__ == "__main__":
    raise SystemExit(main())
