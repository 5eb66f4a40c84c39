"""Sign-out that holds across reloads and copied cookies, and an account deleted for good."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from scripts.browser import Settle
from tests.e2e.test_journey import PASSWORD, assert_signed_in, go_to, register, sign_in

pytestmark = pytest.mark.e2e

COOKIE = "fueltracker_auth"


def _signed_out(page: Page) -> None:
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_sign_out_survives_reload_and_kills_copied_cookie(
    page: Page, app_server: str, unique_name: str
) -> None:
    username = f"out_{unique_name}"
    settle = Settle(page)
    page.goto(app_server)
    settle()
    register(page, username, PASSWORD)
    assert_signed_in(page, username)
    settle()
    page.reload()  # the re-auth cookie signs the new page load in
    assert_signed_in(page, username)
    settle()
    [cookie] = [c for c in page.context.cookies() if c["name"] == COOKIE]

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    _signed_out(page)
    settle()
    page.reload()
    _signed_out(page)
    # A copy of the old cookie (as a thief would replay it) opens nothing either.
    page.context.add_cookies([cookie])
    page.reload()
    _signed_out(page)
    settle()
    # A fresh sign-in still works.
    sign_in(page, username, PASSWORD)
    assert_signed_in(page, username)


def test_deleted_account_cannot_sign_in(page: Page, app_server: str, unique_name: str) -> None:
    username = f"del_{unique_name}"
    settle = Settle(page)
    page.goto(app_server)
    settle()
    register(page, username, PASSWORD)
    assert_signed_in(page, username)
    settle()
    go_to(page, settle, "Account", "Account")
    page.get_by_role("tab", name="Your data", exact=True).click()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name=re.compile(r"Delete my account$"))
    )
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label(re.compile(r"^Type your username")).fill(username)
    form.get_by_role("button", name=re.compile(r"Delete my account$")).click()
    _signed_out(page)
    settle()
    page.reload()
    _signed_out(page)
    settle()
    sign_in(page, username, PASSWORD)
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
