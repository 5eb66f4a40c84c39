"""The acceptance journey in a real browser: register, sign out, sign in again, add a vehicle,
log two full tanks, see the consumption in History and a chart on the Dashboard, and
download the CSV of every fill-up.

How the History table is read: st.dataframe paints its cells on a <canvas>
(glide-data-grid), but the grid also keeps an accessible twin in the DOM, a
`table[role="grid"]` whose `td[role="gridcell"]` cells hold each visible cell's value (the
raw value, not the canvas's formatted text; only the columns scrolled into view are
rendered). The test reads the cells of that table, found by its column headers.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from scripts.browser import Settle

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery 42"  # 12+ characters, with spaces (kept as typed)
VEHICLE = "Test Golf"
FILLUPS = (  # odometer km, volume L, total paid
    ("10000", "40", "72.00"),
    ("10800", "42", "77.70"),
)


# --- Streamlit helpers ---------------------------------------------------------------------


def form_with_button(page: Page, button: str) -> Locator:
    """The st.form whose submit button has this text (forms in hidden tabs included)."""
    return page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name=button, exact=True)
    )


def go_to(page: Page, settle: Settle, title: str, heading: str) -> None:
    """Follow a sidebar navigation link and wait for the page's title."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    settle()


def grid_rows(frame: Locator) -> list[dict[str, str]]:
    """The rows of an st.dataframe read from its accessible table, as {header: cell text}.

    Headers and cells are matched by their aria-colindex, not by position.
    """
    table = frame.locator('table[role="grid"]')
    expect(table).to_have_count(1)
    headers = {
        th.get_attribute("aria-colindex"): th.inner_text().strip()
        for th in table.locator('th[role="columnheader"]').all()
    }
    return [
        {
            headers.get(td.get_attribute("aria-colindex"), "?"): td.inner_text().strip()
            for td in row.locator('td[role="gridcell"]').all()
        }
        for row in table.locator('tbody tr[role="row"]').all()
    ]


def assert_signed_in(page: Page, username: str) -> None:
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"({username})")
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible()


def register(page: Page, username: str, password: str) -> None:
    """Create an account with the "Create account" tab (it signs the account in)."""
    page.get_by_role("tab", name="Create account", exact=True).click()
    form = form_with_button(page, "Create account")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Your name", exact=True).fill("E2E Driver")
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_label("Repeat password", exact=True).fill(password)
    form.get_by_role("button", name="Create account", exact=True).click()


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_role("tab", name="Sign in", exact=True).click()
    form = form_with_button(page, "Sign in")
    form.get_by_label("Username", exact=True).fill(username)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in", exact=True).click()


# --- the journey ---------------------------------------------------------------------------


def test_register_log_two_fillups_see_consumption_and_export(
    page: Page, app_server: str, unique_name: str
) -> None:
    username = f"e2e_{unique_name}"
    settle = Settle(page)
    page.goto(app_server)
    expect(page.get_by_role("tab", name="Create account", exact=True)).to_be_visible()
    settle()

    register(page, username, PASSWORD)
    assert_signed_in(page, username)
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("No fill-ups yet.")).to_be_visible()
    settle()

    # Sign out, then sign in again with the same credentials.
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    settle()
    sign_in(page, username, PASSWORD)
    assert_signed_in(page, username)
    settle()

    # Vehicles: the "Add a vehicle" form is open while the garage is empty.
    go_to(page, settle, "Vehicles", "Vehicles")
    vehicle_form = form_with_button(page, "Save vehicle")
    vehicle_form.get_by_label("Name", exact=True).fill(VEHICLE)
    vehicle_form.get_by_role("button", name="Save vehicle", exact=True).click()
    expect(page.get_by_text(f"Added {VEHICLE}.")).to_be_visible()
    settle()

    # Log fill-up: two full tanks on today's date (same day, larger odometer is valid).
    go_to(page, settle, "Log fill-up", "Log a fill-up")
    outcomes = ("first fill-up", "This tank: 5.25")
    for (odometer, volume, total), outcome in zip(FILLUPS, outcomes, strict=True):
        form = page.get_by_test_id("stMain")  # the entry is no st.form: it reruns as you type
        expect(form.get_by_text(VEHICLE)).to_be_visible()
        form.locator('input[type="number"][aria-label="Odometer (km)"]').fill(odometer)
        form.locator('input[type="number"][aria-label="Volume (L)"]').fill(volume)
        form.locator('input[type="number"][aria-label="Total paid (USD)"]').fill(total)
        form.get_by_role("button", name="Save fill-up", exact=True).click()
        expect(page.get_by_test_id("stAlert").filter(has_text="Saved.")).to_contain_text(outcome)
        settle()

    # History: the newer tank used 42 L over 800 km = 5.25 L/100 km.
    go_to(page, settle, "History", "History")
    frame = page.get_by_test_id("stDataFrame")
    expect(frame.locator('td[role="gridcell"]').first).to_be_attached()
    rows = grid_rows(frame)
    assert [row["Odometer (km)"] for row in rows] == ["10800", "10000"], rows
    assert rows[0]["Consumption (L/100 km)"] == "5.25", rows
    assert rows[1]["Consumption (L/100 km)"] == "", rows

    # Dashboard: the consumption chart is drawn.
    go_to(page, settle, "Dashboard", "Dashboard")
    expect(page.get_by_test_id("stPlotlyChart").first.locator(".js-plotly-plot")).to_be_visible()

    # Sidebar: one click downloads every fill-up as CSV, in the user's units (km, L) and
    # rounded as the form shows them; the canonical file is under Account → Your data.
    with page.expect_download() as download_info:
        page.get_by_test_id("stSidebar").get_by_role(
            "button", name=re.compile("Download all fill-ups")
        ).click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"fueltracker-{username}-")
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8")
    data = list(csv.DictReader(io.StringIO(text)))
    assert [row["odometer_km"] for row in data] == ["10000.0", "10800.0"], text
    assert [row["vehicle"] for row in data] == [VEHICLE, VEHICLE], text
    assert data[0]["consumption_l_per_100km"] == "", text
    assert float(data[1]["consumption_l_per_100km"]) == pytest.approx(5.25), text
    assert data[1]["consumption_l_per_100km"] == "5.25", text
