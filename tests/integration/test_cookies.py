"""The re-auth cookie carries its issue time, and revocation compares that (issue 13,
item 2): no setting can make a revoked cookie valid again. It was the expiry minus the
current lifetime setting, so lowering FUELTRACKER_COOKIE_EXPIRY_DAYS from 30 to 29.9
revived a cookie revoked by a sign-out and two password resets."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from fueltracker.config import get_settings
from fueltracker.services import users
from fueltracker.ui import auth
from tests.factories import make_user


@pytest.fixture
def lifetime(monkeypatch):
    """Set FUELTRACKER_COOKIE_EXPIRY_DAYS for the rest of the test."""

    def set_days(days: float) -> None:
        monkeypatch.setenv("FUELTRACKER_COOKIE_EXPIRY_DAYS", str(days))
        get_settings.cache_clear()

    yield set_days
    monkeypatch.undo()
    get_settings.cache_clear()


def _honoured(session, token: str) -> int | None:
    """The user id the app would sign in with this cookie (ui.auth._user_from_cookie)."""
    claims = auth.read_cookie(token)
    if claims is None:
        return None
    issued_at = dt.datetime.fromtimestamp(claims["iat"], dt.UTC)
    return users.session_is_valid(session, claims["username"], issued_at)


def test_a_revoked_cookie_stays_revoked_whatever_the_lifetime_setting(db_session, lifetime):
    lifetime(30)
    user = make_user(db_session, "gina")
    token = auth.cookie_token(user.username, users.clock(db_session))
    assert _honoured(db_session, token) == user.id
    users.revoke_sessions(db_session, user.id)  # sign-out
    users.set_password(db_session, user.id, "first new password")
    users.set_password(db_session, user.id, "second new password")
    for days in (30, 29.9, 10, 1, 0.01):
        lifetime(days)
        assert _honoured(db_session, token) is None, days


def test_the_cookie_renewed_by_a_password_change_is_honoured(db_session, lifetime):
    """The session that changes its password gets a cookie issued at the revocation's
    exact instant (microseconds survive the JWT), so it is not revoked by its own change."""
    lifetime(30)
    user = make_user(db_session, "hank")
    mark = users.change_password(
        db_session, user.id, "correct horse battery", "a new long password"
    )
    assert _honoured(db_session, auth.cookie_token(user.username, mark)) == user.id
    earlier = mark - dt.timedelta(microseconds=1)
    assert _honoured(db_session, auth.cookie_token(user.username, earlier)) is None


def test_a_cookie_without_issue_time_is_refused(db_session, lifetime):
    """The library's own token (username and expiry only) is no longer accepted."""
    lifetime(30)
    user = make_user(db_session, "ines")
    expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).timestamp()
    legacy = jwt.encode(
        {"username": user.username, "exp_date": expiry},
        get_settings().resolved_cookie_key(),
        algorithm="HS256",
    )
    assert auth.read_cookie(legacy) is None


def test_a_shorter_lifetime_shortens_existing_cookies(db_session, lifetime):
    lifetime(30)
    user = make_user(db_session, "jack")
    two_days_ago = users.clock(db_session) - dt.timedelta(days=2)
    old = auth.cookie_token(
        user.username, two_days_ago, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    )
    assert auth.read_cookie(old) is not None
    lifetime(1)
    assert auth.read_cookie(old) is None


@pytest.mark.parametrize(
    "claims",
    [
        {"username": "kim", "iat": "yesterday", "exp_date": 4102444800},
        {"username": "kim", "iat": True, "exp_date": 4102444800},
        {"username": 7, "iat": 1700000000, "exp_date": 4102444800},
        {"username": "kim", "iat": 1700000000, "exp_date": 1700000001},  # expired
    ],
)
def test_malformed_or_expired_claims_are_refused(lifetime, claims):
    lifetime(30)
    token = jwt.encode(claims, get_settings().resolved_cookie_key(), algorithm="HS256")
    assert auth.read_cookie(token) is None


def test_a_cookie_signed_with_another_key_is_refused(lifetime):
    lifetime(30)
    now = dt.datetime.now(dt.UTC).timestamp()
    forged = jwt.encode(
        {"username": "kim", "iat": now, "exp_date": now + 86400},
        "another key of at least thirty-two bytes!",
        algorithm="HS256",
    )
    assert auth.read_cookie(forged) is None
