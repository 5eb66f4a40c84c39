"""Screenshots of every Fuel Tracker page, for reviewing the layout.

Signs in to a running app and saves full-page PNGs of Dashboard, Log fill-up, History and
Vehicles at 1440x900, plus Log fill-up at a phone viewport (390x844):

    python scripts/screenshot.py --url http://127.0.0.1:8501 --user demo \\
        --password demo-fueltracker --out test-artifacts/

The browser is Debian's Chromium (/usr/bin/chromium) driven by Playwright's sync API,
headless, with a fresh throwaway profile; no browser is ever downloaded.

Streamlit scrolls inside its own container, not the document, so a plain full-page
screenshot would stop at the viewport: each shot grows the viewport to the height of the
content first.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

# Run as `python scripts/screenshot.py`: make the project importable for the shared helpers.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.browser import CHROMIUM, Settle, launch

DESKTOP: ViewportSize = {"width": 1440, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
# (sidebar link, page title, file name)
PAGES = (
    ("Dashboard", "Dashboard", "dashboard"),
    ("Log fill-up", "Log a fill-up", "log-fillup"),
    ("History", "History", "history"),
    ("Vehicles", "Vehicles", "vehicles"),
)
MAX_HEIGHT = 8000


def sign_in(page: Page, settle: Settle, url: str, user: str, password: str) -> None:
    """Open the app and sign in with the "Sign in" tab."""
    page.goto(url)
    expect(page.get_by_role("tab", name="Sign in", exact=True)).to_be_visible()
    settle()
    form = page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name="Sign in", exact=True)
    )
    form.get_by_label("Username", exact=True).fill(user)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in", exact=True).click()
    error = page.get_by_text("Wrong username or password.")
    expect(page.get_by_test_id("stSidebarNav").or_(error)).to_be_visible()
    if error.is_visible():
        raise SystemExit(f"error: could not sign in as {user!r}: wrong username or password")
    settle()


def wait_for_content(page: Page) -> None:
    """Charts and tables draw after the script run: wait for them to be painted."""
    for selector in (
        '[data-testid="stPlotlyChart"] .main-svg',
        '[data-testid="stDataFrame"] canvas',
    ):
        for element in page.locator(selector).all():
            expect(element).to_be_visible()
    page.wait_for_timeout(500)  # plotly's and the grid's own transitions


def full_page_shot(page: Page, path: Path, viewport: ViewportSize) -> None:
    """A screenshot of the whole scrolled content at this viewport width."""
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)
    # The bottom of the page's content (with its padding), however the main pane is scrolled.
    height = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const block = document.querySelector('[data-testid="stMainBlockContainer"]');
        if (!main || !block) return document.documentElement.scrollHeight;
        return Math.ceil(block.getBoundingClientRect().bottom + main.scrollTop);
    }""")
    page.set_viewport_size(
        {
            "width": viewport["width"],
            "height": min(max(viewport["height"], int(height)), MAX_HEIGHT),
        }
    )
    page.wait_for_timeout(500)  # let charts and tables resize to the new viewport
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    print(f"saved {path}")


def go_to(page: Page, settle: Settle, link: str, title: str) -> None:
    """Open a page through its sidebar link and wait until it is drawn."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    settle()
    wait_for_content(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501", help="base URL of the app")
    parser.add_argument("--user", required=True, help="username to sign in with")
    parser.add_argument("--password", required=True, help="password of that user")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("test-artifacts"),
        help="folder for the PNG files (created if missing)",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: Chromium not found at {CHROMIUM}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    url = args.url.rstrip("/")

    profile = tempfile.mkdtemp(prefix="ft-screenshot-chromium-")
    try:
        with sync_playwright() as playwright:
            context = launch(playwright, profile, DESKTOP)
            context.set_default_timeout(20_000)
            try:
                page = context.pages[0] if context.pages else context.new_page()
                settle = Settle(page)
                sign_in(page, settle, url, args.user, args.password)
                for link, title, name in PAGES:
                    go_to(page, settle, link, title)
                    full_page_shot(page, args.out / f"{name}.png", DESKTOP)

                # The phone shot: the same session in a narrow viewport (the sidebar
                # collapses by itself below Streamlit's mobile breakpoint).
                go_to(page, settle, "Log fill-up", "Log a fill-up")
                page.set_viewport_size(PHONE)
                settle()
                full_page_shot(page, args.out / "log-fillup-phone.png", PHONE)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
