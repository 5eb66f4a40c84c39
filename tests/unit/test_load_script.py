"""The load script's pure parts (scripts/loadlib.py): argument caps, the loopback rule,
percentiles, memory arithmetic, the integrity bookkeeping, the server's timing lines and
their attribution to the clients' steps, the proxy's variables and sticky cookie, and the
report's tables. No browser, server or database."""

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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:18800",
        "http://localhost:8501/",
        "http://127.0.0.2:1",
        "http://[::1]:18801",
    ],
)
def test_loopback_targets_are_accepted(url: str) -> None:
    assert loadlib.check_loopback(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8501",
        "http://example.com",
        "http://0.0.0.0:8501",
        "http://192.168.1.2",
        "ftp://127.0.0.1",
        "127.0.0.1:8501",
        "http://[2001:db8::1]:80",
    ],
)
def test_non_loopback_targets_are_refused(url: str) -> None:
    with pytest.raises(LoadArgumentError):
        loadlib.check_loopback(url)


def test_streamlit_options_become_flags() -> None:
    assert loadlib.streamlit_flags(["runner.postScriptGC=false", "server.maxUploadSize=5"]) == [
        "--runner.postScriptGC",
        "false",
        "--server.maxUploadSize",
        "5",
    ]
    assert loadlib.streamlit_flags([]) == []


@pytest.mark.parametrize(
    "option",
    ["runner.postScriptGC", "nodot=1", "server.address=0.0.0.0", "server.port=80", "a.b c=1"],
)
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
    line = (
        "4242 (Web Content) x)) S 4200 4242 4242 0 -1 4194560 100 0 0 0 11 7 2 1 20 0 "
        "12 0 1000 1000000 300 18446744073709551615\n"
    )
    assert loadlib.parse_stat(line) == (4200, 21)


def test_descendants_walk_the_process_tree() -> None:
    parents = {1: 0, 10: 1, 11: 10, 12: 10, 13: 12, 20: 1, 21: 20}
    assert loadlib.descendants(parents, 10) == {10, 11, 12, 13}
    assert loadlib.descendants(parents, 21) == {21}


def test_metric_cards_are_normalised() -> None:
    assert loadlib.parse_metrics([("Spent (USD)\n", " 1,234.50 "), ("Avg  L/100 km", "6.10")]) == {
        "Spent (USD)": "1,234.50",
        "Avg L/100 km": "6.10",
    }


# --- integrity ------------------------------------------------------------------------------


def key(odometer: str) -> loadlib.Key:
    return loadlib.fillup_key(7, 3, "2026-11-26", odometer)


def test_fillup_keys_compare_at_the_stored_precision() -> None:
    assert key("60018") == key("60018.0") == loadlib.fillup_key(7, 3, "2026-11-26", 60018.0)
    assert key("60018")[3] == Decimal("60018.0")


def test_every_confirmed_row_once_passes() -> None:
    result = loadlib.check_rows(
        [key("1"), key("2")], [key("1"), key("2")], [(key("1"), 1), (key("2"), 1)]
    )
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


def _runs_and_windows():
    """Two clients; client 0 signs in (two runs) and opens History (one run), client 1 opens
    History; a run of an unknown session (the warm-up) and a typing run between steps."""

    def run(end: float, wait: float, duration: float, session: str) -> loadlib.RunTiming:
        return loadlib.RunTiming(end, wait, duration, duration / 2, "p", False, "finished", session)

    runs = [
        run(101.5, 0.1, 1.4, "aaa"),  # requested at 100.0: client 0's sign in
        run(102.0, 0.0, 0.5, "aaa"),  # requested at 101.5: the rerun into the Dashboard
        run(111.0, 0.2, 0.3, "aaa"),  # requested at 110.5: client 0's history
        run(106.0, 0.0, 0.2, "aaa"),  # requested at 105.8: typing, between two steps
        run(111.0, 0.5, 0.5, "bbb"),  # requested at 110.0: client 1's history
        run(111.0, 0.0, 1.0, "zzz"),  # the warm-up's session: nobody's
    ]
    windows = [
        loadlib.StepWindow(0, "sign in", 99.995, 102.1),
        loadlib.StepWindow(0, "history", 110.5, 111.2),
        loadlib.StepWindow(1, "history", 110.0, 111.1),
    ]
    return runs, windows


