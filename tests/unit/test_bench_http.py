"""The API benchmark's pure parts (scripts/benchhttp.py, scripts/bench_api.py): a level's
figures, the verdicts and the report's text. No server, database or network: the real run
is `make bench`."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from scripts import bench_api, benchhttp
from scripts.benchhttp import LevelResult, PageAlongside

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: in the whole suite the browser tests run first,
    and Playwright's sync API leaves an event loop marked as running in this thread, where
    asyncio.run refuses to start."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


PAGE = bench_api.page_label("typical", 1)
POST = "POST /fillups, typical"
FIRST = bench_api.page_label("heavy", 1)
DEEP = bench_api.page_label("heavy", 200)


def result(request: str, clients: int, p50: float, p95: float, errors: int = 0) -> LevelResult:
    return LevelResult(request, clients, 40, errors, p50, p95, 100.0)


def passing() -> list[LevelResult]:
    return [
        result(request, clients, 10.0, 20.0)
        for request in (PAGE, POST, FIRST, DEEP)
        for clients in benchhttp.LEVELS
    ]


# --- a level's figures ------------------------------------------------------------------


def test_percentiles_are_nearest_rank_and_rate_counts_successes() -> None:
    summary = benchhttp.summarise("r", 10, [float(n) for n in range(1, 21)], 2, 4.0)
    assert summary.p50_ms == 10.0
    assert summary.p95_ms == 19.0
    assert summary.sent == 22
    assert summary.errors == 2
    assert summary.per_second == 5.0


def test_a_level_without_a_success_has_no_percentiles() -> None:
    summary = benchhttp.summarise("r", 1, [], 3, 1.0)
    assert summary.p50_ms is None and summary.p95_ms is None
    assert summary.per_second == 0.0


def test_requests_per_level_are_bounded() -> None:
    assert benchhttp.requests_for(1) == 40
    assert benchhttp.requests_for(10) == 40
    assert benchhttp.requests_for(50) == 200


def test_run_level_sends_exactly_the_total_and_counts_errors() -> None:
    sent: list[int] = []

    async def send(client: object, worker: int) -> int:
        sent.append(worker)
        number = len(sent)
        await asyncio.sleep(0)  # the workers interleave
        return 500 if number % 5 == 0 else 200

    level = _run(benchhttp.run_level("r", 3, 20, send, None))
    assert len(sent) == 20
    assert set(sent) == {0, 1, 2}
    assert level.sent == 20
    assert level.errors == 4
    assert level.error_kinds == ("500",)


# --- verdicts ---------------------------------------------------------------------------


def test_the_p95_target_is_strict_and_refuses_errors() -> None:
    assert benchhttp.p95_met(result(PAGE, 10, 10, 49.9))
    assert not benchhttp.p95_met(result(PAGE, 10, 10, 50.0))
    assert not benchhttp.p95_met(result(PAGE, 10, 10, 20.0, errors=1))
    assert not benchhttp.p95_met(None)


def test_the_page_ratio_is_p50_over_p50_and_inclusive() -> None:
    ratio = benchhttp.page_ratio(result(FIRST, 1, 20, 30), result(DEEP, 1, 30, 90))
    assert ratio == pytest.approx(1.5)
    assert benchhttp.ratio_met(ratio)
    assert not benchhttp.ratio_met(1.51)
    assert not benchhttp.ratio_met(None)
    assert benchhttp.page_ratio(None, result(DEEP, 1, 30, 90)) is None


def test_every_verdict_met() -> None:
    lines = benchhttp.verdict_lines(passing(), PAGE, POST, FIRST, DEEP)
    assert len(lines) == 3
    assert all("**met**" in line for line in lines)
    assert benchhttp.all_met(passing(), PAGE, POST, FIRST, DEEP)


def test_a_slow_post_at_ten_clients_misses_only_its_verdict() -> None:
    results = [r for r in passing() if not (r.request == POST and r.clients == 10)]
    results.append(result(POST, 10, 30, 75.5))
    lines = benchhttp.verdict_lines(results, PAGE, POST, FIRST, DEEP)
    assert "**met**" in lines[0]
    assert "p95 75.5 ms" in lines[1] and "**missed**" in lines[1]
    assert "**met**" in lines[2]
    assert not benchhttp.all_met(results, PAGE, POST, FIRST, DEEP)


def test_a_deep_page_too_slow_at_one_level_misses_the_ratio() -> None:
    results = [r for r in passing() if not (r.request == DEEP and r.clients == 50)]
    results.append(result(DEEP, 50, 16, 40))
    line = benchhttp.verdict_lines(results, PAGE, POST, FIRST, DEEP)[2]
    assert "1.60 at 50" in line and "1.00 at 1" in line and "**missed**" in line


def test_a_missing_measurement_is_a_miss_not_a_pass() -> None:
    results = [r for r in passing() if r.request != PAGE]
    lines = benchhttp.verdict_lines(results, PAGE, POST, FIRST, DEEP)
    assert "not measured" in lines[0] and "**missed**" in lines[0]


# --- the report -------------------------------------------------------------------------


def test_the_table_has_a_row_per_request_and_a_column_per_level() -> None:
    results = passing()
    results[0] = LevelResult(PAGE, 1, 40, 2, 10.0, 20.0, 100.0, ("ReadTimeout",))
    text = benchhttp.table(results).splitlines()
    assert text[0] == "| request | 1 client | 10 clients | 50 clients |"
    assert text[1] == "|---|---|---|---|"
    assert len(text) == 2 + 4
    assert text[2].startswith(f"| {PAGE} | 10.0 / 20.0 ms, 100/s, **2 errors (ReadTimeout)** |")


def test_the_section_names_the_shared_cores_the_rate_limit_and_the_deep_page() -> None:
    text = bench_api.http_section(passing(), 20_000, 300, 200, (1.0, 1.2))
    assert "share the machine's" in text
    assert "FUELTRACKER_API_RATE_LIMIT_PER_MINUTE=100000" in text
    assert "deep page is page 200" in text
    assert "Reusing a connection costs nothing here" in text
    assert "Pages with API traffic alongside: not measured" in text


def test_a_short_account_says_which_page_it_reached() -> None:
    text = bench_api.http_section(passing(), 5_000, 300, 100, (1.0, 1.0))
    assert "page 100 (the last: the account has no page 200" in text


def test_a_stalled_reused_connection_is_explained() -> None:
    text = bench_api.transport_text(44.0, 1.0)
    assert "**44.0 ms**" in text and "about 43 ms" in text


def test_no_http_run_adds_nothing() -> None:
    assert bench_api.http_section([], 20_000, 300, 200, (0.0, 0.0)) == ""


# --- a page with API traffic alongside --------------------------------------------------


def alongside(before: list[float], during: list[float], after: list[float]) -> PageAlongside:
    return PageAlongside("Dashboard, typical", tuple(before), tuple(during), tuple(after), 321)


def test_a_page_within_the_noise_is_no_slower() -> None:
    page = alongside([100, 110, 120], [115, 125, 130], [120, 125, 130])
    assert page.noise_ms == 15.0  # medians alone 110 and 125
    assert page.slower_ms == 0.0  # 125 against the slower median alone, 125
    assert page.met


def test_a_page_slower_beyond_the_noise_is_said_so() -> None:
    page = alongside([100, 100, 100], [300, 300, 300], [110, 110, 110])
    assert page.slower_ms == 190.0
    assert not page.met
    text = benchhttp.alongside_text(page, 10, PAGE)
    assert text.startswith("| Dashboard, typical | 100 / 100 ms | 300 / 300 ms | 110 / 110 ms |")
    assert "10 clients" in text and "321 answered" in text
    assert "+190 ms" in text and "**slower beyond the noise**" in text


def test_the_section_shows_the_page_alongside_when_measured() -> None:
    page = alongside([100, 100], [100, 100], [100, 100])
    text = bench_api.http_section(passing(), 20_000, 300, 200, (1.0, 1.0), page)
    assert "| page | alone | with API traffic | alone again |" in text
    assert "**no slower beyond the noise**" in text
    assert "not measured" not in text


def test_traffic_stops_when_asked() -> None:
    async def scenario() -> int:
        stop = asyncio.Event()

        async def send(client: object, worker: int) -> int:
            await asyncio.sleep(0.001)
            return 200

        task = asyncio.create_task(benchhttp.traffic(send, 3, stop))
        await asyncio.sleep(0.05)
        stop.set()
        return await task

    assert _run(scenario()) > 3
