"""The API over loopback HTTP with concurrent clients, for scripts/bench_api.py: the real
server (`python -m fueltracker.ui.server`, started by scripts/loadstack.py on 127.0.0.1 and
a free port) driven by httpx's async client, a fixed number of requests per level and a
timeout on each (bounded). The pure parts (the figures of a level, the verdicts, the
report's text) are unit-tested in tests/unit/test_bench_http.py; the run itself is not part
of the test suite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from scripts.loadlib import percentile

LEVELS = (1, 10, 50)
TIMEOUT_S = 10.0
TARGET_P95_MS = 50.0
TARGET_LEVEL = 10  # clients at which the p95 target holds
TARGET_RATIO = 1.5


def requests_for(clients: int) -> int:
    """How many requests a level sends: at least 40, at least 4 per client (bounded)."""
    return max(40, 4 * clients)


@dataclass(frozen=True)
class LevelResult:
    """One request kind at one level of concurrency."""

    request: str
    clients: int
    sent: int
    errors: int
    p50_ms: float | None  # None when no request succeeded
    p95_ms: float | None
    per_second: float  # successful requests per second of the level's wall time
    error_kinds: tuple[str, ...] = ()  # statuses or httpx exceptions, e.g. "ReadTimeout"


def summarise(
    request: str, clients: int, times_ms: Sequence[float], errors: int, wall_s: float
) -> LevelResult:
    """The figures of one level from the times of its successful requests."""
    return LevelResult(
        request=request,
        clients=clients,
        sent=len(times_ms) + errors,
        errors=errors,
        p50_ms=percentile(times_ms, 50) if times_ms else None,
        p95_ms=percentile(times_ms, 95) if times_ms else None,
        per_second=len(times_ms) / wall_s if wall_s > 0 else 0.0,
    )


def find(results: Sequence[LevelResult], request: str, clients: int) -> LevelResult | None:
    """The result of `request` at `clients`, if measured."""
    return next((r for r in results if r.request == request and r.clients == clients), None)


def p95_met(result: LevelResult | None, target_ms: float = TARGET_P95_MS) -> bool:
    """True when the level ran without an error and its p95 is under the target."""
    return (
        result is not None
        and result.errors == 0
        and result.p95_ms is not None
        and result.p95_ms < target_ms
    )


def page_ratio(first: LevelResult | None, deep: LevelResult | None) -> float | None:
    """The deep page's p50 over page 1's (None when either is missing)."""
    if first is None or deep is None or not first.p50_ms or deep.p50_ms is None:
        return None
    return deep.p50_ms / first.p50_ms


def ratio_met(ratio: float | None, target: float = TARGET_RATIO) -> bool:
    return ratio is not None and ratio <= target


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(results: Sequence[LevelResult]) -> str:
    """A markdown table: one row per request, p50 / p95 / req/s / errors per level."""
    levels = sorted({r.clients for r in results})
    requests = list(dict.fromkeys(r.request for r in results))
    head = "| request | " + " | ".join(f"{c} client{'s' if c > 1 else ''}" for c in levels)
    lines = [head + " |", "|---" * (len(levels) + 1) + "|"]
    for request in requests:
        cells = []
        for clients in levels:
            r = find(results, request, clients)
            if r is None:
                cells.append("-")
                continue
            cell = f"{_ms(r.p50_ms)} / {_ms(r.p95_ms)} ms, {r.per_second:.0f}/s"
            if r.errors:
                kinds = f" ({', '.join(r.error_kinds)})" if r.error_kinds else ""
                cell += f", **{r.errors} errors{kinds}**"
            cells.append(cell)
        lines.append(f"| {request} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict_lines(
    results: Sequence[LevelResult], page: str, post: str, first: str, deep: str
) -> list[str]:
    """The issue's two targets, each as one line with its figure and met / missed."""
    lines = []
    for label, request in (("a page", page), ("a post", post)):
        r = find(results, request, TARGET_LEVEL)
        figure = "not measured" if r is None else f"p95 {_ms(r.p95_ms)} ms, {r.errors} errors"
        lines.append(
            f"- {label} on the typical account ({request}) at {TARGET_LEVEL} clients: "
            f"{figure} (target p95 < {TARGET_P95_MS:.0f} ms: "
            f"**{'met' if p95_met(r) else 'missed'}**)"
        )
    ratios = [
        (clients, page_ratio(find(results, first, clients), find(results, deep, clients)))
        for clients in sorted({r.clients for r in results})
    ]
    shown = ", ".join(
        f"{'-' if ratio is None else f'{ratio:.2f}'} at {clients}" for clients, ratio in ratios
    )
    all_met = bool(ratios) and all(ratio_met(ratio) for _, ratio in ratios)
    lines.append(
        f"- {deep} / {first}, p50 over p50: {shown} (target at most {TARGET_RATIO}: "
        f"**{'met' if all_met else 'missed'}**)"
    )
    return lines


