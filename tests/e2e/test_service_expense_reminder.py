"""The issue's path in the real browser: an overdue reminder on the Dashboard, a service
expense logged on the Expenses page, the offer under it marks the reminder done with the
expense's date, and the Dashboard's reminder block is gone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.schemas import ReminderCreate
from fueltracker.services import expenses, fillups, reminders
from scripts.browser import Settle
from tests.e2e.test_journey import sign_in
from tests.factories import PASSWORD, fillup, make_user, make_vehicle

pytestmark = pytest.mark.e2e


def test_a_service_expense_marks_the_dashboards_reminder_done(
    page: Page, app_server: str, unique_name: str
) -> None:
    today = local_today("UTC")
    with session_scope() as session:
        user = make_user(session, f"svc_{unique_name}", currency="EUR")
        golf = make_vehicle(session, user, "Golf")
        day = (today - dt.timedelta(days=10)).isoformat()
        fillups.create_fillup(session, user.id, fillup(golf, day, "43000", "40", "70"), today=today)
        oil = reminders.create_reminder(
            session,
            user.id,
            ReminderCreate(
                vehicle_id=golf.id,
                title="Oil change",
                interval_months=12,
                last_done_on=today - dt.timedelta(days=400),
            ),
            today=today,
        )
    settle = Settle(page)
    page.goto(app_server)
    settle()
    sign_in(page, user.username, PASSWORD)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator(".st-key-dashboard_reminders")).to_contain_text("Oil change")

    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Expenses", exact=True).click()
    expect(main.get_by_role("heading", name="Expenses", level=1)).to_be_visible()
    settle()
    form = main.get_by_test_id("stForm")
    form.get_by_label("Category", exact=True).click()
    page.get_by_role("option", name="Service", exact=True).click()
    form.locator('input[type="number"][aria-label="Amount (EUR)"]').fill("120")
    form.get_by_label("Description", exact=True).fill("Oil and filter")
    form.get_by_role("button", name="Save expense", exact=True).click()
    settle()
    offer = page.locator(".st-key-mark_done_offer")
    expect(offer).to_contain_text("Oil change")
    offer.get_by_role("button", name="Mark done", exact=True).click()
    settle()
    expect(main.get_by_test_id("stAlert").filter(has_text="Marked Oil change done")).to_be_visible()
    expect(offer).to_have_count(0)

    nav.get_by_role("link", name="Dashboard", exact=True).click()
    expect(main.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    settle()
    expect(page.locator(".st-key-dashboard_reminders")).to_have_count(0)
    with session_scope() as session:
        [expense] = expenses.list_expenses(session, user.id)
        done = reminders.get_reminder(session, user.id, oil.id)
    assert (expense.category, expense.date) == ("service", today)
    assert done.last_done_on == expense.date
