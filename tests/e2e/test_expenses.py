"""Logging an expense in the real browser (issue 17): the quick form saves what its fields
show, a refused amount saves nothing and stays as typed, and the new expense appears in
the history below."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fueltracker.db import session_scope
from fueltracker.services import expenses
from scripts.browser import Settle
from tests.e2e.test_journey import sign_in
from tests.factories import PASSWORD, make_user, make_vehicle

pytestmark = pytest.mark.e2e


def _stored(user_id: int) -> list:
    with session_scope() as session:
        return expenses.list_expenses(session, user_id)


def test_log_an_expense(page: Page, app_server: str, unique_name: str) -> None:
    with session_scope() as session:
        user = make_user(session, f"expense_{unique_name}", currency="EUR")
        make_vehicle(session, user, "Golf")
        bike = make_vehicle(session, user, "V-Strom", kind="motorbike")
    settle = Settle(page)
    page.goto(f"{app_server}/expenses")  # a deep link: opens after sign-in
    settle()
    sign_in(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name="Expenses", level=1)).to_be_visible()
    settle()
    main = page.get_by_test_id("stMain")
    form = main.get_by_test_id("stForm")
    alerts = main.get_by_test_id("stAlert")

    form.get_by_label("Vehicle", exact=True).click()
    page.get_by_role("option", name="V-Strom", exact=True).click()
    form.get_by_label("Category", exact=True).click()
    page.get_by_role("option", name="Service", exact=True).click()
    amount = form.locator('input[type="number"][aria-label="Amount (EUR)"]')
    amount.fill("-5")
    form.get_by_label("Description", exact=True).fill("Spring service")
    form.get_by_text("More details").click()
    form.get_by_label("Vendor (optional)", exact=True).fill("Moto Schmid")
    form.get_by_role("button", name="Save expense", exact=True).click()
    settle()
    expect(alerts.filter(has_text="Amount must be at least 0 EUR")).to_be_visible()
    expect(amount).to_have_value("-5")  # kept as typed
    assert _stored(user.id) == []

    amount.fill("226.90")
    form.get_by_role("button", name="Save expense", exact=True).click()
    settle()
    expect(alerts.filter(has_text="Saved")).to_be_visible()
    [saved] = _stored(user.id)
    assert (saved.category, saved.amount, saved.description, saved.vendor) == (
        "service",
        Decimal("226.90"),
        "Spring service",
        "Moto Schmid",
    )
    assert saved.vehicle_id == bike.id
    expect(main.get_by_text("1 expense in all · 226.90 EUR paid")).to_be_visible()
