"""The database goes away under the real server while a fill-up is being typed in the
browser: the Save click (a rerun of the entry fragment alone, which AppTest cannot show)
gets one plain message, the inputs keep their values, nothing is written; once the database
is back the same click saves it, once. The server's stdout is JSON lines, and the outage's
line names the run's correlation id and the signed-in user even in a fragment run.

A PostgreSQL server of the test's own is stopped and started (the shared one stays up)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from fueltracker import config, db
from fueltracker.migrate import upgrade_to_head
from fueltracker.models import FuelEntry
from fueltracker.ui.errors import DATABASE_UNAVAILABLE
from scripts.browser import Settle
from tests.e2e.conftest import ARTIFACTS, serve
from tests.e2e.test_journey import sign_in
from tests.factories import PASSWORD, add, fillup, make_user, make_vehicle
from tests.integration.test_db_outage import OwnServer

pytestmark = pytest.mark.e2e

LOG_NAME = "e2e-errors-streamlit.log"
STOPPING = "Stopping..."


@pytest.fixture
def outage_server(playwright_instance) -> Iterator[OwnServer]:
    """A migrated server of this test; the test process's own settings are left as found
    (the app server gets the URL through its environment)."""
    workdir = Path(tempfile.mkdtemp(prefix="ft-e2e-outage-"))
    server = OwnServer(workdir)
    try:
        upgrade_to_head(server.url)
        yield server
    finally:
        server.server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def _count(url: str, user_id: int) -> int:
    engine = db.make_engine(url, pool_size=1, max_overflow=0)
    try:
        with db.session_scope(engine) as session:
            db.scope_to_user(session, user_id)
            return session.scalar(select(func.count()).select_from(FuelEntry))
    finally:
        engine.dispose()


def test_database_outage_while_typing_a_fillup(
    page: Page, outage_server: OwnServer, monkeypatch
) -> None:
    url = outage_server.url
    engine = db.make_engine(url, pool_size=1, max_overflow=0)
    with db.session_scope(engine) as session:
        user = make_user(session, "pump")
        golf = make_vehicle(session, user, "Golf")
        add(session, user, fillup(golf, "2024-06-01", "12000", "40", "70"))
    engine.dispose()
    if not os.environ.get("FUELTRACKER_COOKIE_KEY"):
        monkeypatch.setenv("FUELTRACKER_COOKIE_KEY", secrets.token_urlsafe(48))
    monkeypatch.delenv("FUELTRACKER_LOG_FORMAT", raising=False)  # auto: JSON to a file
    config.get_settings.cache_clear()

    with serve(url, LOG_NAME) as base_url:
        settle = Settle(page)
        page.goto(f"{base_url}/log")
        settle()
        sign_in(page, "pump", PASSWORD)
        expect(page.get_by_role("heading", name="Log a fill-up", level=1)).to_be_visible()
        settle()
        main = page.get_by_test_id("stMain")
        inputs = {
            label: main.locator(f'input[type="number"][aria-label="{label}"]')
            for label in ("Odometer (km)", "Volume (L)", "Total paid (USD)")
        }
        typed = {"Odometer (km)": "12500", "Volume (L)": "38", "Total paid (USD)": "66.50"}
        for label, value in typed.items():
            inputs[label].fill(value)
        inputs["Total paid (USD)"].press("Tab")  # a number input commits on blur
        settle()

        outage_server.stop()
        main.get_by_role("button", name="Save fill-up", exact=True).click()
        alert = page.get_by_test_id("stAlert").filter(has_text="not reachable")
        expect(alert).to_contain_text(DATABASE_UNAVAILABLE)
        settle()
        expect(page.get_by_test_id("stAlert")).to_have_count(1)  # one message only
        assert "Traceback" not in page.content()
        for label, value in typed.items():  # what was typed is still there
            assert float(inputs[label].input_value()) == float(value), label
        ARTIFACTS.mkdir(exist_ok=True)  # what the user sees during the outage, to look at
        page.screenshot(path=str(ARTIFACTS / "outage-log-fillup.png"), full_page=True)

        outage_server.start()
        assert _count(url, user.id) == 1  # nothing half-written
        main.get_by_role("button", name="Save fill-up", exact=True).click()
        expect(page.get_by_test_id("stAlert").filter(has_text="Saved.")).to_be_visible()
        settle()
        assert _count(url, user.id) == 2  # saved exactly once

    lines = [line for line in (ARTIFACTS / LOG_NAME).read_text().splitlines() if line.strip()]
    # Streamlit prints "Stopping..." with click; lines before app.py's first run (server
    # start) come before our logging is configured, until fueltracker/ui/server.py
    # configures it first (see the report). From the first JSON line on, every line is one.
    first = next(n for n, line in enumerate(lines) if line.startswith("{"))
    records = [json.loads(line) for line in lines[first:] if line.strip() != STOPPING]
    assert all(
        {"time", "level", "logger", "message", "correlation_id", "user_id"} <= set(r)
        for r in records
    )
    [outage] = [r for r in records if r["message"].startswith("database unreachable")]
    assert outage["level"] == "WARNING" and "exc_info" not in outage
    assert outage["user_id"] == user.id  # a fragment run: set by the fragment itself
    assert outage["correlation_id"] in outage["message"] and outage["correlation_id"] != "-"
    assert any(r.get("security", {}).get("event") == "login_ok" for r in records)
    assert PASSWORD not in "\n".join(lines)
