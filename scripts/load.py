"""Load and soak test: N concurrent real browser sessions against one app server.

    python scripts/load.py [--sessions 5,10,20] [--rounds 2] [--seed-rows 1000000]
                           [--write docs/performance.md]
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
3. starts ONE app server (`python -m fueltracker.ui.server`, headless, 127.0.0.1, a port in
   18800-18849), or drives --url (loopback only);
4. runs the levels one after another: per level, N browser contexts of ONE headless Debian
   Chromium (--browser-per-session: one Chromium each, measured no lighter), all driven from
   one asyncio loop (Playwright's async API), the browsers kept at niceness --client-nice so
   that they do not starve the server they measure. Each session repeats
   the journey open -> sign in (lands on the Dashboard) -> Log fill-up -> save a fill-up
   (recorded as saved only when the page says "Saved.") -> History -> Consumption ->
   Dashboard (its headline figures are read) -> sign out, --rounds times, or until
   --duration runs out (soak);
5. times each step from the action to "fully drawn": the Settle criterion of
   tests/e2e/browser.py (script state notRunning, no spinner or skeleton, no websocket frame
   for 0.75 s), evaluated inside the page; the time is taken at the last websocket frame;
6. samples the server's RSS (/proc/PID/status): the baseline after one warm-up journey over
   every page, then per level once all its sessions are signed in (the figure: the growth
   over the baseline per session) and every 0.5 s for the peak; counts PostgreSQL's client
   backends; adds up the CPU time of the server and of the browsers (/proc/PID/stat);
7. verifies: every fill-up a page confirmed is in the database exactly once (by user,
   vehicle, date, odometer), no other row appeared for the driven users, and the Dashboard
   figures each session saw last equal a recomputation from scratch (a fresh load of the
   rows, metrics.add_derived, views.dashboard_figures over the same period, formatted as the page
   formats them);
8. prints the tables and, with --write, replaces the "Load" (or "Soak") section of the file.

Targets (figures, not assertions): 20 sessions on 2 cores, no errors, every step's p95 under
3 s, server memory under 50 MB per open session. Exit status 1 when the integrity check fails
(or a step errored in a soak), 2 for refused arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/load.py`

import psycopg

from scripts import loadlib
from scripts.benchlib import libpq_url, machine
from scripts.browser import CHROMIUM, CHROMIUM_ARGS

LOAD_DB = "fueltracker_bench_load"
PORTS = range(18800, 18850)
TYPICAL_ROWS = 300
DISTANCE_PER_TANK_KM = 450
PRICE_PER_L = Decimal("1.70")
ANALYSIS_PAGE = "Consumption"
DASHBOARD_PERIOD = "Last 12 months"  # the Dashboard's default period
QUIET_MS = 750  # tests/e2e/browser.py Settle.QUIET_S
STEP_TIMEOUT_MS = 60_000
VIEWPORT = "1280x800"
SERVER_START_TIMEOUT_S = 90.0
SAMPLE_EVERY_S = 0.5

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

# Measured on 2026-11-26 (py-spy and an A/B run of this script) and 2026-12-02 (issue 15:
# an A/B run and cProfile on thread CPU time); kept with the figures they explain, as
# bench_analysis.py keeps its notes.
WHERE_TIME_GOES = """
**The browsers, not the server, are most of the load here.** One machine runs both, and
the browsers with Playwright used four to five times the server's CPU in every level (the
CPU line under each table: about 6 s of Chromium per journey against 1.3 s of server). At
20 sessions the two cores were saturated (CPU time of browsers + server = 1.9 x the wall
time), so every step waited for a core, the server's included. Chromium's cost is the
pages' JavaScript (React, Arrow decoding, plotly.js) rather than painting: an 800x600
window cost the same as 1280x800, and one Chromium per session the same as one context
per session (68 s against 67 s of CPU for 10 journeys). The browsers run at niceness 10
so that they do not starve the server; the step times above are an upper bound of what a
user with their own device sees. The server's CPU per journey is the figure that carries
over; "open" (the first visit: Streamlit's JavaScript bundle parsed by 20 fresh browser
contexts at once) is almost all browser time.

**Fixed: a third of the server's CPU was Streamlit's garbage collection after every
script run.** py-spy (`py-spy record --format raw --rate 50`, 60 s, 5 sessions) put 32 %
of the server's samples in `ScriptRunner._on_script_finished`: the `gc.collect()`
Streamlit runs after each run while `runner.postScriptGC` is true (its default), a full
collection of a heap holding pandas, pyarrow and plotly objects, about 10 times per
journey. `.streamlit/config.toml` now sets `postScriptGC = false`; measured against the
default in two runs at 20 sessions back to back: server CPU per journey 2.8 -> 1.4 s, the
level's wall time 267 -> 191 s, p95 30-50 % lower (save fill-up 22.0 -> 11.3 s, Dashboard
14.8 -> 8.9 s), and no memory cost (RSS with the sessions open 304 -> 298 MB, peak 349 ->
344 MB): CPython's own generational collector still frees cycles, and the soak below shows
no growth. A second profile (10 sessions, with that fix) found Streamlit's polling file
watcher at 5.5 % of the samples (no watchdog installed, so it polls every source file):
`server.fileWatcherType = "none"` now, since a deployed app never changes its sources (no
measurable change in CPU per journey, 1.3 s before and after: the watcher thread mostly
sleeps, but a production server has no use for it).

