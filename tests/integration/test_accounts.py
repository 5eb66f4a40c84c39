"""Accounts that hold: throttled sign-in, password change and reset, account deletion that
leaves nothing behind, and one account for two simultaneous registrations."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from fueltracker.db import APP_ROLE, session_scope
from fueltracker.errors import DuplicateError, ValidationError
from fueltracker.models import LoginAttempt
from fueltracker.schemas import ExpenseCreate, ProfileUpdate, UserCreate
from fueltracker.services import expenses, users
from tests.factories import PASSWORD, TODAY, add, fillup, make_user, make_vehicle


def test_five_failures_block_even_the_right_password(db_session):
    make_user(db_session, "ivan")
    for _ in range(5):
        assert users.sign_in(db_session, "ivan", "wrong password!!").user is None
    blocked = users.sign_in(db_session, "Ivan", PASSWORD)
    assert blocked.user is None and 1 <= blocked.retry_after_minutes <= 15


def test_unknown_usernames_are_throttled_alike(db_session):
    for _ in range(5):
        assert users.sign_in(db_session, "ghost", "whatever password").retry_after_minutes is None
    assert users.sign_in(db_session, "ghost", "whatever password").retry_after_minutes is not None


def test_window_passes_and_success_resets(db_session):
    make_user(db_session, "judy")
    for _ in range(4):
        users.sign_in(db_session, "judy", "wrong password!!")
    assert users.sign_in(db_session, "judy", PASSWORD).user is not None  # 4 < 5: allowed
    for _ in range(4):
        users.sign_in(db_session, "judy", "wrong password!!")
    assert users.sign_in(db_session, "judy", PASSWORD).user is not None  # counted since success
    for _ in range(5):
        users.sign_in(db_session, "judy", "wrong password!!")
    assert users.sign_in(db_session, "judy", PASSWORD).user is None
    # Sixteen minutes later the failures have left the window.
    db_session.execute(
        update(LoginAttempt)
        .where(LoginAttempt.username_key == "judy")
        .values(attempted_at=LoginAttempt.attempted_at - dt.timedelta(minutes=16))
    )
    assert users.sign_in(db_session, "judy", PASSWORD).user is not None


def test_over_long_password_is_a_failure_not_a_crash(db_session):
    make_user(db_session, "kate")
    assert users.sign_in(db_session, "kate", "é" * 200).user is None


def test_change_password_needs_the_current_one_and_revokes_cookies(db_session):
    user = make_user(db_session, "liam")
    issued = dt.datetime.now(dt.UTC)
    with pytest.raises(ValidationError) as caught:
        users.change_password(db_session, user.id, "not my password", "a brand new secret")
    assert caught.value.field == "current_password"
    with pytest.raises(ValidationError) as caught:
        users.change_password(db_session, user.id, PASSWORD, "password1234")
    assert caught.value.field == "new_password" and "most common" in caught.value.reason
    users.change_password(db_session, user.id, PASSWORD, "a brand new secret")
    assert users.authenticate(db_session, "liam", "a brand new secret") is not None
    assert users.authenticate(db_session, "liam", PASSWORD) is None
    assert users.session_is_valid(db_session, "liam", issued) is None
    assert users.session_is_valid(db_session, "liam", dt.datetime.now(dt.UTC)) == user.id


def test_profile_update(db_session):
    user = make_user(db_session, "mia")
    updated = users.update_profile(
        db_session, user.id, ProfileUpdate(display_name="Mia M.", email="mia@example.org")
    )
    assert (updated.display_name, updated.email) == ("Mia M.", "mia@example.org")


def _user_reference_columns(session):
    """Every (table, column) holding a user id, from the catalogue: foreign keys to users."""
    rows = session.execute(
        text("""
        SELECT cl.relname AS table_name, att.attname AS column_name
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
        WHERE con.contype = 'f' AND con.confrelid = 'users'::regclass
    """)
    ).all()
    return {(r.table_name, r.column_name) for r in rows} | {("users", "id")}


def test_delete_account_leaves_no_row_behind(db_session):
    user = make_user(db_session, "nina")
    car = make_vehicle(db_session, user, "Car")
    add(db_session, user, fillup(car, "2024-01-01", "100", "10", "15"))
    expenses.create_expense(
        db_session,
        user.id,
        ExpenseCreate(
            vehicle_id=car.id,
            date=dt.date(2024, 1, 2),
            category="tax",
            amount=Decimal("90"),
            description="Road tax",
        ),
        today=TODAY,
    )
    users.sign_in(db_session, "nina", "wrong password!!")
    with pytest.raises(ValidationError):
        users.delete_account(db_session, user.id, "wrong password!!", "nina")
    with pytest.raises(ValidationError):
        users.delete_account(db_session, user.id, PASSWORD, "Nina?")
    issued = dt.datetime.now(dt.UTC)
    users.delete_account(db_session, user.id, PASSWORD, "nina")
    # Count as the owner: as the app role, row-level security would hide rows anyway.
    db_session.execute(text("RESET ROLE"))
    columns = _user_reference_columns(db_session)
    assert {
        ("vehicles", "user_id"),
        ("fuel_entries", "user_id"),
        ("expenses", "user_id"),
    } <= columns
    for table, column in columns:
        count = db_session.scalar(
            text(f'SELECT count(*) FROM "{table}" WHERE "{column}" = :id'), {"id": user.id}
        )
        assert count == 0, (table, column)
    assert (
        db_session.scalar(text("SELECT count(*) FROM login_attempts WHERE username_key = 'nina'"))
        == 0
    )
    # The name is free again, and the old cookie does not open the new account.
    db_session.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    again = make_user(db_session, "nina")
    assert again.id != user.id
    assert users.session_is_valid(db_session, "nina", issued) is None


def test_two_simultaneous_registrations_make_one_account(database_url, unique_name):
    barrier = threading.Barrier(2)
    outcomes = []

    def register():
        try:
            with session_scope() as session:
                barrier.wait(timeout=10)
                users.register_user(
                    session,
                    UserCreate(username=unique_name, display_name="Twin", password=PASSWORD),
                )
            outcomes.append("created")
        except DuplicateError as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(["created", f"Username '{unique_name}' is already taken"])
