"""The timing line of every script run (fueltracker/ui/run_timing.py), through AppTest's
script runner, which is Streamlit's own ScriptRunner: the hooks that stamp a rerun request
and time the run are the ones the server installs."""

from __future__ import annotations

import logging
import re

import pytest

from fueltracker.ui import run_timing
from tests.factories import PASSWORD


@pytest.fixture
def timed(caplog) -> pytest.LogCaptureFixture:
    run_timing.install()
    caplog.set_level(logging.INFO)
    return caplog


def _timings(caplog) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "fueltracker.timing" and r.getMessage() == run_timing.MESSAGE
    ]


def test_every_run_logs_wait_duration_page_and_correlation_id(app, account, timed):
    app.run()
    [first] = _timings(timed)
    fields = first.run
    assert fields["page"] == "Sign in" and fields["fragment"] is False
    assert fields["outcome"] == "finished"
    assert fields["duration_s"] > 0 and 0 <= fields["cpu_s"]
    assert fields["wait_s"] is not None and fields["wait_s"] >= 0
    assert re.fullmatch(r"[0-9a-f]{12}", fields["session"])
    assert re.fullmatch(r"[0-9a-f]{8}", first.correlation_id)
    assert first.user_id is None

    timed.clear()
    app.text_input(key="sign_in_username").input(account.username)
    app.text_input(key="sign_in_password").input(PASSWORD)
    app.button[0].click().run()
    sign_in, dashboard = _timings(timed)
    # The run that signed in stopped for the rerun it asked for; it is logged under the
    # same correlation id as its security event, and the Dashboard run under its own.
    [login] = [r for r in timed.records if getattr(r, "security", {}).get("event") == "login_ok"]
    assert sign_in.correlation_id == login.correlation_id
    assert (sign_in.run["page"], sign_in.run["outcome"]) == ("Sign in", "rerun")
    # The pause that lets the cookie component run is in the sign-in run's duration.
    assert sign_in.run["duration_s"] >= 1.0 > sign_in.run["cpu_s"]
    assert dashboard.correlation_id != sign_in.correlation_id
    assert (dashboard.run["page"], dashboard.run["outcome"]) == ("Dashboard", "finished")
    assert dashboard.user_id == account.id
    assert dashboard.run["session"] == first.run["session"]
