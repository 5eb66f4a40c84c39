"""The pure parts of the load and soak script (scripts/load.py): argument caps, the loopback
rule, step statistics (median, 95th percentile), memory arithmetic, the integrity check's
bookkeeping, the proxy's variables and sticky cookie, the server's timing lines and their
attribution to the clients' steps, and the report's tables. No browser, database or server
here: unit-tested in tests/unit/test_load_script.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import math
import re
import statistics
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from scripts.benchlib import replace_section

MAX_SESSIONS = 40
MAX_DURATION_S = 15 * 60
MAX_ROUNDS = 20
# Journeys of a whole run, soak included: bounds the rows a run adds and its running time.
MAX_JOURNEYS = 1500
MAX_REPLICAS = 4  # app processes behind the proxy (2 cores here: 2 is the point)
# The steps of one journey, in order. "open" (first page load) happens once per browser
# session; later journeys start from the sign-in form that "sign out" left.
STEPS = (
    "open",
    "sign in",
    "log fill-up page",
    "save fill-up",
    "history",
    "analysis",
    "dashboard",
    "sign out",
)
TARGET_SERVER_P95_S = 1.0  # server-side, every step, 20 sessions on 2 replicas (issue 19)
TARGET_MB_PER_SESSION = 10.0


class LoadArgumentError(ValueError):
    """A load-script option outside its caps, or a target that is not loopback."""


def parse_levels(text: str) -> list[int]:
    """ "5,10,20" -> [5, 10, 20]; each level between 1 and MAX_SESSIONS."""
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise LoadArgumentError(f"--sessions takes numbers separated by commas: {text!r}") from exc
    if not levels:
        raise LoadArgumentError("--sessions needs at least one level")
    for level in levels:
        if not 1 <= level <= MAX_SESSIONS:
            raise LoadArgumentError(f"sessions per level must be 1..{MAX_SESSIONS}, got {level}")
    return levels


def check_limits(levels: Sequence[int], rounds: int, duration_s: float | None) -> None:
    """Refuse a run beyond the hard caps (sessions, rounds, duration, total journeys)."""
    if not 1 <= rounds <= MAX_ROUNDS:
        raise LoadArgumentError(f"--rounds must be 1..{MAX_ROUNDS}, got {rounds}")
    if duration_s is not None:
        if not 0 < duration_s <= MAX_DURATION_S:
            raise LoadArgumentError(
                f"--duration must be 1..{MAX_DURATION_S} seconds, got {duration_s:g}"
            )
        if len(levels) != 1:
            raise LoadArgumentError("a soak (--duration) runs one level: give one --sessions")
        return
    planned = sum(levels) * rounds
    if planned > MAX_JOURNEYS:
        raise LoadArgumentError(f"{planned} journeys planned, more than the cap of {MAX_JOURNEYS}")


def check_loopback(url: str) -> str:
    """`url` if its host is a loopback address (127.0.0.0/8, ::1, localhost); the script
    never drives a server on another machine."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadArgumentError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if host == "localhost":
        return url
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadArgumentError(
            f"refusing a non-loopback target {host!r}: the load script "
            "only drives a server on this machine"
        )
    return url


def streamlit_flags(options: Sequence[str]) -> list[str]:
    """["runner.postScriptGC=false"] -> ["--runner.postScriptGC", "false"]; the address and
    port stay the script's (loopback), so those options are refused."""
    flags = []
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or "." not in name or not name.replace(".", "").replace("_", "").isalnum():
            raise LoadArgumentError(f"a Streamlit option is SECTION.NAME=VALUE: {option!r}")
        if name in ("server.address", "server.port"):
            raise LoadArgumentError(f"{name} is set by the load script (loopback only)")
        flags += [f"--{name}", value]
    return flags


def parse_viewport(text: str) -> dict[str, int]:
    """ "1280x800" -> {"width": 1280, "height": 800} (320..3840 by 320..2160)."""
    width, sep, height = text.lower().partition("x")
    if not (
        sep
        and width.isdigit()
        and height.isdigit()
        and 320 <= int(width) <= 3840
        and 320 <= int(height) <= 2160
    ):
        raise LoadArgumentError(f"--viewport takes WIDTHxHEIGHT, e.g. 1280x800: {text!r}")
    return {"width": int(width), "height": int(height)}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method: the smallest value with at least q %
    of the values at or below it (a value that was measured, never an interpolation)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile q must be in (0, 100], got {q}")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[rank - 1]


