"""What the user sees is what is saved, typed into the real widgets (issue 12, item 1).

With min_value / max_value on a number or date input, the browser refuses an out-of-range
value (red field) and keeps sending the last accepted one: Save then stored the earlier
10 gal although the field showed -5, and a fill-up under the earlier date although the
field showed a future one. Here the value the field shows reaches the checks, which name
the field and the bound, and nothing is saved (checked in the database).
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Locator, Page, expect

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.services import history
from scripts.browser import Settle
from tests.e2e.test_journey import sign_in
from tests.factories import PASSWORD, make_user, make_vehicle

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def _stored(user_id: int) -> list:
    with session_scope() as session:
        return history.list_fillups(session, user_id).rows


def _number(main: Locator, label: str) -> Locator:
    return main.locator(f'input[type="number"][aria-label="{label}"]')


def _type(field: Locator, text: str, settle: Settle) -> None:
    """Type into a number field and leave it: the browser commits its value on blur."""
    field.fill(text)
    field.press("Tab")
    settle()


def test_a_refused_volume_or_date_is_never_swapped_for_the_previous_one(
    page: Page, app_server: str, unique_name: str
) -> None:
    with session_scope() as session:
        user = make_user(
            session,
            f"bounds_{unique_name}",
            distance_unit="mi",
            volume_unit="gal_us",
            consumption_unit="mpg_us",
        )
        make_vehicle(session, user, "Civic")
    settle = Settle(page)
    page.goto(f"{app_server}/log")
    settle()
    sign_in(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name="Log a fill-up", level=1)).to_be_visible()
    settle()
    main = page.get_by_test_id("stMain")
    alerts = main.get_by_test_id("stAlert")

    _type(_number(main, "Odometer (mi)"), "26800", settle)
    volume = _number(main, "Volume (US gal)")
    _type(volume, "10", settle)
    _type(_number(main, "Total paid (USD)"), "30", settle)
    expect(main.get_by_text("from volume and total")).to_be_visible()  # 10 gal was accepted

    _type(volume, "-5", settle)
    expect(alerts.filter(has_text="Volume must be more than 0 US gal")).to_be_visible()
    main.get_by_role("button", name="Save fill-up", exact=True).click()
    settle()
    expect(alerts.filter(has_text="Volume must be more than 0 US gal")).to_be_visible()
    expect(alerts.filter(has_text="Saved.")).to_have_count(0)
    expect(volume).to_have_value("-5")  # the field still shows what the user typed
    assert _stored(user.id) == []  # the earlier 10 gal was not saved in its place

    _type(volume, "10", settle)
    expect(alerts).to_have_count(0)
    today = local_today(user.timezone)
    later = today + dt.timedelta(days=23)
    # The date field is typed segment by segment (year, month, day); it commits its value
    # when the focus leaves it.
    main.get_by_role("spinbutton", name="year, Date", exact=True).click()
    page.keyboard.type(later.strftime("%Y%m%d"))
    _number(main, "Odometer (mi)").click()
    settle()
    message = f"Date {later.isoformat()} is in the future (today is {today.isoformat()})"
    expect(alerts.filter(has_text=message)).to_be_visible()
    main.get_by_role("button", name="Save fill-up", exact=True).click()
    settle()
    expect(alerts.filter(has_text=message)).to_be_visible()
    expect(alerts.filter(has_text="Saved.")).to_have_count(0)
    assert _stored(user.id) == []  # nothing under the previous date either


def test_the_more_details_section_stays_open_on_a_phone(
    page: Page, app_server: str, unique_name: str
) -> None:
    """Issue 12, item 10: on a phone the "Station, brand, grade, notes" section closed
    itself when a number field lost focus (the worked-out line above it moved it)."""
    with session_scope() as session:
        user = make_user(session, f"expander_{unique_name}")
        make_vehicle(session, user, "Bike")
    page.set_viewport_size(PHONE)
    settle = Settle(page)
    page.goto(f"{app_server}/log")
    settle()
    sign_in(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name="Log a fill-up", level=1)).to_be_visible()
    settle()
    main = page.get_by_test_id("stMain")
    main.get_by_text("Station, brand, grade, notes").click()
    settle()
    notes = main.get_by_label("Notes", exact=True)
    expect(notes).to_be_visible()
    _type(_number(main, "Volume (L)"), "14.2", settle)
    _type(_number(main, "Total paid (USD)"), "25.70", settle)
    expect(main.get_by_text("from volume and total")).to_be_visible()
    expect(notes).to_be_visible()  # still open after the reruns


def test_password_change_confirmation_stays_readable(
    page: Page, app_server: str, unique_name: str
) -> None:
    """Issue 12, item 7: the confirmation of a password change never appeared (the cookie
    component's reruns swallowed the one-run message). It shows, and is still there once
    the page has settled."""
    with session_scope() as session:
        user = make_user(session, f"pw_{unique_name}")
    settle = Settle(page)
    page.goto(f"{app_server}/account")
    settle()
    sign_in(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    settle()
    page.get_by_role("tab", name="Password", exact=True).click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Change password", exact=True)
    )
    form.get_by_label("Current password", exact=True).fill(PASSWORD)
    form.get_by_label("New password", exact=True).fill("another long secret 1")
    form.get_by_label("Repeat new password", exact=True).fill("another long secret 1")
    form.get_by_role("button", name="Change password", exact=True).click()
    confirmation = page.get_by_test_id("stAlert").filter(has_text="Password changed at ")
    expect(confirmation).to_be_visible()
    settle()  # the cookie component's reports and their reruns are over
    page.wait_for_timeout(1000)
    expect(confirmation).to_be_visible()
    expect(confirmation).to_contain_text(
        "Every other browser signed in to this account is signed out"
    )
