"""Helpers shared by the benchmark scripts: timing, the machine's description, URL forms
and the report's sections."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import psycopg
    from streamlit.testing.v1 import AppTest

Row = TypeVar("Row")


def median_ms(action: Callable[[], object], repeat: int, warmup: int = 1) -> float:
    """Median wall time of `action()` in milliseconds over `repeat` runs (after warm-ups)."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def replace_section(path: Path, heading: str, section: str) -> None:
    """Put `section` (starting with the level-2 `heading`) into the markdown file `path`:
    in place of that heading and its body (up to the next level-2 heading), or at the end
    when the file has none yet. Each benchmark owns its sections, so they can be rerun in
    any order without wiping one another's figures."""
    current = path.read_text() if path.exists() else ""
    body = section.rstrip() + "\n"
    if heading not in current:
        path.write_text((current.rstrip() + "\n\n" if current.strip() else "") + body)
        return
    start = current.index(heading)
    following = current.find("\n## ", start + len(heading))
    tail = "" if following == -1 else "\n" + current[following + 1 :]
    path.write_text(current[:start] + body + tail)


def sections_from(path: Path, headings: list[str]) -> str:
    """The part of `path` from the first of `headings` it contains to its end ("" if none):
    what a script that rewrites the head of the file must keep (other scripts' sections)."""
    current = path.read_text() if path.exists() else ""
    starts = [current.index(heading) for heading in headings if heading in current]
    return current[min(starts) :] if starts else ""


def fetch_one(cursor: psycopg.Cursor[Row]) -> Row:
    """The one row a query returns (a count, a version, an account's id); a query that
    returned none is an error here, not a None passed on."""
    row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the query returned no row")
    return row


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://...) as psycopg wants it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def machine() -> dict[str, str]:
    """CPU count, CPU model and RAM of this machine (Linux /proc), and the Python version."""
    model, ram = "unknown", "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "ram": ram,
        "python": platform.python_version(),
    }


def sign_in_state(app: AppTest, user_id: int) -> None:
    """Seed an AppTest session with what a sign-in leaves (the cookie component cannot run
    there): the user id and the session's mark, on the database's clock. Without the mark
    every transaction of the session is refused as signed out elsewhere (issue 13), and the
    pages measured would be the sign-in page."""
    from fueltracker.db import session_scope
    from fueltracker.services import users
    from fueltracker.ui.context import SIGNED_IN_AT_KEY, USER_ID_KEY

    with session_scope() as session:
        app.session_state[SIGNED_IN_AT_KEY] = users.clock(session)
    app.session_state[USER_ID_KEY] = user_id
