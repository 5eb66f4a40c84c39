"""A fill-up logged through the JSON API (an HTTP client on the real server) shows on the
History page in Chromium, with its consumption: the API and the pages are one app."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from fueltracker.db import session_scope
from fueltracker.schemas import TokenCreate
from fueltracker.services import tokens
from scripts.browser import Settle
from tests.e2e.test_journey import assert_signed_in, go_to, grid_rows, sign_in
from tests.factories import PASSWORD, add, fillup, make_user, make_vehicle

pytestmark = pytest.mark.e2e


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_a_fillup_logged_through_the_api_shows_on_the_history_page(
    page: Page, app_server: str, unique_name: str
) -> None:
    with session_scope() as session:
        user = make_user(session, unique_name)
        golf = make_vehicle(session, user, "Golf")
        add(session, user, fillup(golf, "2024-01-05", "10000", "40", "72.00"))
        secret = tokens.create_token(
            session, user.id, TokenCreate(name="phone", scope="read+write")
        ).secret

    status, saved = _post(
        f"{app_server}/api/v1/fillups",
        secret,
        {
            "vehicle_id": golf.id,
            "date": "2024-01-20",
            "odometer_km": "10800",
            "volume_l": "42",
            "price_per_l": "1.85",
            "station": "API Station",
        },
    )
    assert status == 201
    assert (saved["total_amount"], saved["consumption_l_per_100km"]) == ("77.7", "5.25")

    settle = Settle(page)
    page.goto(app_server)
    sign_in(page, unique_name, PASSWORD)
    assert_signed_in(page, unique_name)
    settle()
    go_to(page, settle, "History", "History")
    frame = page.get_by_test_id("stDataFrame")
    expect(frame.locator('td[role="gridcell"]').first).to_be_attached()
    rows = grid_rows(frame)
    assert [row["Odometer (km)"] for row in rows] == ["10800", "10000"], rows
    assert rows[0]["Consumption (L/100 km)"] == "5.25", rows
    assert rows[0]["Total (USD)"] == "77.7", rows  # worked out of volume and price