**Issue 15 (analysis results cached, figures without validation, cold load by column):
server CPU per journey down by about a third, not to 0.6 s.** Measured A/B with this
script, 5 sessions x 2 rounds, the code before and after alternating on the same busy
machine (load average 8.5-11 from other work): 2.0 and 2.1 s per journey before, 1.4 and
1.4 s after (-32 %). On the quiet machine of 2026-11-26 the same journey cost 1.3 s, so
about 0.9 s is to be expected there; the levels above ran on a busier one.

**Where the server's time goes now**: cProfile on each server thread's CPU time
(`time.thread_time`, every script thread and the event loop; 5 sessions, 11 journeys; the
profiler itself inflates the total about 3.5x): Streamlit's event loop (websocket
messages, script-runner bookkeeping) 31 %; the Log fill-up form 19 %, half of it
`entry.suggestions` recomputed on every run of the form's fragment (fueltracker/ui/forms.py,
fueltracker/entry.py); the Dashboard and the Consumption pages 14 % each: every journey
builds them cold three times (sign-in, then both after the save, whose write bumps the
data revision that keys their results: by design, never a stale figure), the user's load
and derive included; `st.plotly_chart` serialising the figures 6 %; bcrypt at sign-in 4 %
(cost 12, outside the GIL); History 3 %. Even free analysis pages would leave about
0.65 s of a 0.9 s journey: reaching 0.6 s takes the fill-up form's work per keystroke and
Streamlit's own per-run cost, outside issue 15.

**What 20 simultaneous clickers on 2 cores would need.** A journey is 8 steps and 10-12
script runs costing about 1.3 s of server CPU, mostly under the GIL of the one server
process, i.e. about 0.17 s per step. Twenty sessions clicking without a pause (this
script) queue about 20 x 0.17 = 3.4 s per step at the server alone even with the browsers
elsewhere, so the 3 s target for 20 *simultaneous* clickers needs a second server process
(one per core, behind the sticky load balancer of docs/deploy.md) or less work per run,
where no single item is large: the cookie component's deliberate pause at sign-in and
sign-out (wall time, not CPU; 0.5 s in these runs, 1 s since the cookie once went unset on
a busy CI machine: fueltracker/ui/auth.py), the fill-up form's suggestions, one `set_config`
round trip per service call. People pause between clicks, so 20 signed-in users make far fewer simultaneous
runs than this script. Save fill-up is several runs (the entry fragment's, then the whole
page's `st.rerun()`) and bumps the data revision, so the pages after it load the
account's fill-ups again (cold cache, about 10 ms for 300).

**Memory is far inside its target**: under 1 MB per open session, under 4 MB even
counting the peak (a session keeps ids and widget values; the per-user frames live in
`st.cache_data`, at most 256 entries), with transient peaks of 20-70 MB above the
baseline while many runs build frames and figures at once; after a level (and after the
soak) RSS settles 5-30 MB above the baseline. PostgreSQL saw 3-7 client backends: the
pool (5 + 10 overflow) is not a limit at 20 sessions.
""".strip()


def notes() -> str:
    """WHERE_TIME_GOES reflowed paragraph by paragraph at the report's width."""
    return "\n\n".join(loadlib.wrap_prose(" ".join(paragraph.split()))
                       for paragraph in WHERE_TIME_GOES.split("\n\n"))


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
            "ORDER BY abs(count(f.id) - %s), u.id LIMIT %s", (TYPICAL_ROWS, count)).fetchall()
        if len(picked) < count:
            raise SystemExit(f"only {len(picked)} seeded accounts; raise --seed-rows")
        password_hash = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
        owner.execute("UPDATE users SET password_hash = %s WHERE id = ANY(%s)",
                      (password_hash, [uid for uid, _ in picked]))
        owner.execute("DELETE FROM login_attempts")  # no throttle left from an earlier run
        owner.commit()
        return [refresh(owner, Driven(uid, name, 0, Decimal(0), Decimal(0)))
                for uid, name in picked]


def refresh(owner: psycopg.Connection, account: Driven) -> Driven:
    """Reload the preselected vehicle (last used first: latest date, then latest logged), its
    last odometer and its average consumption from the database."""
    vehicle_id = owner.execute(
        "SELECT vehicle_id FROM fuel_entries WHERE user_id = %s "
        "ORDER BY date DESC, id DESC LIMIT 1", (account.user_id,)).fetchone()[0]
    low, high, volume = owner.execute(
        "SELECT min(odometer_km), max(odometer_km), sum(volume_l) FROM fuel_entries "
        "WHERE vehicle_id = %s", (vehicle_id,)).fetchone()
    account.vehicle_id = vehicle_id
    account.last_odometer_km = high
    account.consumption_l_per_100km = (volume / (high - low) * 100) if high > low else Decimal(7)
    return account


