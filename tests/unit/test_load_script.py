"""The load script's pure parts (scripts/loadlib.py): argument caps, the loopback rule,
percentiles, memory arithmetic, the integrity bookkeeping and the report's tables. No
browser, server or database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scripts import loadlib
from scripts.loadlib import LoadArgumentError

# --- arguments ------------------------------------------------------------------------------

def test_levels_are_parsed_in_order() -> None:
    assert loadlib.parse_levels("5,10,20") == [5, 10, 20]
    assert loadlib.parse_levels(" 3 ") == [3]


@pytest.mark.parametrize("text", ["", "0", "41", "5,x", "-1"])
def test_levels_outside_the_caps_are_refused(text: str) -> None:
    with pytest.raises(LoadArgumentError):
        loadlib.parse_levels(text)


def test_the_session_cap_is_inclusive() -> None:
    assert loadlib.parse_levels(str(loadlib.MAX_SESSIONS)) == [loadlib.MAX_SESSIONS]


def test_rounds_and_duration_caps() -> None:
    loadlib.check_limits([5, 10, 20], 2, None)
    loadlib.check_limits([10], 1, loadlib.MAX_DURATION_S)
    with pytest.raises(LoadArgumentError, match="--rounds"):
        loadlib.check_limits([5], 0, None)
    with pytest.raises(LoadArgumentError, match="--rounds"):
        loadlib.check_limits([5], loadlib.MAX_ROUNDS + 1, None)
    with pytest.raises(LoadArgumentError, match="--duration"):
        loadlib.check_limits([10], 1, loadlib.MAX_DURATION_S + 1)
    with pytest.raises(LoadArgumentError, match="--duration"):
        loadlib.check_limits([10], 1, 0)


def test_a_soak_runs_one_level() -> None:
    with pytest.raises(LoadArgumentError, match="one level"):
        loadlib.check_limits([5, 10], 1, 60)


def test_the_total_journey_cap() -> None:
    # 40 sessions x 20 rounds = 800 (under the cap), three such levels are over it.
    loadlib.check_limits([40], 20, None)
    with pytest.raises(LoadArgumentError, match="journeys planned"):
        loadlib.check_limits([40, 40, 40], 20, None)


@pytest.mark.parametrize("url", ["http://127.0.0.1:18800", "http://localhost:8501/",
                                 "http://127.0.0.2:1", "http://[::1]:18801"])
def test_loopback_targets_are_accepted(url: str) -> None:
    assert loadlib.check_loopback(url) == url


@pytest.mark.parametrize("url", ["http://10.0.0.5:8501", "http://example.com",
                                 "http://0.0.0.0:8501", "http://192.168.1.2", "ftp://127.0.0.1",
                                 "127.0.0.1:8501", "http://[2001:db8::1]:80"])
def test_non_loopback_targets_are_refused(url: str) -> None:
    with pytest.raises(LoadArgumentError):
        loadlib.check_loopback(url)


def test_streamlit_options_become_flags() -> None:
    assert loadlib.streamlit_flags(["runner.postScriptGC=false", "server.maxUploadSize=5"]) == [
        "--runner.postScriptGC", "false", "--server.maxUploadSize", "5"]
    assert loadlib.streamlit_flags([]) == []


@pytest.mark.parametrize("option", ["runner.postScriptGC", "nodot=1", "server.address=0.0.0.0",
                                    "server.port=80", "a.b c=1"])
def test_bad_or_unsafe_streamlit_options_are_refused(option: str) -> None:
    with pytest.raises(LoadArgumentError):
        loadlib.streamlit_flags([option])


def test_viewport_option() -> None:
    assert loadlib.parse_viewport("1280x800") == {"width": 1280, "height": 800}
    for bad in ("1280", "x800", "10x10", "1280x800x2", "wide"):
        with pytest.raises(LoadArgumentError):
            loadlib.parse_viewport(bad)


# --- statistics -----------------------------------------------------------------------------

def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert loadlib.percentile(values, 95) == 19.0
    assert loadlib.percentile(values, 50) == 10.0
    assert loadlib.percentile(values, 100) == 20.0
    assert loadlib.percentile([4.0, 1.0, 3.0], 95) == 4.0  # unsorted input, small sample
    assert loadlib.percentile([2.5], 95) == 2.5


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        loadlib.percentile([], 95)
    with pytest.raises(ValueError):
        loadlib.percentile([1.0], 0)


def test_step_log_statistics_and_first_error() -> None:
    log = loadlib.StepLog()
    for seconds in (1.0, 2.0, 3.0, 10.0):
        log.ok("history", seconds)
    log.failed("history", "u1: timeout")
    log.failed("history", "u2: timeout")
    stats = {row.step: row for row in log.stats()}
    assert [row.step for row in log.stats()] == list(loadlib.STEPS)
    history = stats["history"]
    assert (history.count, history.median_s, history.p95_s, history.max_s) == (4, 2.5, 10.0, 10.0)
    assert (history.errors, history.first_error) == (2, "u1: timeout")
    assert stats["open"].count == 0 and stats["open"].p95_s is None
    assert log.error_count() == 2


def test_memory_per_session() -> None:
    assert loadlib.per_session_mb(300 * 1024, 400 * 1024, 20) == pytest.approx(5.0)
    with pytest.raises(ValueError):
        loadlib.per_session_mb(1, 2, 0)


def test_vmrss_is_read_from_proc_status() -> None:
    text = "Name:\tpython\nVmPeak:\t  900 kB\nVmRSS:\t  301234 kB\nThreads:\t12\n"
    assert loadlib.parse_vmrss_kb(text) == 301234
    with pytest.raises(ValueError):
        loadlib.parse_vmrss_kb("Name:\tzombie\n")


def test_proc_stat_cpu_ticks_and_parent() -> None:
    # Field 2 holds spaces and a ')' of its own; utime..cstime are 11, 7, 2, 1 ticks.
    line = ("4242 (Web Content) x)) S 4200 4242 4242 0 -1 4194560 100 0 0 0 11 7 2 1 20 0 "
            "12 0 1000 1000000 300 18446744073709551615\n")
    assert loadlib.parse_stat(line) == (4200, 21)


def test_descendants_walk_the_process_tree() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert loadlib.descendants(parents, 10) == {10, 11, 12, 13}
    assert loadlib.descendants(parents, 21) == {21}


def test_metric_cards_are_normalised() -> None:
    assert loadlib.parse_metrics([("Spent (USD)\n", " 1,234.50 "), ("Avg  L/100 km", "6.10")]) == {
        "Spent (USD)": "1,234.50", "Avg L/100 km": "6.10"}


# --- integrity ------------------------------------------------------------------------------

def key(odometer: str) -> loadlib.Key:
    return loadlib.fillup_key(7, 3, "2026-11-26", odometer)


def test_fillup_keys_compare_at_the_stored_precision() -> None:
    assert key("60018") == key("60018.0") == loadlib.fillup_key(7, 3, "2026-11-26", 60018.0)
    assert key("60018")[3] == Decimal("60018.0")


def test_every_confirmed_row_once_passes() -> None:
    result = loadlib.check_rows([key("1"), key("2")], [key("1"), key("2")],
                                [(key("1"), 1), (key("2"), 1)])
    assert result.ok and result.confirmed == 2


def test_missing_duplicated_and_unexpected_rows_fail() -> None:
    missing = loadlib.check_rows([key("1"), key("2")], [], [(key("1"), 1)])
    assert not missing.ok and missing.missing == [key("2")]
    twice = loadlib.check_rows([key("1")], [], [(key("1"), 2)])
    assert not twice.ok and twice.duplicated == [key("1")]
    stray = loadlib.check_rows([key("1")], [], [(key("1"), 1), (key("9"), 1)])
    assert not stray.ok and stray.unexpected == [key("9")]


def test_a_timed_out_save_that_landed_is_reported_not_failed() -> None:
    result = loadlib.check_rows([key("1")], [key("1"), key("2")], [(key("1"), 1), (key("2"), 1)])
    assert result.ok and result.unconfirmed_stored == [key("2")]


# --- report ---------------------------------------------------------------------------------

def test_step_table_and_verdict() -> None:
    log = loadlib.StepLog()
    for step in loadlib.STEPS:
        log.ok(step, 0.5)
    log.ok("save fill-up", 3.5)
    log.failed("history", "u1: page | broke\nsecond line")
    stats = log.stats()
    table = loadlib.step_table(stats).splitlines()
    assert table[0].startswith("| step | count | median s | p95 s")
    assert len(table) == 2 + len(loadlib.STEPS)
    assert "| save fill-up | 2 | 2.00 | 3.50 | 3.50 | 0 |  |" in table
    assert "| history | 1 | 0.50 | 0.50 | 0.50 | 1 | u1: page / broke second line |" in table
    assert loadlib.worst_p95(stats) == ("save fill-up", 3.5)
    verdict = loadlib.level_verdict(stats, 12.0)
    assert verdict == {"no errors": False, "p95 < 3 s": False, "memory < 50 MB/session": True}
    assert loadlib.level_verdict(stats, None)["memory < 50 MB/session"] is False


def test_prose_is_wrapped_and_tables_are_not() -> None:
    prose = " ".join(["word"] * 60)
    wrapped = loadlib.wrap_prose(prose)
    assert max(len(line) for line in wrapped.splitlines()) <= 92
    assert wrapped.replace("\n", " ") == prose
    table = "| step | count | " + "x" * 100 + " |"
    assert loadlib.wrap_prose(table) == table
    assert loadlib.wrap_prose("### 20 concurrent sessions") == "### 20 concurrent sessions"
    assert loadlib.wrap_prose("") == ""


def test_write_section_keeps_the_sections_before_and_after(tmp_path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text("# Perf\n\n## Import\n\nold import\n\n## Load\n\nold load\n\n## Soak\n\nsoak\n")
    loadlib.write_section(doc, "## Load", "## Load\n\nnew load\n")
    text = doc.read_text()
    assert "old load" not in text and "new load" in text
    assert text.index("## Import") < text.index("## Load") < text.index("## Soak")
    assert "old import" in text and "soak" in text
    loadlib.write_section(doc, "## Soak", "## Soak\n\nnew soak\n")
    text = doc.read_text()
    assert text.endswith("## Soak\n\nnew soak\n") and "new load" in text
    loadlib.write_section(doc, "## Load", "## Load\n\nthird\n")
    assert doc.read_text().count("## Soak") == 1 and "new soak" in doc.read_text()
