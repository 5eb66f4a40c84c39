"""A tab whose server process went away and came back (a restart; behind the sticky proxy,
a replica lost and the tab moved to another: docs/deploy.md) redraws its page from a new
server session at once: still signed in, and the first click on the sidebar's download
gives the file (before fueltracker/ui/reconnect.py it gave nothing: the tab asked with its
old session id, which the new process refuses)."""

from __future__ import annotations

import csv
import io
import re
import socket
import time

import pytest
from playwright.sync_api import Page, expect

from scripts.browser import Settle
from tests.e2e.conftest import serve
from tests.e2e.test_journey import PASSWORD, assert_signed_in, go_to, register

pytestmark = pytest.mark.e2e

RECONNECT_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_restarted_server_redraws_page_and_first_download_works(
    page: Page, database_url: str, unique_name: str
) -> None:
    username = f"e2e_{unique_name}"
    settle = Settle(page)
    opened: list[float] = []  # when the page opened each websocket
    page.on("websocket", lambda _ws: opened.append(time.monotonic()))
    port = _free_port()

    with serve(database_url, "e2e-reconnect-first.log", port=port) as base_url:
        page.goto(base_url)
        expect(page.get_by_role("tab", name="Create account", exact=True)).to_be_visible()
        settle()
        register(page, username, PASSWORD)
        assert_signed_in(page, username)
        settle()
        go_to(page, settle, "History", "History")
    stopped_at = time.monotonic()

    # The same address served by a new process: the tab reconnects by itself.
    with serve(database_url, "e2e-reconnect-second.log", port=port):
        deadline = time.monotonic() + RECONNECT_TIMEOUT_S
        while not any(at > stopped_at for at in opened):
            assert time.monotonic() < deadline, "the tab did not reconnect"
            page.wait_for_timeout(100)
        settle()
        expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
        assert_signed_in(page, username)  # the re-auth cookie, nobody typed the password

        with page.expect_download(timeout=15_000) as download_info:
            page.get_by_test_id("stSidebar").get_by_role(
                "button", name=re.compile("Download all fill-ups")
            ).click()
        download = download_info.value
        assert download.suggested_filename.startswith(f"fueltracker-{username}-")
        header = next(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
        assert "odometer_km" in header, header
