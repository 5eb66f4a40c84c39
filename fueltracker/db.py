"""Database plumbing: declarative base with a naming convention, engine and session factory.

Callers own the session (SQLAlchemy 2 style): services receive a `Session` and never commit
on their own; the UI glue and the CLI open one transaction per use case with `session_scope`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from fueltracker.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model; constraint names follow NAMING_CONVENTION for stable migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_url() -> str:
    """The configured PostgreSQL URL, or the embedded server's (started on first use)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from fueltracker.embedded import embedded_database_url

    return embedded_database_url(settings.data_dir)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """One pooled engine per URL for the whole process; parameters never appear in logs."""
    return create_engine(
        url or database_url(),
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
    )


@lru_cache(maxsize=4)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on error."""
    factory = _session_factory(engine or get_engine())
    with factory() as session, session.begin():
        yield session