def test_runs_are_attributed_to_their_sessions_steps() -> None:
    runs, windows = _runs_and_windows()
    per_step, between = loadlib.attribute_runs(runs, windows, {"aaa": 0, "bbb": 1})
    assert per_step["sign in"] == [pytest.approx(2.0)]  # 0.1 + 1.4 + 0.0 + 0.5
    assert sorted(per_step["history"]) == [pytest.approx(0.5), pytest.approx(1.0)]
    assert per_step["open"] == []
    assert between == [pytest.approx(0.2)]


def test_overlapping_runs_of_one_step_count_once() -> None:
    """A browser's component report reruns the page (fastReruns: a second run at once)
    while the sign-out run still sleeps: the step's server time is the busy span."""
    sleeping = loadlib.RunTiming(201.0, 0.0, 1.0, 0.01, "Dashboard", False, "rerun", "aaa")
    rerun = loadlib.RunTiming(200.6, 0.0, 0.1, 0.05, "Sign in", False, "finished", "aaa")
    after = loadlib.RunTiming(201.1, 0.05, 0.05, 0.01, "Sign in", False, "finished", "aaa")
    window = loadlib.StepWindow(0, "sign out", 200.0, 200.6)
    per_step, between = loadlib.attribute_runs([sleeping, rerun, after], [window], {"aaa": 0})
    assert per_step["sign out"] == [pytest.approx(1.0)]
    assert between == [pytest.approx(0.1)]  # requested after the browser settled
    assert loadlib.busy_seconds([(0, 1), (0.5, 2), (3, 4)]) == 3
    assert loadlib.busy_seconds([]) == 0


def test_a_run_requested_outside_every_window_is_between_steps() -> None:
    runs, windows = _runs_and_windows()
    per_step, between = loadlib.attribute_runs(runs, windows[1:], {"aaa": 0, "bbb": 1})
    assert per_step["sign in"] == []
    assert sorted(between) == [pytest.approx(0.2), pytest.approx(0.5), pytest.approx(1.5)]


def test_timing_lines_are_parsed_and_others_skipped() -> None:
    line = (
        '{"time": "2026-12-02T06:43:19.547Z", "level": "INFO", "logger": '
        '"fueltracker.timing", "message": "script run", "correlation_id": "a0175e9e", '
        '"user_id": 1, "run": {"page": "Log fill-up", "fragment": true, "wait_s": 0.001, '
        '"duration_s": 0.125, "cpu_s": 0.077, "outcome": "rerun", '
        '"session": "69a0299f57b0"}}'
    )
    run = loadlib.parse_timing_line(line)
    assert run.end == pytest.approx(1796194999.547)
    assert (run.page, run.fragment, run.outcome, run.session) == (
        "Log fill-up",
        True,
        "rerun",
        "69a0299f57b0",
    )
    assert run.server_s == pytest.approx(0.126)
    assert run.requested == pytest.approx(run.end - 0.126)
    unknown_wait = line.replace('"wait_s": 0.001', '"wait_s": null')
    assert loadlib.parse_timing_line(unknown_wait).wait_s == 0.0
    assert loadlib.parse_timing_line('{"message": "security login_ok"}') is None
    assert loadlib.parse_timing_line('{"message": "script run", "run": ') is None
    assert loadlib.parse_timing_line("  Stopping...") is None


