"""The app image's steps replayed without Docker (scripts/replay_image.py): a fresh venv with
requirements.txt only, exactly the files the Dockerfile copies, its ENV, then its CMD against
a brand-new database (migrations from scratch) until its HEALTHCHECK passes and `/` is served.
What this cannot exercise is listed in docs/deploy.md."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from fueltracker.migrate import alembic_config
from scripts.replay_image import replay

# This helper's port range (18600-18649); nothing else serves here during the tests.
REPLAY_PORT = 18601


@pytest.fixture
def fresh_database_url(database_url: str) -> Iterator[str]:
    """An empty database on the test server (no schema yet), dropped afterwards."""
    url = make_url(database_url)
    name = f"ft_image_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_replayed_image_migrates_an_empty_database_and_serves(fresh_database_url):
    report = replay(fresh_database_url, REPLAY_PORT)

    engine = create_engine(fresh_database_url)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")
                                          ).scalar_one()
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"users", "vehicles", "fuel_entries"} <= tables

    assert report.base_image == "python:3.11-slim"
    assert {"app.py", "pages", "fueltracker", ".streamlit"} <= set(report.copied)
    assert "/opt/venv (from builder)" in report.copied
    # Every app module imported in the runtime venv (which has no test package: checked
    # inside the replay), the healthcheck passed and the start page came back.
    assert report.modules_imported >= 40
    assert report.healthy_after_s > 0 and report.page_bytes > 1000
    assert "Database schema is up to date." in report.server_log_tail
    assert any(step.startswith("USER ") for step in report.skipped)
