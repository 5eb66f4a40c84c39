"""Importing a real Fuelly export in the browser: upload, preview of 23 new rows, import,
and the Dashboard's figures and chart from the imported history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fueltracker.db import session_scope
from scripts.browser import Settle
from tests.conftest import ROOT
from tests.e2e.test_journey import go_to, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "test-artifacts"


def _metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )


def test_import_fuelly_file_then_see_the_dashboard(
    page: Page, app_server: str, unique_name: str, shared_fixtures: Path
) -> None:
    username = f"import_{unique_name}"
    with session_scope() as session:
        make_user(session, username)
    settle = Settle(page)
    page.goto(f"{app_server}/import")
    settle()
    sign_in(page, username, PASSWORD)
    expect(page.get_by_role("heading", name="Import fill-ups", level=1)).to_be_visible()
    settle()

    uploader = page.get_by_test_id("stFileUploader").locator('input[type="file"]')
    uploader.set_input_files(str(shared_fixtures / "fuelly_vstrom_metric.csv"))
    expect(page.get_by_text("Detected format:")).to_contain_text("Fuelly")
    expect(_metric(page, "New").get_by_test_id("stMetricValue")).to_have_text("23")
    expect(_metric(page, "Errors").get_by_test_id("stMetricValue")).to_have_text("0")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    settle()
    ARTIFACTS.mkdir(exist_ok=True)  # for a person to look at the preview
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)

    page.get_by_role("button", name="Import 23 fill-ups", exact=True).click()
    expect(page.get_by_test_id("stAlert").filter(has_text="Imported 23 fill-ups")).to_contain_text(
        "skipped 0 already present"
    )
    settle()

    go_to(page, settle, "Dashboard", "Dashboard")
    # The file's fill-ups are from 2020: the Dashboard opens on all time by itself (the
    # last 12 months would be empty) and says why.
    expect(page.get_by_text("your fill-ups end on 2020-12-22")).to_be_visible()
    distance = _metric(page, "Distance (km)").get_by_test_id("stMetricValue")
    expect(distance).to_have_text(re.compile(r"^[1-9][\d,]*$"))
    consumption = _metric(page, "Avg L/100 km").get_by_test_id("stMetricValue")
    expect(consumption).to_have_text(re.compile(r"^\d+\.\d+$"))
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".js-plotly-plot")).to_be_visible()
