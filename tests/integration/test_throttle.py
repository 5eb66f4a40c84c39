"""The password-check throttle (issue 13, item 5): brute force stays capped at 100
failures an hour per account, but a stranger's failures cannot lock the owner out of a
client they have signed in from; the current-password checks of a password change and an
account deletion count too; attempts of names no account has are purged like the rest."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, insert, select

from fueltracker.db import session_scope
from fueltracker.errors import PasswordRejected
from fueltracker.models import LoginAttempt
from fueltracker.services import users
from tests.factories import PASSWORD, make_user

OWNER = "203.0.113.7"


def _failures(session, username: str, clients: list[str], minutes_ago: float = 1) -> None:
    """Failed attempts already made (inserted: a bcrypt check per attempt would take
    minutes for a hundred of them)."""
    at = users.clock(session) - dt.timedelta(minutes=minutes_ago)
    session.execute(
        insert(LoginAttempt),
        [
            {"username_key": username, "client_key": client, "succeeded": False, "attempted_at": at}
            for client in clients
        ],
    )


def _count(session, **where) -> int:
    query = select(func.count()).select_from(LoginAttempt)
    for name, value in where.items():
        query = query.where(getattr(LoginAttempt, name) == value)
    return session.scalar(query)


def test_five_failures_block_that_client_only(db_session):
    make_user(db_session, "mona")
    for _ in range(5):
        attempt = users.sign_in(db_session, "mona", "wrong password!!", client="198.51.100.1")
        assert attempt.user is None
    blocked = users.sign_in(db_session, "mona", PASSWORD, client="198.51.100.1")
    assert blocked.user is None and 1 <= blocked.retry_after_minutes <= 15
    # Another client, even one never seen, still gets its own five tries.
    assert users.sign_in(db_session, "mona", PASSWORD, client=OWNER).user is not None


def test_a_stranger_cannot_lock_the_owner_out(db_session):
    make_user(db_session, "nora")
    assert users.sign_in(db_session, "nora", PASSWORD, client=OWNER).user is not None
    # An attacker spreads 150 failures over 30 addresses within the hour.
    _failures(db_session, "nora", [f"198.51.100.{n % 30}" for n in range(150)])
    # The owner's address (signed in from before) is not held by the account's ceiling...
    owner = users.sign_in(db_session, "nora", PASSWORD, client=OWNER)
    assert owner.user is not None and owner.retry_after_minutes is None
    # ...while a new address is, even with the right password: the brute force is capped.
    stranger = users.sign_in(db_session, "nora", PASSWORD, client="192.0.2.99")
    assert stranger.user is None and 1 <= stranger.retry_after_minutes <= 60


def test_at_most_100_failures_an_hour_per_account_from_new_clients(db_session):
    make_user(db_session, "olga")
    _failures(db_session, "olga", [f"198.51.100.{n}" for n in range(99)], minutes_ago=30)
    assert users.sign_in(db_session, "olga", "wrong password!!", client="192.0.2.1").user is None
    assert _count(db_session, username_key="olga", succeeded=False) == 100
    throttled = users.sign_in(db_session, "olga", "another guess!!!", client="192.0.2.2")
    assert throttled.retry_after_minutes is not None
    assert 29 <= throttled.retry_after_minutes <= 31  # when the oldest leaves the hour
    assert _count(db_session, username_key="olga", succeeded=False) == 100  # not recorded


def test_the_owners_own_client_still_has_its_five_tries(db_session):
    make_user(db_session, "pia")
    users.sign_in(db_session, "pia", PASSWORD, client=OWNER)
    _failures(db_session, "pia", [OWNER] * 5)
    assert users.sign_in(db_session, "pia", PASSWORD, client=OWNER).retry_after_minutes


def test_unknown_names_are_throttled_like_accounts(db_session):
    _failures(db_session, "ghost", ["198.51.100.1"] * 5)
    assert (
        users.sign_in(db_session, "ghost", "whatever", client="198.51.100.1").retry_after_minutes
        is not None
    )
    assert (
        users.sign_in(db_session, "ghost", "whatever", client="198.51.100.2").retry_after_minutes
        is None
    )


def test_sign_in_says_whether_the_account_exists_for_the_log_only(db_session):
    make_user(db_session, "quinn")
    assert users.sign_in(db_session, "quinn", "wrong password!!").account_exists
    assert not users.sign_in(db_session, "quinn-typo", "wrong password!!").account_exists


def test_spraying_random_names_leaves_at_most_an_hour_of_attempts(db_session):
    """10,000 names of no account, spread over three hours: one attempt later, only the
    last hour's are left (they were never purged: no success ever came for those names)."""
    sprayer = "198.51.100.250"  # other tests' committed attempts come from elsewhere
    now = users.clock(db_session)
    db_session.execute(
        insert(LoginAttempt),
        [
            {
                "username_key": uuid.uuid4().hex,
                "client_key": sprayer,
                "succeeded": False,
                "attempted_at": now - dt.timedelta(seconds=n * 1.08),
            }
            for n in range(10_000)
        ],
    )
    assert _count(db_session, client_key=sprayer) == 10_000
    recent = _count_since(db_session, sprayer, now - users.ACCOUNT_WINDOW)
    assert 3_000 <= recent <= 3_500
    users.sign_in(db_session, uuid.uuid4().hex, "whatever", client=sprayer)
    assert _count(db_session, client_key=sprayer) <= recent + 1
    assert db_session.scalar(select(func.min(LoginAttempt.attempted_at))) > (
        users.clock(db_session) - users.ACCOUNT_WINDOW - dt.timedelta(minutes=1)
    )


def _count_since(session, client: str, since) -> int:
    return session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.client_key == client, LoginAttempt.attempted_at > since)
    )


@pytest.mark.parametrize("check", ["change_password", "delete_account"])
def test_current_password_checks_are_throttled_and_their_failures_kept(
    database_url, unique_name, check
):
    """Through session_scope, as the UI runs them: the refusal rolls back nothing the
    throttle needs (the failed attempt is committed with it)."""
    with session_scope() as session:
        user = make_user(session, unique_name)

    def attempt(password: str) -> None:
        with session_scope() as session:
            if check == "change_password":
                users.change_password(
                    session, user.id, password, "a new long password", client="198.51.100.5"
                )
            else:
                users.delete_account(session, user.id, password, unique_name, client="198.51.100.5")

    for _ in range(5):
        with pytest.raises(PasswordRejected, match="wrong"):
            attempt("not the password")
    with pytest.raises(PasswordRejected, match="Too many wrong passwords") as caught:
        attempt(PASSWORD)  # the right one, but too late
    assert caught.value.field == ("current_password" if check == "change_password" else "password")
    with session_scope() as session:
        assert users.authenticate(session, unique_name, PASSWORD) is not None  # unchanged
        assert _count(session, username_key=unique_name, succeeded=False) == 5
        session.execute(
            LoginAttempt.__table__.delete().where(LoginAttempt.username_key == unique_name)
        )