@dataclass
class StepStats:
    """One step's figures over a level: times in seconds of the successful runs."""

    step: str
    count: int
    median_s: float | None
    p95_s: float | None
    max_s: float | None
    errors: int
    first_error: str | None


@dataclass
class StepLog:
    """What the sessions of one level recorded, step by step."""

    times_s: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STEPS})

    def ok(self, step: str, seconds: float) -> None:
        """Record a step that completed in `seconds`."""
        self.times_s[step].append(seconds)

    def failed(self, step: str, message: str) -> None:
        """Record a failed step (its first message is kept for the report)."""
        self.errors[step].append(message)

    def stats(self) -> list[StepStats]:
        """Per step: count, median, p95, max and errors."""
        rows = []
        for step in STEPS:
            times, errors = self.times_s[step], self.errors[step]
            rows.append(
                StepStats(
                    step,
                    len(times),
                    statistics.median(times) if times else None,
                    percentile(times, 95) if times else None,
                    max(times) if times else None,
                    len(errors),
                    errors[0] if errors else None,
                )
            )
        return rows

    def error_count(self) -> int:
        """Failed steps in all."""
        return sum(len(e) for e in self.errors.values())


def per_session_mb(baseline_kb: int, loaded_kb: int, sessions: int) -> float:
    """Server memory per open session: (RSS with the sessions open - RSS before) / sessions,
    in MB (1 MB = 1024 kB, as /proc reports kB)."""
    if sessions <= 0:
        raise ValueError("sessions must be positive")
    return (loaded_kb - baseline_kb) / 1024 / sessions


