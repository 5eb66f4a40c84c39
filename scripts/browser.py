"""Browser plumbing shared by the e2e tests (tests/e2e), scripts/screenshot.py and
scripts/load.py: Debian's Chromium launched by Playwright (never a downloaded browser) and a
wait for a settled Streamlit app. Here, beside the scripts, so that no script imports the
test package."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps dialling hosts this machine
# cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(
    playwright: Playwright, profile_dir: Path | str, viewport: ViewportSize, **options
) -> BrowserContext:
    """Headless Chromium on a fresh profile. Playwright refuses `--user-data-dir` in
    launch(), so the profile comes through a persistent context."""
    return playwright.chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=viewport,
        locale="en-US",
        **options,
    )


class Settle:
    """Waits until the app has settled: no script run and a quiet websocket.

    The script state alone is not enough. The re-auth cookie component
    (streamlit-authenticator's CookieManager) reports its value from the browser a few
    hundred milliseconds after it renders, which starts another run; a form submitted just
    before that report can be lost (the report's rerun interrupts the run that carried the
    submit, and the new run no longer has the button's trigger): seen in about half of the
    runs on a freshly started server.
    So every interaction first waits for `data-test-script-state="notRunning"` on stApp and
    for no websocket frame in either direction for QUIET_S.
    """

    QUIET_S = 0.75
    TIMEOUT_S = 20.0

    def __init__(self, page: Page) -> None:
        self.page = page
        self.last_frame = time.monotonic()
        page.on("websocket", self._watch)

    def _watch(self, websocket) -> None:
        websocket.on("framesent", self._touch)
        websocket.on("framereceived", self._touch)

    def _touch(self, _payload: object = None) -> None:
        self.last_frame = time.monotonic()

    def __call__(self) -> None:
        app = self.page.get_by_test_id("stApp")
        deadline = time.monotonic() + self.TIMEOUT_S
        while True:
            state = app.get_attribute("data-test-script-state") if app.count() else None
            if state == "notRunning" and time.monotonic() - self.last_frame >= self.QUIET_S:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the app did not settle within {self.TIMEOUT_S:.0f} s (script state {state!r})"
                )
            # Playwright delivers the websocket events while it waits (not during time.sleep).
            self.page.wait_for_timeout(100)
