"""Accounts against the real database: registration, sign-in check, revocation, revision."""

import datetime as dt

import pytest

from fueltracker.errors import DuplicateError, ValidationError
from fueltracker.schemas import UserCreate, parse
from fueltracker.services import users
from tests.factories import PASSWORD, make_user, preferences_of


def test_register_and_authenticate(db_session):
    user = make_user(db_session, "Alice")
    assert users.authenticate(db_session, "alice", PASSWORD).id == user.id
    assert users.authenticate(db_session, "ALICE", PASSWORD).id == user.id


def test_password_is_hashed_with_bcrypt(db_session):
    from fueltracker.models import User

    user = make_user(db_session, "bob")
    stored = db_session.get(User, user.id).password_hash
    assert stored.startswith("$2") and PASSWORD not in stored


def test_wrong_password_and_unknown_user_look_the_same(db_session):
    make_user(db_session, "carol")
    assert users.authenticate(db_session, "carol", "wrong password here") is None
    assert users.authenticate(db_session, "nobody-here", PASSWORD) is None


def test_username_taken_in_any_case(db_session):
    make_user(db_session, "dave")
    with pytest.raises(DuplicateError) as caught:
        make_user(db_session, "DAVE")
    assert caught.value.field == "username"


def test_password_spaces_are_kept(db_session):
    data = UserCreate(username="erin", display_name="Erin", password="  spaced out pass  ")
    users.register_user(db_session, data)
    assert users.authenticate(db_session, "erin", "  spaced out pass  ") is not None
    assert users.authenticate(db_session, "erin", "spaced out pass") is None


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short", "at least 12"),
        ("x" * 65, "at most 64"),
        ("é" * 40, "at most 72 bytes"),
    ],
)
def test_password_policy(password, reason):
    with pytest.raises(ValidationError) as caught:
        parse(UserCreate, username="frank", display_name="F", password=password)
    assert caught.value.field == "password" and reason in caught.value.reason


def test_revoked_cookie_is_refused(db_session):
    user = make_user(db_session, "gina")
    issued = dt.datetime.now(dt.UTC)
    assert users.session_is_valid(db_session, "gina", issued) == user.id
    before_account = issued - dt.timedelta(days=1)
    assert users.session_is_valid(db_session, "gina", before_account) is None
    users.revoke_sessions(db_session, user.id)
    assert users.session_is_valid(db_session, "gina", issued) is None
    assert users.session_is_valid(db_session, "no-such-user", issued) is None


def test_preferences_are_stored_and_bump_the_revision(db_session):
    user = make_user(db_session, "hank")
    updated = users.set_preferences(
        db_session,
        user.id,
        preferences_of(user, distance_unit="mi", volume_unit="gal_us", timezone="America/Denver"),
    )
    assert (updated.distance_unit, updated.volume_unit, updated.timezone) == (
        "mi",
        "gal_us",
        "America/Denver",
    )
    assert updated.data_revision == user.data_revision + 1
