"""The pure parts of the script-run timing (fueltracker/ui/run_timing.py): the stamps the
hooks leave on Streamlit's request queue, the fields of the line, their JSON and text form.
The whole line from a real run: tests/app/test_run_timing.py."""

from __future__ import annotations

import json
import logging

import pytest
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from fueltracker.logging_setup import RUN_FIELDS, JsonFormatter, TextFormatter
from fueltracker.ui import run_timing


def test_the_wait_runs_from_the_first_request_to_the_start(monkeypatch):
    """A request accepted at t, a second one folded into it, the pair taken by the runner
    and the run started at t + 0.05 s: the run waited those 0.05 s."""
    run_timing.install()
    requests = ScriptRequests()
    clock = iter([100.0, 100.05])
    monkeypatch.setattr(run_timing.time, "monotonic", lambda: next(clock))
    assert requests.request_rerun(RerunData())
    assert requests.request_rerun(RerunData(page_name="history"))
    taken = requests.on_scriptrunner_ready()
    assert taken.rerun_data.page_name == "history"

    class Runner:
        _requests = requests

    runner = Runner()
    run_timing._started(runner, {"fragment_ids_this_run": ["f1"]})
    started, _cpu, wait_s, fragment = getattr(runner, run_timing._CLOCK)
    assert started == 100.05 and wait_s == pytest.approx(0.05)
    assert fragment is True
    # Taken once: the next run of this queue does not inherit the stamp.
    assert getattr(requests, run_timing._TAKEN_AT) is None


def test_a_run_without_a_stamped_request_has_no_wait():
    run_timing.install()

    class Runner:
        _requests = ScriptRequests()

    runner = Runner()
    run_timing._started(runner, {})
    assert getattr(runner, run_timing._CLOCK)[2] is None


def test_install_is_idempotent():
    run_timing.install()
    wrapped = ScriptRequests.on_scriptrunner_ready
    run_timing.install()
    assert ScriptRequests.on_scriptrunner_ready is wrapped


def test_run_fields_round_and_never_go_negative():
    tag = run_timing.session_tag("3f1c0d6e-session")
    fields = run_timing.run_fields(
        page="History",
        fragment=True,
        wait_s=-0.0004,
        duration_s=0.12345,
        cpu_s=0.1,
        outcome="finished",
        session=tag,
    )
    assert fields == {
        "page": "History",
        "fragment": True,
        "wait_s": 0.0,
        "duration_s": 0.123,
        "cpu_s": 0.1,
        "outcome": "finished",
        "session": tag,
    }
    assert len(tag) == 12 and "session" not in tag
    assert run_timing.session_tag("other") != tag


def _formatted(formatter: logging.Formatter) -> str:
    record = logging.LogRecord(
        "fueltracker.timing", logging.INFO, __file__, 1, run_timing.MESSAGE, None, None
    )
    setattr(
        record,
        RUN_FIELDS,
        run_timing.run_fields(
            page="Dashboard",
            fragment=False,
            wait_s=0.01,
            duration_s=0.2,
            cpu_s=0.15,
            outcome="finished",
            session="0123456789ab",
        ),
    )
    record.correlation_id, record.user_id = "1f2e3d4c", 7
    return formatter.format(record)


def test_the_json_line_carries_the_run_object():
    line = json.loads(_formatted(JsonFormatter()))
    assert line["message"] == "script run" and line["correlation_id"] == "1f2e3d4c"
    assert line["user_id"] == 7
    assert line["run"]["page"] == "Dashboard" and line["run"]["wait_s"] == 0.01
    assert line["run"]["duration_s"] == 0.2


def test_the_text_line_carries_the_run_as_key_value():
    text = _formatted(TextFormatter())
    assert "[cid=1f2e3d4c user=7] script run" in text
    assert 'page="Dashboard"' in text and "wait_s=0.01" in text and "duration_s=0.2" in text