def parse_vmrss_kb(status_text: str) -> int:
    """The VmRSS line of /proc/<pid>/status, in kB."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError("no VmRSS line (is the process gone?)")


def parse_stat(stat_text: str) -> tuple[int, int]:
    """(parent pid, CPU clock ticks used: user + system, its own and its waited-for
    children's) from a /proc/<pid>/stat line. The command name may hold spaces and
    parentheses, so the fields are counted from the last ')'."""
    fields = stat_text[stat_text.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): state, ppid, ..., utime (14), stime, cutime, cstime.
    return int(fields[1]), sum(int(value) for value in fields[11:15])


def descendants(parents: dict[int, int], root: int) -> set[int]:
    """`root` and every process below it, from a {pid: parent pid} map."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def parse_metrics(cards: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The Dashboard's metric cards read in the browser as {label: value}, whitespace
    normalised (the card's label element also holds a help icon's text in some versions)."""
    return {" ".join(label.split()): " ".join(value.split()) for label, value in cards}


# --------------------------------------------------------------------------- integrity

Key = tuple[int, int, str, Decimal]  # user id, vehicle id, ISO date, odometer km


def fillup_key(user_id: int, vehicle_id: int, date: str, odometer_km: Decimal | str | float) -> Key:
    """The identity of a fill-up the script logged: (user, vehicle, date, odometer), the
    odometer as a Decimal at the 0.1 km the column stores."""
    return (
        int(user_id),
        int(vehicle_id),
        str(date),
        Decimal(str(odometer_km)).quantize(Decimal("0.1")),
    )


@dataclass
class Integrity:
    """The verdict on the rows a run added."""

    confirmed: int
    missing: list[Key]
    duplicated: list[Key]
    unconfirmed_stored: list[Key]
    unexpected: list[Key]

    @property
    def ok(self) -> bool:
        """Every confirmed fill-up stored exactly once and no row nobody tried to save."""
        return not (self.missing or self.duplicated or self.unexpected)


def check_rows(
    confirmed: Iterable[Key], attempted: Iterable[Key], stored: Iterable[tuple[Key, int]]
) -> Integrity:
    """Compare the fill-ups the pages confirmed (and those submitted without a confirmation,
    e.g. a timed-out save) with the rows the run added: `stored` is (key, row count)."""
    confirmed_set = set(confirmed)
    attempted_set = set(attempted) - confirmed_set
    counts = dict(stored)
    missing = sorted(k for k in confirmed_set if counts.get(k, 0) == 0)
    duplicated = sorted(k for k, n in counts.items() if n > 1)
    unconfirmed = sorted(k for k in counts if k in attempted_set)
    unexpected = sorted(k for k in counts if k not in confirmed_set and k not in attempted_set)
    return Integrity(len(confirmed_set), missing, duplicated, unconfirmed, unexpected)


# --------------------------------------------------------------------------- report


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def worst_p95(stats: Sequence[StepStats]) -> tuple[str, float] | None:
    """The step with the highest p95, and that p95."""
    timed = [(row.step, row.p95_s) for row in stats if row.p95_s is not None]
    return max(timed, key=lambda item: item[1]) if timed else None


def wrap_prose(block: str, width: int = 92) -> str:
    """A paragraph of the report wrapped at `width` like the rest of docs/performance.md;
    headings, tables, code fences and empty lines pass unchanged."""
    if not block or block.startswith(("#", "|", "```")) or "\n" in block:
        return block
    return textwrap.fill(block, width, break_long_words=False, break_on_hyphens=False)


def write_section(path: Path, heading: str, text: str) -> None:
    """Replace the section `heading` of `path` and keep the sections around it
    (benchlib.replace_section): the Load and the Soak sections are rewritten separately."""
    replace_section(path, heading, text)


# --------------------------------------------------------------------------- replicas, proxy


def parse_replicas(text: str) -> list[int]:
    """ "1,2" -> [1, 2]: the replica counts to compare, each 1..MAX_REPLICAS."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise LoadArgumentError(f"--replicas takes numbers separated by commas: {text!r}") from exc
    if not counts or any(not 1 <= n <= MAX_REPLICAS for n in counts):
        raise LoadArgumentError(f"replicas must be 1..{MAX_REPLICAS}, got {text!r}")
    return counts


def proxy_environment(port: int, upstreams: Sequence[str]) -> dict[str, str]:
    """The variables deploy/Caddyfile reads, for a proxy on 127.0.0.1:`port` (plain HTTP,
    loopback only, no admin endpoint) in front of `upstreams` ("127.0.0.1:18801", ...)."""
    for upstream in upstreams:
        check_loopback(f"http://{upstream}")
    return {
        "FUELTRACKER_SITE": f"http://127.0.0.1:{port}",
        "FUELTRACKER_UPSTREAMS": " ".join(upstreams),
        "FUELTRACKER_PROXY_BIND": "127.0.0.1",
        "FUELTRACKER_PROXY_ADMIN": "off",
    }


STICKY_COOKIE = "fueltracker_lb"  # deploy/Caddyfile's lb_policy cookie


def sticky_cookie(upstream: str, secret: str = "") -> str:
    """The value of Caddy's `lb_policy cookie` for an upstream: the hex HMAC-SHA256 of its
    dial address keyed with the policy's secret (none in deploy/Caddyfile). Tells which
    replica a browser is stuck to."""
    return hmac.new(secret.encode(), upstream.encode(), hashlib.sha256).hexdigest()


def caddyfile_blocks(markdown: str) -> list[str]:
    """The ```caddy fenced blocks of a Markdown text, each without its fences."""
    return [
        match.group(1)
        for match in re.finditer(r"^```caddy\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)
    ]


# --------------------------------------------------------------------------- server-side time


@dataclass(frozen=True)
class RunTiming:
    """One script run as the server logged it (fueltracker/ui/run_timing.py)."""

    end: float  # POSIX seconds, when the run ended (the line's time)
    wait_s: float
    duration_s: float
    cpu_s: float
    page: str | None
    fragment: bool
    outcome: str
    session: str

    @property
    def requested(self) -> float:
        """When the server accepted the request that started this run."""
        return self.end - self.duration_s - self.wait_s

    @property
    def server_s(self) -> float:
        """The run's time on the server: its wait to start plus its duration (from the
        request to the end)."""
        return self.wait_s + self.duration_s


def parse_timing_line(line: str) -> RunTiming | None:
    """A JSON log line's run timing, or None for any other line (or a damaged one)."""
    if '"script run"' not in line:
        return None
    try:
        record = json.loads(line)
        run = record["run"]
        end = dt.datetime.fromisoformat(record["time"].replace("Z", "+00:00")).timestamp()
        return RunTiming(
            end,
            float(run["wait_s"] or 0.0),
            float(run["duration_s"]),
            float(run["cpu_s"]),
            run.get("page"),
            bool(run.get("fragment")),
            str(run.get("outcome")),
            str(run["session"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class StepWindow:
    """One completed step of one client session, in POSIX seconds: from the action to the
    moment the client saw it settled."""

    client: int  # the client session's number in its level
    step: str
    start: float
    end: float


# The log's time has milliseconds, the run's figures are rounded to them: a run requested
# right at the step's start may appear a few milliseconds early.
WINDOW_SLACK_S = 0.01
BETWEEN = "between steps"


def busy_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """The length of the union of some (start, end) intervals: overlapping runs of one
    session (a rerun the browser asked for while a run still slept) count once."""
    total, reach = 0.0, None
    for start, end in sorted(intervals):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def attribute_runs(
    runs: Iterable[RunTiming], windows: Iterable[StepWindow], sessions: dict[str, int]
) -> tuple[dict[str, list[float]], list[float]]:
    """Server time per step: each run belongs to the client whose Streamlit session it ran
    for (`sessions`: session tag -> client) and to that client's step whose window holds
    the moment the run was requested; a step's server time is how long, from the first
    request to the last run's end, at least one of its runs was waiting or running (the sum
    of wait + duration when they follow one another). Returns ({step: [server seconds of
    each step]}, [wait + duration of each run of a driven session outside every step]:
    typing in a form, a component's report). Runs of sessions not in `sessions` (the
    warm-up, other visitors) are left out."""
    by_client: dict[int, list[StepWindow]] = {}
    for window in windows:
        by_client.setdefault(window.client, []).append(window)
    intervals: dict[StepWindow, list[tuple[float, float]]] = {
        w: [] for ws in by_client.values() for w in ws
    }
    between = []
    for run in runs:
        client = sessions.get(run.session)
        if client is None:
            continue
        for window in by_client.get(client, ()):
            if window.start - WINDOW_SLACK_S <= run.requested <= window.end + WINDOW_SLACK_S:
                intervals[window].append((run.requested, run.end))
                break
        else:
            between.append(run.server_s)
    per_step: dict[str, list[float]] = {step: [] for step in STEPS}
    for window, spans in intervals.items():
        if spans:
            per_step.setdefault(window.step, []).append(busy_seconds(spans))
    return per_step, between


def distribution(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """(median, nearest-rank p95, max) of some seconds; Nones for none."""
    if not values:
        return None, None, None
    return statistics.median(values), percentile(values, 95), max(values)


def step_table_with_server(
    client: Sequence[StepStats],
    server: dict[str, list[float]],
    browser: Sequence[StepStats] | None = None,
    between: Sequence[float] = (),
) -> str:
    """One level's steps: server-side median/p95 (from the server's timing lines), client-
    side median/p95 (every session), the Chromium sessions' median/max, errors."""
    lines = [
        "| step | n | server median s | server p95 s | client median s | client p95 s "
        "| Chromium median s | Chromium max s | errors | first error |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    in_browser = {row.step: row for row in browser or ()}
    for row in client:
        s_median, s_p95, _ = distribution(server.get(row.step, []))
        b = in_browser.get(row.step)
        error = (row.first_error or "").replace("|", "/").replace("\n", " ")[:100]
        lines.append(
            f"| {row.step} | {row.count} | {_s(s_median)} | {_s(s_p95)} | {_s(row.median_s)} "
            f"| {_s(row.p95_s)} | {_s(b.median_s if b else None)} | {_s(b.max_s if b else None)} "
            f"| {row.errors} | {error} |"
        )
    if between:
        s_median, s_p95, _ = distribution(between)
        lines.append(
            f"| ({BETWEEN}: typing, component reports) | {len(between)} runs "
            f"| {_s(s_median)} | {_s(s_p95)} | – | – | – | – | – |  |"
        )
    return "\n".join(lines)


def server_verdict(
    server: dict[str, list[float]], mb_per_session: float | None, errors: int
) -> dict[str, bool]:
    """The issue-19 targets for one level: every step's server-side p95 under
    TARGET_SERVER_P95_S, memory under TARGET_MB_PER_SESSION per open session, no errors."""
    p95s = [percentile(values, 95) for values in server.values() if values]
    return {
        "no errors": errors == 0,
        f"server p95 < {TARGET_SERVER_P95_S:g} s": bool(p95s)
        and all(p < TARGET_SERVER_P95_S for p in p95s),
        f"memory < {TARGET_MB_PER_SESSION:g} MB/session": mb_per_session is not None
        and mb_per_session < TARGET_MB_PER_SESSION,
    }


def worst_server_p95(server: dict[str, list[float]]) -> tuple[str, float] | None:
    """The step with the highest server-side p95, and that p95."""
    timed = [(step, percentile(values, 95)) for step, values in server.items() if values]
    return max(timed, key=lambda item: item[1]) if timed else None


def journeys_per_minute(journeys: int, seconds: float) -> float:
    """Completed journeys per minute of a level's wall time."""
    if seconds <= 0:
        raise ValueError("a level takes some time")
    return journeys / seconds * 60
