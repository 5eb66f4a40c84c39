"""Logging a fill-up at the pump: a phone-sized viewport (390×844), one column, and a
screenshot of the result kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fueltracker.db import session_scope
from scripts.browser import Settle
from tests.conftest import ROOT
from tests.e2e.test_journey import sign_in
from tests.factories import PASSWORD, add, fillup, make_user, make_vehicle

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_log_a_fillup_on_a_phone(page: Page, app_server: str, unique_name: str) -> None:
    username = f"phone_{unique_name}"
    with session_scope() as session:
        user = make_user(session, username)
        bike = make_vehicle(session, user, "Bike", tank_capacity_l=20)
        add(session, user, fillup(bike, "2024-06-01", "12000", "15", "27"))
    page.set_viewport_size(PHONE)
    settle = Settle(page)
    page.goto(f"{app_server}/log")
    settle()
    sign_in(page, username, PASSWORD)
    expect(page.get_by_role("heading", name="Log a fill-up", level=1)).to_be_visible()
    settle()
    main = page.get_by_test_id("stMain")
    odometer = main.locator('input[type="number"][aria-label="Odometer (km)"]')
    expect(odometer).to_have_attribute("placeholder", "Last: 12,000 km on 2024-06-01")
    odometer.fill("12300")
    main.locator('input[type="number"][aria-label="Volume (L)"]').fill("14.2")
    total = main.locator('input[type="number"][aria-label="Total paid (USD)"]')
    total.fill("25.70")
    total.press("Tab")  # a number input commits its value when it loses focus
    settle()
    expect(main.get_by_text("from volume and total")).to_be_visible()
    # Everything fits the phone's width: no sideways scrolling at the pump.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    main.get_by_role("button", name="Save fill-up", exact=True).click()
    expect(page.get_by_test_id("stAlert").filter(has_text="Saved.")).to_contain_text(
        "This tank: 4.73"
    )  # 14.2 L over 300 km
    settle()
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    page.screenshot(path=str(artifacts / "phone-log-fillup.png"), full_page=True)