def all_met(results: Sequence[LevelResult], page: str, post: str, first: str, deep: str) -> bool:
    """True when every verdict line says met."""
    return all("**met**" in line for line in verdict_lines(results, page, post, first, deep))


# --------------------------------------------------------------------------- the run


async def transport_floor(base_url: str, http: object, repeat: int = 20) -> tuple[float, float]:
    """Median ms of GET /_stcore/health (no app code) on the shared keep-alive client
    `http`, and on a new connection each time: what the transport alone costs."""
    import httpx

    assert isinstance(http, httpx.AsyncClient)
    reused, fresh = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        await http.get(f"{base_url}/_stcore/health")
        reused.append((time.perf_counter() - start) * 1000)
        async with httpx.AsyncClient(trust_env=False, timeout=TIMEOUT_S) as once:
            start = time.perf_counter()
            await once.get(f"{base_url}/_stcore/health")
            fresh.append((time.perf_counter() - start) * 1000)
    return percentile(reused, 50), percentile(fresh, 50)


async def run_level(
    request: str,
    clients: int,
    total: int,
    send: Callable[[object, int], Awaitable[int]],
    client: object,
) -> LevelResult:
    """`total` requests by `clients` concurrent workers sharing one httpx client; `send(client,
    worker)` sends one and returns its status. A status of 300 or more, a timeout or a
    connection error counts as an error (its time is not in the percentiles)."""
    import httpx

    remaining = [total]
    times: list[float] = []
    errors = [0]
    kinds: list[str] = []

    async def worker(index: int) -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            start = time.perf_counter()
            try:
                status = await send(client, index)
            except httpx.HTTPError as exc:
                errors[0] += 1
                kinds.append(type(exc).__name__)
                continue
            if status < 300:
                times.append((time.perf_counter() - start) * 1000)
            else:
                errors[0] += 1
                kinds.append(str(status))

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    result = summarise(request, clients, times, errors[0], time.perf_counter() - start)
    return replace(result, error_kinds=tuple(sorted(set(kinds))))


# --------------------------------------------------------------------------- a page alongside


@dataclass(frozen=True)
class PageAlongside:
    """A page's run times (ms, client side: the rerun asked for to its run finished) alone,
    with API traffic alongside, then alone again; the two runs alone give the noise."""

    page: str
    alone_before: tuple[float, ...]
    alongside: tuple[float, ...]
    alone_after: tuple[float, ...]
    api_requests: int  # API requests answered while the page ran alongside

    @property
    def noise_ms(self) -> float:
        """How far apart the two medians alone are: the run's noise."""
        return abs(percentile(self.alone_before, 50) - percentile(self.alone_after, 50))

    @property
    def slower_ms(self) -> float:
        """The median alongside minus the slower of the two medians alone."""
        return percentile(self.alongside, 50) - max(
            percentile(self.alone_before, 50), percentile(self.alone_after, 50)
        )

    @property
    def met(self) -> bool:
        """No slower alongside than alone beyond the noise."""
        return self.slower_ms <= self.noise_ms


def alongside_text(result: PageAlongside, clients: int, api_request: str) -> str:
    """The report's lines for the page measured with and without API traffic."""

    def cell(times: Sequence[float]) -> str:
        return f"{percentile(times, 50):.0f} / {percentile(times, 95):.0f} ms"

    return (
        f"| {result.page} | {cell(result.alone_before)} | {cell(result.alongside)} | "
        f"{cell(result.alone_after)} |\n\n"
        f"Alongside: {clients} clients sending `{api_request}` without pause "
        f"({result.api_requests} answered meanwhile). Median alongside minus the slower "
        f"median alone: {result.slower_ms:+.0f} ms; the two runs alone differ by "
        f"{result.noise_ms:.0f} ms (the noise): "
        f"**{'no slower beyond the noise' if result.met else 'slower beyond the noise'}**."
    )


async def traffic(
    send: Callable[[object, int], Awaitable[int]], clients: int, stop: asyncio.Event
) -> int:
    """`clients` workers sending without pause until `stop` is set; the answers counted
    (errors included: this is load, not a measurement)."""
    import httpx

    answered = [0]

    async def worker(index: int) -> None:
        while not stop.is_set():
            try:
                await send(None, index)
            except httpx.HTTPError:
                pass
            answered[0] += 1

    await asyncio.gather(*(worker(i) for i in range(clients)))
    return answered[0]
