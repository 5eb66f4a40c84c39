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

Then (unless --no-http) the real server over loopback HTTP (scripts/benchhttp.py): a
typical account (--typical-rows, 300) beside the heavy one, 1, 10 and 50 concurrent httpx
clients, a fixed number of requests per level: pages 1 and 200, posts and /stats, with
p50 / p95, requests per second and errors, and issue 18's targets (p95 under 50 ms at 10
clients for a page and a post on the typical account; page 200 within 1.5x of page 1),
and the typical account's Dashboard rerun in one websocket session (scripts/loadwire.py)
alone, with 10 API clients alongside, and alone again. Exit 1 when any target is missed
(the section is written first).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python scripts/bench_api.py`

from scripts import benchhttp, loadstack
from scripts.benchlib import libpq_url, machine, replace_section

DATABASE = "fueltracker_bench_api"
SECTION = "## API"
USERNAME = "bench_api"
TARGET_RATIO = 1.5
PAGE_SIZE = 50
DEEP_PAGE = 100
HTTP_DEEP_PAGE = 200
TYPICAL_USERNAME = "bench_api_typical"
API_PREFIX = "/api/v1"
STATS_PARAMS: dict[str, str | int] = {"from": "1990-01-01"}
ALONGSIDE_RUNS = 15
ALONGSIDE_CLIENTS = 10


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


def seed(
    url: str, rows: int, username: str = USERNAME, token_count: int = 1, password: str = ""
) -> tuple[int, int, list[str]]:
    """(Re)create the bench account `username` with `rows` fill-ups on one car; returns its
    user id, the car's id and `token_count` read+write tokens (one per concurrent client of
    the HTTP run, so clients do not queue on one token row's update)."""
    import psycopg

    from fueltracker.db import session_scope
    from fueltracker.schemas import TokenCreate, UserCreate, VehicleCreate
    from fueltracker.services import tokens, users, vehicles

    with psycopg.connect(libpq_url(url)) as owner:
        owner.execute("DELETE FROM users WHERE lower(username) = %s", (username,))
    with session_scope() as session:
        user = users.register_user(
            session,
            UserCreate(
                username=username,
                display_name="Bench",
                password=password or secrets.token_urlsafe(24),
            ),
        )
        car = vehicles.create_vehicle(session, user.id, VehicleCreate(name="Golf"))
        secrets_ = [
            tokens.create_token(
                session, user.id, TokenCreate(name=f"bench {n}", scope="read+write")
            ).secret
            for n in range(token_count)
        ]
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
    return user.id, car.id, secrets_


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


def page_label(account: str, page: int) -> str:
    return f"GET /fillups?limit={PAGE_SIZE} page {page}, {account}"


def measure_http(
    url: str, accounts: dict[str, tuple[int, list[str]]], deep_page: int, password: str
) -> tuple[
    list[benchhttp.LevelResult], int, tuple[float, float], benchhttp.PageAlongside | None, str
]:
    """The real server on loopback driven at 1, 10 and 50 clients; returns the results, the
    deep page actually reached on the heavy account, the transport's floor (health check on
    a reused and on a new connection, ms) and the server's log."""
    log_dir = Path(tempfile.mkdtemp(prefix="fueltracker-bench-api-"))
    replicas = loadstack.start_replicas(url, 1, log_dir, [], "bench-api", behind_proxy=False)
    try:
        results, reached, floor, page = asyncio.run(
            _drive(replicas[0].base_url, accounts, deep_page, password)
        )
    finally:
        loadstack.stop_all(replicas)
    return results, reached, floor, page, str(replicas[0].log_path)


async def _drive(
    root_url: str, accounts: dict[str, tuple[int, list[str]]], deep_page: int, password: str
) -> tuple[list[benchhttp.LevelResult], int, tuple[float, float], benchhttp.PageAlongside | None]:
    import httpx

    base_url = f"{root_url}{API_PREFIX}"
    clients = max(benchhttp.LEVELS)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    results: list[benchhttp.LevelResult] = []
    async with httpx.AsyncClient(
        base_url=base_url, timeout=benchhttp.TIMEOUT_S, limits=limits, trust_env=False
    ) as http:

        def auth(account: str, worker: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {accounts[account][1][worker]}"}

        # The heavy account's deep page: follow `next` from page 1.
        cursor: str | None = None
        reached = 1
        while reached < deep_page:
            params: dict[str, str | int] = {"limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            page = (await http.get("/fillups", params=params, headers=auth("heavy", 0))).json()
            if not page["next"]:
                break
            cursor, reached = page["next"], reached + 1
        floor = await benchhttp.transport_floor(root_url, http)
        print(f"GET /_stcore/health: {floor[0]:.1f} ms reused connection, {floor[1]:.1f} ms new")
        latest: dict[str, tuple[str, float]] = {}
        for account in accounts:
            one = (
                await http.get("/fillups", params={"limit": 1}, headers=auth(account, 0))
            ).json()["data"][0]
            latest[account] = (one["date"], float(one["odometer_km"]))

        def get(path: str, account: str, params: dict[str, str | int]):
            async def send(client: object, worker: int) -> int:
                response = await http.get(path, params=params, headers=auth(account, worker))
                return response.status_code

            return send

        def post(account: str):
            async def send(client: object, worker: int) -> int:
                # A new valid tank each time: the account's odometer only grows (one event
                # loop, so no two requests share a reading), on its latest date.
                date, odometer = latest[account]
                latest[account] = (date, odometer + 10)
                response = await http.post(
                    "/fillups",
                    headers=auth(account, worker),
                    json={
                        "vehicle_id": accounts[account][0],
                        "date": date,
                        "odometer_km": f"{odometer + 10:.1f}",
                        "volume_l": "40",
                        "price_per_l": "1.80",
                    },
                )
                return response.status_code

            return send

        page1: dict[str, str | int] = {"limit": PAGE_SIZE}
        plan = [
            (page_label("typical", 1), get("/fillups", "typical", page1)),
            (page_label("heavy", 1), get("/fillups", "heavy", page1)),
            (
                page_label("heavy", reached),
                get(
                    "/fillups",
                    "heavy",
                    {"limit": PAGE_SIZE} | ({"cursor": cursor} if cursor else {}),
                ),
            ),
            ("GET /stats (all time), typical", get("/stats", "typical", STATS_PARAMS)),
            ("GET /stats (all time), heavy", get("/stats", "heavy", STATS_PARAMS)),
            ("POST /fillups, typical", post("typical")),
            ("POST /fillups, heavy", post("heavy")),
        ]
        page = await dashboard_alongside(root_url, password, plan[0][1])
        for label, send in plan:
            for level in benchhttp.LEVELS:
                await send(http, 0)  # warm-up (a post's recomputed history, the caches)
                result = await benchhttp.run_level(
                    label, level, benchhttp.requests_for(level), send, http
                )
                print(
                    f"{label:44} {level:3} clients: p50 {result.p50_ms or 0:7.1f} ms, "
                    f"p95 {result.p95_ms or 0:7.1f} ms, {result.per_second:6.1f}/s, "
                    f"{result.errors} errors",
                    flush=True,
                )
                results.append(result)
    return results, reached, floor, page


async def dashboard_alongside(
    root_url: str, password: str, send: Callable[[object, int], Awaitable[int]]
) -> benchhttp.PageAlongside | None:
    """The typical account's Dashboard rerun ALONGSIDE_RUNS times in one websocket session
    (scripts/loadwire.py), alone, with ALONGSIDE_CLIENTS API clients sending `send` without
    pause, then alone again; None (said on stderr) when the session cannot sign in."""
    from scripts import loadwire

    ws = loadwire.WireSession(root_url, quiet_s=0.3, timeout_s=30)
    try:
        started = time.monotonic()
        await ws.connect()
        await ws.settled(0, started, quiet=False)
        page = ws.page
        username = page.widget("text_input", "Username")
        secret = page.widget("text_input", "Password")
        submit = page.widget("button", "Sign in")
        if username is None or secret is None or submit is None:
            print("pages alongside: no sign-in form", file=sys.stderr)
            return None
        before = await ws.click(submit, (username, TYPICAL_USERNAME), (secret, password))
        await ws.settled(before, time.monotonic(), quiet=False)
        if "Dashboard" not in ws.page.headings():
            print("pages alongside: no Dashboard after signing in", file=sys.stderr)
            return None

        async def runs() -> tuple[float, ...]:
            times = []
            for _ in range(ALONGSIDE_RUNS):
                started = time.monotonic()
                await ws.settled(await ws.rerun(), started, quiet=False)
                times.append((time.monotonic() - started) * 1000)
            return tuple(times)

        await runs()  # warm-up
        alone_before = await runs()
        stop = asyncio.Event()
        load = asyncio.create_task(benchhttp.traffic(send, ALONGSIDE_CLIENTS, stop))
        await asyncio.sleep(1)  # the traffic under way first
        alongside = await runs()
        stop.set()
        answered = await load
        alone_after = await runs()
        return benchhttp.PageAlongside(
            "Dashboard, typical", alone_before, alongside, alone_after, answered
        )
    except (loadwire.WireError, OSError, TimeoutError) as exc:
        print(f"pages alongside: {exc}", file=sys.stderr)
        return None
    finally:
        await ws.close()


def main() -> int:
    """Run the benchmark; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--typical-rows", type=int, default=300)
    parser.add_argument(
        "--no-http", action="store_true", help="skip the real server over loopback HTTP"
    )
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

    _user_id, car_id, heavy_tokens = seed(url, args.rows, USERNAME, max(benchhttp.LEVELS))
    password = secrets.token_urlsafe(18)
    _typical_id, typical_car, typical_tokens = seed(
        url, args.typical_rows, TYPICAL_USERNAME, max(benchhttp.LEVELS), password
    )
    medians = measure(heavy_tokens[0], car_id, args.repeat)
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
    http: list[benchhttp.LevelResult] = []
    reached = HTTP_DEEP_PAGE
    floor = (0.0, 0.0)
    page: benchhttp.PageAlongside | None = None
    if not args.no_http:
        http, reached, floor, page, log = measure_http(
            url,
            {"typical": (typical_car, typical_tokens), "heavy": (car_id, heavy_tokens)},
            HTTP_DEEP_PAGE,
            password,
        )
        print(f"server log: {log}")
        for line in benchhttp.verdict_lines(http, *verdict_requests(reached)):
            print(line)
        if page is not None:
            print(benchhttp.alongside_text(page, ALONGSIDE_CLIENTS, page_label("typical", 1)))
    if args.write:
        write_report(
            args.write,
            args.rows,
            args.repeat,
            medians,
            ratio,
            met,
            http_section(http, args.rows, args.typical_rows, reached, floor, page),
        )
    http_met = not http or benchhttp.all_met(http, *verdict_requests(reached))
    http_met = http_met and (page is None or page.met)
    return 0 if met and http_met else 1


def verdict_requests(reached: int) -> tuple[str, str, str, str]:
    """The requests the verdicts read: a page and a post on the typical account, the heavy
    account's page 1 and deep page."""
    return (
        page_label("typical", 1),
        "POST /fillups, typical",
        page_label("heavy", 1),
        page_label("heavy", reached),
    )


def http_section(
    results: list[benchhttp.LevelResult],
    rows: int,
    typical_rows: int,
    reached: int,
    floor: tuple[float, float],
    page: benchhttp.PageAlongside | None = None,
) -> str:
    """The loopback HTTP part of the section (empty when it was not run)."""
    if not results:
        return ""
    levels = ", ".join(str(level) for level in benchhttp.LEVELS)
    sent = ", ".join(f"{benchhttp.requests_for(level)} at {level}" for level in benchhttp.LEVELS)
    deep = (
        f"page {reached}"
        if reached == HTTP_DEEP_PAGE
        else f"page {reached} (the last: the account has no page {HTTP_DEEP_PAGE} at "
        f"limit={PAGE_SIZE})"
    )
    transport = transport_text(*floor)
    alongside = alongside_section(page)
    verdicts = "\n".join(benchhttp.verdict_lines(results, *verdict_requests(reached)))
    return f"""
### Over loopback HTTP, 1 to 50 concurrent clients

The real server (`python -m fueltracker.ui.server`, one process, on 127.0.0.1 and a free
port, started as `make load` starts its replicas) with its rate limit per token raised
for the run (`FUELTRACKER_API_RATE_LIMIT_PER_MINUTE=100000`, the default is 120), driven by
httpx's async client from the bench process at {levels} concurrent clients, each client
with its own token. Two accounts: the typical one ({typical_rows:,} fill-ups) and the heavy
one ({rows:,}); the heavy account's deep page is {deep}, reached by following `next`.
Each level sends a fixed number of requests ({sent}) after one warm-up request, each with
a {benchhttp.TIMEOUT_S:.0f} s timeout; a status of 300 or more, a timeout or a connection
error is an error and its time is left out. A post is a new valid tank each time (the
account's odometer grows by 10 km per post, on its latest date). Cells: p50 / p95 in ms,
successful requests per second over the level's wall time, errors when there were any.

**The client and the server share the machine's {machine()["nproc"]} cores** (and
PostgreSQL with them): at 10 and 50 clients the client's own event loop takes CPU from the
server, so these are the figures of this one box, not of a server with a separate client.

{benchhttp.table(results)}

{verdicts}

{transport}

{alongside}

Every request of a level waits for the one before it on the same worker, so at n clients
p50 is roughly n / (requests per second): past the point where the server's CPU is full
(two cores, one Python process, the GIL), more clients add queueing, not throughput. Posts
on one car are written one after the other (the vehicle's lock, `services/fillups.py`), and
each pays for the account's derived values over its whole history: on the heavy account
that is the bulk of the post's time and it is what queues at 10 and 50 clients. Errors,
when the table has any, are named by their status or httpx's exception (a ReadError is a
connection that failed while the answer was awaited); they were not investigated further.
"""


def alongside_section(page: benchhttp.PageAlongside | None) -> str:
    """The part on a page measured with and without API traffic alongside."""
    if page is None:
        return (
            "**Pages with API traffic alongside: not measured in this run** (the websocket "
            "session could not sign in or settle; the script said why on stderr)."
        )
    return f"""**Pages with API traffic alongside.** One websocket session (`scripts/loadwire.py`,
the browser's protocol without a browser) signed in as the typical account reruns the
Dashboard {ALONGSIDE_RUNS} times after a warm-up: alone, then with API traffic alongside,
then alone again. Each time is the client's, from the rerun asked for to its run finished
(p50 / p95), on the same server process as the API.

| page | alone | with API traffic | alone again |
|---|---|---|---|
{benchhttp.alongside_text(page, ALONGSIDE_CLIENTS, page_label("typical", 1))}

The API's clients run in the same bench process as the session and the server shares the
two cores with both, so this says how the page fares while the machine is busy with API
requests, which on this box is also the server's CPU being shared."""


def transport_text(reused_ms: float, fresh_ms: float) -> str:
    """What the health check on a reused and on a new connection says about the transport."""
    stall = reused_ms - fresh_ms
    head = (
        f"**The transport.** `GET /_stcore/health` (no app code) took a median of "
        f"**{reused_ms:.1f} ms** on the bench's keep-alive connection and **{fresh_ms:.1f} "
        f"ms** on a new connection each time, in the same run."
    )
    if stall < 20:
        return head + " Reusing a connection costs nothing here."
    return (
        head
        + f""" The server's own log line for each request
(`fueltracker.api`, "api GET /api/v1/fillups 200 N ms", from the handler's start to its
end) stays near the in-process figures above, while the client waits about {stall:.0f} ms
more on a reused connection: the transport, not the app. A client that keeps its
connection open (httpx, requests' Session, curl with several URLs) pays that stall on every
request after the first. It is the server's socket: TCP_NODELAY on the client's did not
change it, and a raw socket probe (by hand, not in the script) saw the health check's
headers (264 bytes) arrive at once and its body (2 bytes) about 42 ms later on every
request after a connection's first: the server sends the two separately and its socket
holds the second until the first is acknowledged (Nagle's algorithm meeting the client's
delayed ACK). Until that is fixed in the server,
a p95 target of {benchhttp.TARGET_P95_MS:.0f} ms over a reused connection leaves about
{benchhttp.TARGET_P95_MS - stall:.0f} ms for the handler and the queue."""
    )


def write_report(
    path: Path,
    rows: int,
    repeat: int,
    medians: dict[str, float],
    ratio: float,
    met: bool,
    http: str = "",
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
{http}"""
    replace_section(path, SECTION, section)


if __name__ == "__main__":
    raise SystemExit(main())
