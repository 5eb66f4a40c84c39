"""Helpers shared by the benchmark scripts: timing, the machine's description, URL forms
and the report's sections."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path


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
    """Put `section` (starting with `heading`) at the end of the markdown file `path`,
    replacing that heading and everything after it: each benchmark owns the tail it writes,
    so `make bench` runs them in order."""
    current = path.read_text() if path.exists() else ""
    if heading in current:
        current = current[: current.index(heading)].rstrip() + "\n"
    path.write_text(current.rstrip() + "\n\n" + section)


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
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                      .splitlines() if line.startswith("MemTotal"))
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model, "ram": ram,
            "python": platform.python_version()}
