"""Browser fixtures: the real app served by `streamlit run` on the throwaway test database,
and a headless Debian Chromium driven by Playwright's sync API.

The browser is never downloaded: Playwright launches /usr/bin/chromium (`executable_path`)
with a fresh profile. Playwright refuses a `--user-data-dir` flag in `launch()`, so the fresh
profile comes through `launch_persistent_context(user_data_dir, ...)`, which returns the
context directly (one context per test, hence a fresh profile and no cookies per test).
A failing test leaves a full-page screenshot in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.browser import CHROMIUM, launch

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 10.0
VIEWPORT = {"width": 1440, "height": 900}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().decode().strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _python() -> str:
    venv_python = ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


@contextmanager
def serve(database_url: str, log_name: str, port: int | None = None) -> Iterator[str]:
    """Serve the app the way `make run` does (fueltracker.ui.server) on the test database;
    yields its base URL and stops it afterwards. `port`: a given one (a server restarted
    where its tabs reconnect), else a free one."""
    port = port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    # database_url has put FUELTRACKER_DATABASE_URL and FUELTRACKER_COOKIE_KEY in os.environ.
    env = dict(
        os.environ,
        FUELTRACKER_DATABASE_URL=database_url,
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )
    log_file = tempfile.NamedTemporaryFile(prefix="ft-e2e-streamlit-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            _python(),
            "-m",
            "fueltracker.ui.server",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )

    def server_log() -> str:
        log_file.flush()
        return Path(log_file.name).read_text(errors="replace")

    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _healthy(base_url):
            if process.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {process.returncode} before answering "
                    f"its health check; its log:\n{server_log()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT_S:.0f} s; its log:\n{server_log()}",
                    pytrace=False,
                )
            time.sleep(0.25)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        log_file.close()
        # Keep the log of the run next to the screenshots; the temp copy goes.
        try:
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / log_name).write_text(Path(log_file.name).read_text(errors="replace"))
        except OSError:
            pass
        Path(log_file.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app_server(database_url: str) -> Iterator[str]:
    """Base URL of the app shared by the browser tests of this run."""
    with serve(database_url, "e2e-streamlit.log") as base_url:
        yield base_url


@pytest.fixture
def fresh_app_server(database_url: str) -> Iterator[str]:
    """A server no session has visited yet (first-request behaviour)."""
    with serve(database_url, "e2e-streamlit-fresh.log") as base_url:
        yield base_url


@pytest.fixture(scope="session")
def playwright_instance():
    """The Playwright driver for the run (skips every browser test without Chromium)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need the playwright package"
    )
    # expect()'s own default is 5 s: a fresh server's first page (imports, the first
    # connection) took longer on a busy 2-core machine. Still bounded, never a sleep.
    sync_api.expect.set_options(timeout=15_000)
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance, tmp_path_factory):
    """A fresh Chromium profile (persistent context on an empty tmp dir) for one test."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = launch(
        playwright_instance, profile, VIEWPORT, accept_downloads=True, timezone_id="UTC"
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(browser, request):
    """A page of the fresh profile; a screenshot lands in test-artifacts/ if the test fails."""
    page = browser.pages[0] if browser.pages else browser.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the failure
            print(f"could not save a failure screenshot: {exc}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item (for the failure screenshot above)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
