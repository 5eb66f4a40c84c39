"""The pure parts of the load and soak script (scripts/load.py): argument caps, the loopback
rule, step statistics (median, 95th percentile), memory arithmetic, the integrity check's
bookkeeping and the report's tables. No browser, database or server here: unit-tested in
tests/unit/test_load_script.py."""

from __future__ import annotations

import ipaddress
import math
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
# The steps of one journey, in order. "open" (first page load) happens once per browser
# session; later journeys start from the sign-in form that "sign out" left.
STEPS = ("open", "sign in", "log fill-up page", "save fill-up", "history", "analysis",
         "dashboard", "sign out")
TARGET_P95_S = 3.0
TARGET_MB_PER_SESSION = 50.0


class LoadArgumentError(ValueError):
    """A load-script option outside its caps, or a target that is not loopback."""


def parse_levels(text: str) -> list[int]:
    """"5,10,20" -> [5, 10, 20]; each level between 1 and MAX_SESSIONS."""
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
                f"--duration must be 1..{MAX_DURATION_S} seconds, got {duration_s:g}")
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
        raise LoadArgumentError(f"refusing a non-loopback target {host!r}: the load script "
                                "only drives a server on this machine")
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
    """"1280x800" -> {"width": 1280, "height": 800} (320..3840 by 320..2160)."""
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()
            and 320 <= int(width) <= 3840 and 320 <= int(height) <= 2160):
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
            rows.append(StepStats(
                step, len(times),
                statistics.median(times) if times else None,
                percentile(times, 95) if times else None,
                max(times) if times else None,
                len(errors), errors[0] if errors else None))
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
    fields = stat_text[stat_text.rindex(")") + 2:].split()
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


def fillup_key(user_id: int, vehicle_id: int, date: str, odometer_km: Decimal | str | float
               ) -> Key:
    """The identity of a fill-up the script logged: (user, vehicle, date, odometer), the
    odometer as a Decimal at the 0.1 km the column stores."""
    return (int(user_id), int(vehicle_id), str(date),
            Decimal(str(odometer_km)).quantize(Decimal("0.1")))


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


def check_rows(confirmed: Iterable[Key], attempted: Iterable[Key],
               stored: Iterable[tuple[Key, int]]) -> Integrity:
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


def step_table(stats: Sequence[StepStats]) -> str:
    """A Markdown table of one level's steps (times in seconds)."""
    lines = ["| step | count | median s | p95 s | max s | errors | first error |",
             "|---|---|---|---|---|---|---|"]
    for row in stats:
        error = (row.first_error or "").replace("|", "/").replace("\n", " ")[:120]
        lines.append(f"| {row.step} | {row.count} | {_s(row.median_s)} | {_s(row.p95_s)} | "
                     f"{_s(row.max_s)} | {row.errors} | {error} |")
    return "\n".join(lines)


def worst_p95(stats: Sequence[StepStats]) -> tuple[str, float] | None:
    """The step with the highest p95, and that p95."""
    timed = [(row.step, row.p95_s) for row in stats if row.p95_s is not None]
    return max(timed, key=lambda item: item[1]) if timed else None


def level_verdict(stats: Sequence[StepStats], mb_per_session: float | None) -> dict[str, bool]:
    """The issue's targets for one level: no errors, every step's p95 under TARGET_P95_S,
    server memory under TARGET_MB_PER_SESSION per open session."""
    return {
        "no errors": all(row.errors == 0 for row in stats),
        f"p95 < {TARGET_P95_S:g} s": all(row.p95_s is None or row.p95_s < TARGET_P95_S
                                         for row in stats),
        f"memory < {TARGET_MB_PER_SESSION:g} MB/session":
            mb_per_session is not None and mb_per_session < TARGET_MB_PER_SESSION,
    }


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
