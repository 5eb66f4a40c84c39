"""Helpers shared by the benchmark scripts: the machine's description and URL forms."""

from __future__ import annotations

import os
import platform
from pathlib import Path


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
