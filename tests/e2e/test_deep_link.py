"""A deep link opened on a server nobody has visited yet goes through the router: the
sign-in form first, then the page that was asked for (not Streamlit's pages/ fallback)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fueltracker.db import session_scope
from scripts.browser import Settle
from tests.e2e.test_journey import assert_signed_in, sign_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.e2e


def test_signed_out_deep_link_signs_in_then_opens_the_page(
    page: Page, fresh_app_server: str, unique_name: str
) -> None:
    with session_scope() as session:
        make_user(session, unique_name)
    settle = Settle(page)
    page.goto(f"{fresh_app_server}/history")
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_text("Please sign in.")).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    settle()
    sign_in(page, unique_name, PASSWORD)
    assert_signed_in(page, unique_name)
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    assert page.url.endswith("/history")
