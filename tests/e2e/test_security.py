"""Issue 13 in a real browser against a real server: an open tab whose session was ended
by the admin's reset-password saves nothing (the Save click is a fragment rerun, which
never passes app.py's gate) and lands on the sign-in page saying why; sign-out and account
deletion say what happened; a vehicle name typed as markup shows as text; and the server's
stdout holds JSON lines only (the cookie library printed the cookie's name there).
Screenshots of the messages land in test-artifacts/ to be looked at."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from fueltracker.db import scope_to_user, session_scope
from fueltracker.models import FuelEntry
from fueltracker.services import users
from fueltracker.ui import context
from scripts.browser import Settle
from tests.e2e.conftest import ARTIFACTS, serve
from tests.e2e.test_journey import (
    PASSWORD,
    assert_signed_in,
    form_with_button,
    go_to,
    register,
    sign_in,
)

pytestmark = pytest.mark.e2e

LOG_NAME = "e2e-security-streamlit.log"
MARKUP_NAME = "<img src=x onerror=alert(1)> **bold** [link](http://evil.example/x)"
NEW_PASSWORD = "the admin chose this one"


def _fillups(username: str) -> int:
    with session_scope() as session:
        user_id = users.find_user_id(session, username)
        scope_to_user(session, user_id)
        return session.scalar(select(func.count()).select_from(FuelEntry))


def _visible(locator) -> str:
    """The text the user reads (ui.text.plain adds invisible word joiners)."""
    return locator.inner_text().replace("\u2060", "")


def _shot(page: Page, name: str) -> None:
    """What the user sees, on a desktop and on a phone (to look at, in test-artifacts/)."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for suffix, size in (
        ("", {"width": 1400, "height": 900}),
        ("-phone", {"width": 390, "height": 844}),
    ):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the layout follows the new width
        page.screenshot(path=str(ARTIFACTS / name.replace(".png", f"{suffix}.png")), full_page=True)
    page.set_viewport_size(before)


def test_session_end_messages_markup_and_json_stdout(
    page: Page, database_url: str, unique_name: str, monkeypatch
) -> None:
    username = f"sec_{unique_name}"
    monkeypatch.delenv("FUELTRACKER_LOG_FORMAT", raising=False)  # auto: JSON to a file
    with serve(database_url, LOG_NAME) as base_url:
        settle = Settle(page)
        page.goto(base_url)
        settle()
        register(page, username, PASSWORD)
        assert_signed_in(page, username)
        settle()

        # A vehicle named as markup: its duplicate-name error shows the characters.
        go_to(page, settle, "Vehicles", "Vehicles")
        form = form_with_button(page, "Save vehicle")
        form.get_by_label("Name", exact=True).fill(MARKUP_NAME)
        form.get_by_role("button", name="Save vehicle", exact=True).click()
        expect(page.get_by_test_id("stAlert").filter(has_text="Added")).to_be_visible()
        settle()
        # The same name again; the "Add a vehicle" expander closed once there was a vehicle.
        page.get_by_test_id("stExpander").filter(has_text="Add a vehicle").click()
        form.get_by_label("Name", exact=True).fill(MARKUP_NAME)
        duplicate = page.get_by_test_id("stAlert").filter(has_text="already have a vehicle")
        for _ in range(2):  # a click can be lost to the cookie component's late first rerun
            form.get_by_role("button", name="Save vehicle", exact=True).click()
            settle()
            if duplicate.count():
                break
        added = page.get_by_test_id("stExpander").locator("summary").filter(has_text="onerror")
        assert MARKUP_NAME in _visible(added)
        assert added.locator("img, strong, a").count() == 0
        error = page.get_by_test_id("stAlert").filter(has_text="already have a vehicle")
        expect(error).to_be_visible()
        assert MARKUP_NAME in _visible(error)
        assert error.locator("img, strong, a").count() == 0
        assert page.get_by_test_id("stMain").locator('img[src="x"]').count() == 0
        _shot(page, "security-vehicle-markup-name.png")

        # An open Log fill-up tab with values typed; the admin resets the password.
        go_to(page, settle, "Log fill-up", "Log a fill-up")
        main = page.get_by_test_id("stMain")
        for label, value in (
            ("Odometer (km)", "12500"),
            ("Volume (L)", "38"),
            ("Total paid (USD)", "66.50"),
        ):
            main.locator(f'input[type="number"][aria-label="{label}"]').fill(value)
        main.locator('input[type="number"][aria-label="Total paid (USD)"]').press("Tab")
        settle()
        reset = subprocess.run(
            [sys.executable, "-m", "fueltracker", "reset-password", username, "--password-stdin"],
            input=NEW_PASSWORD + "\n",
            text=True,
            capture_output=True,
            timeout=120,
        )
        assert reset.returncode == 0, reset.stderr
        main.get_by_role("button", name="Save fill-up", exact=True).click()
        expect(page.get_by_text(context.REVOKED)).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        settle()
        _shot(page, "security-signed-out-elsewhere.png")
        assert _fillups(username) == 0  # what was typed was not saved

        # Sign in with the new password, sign out: the page says so.
        sign_in(page, username, NEW_PASSWORD)
        assert_signed_in(page, username)
        expect(page.get_by_text(context.REVOKED)).to_have_count(0)
        settle()
        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        expect(page.get_by_text(context.SIGNED_OUT, exact=True)).to_be_visible()
        settle()
        _shot(page, "security-signed-out.png")

        # Delete the account: the page says what went.
        sign_in(page, username, NEW_PASSWORD)
        assert_signed_in(page, username)
        settle()
        go_to(page, settle, "Account", "Account")
        page.get_by_role("tab", name="Your data", exact=True).click()
        form = page.get_by_test_id("stForm").filter(
            has=page.get_by_role("button", name=re.compile(r"Delete my account$"))
        )
        form.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        form.get_by_label(re.compile(r"^Type your username")).fill(username)
        form.get_by_role("button", name=re.compile(r"Delete my account$")).click()
        expect(page.get_by_text(context.ACCOUNT_DELETED)).to_be_visible()
        settle()
        _shot(page, "security-account-deleted.png")

    lines = [line for line in (ARTIFACTS / LOG_NAME).read_text().splitlines() if line.strip()]
    first = next(n for n, line in enumerate(lines) if line.startswith("{"))
    stray = [line for line in lines[first:] if line.strip() != "Stopping..." and not _is_json(line)]
    assert stray == []  # e.g. 'fueltracker_auth', printed by the cookie library
    assert PASSWORD not in "\n".join(lines) and NEW_PASSWORD not in "\n".join(lines)


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True