def refresh_from(url: str, account: Driven) -> None:
    with psycopg.connect(libpq_url(url)) as owner:
        refresh(owner, account)


def max_entry_id(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as owner:
        return owner.execute("SELECT coalesce(max(id), 0) FROM fuel_entries").fetchone()[0]


def backends(url: str) -> int:
    """PostgreSQL client backends on the load database (this query's own not counted)."""
    with psycopg.connect(libpq_url(url)) as owner:
        return owner.execute(
            "SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend'").fetchone()[0]


# --------------------------------------------------------------------------- server

def free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_app(url: str, log_path: Path, options: list[str]) -> tuple[subprocess.Popen, str]:
    """One app server on 127.0.0.1 serving the load database, with extra Streamlit
    `options` ("section.name=value", e.g. to try a setting); (process, base URL)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, FUELTRACKER_DATABASE_URL=url,
               FUELTRACKER_COOKIE_KEY=secrets.token_urlsafe(36),
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", PYTHONUNBUFFERED="1")
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fueltracker.ui.server", "--server.port", str(port),
         "--server.headless", "true", "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *loadlib.streamlit_flags(options)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not healthy(base_url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_app(process)
            raise SystemExit(f"the app server did not start; log: {log_path}")
        time.sleep(0.25)
    return process, base_url


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def rss_kb(pid: int) -> int:
    return loadlib.parse_vmrss_kb(Path(f"/proc/{pid}/status").read_text())


def process_tree(server_pid: int | None) -> tuple[set[int], set[int]]:
    """(pids of the server's tree, pids of everything else this script started)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = loadlib.parse_stat((entry / "stat").read_text())[0]
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    server = loadlib.descendants(parents, server_pid) if server_pid else set()
    return server, loadlib.descendants(parents, os.getpid()) - server


def deprioritise_client(server_pid: int | None, niceness: int) -> None:
    """Give every thread of the browsers and the driver at least `niceness`. Inherited
    niceness is not enough: Chromium sets its processes' and threads' priorities itself
    (renderers back to 0, the browser and GPU processes to -8 when it may)."""
    _, client = process_tree(server_pid)
    for pid in client:
        try:
            tids = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
        except OSError:
            continue
        for tid in tids:
            try:
                if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
                    os.setpriority(os.PRIO_PROCESS, tid, niceness)
            except OSError:
                continue  # a thread that ended meanwhile


def cpu_seconds(server_pid: int | None) -> tuple[float, float]:
    """CPU seconds used so far by (the server's process tree, everything else this script
    started: Playwright's driver, Chromium and this process)."""
    parents, ticks = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent, used = loadlib.parse_stat((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        parents[int(entry.name)], ticks[int(entry.name)] = parent, used
    hz = os.sysconf("SC_CLK_TCK")
    server = loadlib.descendants(parents, server_pid) if server_pid else set()
    client = loadlib.descendants(parents, os.getpid()) - server
    return (sum(ticks.get(p, 0) for p in server) / hz,
            sum(ticks.get(p, 0) for p in client) / hz)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --------------------------------------------------------------------------- browser

class StepFailed(Exception):
    """A journey step did not reach its expected page."""


class Session:
    """One browser context signed in as one account, walking the journey."""

    def __init__(self, context, base_url: str, account: Driven, password: str,
                 log: loadlib.StepLog, ledger: Ledger) -> None:
        self.context, self.base_url, self.account = context, base_url, account
        self.password, self.log, self.ledger = password, log, ledger
        self.page = None
        self.signed_in_event: asyncio.Event | None = None
        self.unconfirmed_save = False  # a save was clicked and not (yet) confirmed

    async def settled(self, started: float) -> float:
        """Wait for the Settle criterion; seconds from `started` to the last frame."""
        handle = await self.page.wait_for_function(SETTLED, arg=QUIET_MS, polling=100,
                                                   timeout=STEP_TIMEOUT_MS)
        quiet_ms = await handle.json_value()
        await handle.dispose()
        if any([await self.page.get_by_text(text).count() for text in APP_ERRORS]):
            raise StepFailed("the page shows the app's unexpected-error message")
        if await self.page.get_by_test_id("stException").count():
            raise StepFailed("the page shows an exception")
        return max(0.0, time.monotonic() - quiet_ms / 1000 - started)

    async def step(self, name: str, action) -> bool:
        """Run one step (action returns its start time), record its time or its error."""
        from playwright.async_api import Error as PlaywrightError

        try:
            started = await action()
            self.log.ok(name, await self.settled(started))
            return True
        except (StepFailed, PlaywrightError, AssertionError, TimeoutError) as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.log.failed(name, f"{self.account.username}: {message}")
            return False

    async def nav(self, link: str, heading: str) -> float:
        from playwright.async_api import expect

        started = time.monotonic()
        await self.page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name=link, exact=True).click()
        await expect(self.page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        return started

    async def open(self) -> float:
        from playwright.async_api import expect

        if self.page is None:
            self.page = await self.context.new_page()
        started = time.monotonic()
        await self.page.goto(self.base_url)
        await expect(self.page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
        return started

    async def sign_in(self) -> float:
        from playwright.async_api import expect

        page = self.page
        await page.get_by_role("tab", name="Sign in", exact=True).click()
        form = page.get_by_test_id("stForm").filter(
            has=page.get_by_role("button", name="Sign in", exact=True))
        await form.get_by_label("Username", exact=True).fill(self.account.username)
        await form.get_by_label("Password", exact=True).fill(self.password)
        started = time.monotonic()
        await form.get_by_role("button", name="Sign in", exact=True).click()
        await expect(page.get_by_test_id("stSidebar")).to_contain_text(
            f"({self.account.username})")
        await expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
        return started

    async def save(self) -> float:
        from playwright.async_api import expect

        page, account = self.page, self.account
        main = page.get_by_test_id("stMain")
        odometer = Decimal(math.floor(account.last_odometer_km) + DISTANCE_PER_TANK_KM)
        volume = (DISTANCE_PER_TANK_KM * account.consumption_l_per_100km / 100).quantize(
            Decimal("0.01"))
        total = (volume * PRICE_PER_L).quantize(Decimal("0.01"))
        today = dt.datetime.now(dt.UTC).date().isoformat()  # the accounts' timezone is UTC
        key = loadlib.fillup_key(account.user_id, account.vehicle_id, today, odometer)
        hint = await main.locator('input[aria-label^="Odometer"]').get_attribute("placeholder")
        last = f"{account.last_odometer_km.quantize(Decimal(1), ROUND_HALF_UP):,}"
        if not hint or last not in hint:
            raise StepFailed(f"odometer hint {hint!r} is not the expected vehicle's ({last})")
        await main.locator('input[aria-label^="Odometer"]').fill(str(odometer))
        await main.locator('input[aria-label^="Volume"]').fill(str(volume))
        await main.locator('input[aria-label^="Total paid"]').fill(str(total))
        started = time.monotonic()
        self.ledger.attempted.append(key)
        self.ledger.typed[key] = (volume, total)
        self.unconfirmed_save = True
        await main.get_by_role("button", name="Save fill-up", exact=True).click()
        saved = page.get_by_test_id("stAlert").filter(has_text="Saved.")
        confirm = page.get_by_text("Yes, these values are right", exact=True)
        await expect(saved.or_(confirm)).to_be_visible()
        if not await saved.count():
            # A plausibility warning: confirm it the way a user would (counts in the time).
            await confirm.click()
            await main.get_by_role("button", name="Save fill-up", exact=True).click()
            await expect(saved).to_be_visible()
        self.ledger.confirmed.append(key)
        self.unconfirmed_save = False
        account.last_odometer_km = odometer
        account.last_save_at = time.monotonic()
        return started

    async def dashboard(self) -> float:
        started = await self.nav("Dashboard", "Dashboard")
        return started

    async def read_figures(self) -> None:
        cards = []
        for card in await self.page.get_by_test_id("stMetric").all():
            label = await card.get_by_test_id("stMetricLabel").inner_text()
            value = await card.get_by_test_id("stMetricValue").inner_text()
            cards.append((label, value))
        self.account.figures = loadlib.parse_metrics(cards)
        self.account.figures_at = time.monotonic()

    async def sign_out(self) -> float:
        from playwright.async_api import expect

        started = time.monotonic()
        await self.page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        await expect(self.page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
        return started

    async def journey(self) -> bool:
        """One journey; False when a step failed (the next journey reopens the page)."""
        signed_out = self.page is not None and await self.page.get_by_role(
            "tab", name="Sign in", exact=True).count()
        if not signed_out and not await self.step("open", self.open):
            return False
        if not await self.step("sign in", self.sign_in):
            await self.page_reset()
            return False
        if self.signed_in_event is not None:
            self.signed_in_event.set()
        steps = (
            ("log fill-up page", lambda: self.nav("Log fill-up", "Log a fill-up")),
            ("save fill-up", self.save),
            ("history", lambda: self.nav("History", "History")),
            ("analysis", lambda: self.nav(ANALYSIS_PAGE, ANALYSIS_PAGE)),
            ("dashboard", self.dashboard),
        )
        for name, action in steps:
            if not await self.step(name, action):
                await self.page_reset()
                return False
            if name == "dashboard":
                await self.read_figures()
        if not await self.step("sign out", self.sign_out):
            await self.page_reset()
            return False
        return True

    async def page_reset(self) -> None:
        """After a failure start over from a fresh page load (closing the old page)."""
        from playwright.async_api import Error as PlaywrightError

        if self.page is not None:
            try:
                await self.page.close()
            except PlaywrightError:
                pass  # a crashed page: the next journey opens a new one anyway
        self.page = None


class Browsers:
    """Browser contexts for the sessions: by default all in ONE Chromium (each context gets
    its own renderer process anyway, but the browser and GPU processes are shared), or one
    Chromium per session (--browser-per-session, to compare the client's CPU)."""

    def __init__(self, playwright, per_session: bool, viewport: dict[str, int]) -> None:
        self.playwright, self.per_session, self.viewport = playwright, per_session, viewport
        self.shared = None
        self.owners: dict[int, object] = {}

    async def _launch(self):
        return await self.playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                     headless=True, args=CHROMIUM_ARGS)

    async def new_context(self):
        """A fresh context (no cookies) with the settle hook installed."""
        if self.per_session:
            launched = await self._launch()
        else:
            self.shared = self.shared or await self._launch()
            launched = self.shared
        context = await launched.new_context(viewport=self.viewport, locale="en-US",
                                             timezone_id="UTC", reduced_motion="reduce")
        context.set_default_timeout(STEP_TIMEOUT_MS)
        await context.add_init_script(WS_HOOK)
        if self.per_session:
            self.owners[id(context)] = launched
        return context

    async def close_context(self, context) -> None:
        await context.close()
        launched = self.owners.pop(id(context), None)
        if launched is not None:
            await launched.close()

    async def close(self) -> None:
        for launched in self.owners.values():
            await launched.close()
        if self.shared is not None:
            await self.shared.close()


async def run_level(browsers: Browsers, base_url: str, accounts: list[Driven], password: str,
                    rounds: int, duration_s: float | None, ledger: Ledger,
                    on_all_signed_in, url: str, pid: int | None = None
                    ) -> tuple[loadlib.StepLog, int, tuple[float, float]]:
    """Drive len(accounts) sessions concurrently; (step log, journeys completed, CPU
    seconds of server and client when the last journey ended). The CPU is read before the
    browsers close: the time of a process that exits may leave the tree with it."""
    log = loadlib.StepLog()
    sessions, events = [], []
    for account in accounts:
        context = await browsers.new_context()
        session = Session(context, base_url, account, password, log, ledger)
        session.signed_in_event = asyncio.Event()
        events.append(session.signed_in_event)
        sessions.append(session)
    deadline = None if duration_s is None else time.monotonic() + duration_s
    completed = 0
    budget = [loadlib.MAX_JOURNEYS]

    async def drive(session: Session) -> None:
        nonlocal completed
        done = 0
        while True:
            if deadline is None and done >= rounds:
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
            if budget[0] <= 0:
                return
            budget[0] -= 1
            if await session.journey():
                completed += 1
            elif session.unconfirmed_save:
                # A save without a confirmation may still have landed: go on from what the
                # database holds.
                await asyncio.to_thread(refresh_from, url, session.account)
                session.unconfirmed_save = False
            done += 1

    async def watch_signed_in() -> None:
        await asyncio.gather(*(event.wait() for event in events))
        await on_all_signed_in()

    watcher = asyncio.ensure_future(watch_signed_in())
    cpu_end = (0.0, 0.0)
    try:
        await asyncio.gather(*(drive(s) for s in sessions))
        cpu_end = cpu_seconds(pid)
    finally:
        if not watcher.done():
            watcher.cancel()
        for session in sessions:
            await browsers.close_context(session.context)
    return log, completed, cpu_end


# --------------------------------------------------------------------------- verification

def verify(url: str, accounts: list[Driven], ledger: Ledger, start_id: int
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
            "WHERE user_id = ANY(%s) AND id > %s", (ids, start_id)).fetchall()
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
                derived, periods.preset_start(DASHBOARD_PERIOD, today), today, user)
            expected = loadlib.parse_metrics(
                (f.title, f.value) for f in totals + per_vehicle)
            compared += 1
            differ = [f"{account.username} {label}: page showed "
                      f"{account.figures.get(label)!r}, recomputed {value!r}"
                      for label, value in expected.items() if account.figures.get(label) != value]
            problems += differ
            matched += not differ
    finally:
        engine.dispose()
    return integrity, problems, (compared, matched)


def cleanup(url: str, ids: list[int], start_id: int) -> int:
    """Delete the rows this run added (the seed check then finds its counts again)."""
    with psycopg.connect(libpq_url(url)) as owner:
        deleted = owner.execute("DELETE FROM fuel_entries WHERE user_id = ANY(%s) AND id > %s",
                                (ids, start_id)).rowcount
        owner.commit()
    return deleted


# --------------------------------------------------------------------------- main

@dataclass
class LevelResult:
    sessions: int
    stats: list[loadlib.StepStats]
    journeys: int
    seconds: float
    rss_before_kb: int | None
    rss_open_kb: int | None
    rss_peak_kb: int | None
    backends_open: int | None
    load_during: str
    rss_after_kb: int | None
    server_cpu_s: float
    client_cpu_s: float
    rss_baseline_kb: int | None = None  # after the warm-up journey, before any level

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


async def drive_all(args, base_url: str, pid: int | None, accounts: list[Driven], password: str,
                    ledger: Ledger, levels: list[int], url: str
                    ) -> tuple[list[LevelResult], int | None]:
    """The warm-up and every level, with the browsers kept at --client-nice."""
    async def keep_niced() -> None:
        while True:
            await asyncio.to_thread(deprioritise_client, pid, args.client_nice)
            await asyncio.sleep(1.0)

    # The browsers need several times the server's CPU on this one machine: they yield it.
    niced = asyncio.ensure_future(keep_niced()) if args.client_nice else None
    try:
        return await _drive_all(args, base_url, pid, accounts, password, ledger, levels, url)
    finally:
        if niced is not None:
            niced.cancel()


async def _drive_all(args, base_url: str, pid: int | None, accounts: list[Driven],
                     password: str, ledger: Ledger, levels: list[int], url: str
                     ) -> tuple[list[LevelResult], int | None]:
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    results = []
    async with async_playwright() as playwright:
        browser = Browsers(playwright, args.browser_per_session,
                           loadlib.parse_viewport(args.viewport))
        try:
            # Warm-up: one journey over every page so the server has imported and compiled
            # what the pages use before the baseline is taken.
            warm, _, _ = await run_level(browser, base_url, accounts[:1], password, 1, None,
                                      ledger, _noop, url)
            if warm.error_count():
                print(f"warm-up errors: {warm.errors}", flush=True)
            await asyncio.sleep(2)
            baseline = rss_kb(pid) if pid else None
            if baseline:
                print(f"server RSS after warm-up: {baseline / 1024:.0f} MB", flush=True)
            for level in levels:
                result = await measure_level(browser, base_url, pid, accounts[1:level + 1],
                                             password, args, ledger, url)
                result.rss_baseline_kb = baseline
                results.append(result)
                print(f"\n{level} sessions: {result.journeys} journeys in "
                      f"{result.seconds:.0f} s, "
                      f"load average {result.load_during}", flush=True)
                print(loadlib.step_table(result.stats), flush=True)
                print(f"CPU: server {result.server_cpu_s:.0f} s "
                      f"({result.server_cpu_s / max(result.journeys, 1):.1f} s per journey), "
                      f"browsers and driver {result.client_cpu_s:.0f} s, over "
                      f"{result.seconds:.0f} s of wall time", flush=True)
                if result.mb_per_session is not None:
                    print(f"server RSS {baseline / 1024:.0f} MB baseline, "
                          f"{result.rss_before_kb / 1024:.0f} MB before the level, "
                          f"{result.rss_open_kb / 1024:.0f} MB with all {level} signed in "
                          f"({result.mb_per_session:.1f} MB/session), peak "
                          f"{result.rss_peak_kb / 1024:.0f} MB "
                          f"({result.peak_mb_per_session:.1f} MB/session); PostgreSQL backends "
                          f"{result.backends_open}; {result.rss_after_kb / 1024:.0f} MB "
                          "after the level", flush=True)
        finally:
            await browser.close()  # every browser it launched
    return results, baseline


async def measure_level(browser: Browsers, base_url: str, pid: int | None, accounts: list[Driven],
                        password: str, args, ledger: Ledger, url: str) -> LevelResult:
    """Run one level while sampling the server's RSS (before, once every session is signed
    in, peak, after) and PostgreSQL's backends."""
    before = rss_kb(pid) if pid else None
    open_sample: dict[str, object] = {}
    peak = [before or 0]
    sampling = [True]

    async def sample() -> None:
        while sampling[0] and pid:
            peak[0] = max(peak[0], rss_kb(pid))
            await asyncio.sleep(SAMPLE_EVERY_S)

    async def all_signed_in() -> None:
        if pid:
            open_sample["rss"] = rss_kb(pid)
        open_sample["load"] = loadavg()
        open_sample["backends"] = await asyncio.to_thread(backends, url)

    sampler = asyncio.ensure_future(sample())
    started = time.monotonic()
    cpu_before = cpu_seconds(pid)
    try:
        log, journeys, cpu_after = await run_level(
            browser, base_url, accounts, password, args.rounds, args.duration, ledger,
            all_signed_in, url, pid)
    finally:
        sampling[0] = False
        await sampler
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)  # the closed sessions' websockets are gone by now
    return LevelResult(len(accounts), log.stats(), journeys, elapsed, before,
                       open_sample.get("rss"), peak[0] or None, open_sample.get("backends"),
                       str(open_sample.get("load", loadavg())),
                       rss_kb(pid) if pid else None,
                       cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])


async def _noop() -> None:
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="5,10,20",
                        help="concurrent sessions per level, e.g. 5,10,20 (max "
                             f"{loadlib.MAX_SESSIONS})")
    parser.add_argument("--rounds", type=int, default=2, help="journeys per session per level")
    parser.add_argument("--duration", type=float, default=None,
                        help="soak: each session repeats the journey for this many seconds "
                             f"(max {loadlib.MAX_DURATION_S})")
    parser.add_argument("--seed-rows", type=int, default=1_000_000,
                        help="fill-ups in the seeded database (smaller for quick runs)")
    parser.add_argument("--url", help="drive this running server (loopback only) instead of "
                                      "starting one; it must serve the load database")
    parser.add_argument("--server-pid", type=int, help="with --url: the server's PID (memory)")
    parser.add_argument("--viewport", default=VIEWPORT, help="browser window, WIDTHxHEIGHT")
    parser.add_argument("--client-nice", type=int, default=10, choices=range(20),
                        metavar="0-19",
                        help="niceness of the browsers and driver (default 10): on one machine "
                             "they need several times the server's CPU and would otherwise "
                             "starve it; 0 to compete as equals")
    parser.add_argument("--browser-per-session", action="store_true",
                        help="one Chromium per session instead of one context each in a "
                             "shared Chromium (costs more CPU; for comparison)")
    parser.add_argument("--keep", action="store_true", help="keep the rows the run added")
    parser.add_argument("--streamlit-option", action="append", default=[],
                        metavar="SECTION.NAME=VALUE",
                        help="extra option for the server it starts, e.g. "
                             "runner.postScriptGC=false (to measure a setting; repeatable)")
    parser.add_argument("--write", type=Path, help="Markdown file to record the figures in")
    args = parser.parse_args()
    try:
        levels = loadlib.parse_levels(args.sessions)
        loadlib.check_limits(levels, args.rounds, args.duration)
        if args.url:
            loadlib.check_loopback(args.url)
        loadlib.streamlit_flags(args.streamlit_option)
        loadlib.parse_viewport(args.viewport)
    except loadlib.LoadArgumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not CHROMIUM.exists():
        print(f"error: the load script needs Debian's Chromium at {CHROMIUM}", file=sys.stderr)
        return 2

    url, _server = load_database()  # the handle keeps the embedded server up
    users_n, rows_n, seeded, seed_s = prepare(url, args.seed_rows)
    print(f"{LOAD_DB}: {users_n:,} accounts, {rows_n:,} fill-ups "
          + (f"seeded in {seed_s:.0f} s" if seeded else "(already seeded)"), flush=True)
    password = secrets.token_urlsafe(18)
    accounts = pick_accounts(url, max(levels) + 1, password)
    print(f"driving {len(accounts) - 1} accounts (+1 warm-up), "
          f"~{TYPICAL_ROWS} fill-ups each", flush=True)
    start_id = max_entry_id(url)
    ledger = Ledger()
    log_path = Path(tempfile.gettempdir()) / f"fueltracker-load-{os.getpid()}.log"
    process = None
    try:
        if args.url:
            base_url, pid = args.url.rstrip("/"), args.server_pid
        else:
            process, base_url = start_app(url, log_path, args.streamlit_option)
            pid = process.pid
            print(f"app server pid {pid} on {base_url}, log {log_path}", flush=True)
        results, baseline = asyncio.run(
            drive_all(args, base_url, pid, accounts, password, ledger, levels, url))
    finally:
        if process is not None:
            stop_app(process)
    server_errors = 0
    if log_path.exists():
        server_errors = sum(1 for line in log_path.read_text(errors="replace").splitlines()
                            if "unexpected error" in line or "Traceback" in line)

    integrity, problems, compared = verify(url, accounts, ledger, start_id)
    verdict_ok = integrity.ok and not problems
    print(f"\nintegrity: {integrity.confirmed} fill-ups confirmed; missing "
          f"{len(integrity.missing)}, duplicated {len(integrity.duplicated)}, unexpected "
          f"{len(integrity.unexpected)}, stored without confirmation "
          f"{len(integrity.unconfirmed_stored)}; Dashboard figures equal the recomputation for "
          f"{compared[1]} of {compared[0]} accounts; problems {len(problems)}: {'PASS' if verdict_ok else 'FAIL'}")
    for line in problems[:20]:
        print("  " + line)
    if not args.keep:
        print(f"removed the run's {cleanup(url, [a.user_id for a in accounts], start_id)} rows")

    if args.write:
        write(args, results, baseline, integrity, problems, compared, server_errors,
              (users_n, rows_n))
        print(f"wrote {args.write}")
    soak_errors = args.duration is not None and any(
        r.stats and any(s.errors for s in r.stats) for r in results)
    return 0 if verdict_ok and not soak_errors else 1


def write(args, results: list[LevelResult], baseline: int | None, integrity, problems,
          compared: tuple[int, int], server_errors: int, seeded: tuple[int, int]) -> None:
    info = machine()
    compared, matched = compared
    soak = args.duration is not None
    heading = "## Soak" if soak else "## Load"
    mark = {True: "met", False: "**missed**"}
    parts = [heading, ""]
    parts.append(
        f"Measured by `scripts/load.py` (`make {'soak' if soak else 'load'}`) on "
        f"{dt.date.today().isoformat()}: {info['nproc']} CPUs ({info['cpu']}), {info['ram']} "
        f"RAM, Python {info['python']}. One app server (`python -m fueltracker.ui.server`, "
        f"127.0.0.1) on database `{LOAD_DB}` ({seeded[0]:,} accounts, {seeded[1]:,} "
        f"fill-ups, seeded by bench_analysis's functions)"
        + (f" with `{' '.join(loadlib.streamlit_flags(args.streamlit_option))}`"
           if args.streamlit_option else "")
        + "; the browsers are "
        + ("one headless Debian Chromium per session"
           if args.browser_per_session else
           "one headless Debian Chromium with one context per session")
        + f" ({args.viewport}), driven from one asyncio loop (Playwright's async API) on the "
        f"same machine as the server, at niceness {args.client_nice} (the server at 0). Each session signs in as its own account of about "
        f"{TYPICAL_ROWS} fill-ups and walks: sign in (lands on the Dashboard), Log fill-up, "
        f"save a fill-up, History, {ANALYSIS_PAGE}, Dashboard, sign out"
        + (f", again and again for {args.duration:.0f} s." if soak else
           f", {args.rounds} times per level.")
        + " A step's time runs from the click to the last websocket frame before the page "
        "settled (script not running, no spinner or skeleton, 0.75 s without a frame: the "
        "browser tests' criterion). p95 is the nearest-rank 95th percentile. Memory: the "
        "server's RSS (/proc) once every session of the level has signed in, minus the "
        "baseline (its RSS after one warm-up journey over every page"
        + (f": {baseline / 1024:.0f} MB" if baseline else "")
        + "), divided by the sessions; the same with the level's peak RSS (sampled every "
        "0.5 s) is the upper bound.")
    for result in results:
        parts += ["", f"### {result.sessions} concurrent sessions", ""]
        parts.append(
            f"{result.journeys} journeys in {result.seconds:.0f} s; load average "
            f"{result.load_during} (1/5/15 min) when all were signed in"
            + (f"; server RSS {result.rss_before_kb / 1024:.0f} MB before the level, "
               f"{result.rss_open_kb / 1024:.0f} MB with the sessions open "
               f"(**{result.mb_per_session:.1f} MB per session** over the baseline), peak "
               f"{result.rss_peak_kb / 1024:.0f} MB ({result.peak_mb_per_session:.1f} MB "
               f"per session), {result.rss_after_kb / 1024:.0f} MB after the level's "
               "sessions closed"
               if result.mb_per_session is not None else "")
            + (f"; {result.backends_open} PostgreSQL client backends"
               if result.backends_open is not None else "")
            + f". CPU used during the level: server {result.server_cpu_s:.0f} s "
            f"({result.server_cpu_s / max(result.journeys, 1):.1f} s per journey), browsers "
            f"and Playwright {result.client_cpu_s:.0f} s.")
        parts += ["", loadlib.step_table(result.stats), ""]
        verdict = loadlib.level_verdict(result.stats, result.mb_per_session)
        parts.append("Targets: " + ", ".join(f"{k} {mark[v]}" for k, v in verdict.items())
                     + (f" (slowest p95: {loadlib.worst_p95(result.stats)[0]}, "
                        f"{loadlib.worst_p95(result.stats)[1]:.2f} s)."
                        if loadlib.worst_p95(result.stats) else "."))
    parts += ["", "### Integrity" if soak else "### Integrity after the run", ""]
    parts.append(
        f"{integrity.confirmed} fill-ups confirmed by the page: missing "
        f"{len(integrity.missing)}, stored twice {len(integrity.duplicated)}, rows nobody "
        f"saved {len(integrity.unexpected)}, saved without a confirmation (a timed-out save) "
        f"{len(integrity.unconfirmed_stored)}. The Dashboard figures each session saw last "
        f"(after its last save) equal a recomputation from a fresh load for {matched} of "
        f"{compared} accounts; unexpected-error lines in the server log: {server_errors}. "
        f"**{'PASS' if integrity.ok and not problems else 'FAIL'}**.")
    if problems:
        parts += ["", "```", *problems[:20], "```"]
    if not soak:
        parts += ["", "### Where the time goes", "", "LOAD_NOTES"]
    text = "\n".join(loadlib.wrap_prose(part) for part in parts) + "\n"
    text = text.replace("LOAD_NOTES", notes())
    loadlib.write_section(args.write, heading, text)


if __name__ == "__main__":
    raise SystemExit(main())
