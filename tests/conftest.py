"""Shared fixtures: a throwaway PostgreSQL for the whole run (started lazily, only by tests
that need a database, and always stopped), and per-test transactions rolled back at the end.

Set FUELTRACKER_TEST_DATABASE_URL to use an existing server instead (a database the tests
may fill and empty).
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fueltracker.db import APP_ROLE

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of a migrated, empty database for this test run; the app is pointed at it too."""
    from fueltracker import config, db
    from fueltracker.embedded import ensure_database, start_server
    from fueltracker.migrate import upgrade_to_head

    url = os.environ.get("FUELTRACKER_TEST_DATABASE_URL")
    server = workdir = None
    if not url:
        workdir = Path(tempfile.mkdtemp(prefix="ft-test-pg-"))
        server = start_server(workdir / "pgdata", cleanup_mode="delete")
        url = ensure_database(server, f"fueltracker_test_{os.getpid()}")
    upgrade_to_head(url)
    os.environ["FUELTRACKER_DATABASE_URL"] = url
    os.environ.setdefault("FUELTRACKER_COOKIE_KEY", secrets.token_urlsafe(48))
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        yield url
    finally:
        db.get_engine.cache_clear()
        if server is not None:
            server.cleanup()  # stops the server and deletes its files, pass or fail
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database."""
    test_engine = create_engine(database_url, hide_parameters=True)
    yield test_engine
    test_engine.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test
    (SQLAlchemy's "join a session into an external transaction" recipe), working as the
    app's role, so every service must scope its transaction to its user to see any row."""
    connection = engine.connect()
    outer = connection.begin()
    # Work as the app does: as the role row-level security binds (reset at rollback).
    connection.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def unique_name() -> str:
    """A username no other test uses (for tests that commit, like page and browser tests)."""
    return f"u{uuid.uuid4().hex[:12]}"


@pytest.fixture
def shared_fixtures() -> Path:
    """The folder of real exports from other apps; skips where ../shared is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"real-app fixtures not found at {SHARED_FIXTURES} (../shared is absent)")
    return SHARED_FIXTURES