def test_step_table_with_server_and_client_columns() -> None:
    log, browser = loadlib.StepLog(), loadlib.StepLog()
    for step in loadlib.STEPS:
        log.ok(step, 0.5)
    log.ok("save fill-up", 3.5)
    browser.ok("save fill-up", 3.5)
    log.failed("history", "u1: page | broke\nsecond line")
    server = {"save fill-up": [0.2, 0.4], "history": [0.1]}
    table = loadlib.step_table_with_server(
        log.stats(), server, browser.stats(), between=[0.05, 0.07]
    ).splitlines()
    assert table[0].startswith("| step | n | server median s | server p95 s | client median s")
    assert len(table) == 2 + len(loadlib.STEPS) + 1
    assert "| save fill-up | 2 | 0.30 | 0.40 | 2.00 | 3.50 | 3.50 | 3.50 | 0 |  |" in table
    history_row = (
        "| history | 1 | 0.10 | 0.10 | 0.50 | 0.50 | – | – | 1 | u1: page / broke second line |"
    )
    assert history_row in table
    assert table[-1].startswith("| (between steps: typing, component reports) | 2 runs | 0.06 ")
    assert loadlib.worst_p95(log.stats()) == ("save fill-up", 3.5)
    assert loadlib.worst_server_p95(server) == ("save fill-up", 0.4)


def test_server_verdict() -> None:
    fast = {"history": [0.2, 0.3], "sign in": [0.9]}
    assert loadlib.server_verdict(fast, 2.0, 0) == {
        "no errors": True,
        "server p95 < 1 s": True,
        "memory < 10 MB/session": True,
    }
    slow = {"history": [0.2, 0.3], "sign in": [0.9, 1.2]}
    verdict = loadlib.server_verdict(slow, 12.0, 3)
    assert verdict == {
        "no errors": False,
        "server p95 < 1 s": False,
        "memory < 10 MB/session": False,
    }
    # No timing lines at all (a server that logs none) is no pass.
    assert loadlib.server_verdict({"history": []}, None, 0)["server p95 < 1 s"] is False


def test_journeys_per_minute() -> None:
    assert loadlib.journeys_per_minute(40, 120.0) == 20.0
    with pytest.raises(ValueError):
        loadlib.journeys_per_minute(1, 0)


def test_distribution() -> None:
    assert loadlib.distribution([]) == (None, None, None)
    assert loadlib.distribution([1.0, 3.0, 2.0]) == (2.0, 3.0, 3.0)


# --- replicas and the proxy ----------------------------------------------------------------


def test_replica_counts() -> None:
    assert loadlib.parse_replicas("1,2") == [1, 2]
    for text in ("", "0", "x", f"{loadlib.MAX_REPLICAS + 1}"):
        with pytest.raises(LoadArgumentError):
            loadlib.parse_replicas(text)


def test_the_proxy_listens_on_loopback_in_front_of_loopback_replicas() -> None:
    env = loadlib.proxy_environment(18850, ["127.0.0.1:18800", "127.0.0.1:18801"])
    assert env == {
        "FUELTRACKER_SITE": "http://127.0.0.1:18850",
        "FUELTRACKER_UPSTREAMS": "127.0.0.1:18800 127.0.0.1:18801",
        "FUELTRACKER_PROXY_BIND": "127.0.0.1",
        "FUELTRACKER_PROXY_ADMIN": "off",
    }
    with pytest.raises(LoadArgumentError, match="non-loopback"):
        loadlib.proxy_environment(18850, ["10.0.0.11:8501"])


def test_the_sticky_cookie_names_its_replica_as_caddy_writes_it() -> None:
    # Set-Cookie of Caddy 2.6.2 (Debian) running deploy/Caddyfile with one upstream,
    # 127.0.0.1:18831: lb_policy cookie without a secret.
    assert loadlib.sticky_cookie("127.0.0.1:18831") == (
        "400a0c402185dd174f798734be6f78302f5b558810ad71e39dddd350267f1490"
    )
    assert loadlib.sticky_cookie("127.0.0.1:18832") != loadlib.sticky_cookie("127.0.0.1:18831")


def test_caddy_blocks_are_found_in_markdown() -> None:
    text = "intro\n\n```caddy\na {\n}\n```\n\n```nginx\nx;\n```\n```caddy\nb\n```\n"
    assert loadlib.caddyfile_blocks(text) == ["a {\n}\n", "b\n"]


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
