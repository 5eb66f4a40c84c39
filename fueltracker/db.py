"""Database plumbing: declarative base with a naming convention, engine and session factory.

Callers own the session (SQLAlchemy 2 style): services receive a `Session` and never commit
on their own; the UI glue and the CLI open one transaction per use case with `session_scope`.
A database that cannot be reached leaves `session_scope` as errors.DatabaseUnavailable, so no
layer above this one needs the driver's exception types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, wraps
from typing import Concatenate, ParamSpec, TypeVar

import psycopg
from sqlalchemy import MetaData, create_engine, event, func, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from fueltracker.config import get_settings
from fueltracker.errors import DatabaseUnavailable, PasswordRejected

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


APP_ROLE = "fueltracker_app"


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine of a URL (default: the configured or embedded database),
    pooled as configured (FUELTRACKER_DB_POOL_SIZE, FUELTRACKER_DB_MAX_OVERFLOW)."""
    settings = get_settings()
    return make_engine(
        url or database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10) -> Engine:
    """A pooled engine working as APP_ROLE (bound by row-level security); parameters never
    appear in logs."""
    engine = create_engine(
        url,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )

    @event.listens_for(engine, "connect")
    def _work_as_app_role(dbapi_connection, _record) -> None:
        # Owners and superusers bypass row-level security; the app must be neither.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")
        dbapi_connection.commit()

    return engine


def scope_to_user(session: Session, user_id: int) -> None:
    """Let this transaction see only `user_id`'s rows (row-level security, see migration
    0004). Local to the transaction: a pooled connection carries nothing to the next one."""
    session.execute(select(func.set_config("app.user_id", str(int(user_id)), True)))


def scope_to_username(session: Session, username: str) -> None:
    """Let this transaction see the one account named `username` (sign-in, registration)."""
    session.execute(select(func.set_config("app.login_username", username.strip().lower(), True)))


P = ParamSpec("P")
R = TypeVar("R")


def user_scoped(
    service: Callable[Concatenate[Session, int, P], R],
) -> Callable[Concatenate[Session, int, P], R]:
    """Decorate a service `(session, user_id, ...)`: its transaction sees that user's rows."""

    @wraps(service)
    def scoped(session: Session, user_id: int, *args: P.args, **kwargs: P.kwargs) -> R:
        scope_to_user(session, user_id)
        return service(session, user_id, *args, **kwargs)

    return scoped


@lru_cache(maxsize=4)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# SQLSTATEs of a server that went away: connection exceptions (class 08), and the
# server shutting down or still starting (57P01-57P03). Other operational errors (a
# cancelled query, a serialization failure) are bugs or contention, not an outage.
_SERVER_GONE = frozenset({"57P01", "57P02", "57P03"})


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the database cannot be reached: no
    connection could be made, or the one in use broke."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError):
            if current.connection_invalidated:
                return True
            if current.orig is not None and database_unavailable(current.orig):
                return True
        if isinstance(current, psycopg.OperationalError | psycopg.InterfaceError):
            state = current.sqlstate
            if state is None or state.startswith("08") or state in _SERVER_GONE:
                return True
        current = current.__cause__ or current.__context__
    return False


def _cause(exc: BaseException) -> str:
    # One line for the log: the driver's first line, not the statement SQLAlchemy appends.
    orig = getattr(exc, "orig", None) or exc
    first_line = (str(orig).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first_line}"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on error,
    except PasswordRejected, committed first: the failed attempt it recorded must count.

    Whatever says the database cannot be reached (database_unavailable) — raised by the
    block, the commit or the rollback — leaves as DatabaseUnavailable, the driver's error
    as its cause; every other exception passes unchanged."""
    factory = _session_factory(engine or get_engine())
    try:
        with factory() as session:
            transaction = session.begin()
            try:
                yield session
            except PasswordRejected:
                transaction.commit()
                raise
            except BaseException:
                transaction.rollback()
                raise
            transaction.commit()
    except DatabaseUnavailable:
        raise  # a session opened inside this block met the outage first
    except Exception as exc:
        if database_unavailable(exc):
            raise DatabaseUnavailable(_cause(exc)) from exc
        raise
