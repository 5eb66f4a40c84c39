"""The second wall: row-level security binds the app's role even when a query forgets its
user filter (raw SQL here, on purpose)."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from fueltracker.db import APP_ROLE, make_engine, scope_to_user, scope_to_username
from fueltracker.schemas import ExpenseCreate
from fueltracker.services import expenses
from tests.factories import TODAY, add, fillup, make_user, make_vehicle


@pytest.fixture
def two_users(db_session):
    alice, bob = make_user(db_session, "alice"), make_user(db_session, "bob")
    golf = make_vehicle(db_session, alice, "Golf")
    add(db_session, alice, fillup(golf, "2024-01-01", "1000", "40", "70"))
    expenses.create_expense(
        db_session,
        alice.id,
        ExpenseCreate(
            vehicle_id=golf.id,
            date=dt.date(2024, 1, 2),
            category="service",
            amount=Decimal("250"),
            description="Oil change",
        ),
        today=TODAY,
    )
    make_vehicle(db_session, bob, "Bike")
    return alice, bob, golf


def _count(session, table, where="true", **params):
    return session.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"), params)


def test_app_role_is_neither_superuser_nor_owner(db_session):
    role = db_session.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert db_session.scalar(text("SELECT current_user")) == APP_ROLE
    assert (role.rolsuper, role.rolbypassrls) == (False, False)
    owners = set(
        db_session.scalars(
            text(
                "SELECT tableowner FROM pg_tables WHERE tablename IN "
                "('users', 'vehicles', 'fuel_entries', 'expenses')"
            )
        )
    )
    assert APP_ROLE not in owners


def test_nothing_visible_without_a_user(db_session, two_users):
    db_session.execute(text("SELECT set_config('app.user_id', '', true)"))
    db_session.execute(text("SELECT set_config('app.login_username', '', true)"))
    for table in ("users", "vehicles", "fuel_entries", "expenses"):
        assert _count(db_session, table) == 0, table


def test_raw_sql_as_bob_sees_and_changes_nothing_of_alice(db_session, two_users):
    alice, bob, golf = two_users
    scope_to_user(db_session, bob.id)
    assert _count(db_session, "vehicles", "user_id = :a", a=alice.id) == 0
    assert _count(db_session, "fuel_entries") == 0
    assert _count(db_session, "users") == 1  # himself
    assert (
        db_session.execute(
            text("UPDATE vehicles SET name = 'mine' WHERE id = :v"), {"v": golf.id}
        ).rowcount
        == 0
    )
    assert (
        db_session.execute(
            text("DELETE FROM fuel_entries WHERE user_id = :a"), {"a": alice.id}
        ).rowcount
        == 0
    )
    assert _count(db_session, "expenses") == 0
    assert (
        db_session.execute(
            text("UPDATE expenses SET amount = 0 WHERE user_id = :a"), {"a": alice.id}
        ).rowcount
        == 0
    )
    assert (
        db_session.execute(
            text("DELETE FROM expenses WHERE user_id = :a"), {"a": alice.id}
        ).rowcount
        == 0
    )
    assert (
        db_session.execute(
            text("UPDATE users SET display_name = 'x' WHERE id = :a"), {"a": alice.id}
        ).rowcount
        == 0
    )
    with pytest.raises(ProgrammingError, match="row-level security"):
        with db_session.begin_nested():
            db_session.execute(
                text("INSERT INTO vehicles (user_id, name) VALUES (:a, 'Sneaky')"), {"a": alice.id}
            )
    with pytest.raises(ProgrammingError, match="row-level security"):
        with db_session.begin_nested():
            db_session.execute(
                text(
                    "INSERT INTO expenses (user_id, vehicle_id, date, category, amount, "
                    "description) VALUES (:a, :v, '2024-01-03', 'fines', 1, 'Sneaky')"
                ),
                {"a": alice.id, "v": golf.id},
            )
    scope_to_user(db_session, alice.id)
    assert _count(db_session, "fuel_entries") == 1
    assert _count(db_session, "expenses") == 1
    assert _count(db_session, "vehicles", "name = 'Golf'") == 1


def test_sign_in_scope_shows_only_the_named_account(db_session, two_users):
    db_session.execute(text("SELECT set_config('app.user_id', '', true)"))
    scope_to_username(db_session, "ALICE ")
    assert list(db_session.scalars(text("SELECT username FROM users"))) == ["alice"]
    assert _count(db_session, "vehicles") == 0


def test_pooled_connection_carries_nothing_over(database_url):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)  # one reused connection
    try:
        with Session(engine) as session, session.begin():
            user = make_user(session, "pool-user-" + database_url[-6:].replace("/", ""))
            scope_to_user(session, user.id)
            assert session.scalar(text("SELECT current_setting('app.user_id')")) == str(user.id)
            backend = session.scalar(text("SELECT pg_backend_pid()"))
            session.rollback()
        with Session(engine) as session, session.begin():
            assert session.scalar(text("SELECT pg_backend_pid()")) == backend
            assert session.scalar(text("SELECT current_user")) == APP_ROLE
            assert (
                session.scalar(text("SELECT coalesce(current_setting('app.user_id', true), '')"))
                == ""
            )
            assert _count(session, "users") == 0
    finally:
        engine.dispose()


def test_owner_connection_for_migrations_is_not_bound(database_url):
    owner = create_engine(database_url)
    try:
        with owner.connect() as connection:
            assert connection.scalar(text("SELECT current_user")) != APP_ROLE
    finally:
        owner.dispose()


def test_every_table_with_user_rows_forces_row_level_security(db_session):
    """A table holding a user's rows (a user_id column) is bound by its policy even for its
    owner: enabled and FORCED, with a policy (expenses and every table to come)."""
    tables = set(
        db_session.scalars(
            text(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'user_id'"
            )
        )
    )
    assert {"vehicles", "fuel_entries", "import_mappings", "expenses"} <= tables
    for table in tables:
        row = db_session.execute(
            text(
                "SELECT relrowsecurity, relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS policies "
                "FROM pg_class c WHERE relname = :t AND relnamespace = 'public'::regnamespace"
            ),
            {"t": table},
        ).one()
        assert (row.relrowsecurity, row.relforcerowsecurity) == (True, True), table
        assert row.policies >= 1, table
