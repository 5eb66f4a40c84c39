"""Accounts: registration, password checks and their throttle, preferences, profile,
session revocation, account deletion.

The throttle (README, Security) counts failed password checks in the database, so it holds
across reruns, processes and replicas, per account and client address:
- PAIR_FAILURES failures of one client for one account within PAIR_WINDOW block that
  client for that account (the right password too) until the window has passed; a success
  clears that client's count;
- ACCOUNT_FAILURES failures for one account within ACCOUNT_WINDOW, from any clients, block
  every client that has not signed in to it within KNOWN_CLIENT_AGE (ASVS 2.2.1: at most
  100 failures an hour per account), while a client the owner signed in from keeps its own
  allowance: a stranger can slow a brute force down to a crawl, not lock the owner out.
Unknown usernames are counted like accounts, so neither the answer nor its time tells
whether one exists; attempts older than every window are purged at each attempt, whatever
name they carry.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import bcrypt
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker.db import scope_to_username, user_scoped
from fueltracker.errors import (
    DuplicateError,
    NotFoundError,
    PasswordRejected,
    SessionRevoked,
    ValidationError,
)
from fueltracker.models import LoginAttempt, User
from fueltracker.passwords import password_problem
from fueltracker.schemas import PreferencesUpdate, ProfileUpdate, UserCreate, UserRead
from fueltracker.services.revision import bump_revision

PAIR_FAILURES = 5
PAIR_WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FAILURES = 100
ACCOUNT_WINDOW = dt.timedelta(hours=1)
KNOWN_CLIENT_AGE = dt.timedelta(days=30)

# A real hash of a random password: checking against it when the username is unknown makes
# "no such user" cost the same time as "wrong password".
_DUMMY_HASH = bcrypt.hashpw(b"not-a-password-of-anyone", bcrypt.gensalt()).decode()


def hash_password(password: str) -> str:
    """bcrypt hash of `password` (a schema has already checked its length)."""
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode()


def _check_password(password: str, password_hash: str) -> bool:
    encoded = password.encode("utf-8")
    if len(encoded) > 72:  # bcrypt 5 raises above 72 bytes; such a password was never set
        bcrypt.checkpw(b"x", _DUMMY_HASH.encode())
        return False
    return bcrypt.checkpw(encoded, password_hash.encode())


def register_user(session: Session, data: UserCreate) -> UserRead:
    """Create an account; a taken username (any letter case) raises DuplicateError."""
    scope_to_username(session, data.username)
    taken = session.scalar(
        select(User.id).where(func.lower(User.username) == data.username.lower())
    )
    if taken is not None:
        raise DuplicateError("username", f"Username '{data.username}' is already taken")
    user = User(
        username=data.username,
        display_name=data.display_name,
        email=data.email,
        password_hash=hash_password(data.password),
    )
    try:
        # A savepoint, so a concurrent registration of the same name fails cleanly here
        # without poisoning the caller's transaction.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise DuplicateError("username", f"Username '{data.username}' is already taken") from exc
    return UserRead.model_validate(user)


def _named(session: Session, username: str) -> User | None:
    scope_to_username(session, username)
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def authenticate(session: Session, username: str, password: str) -> UserRead | None:
    """The user whose username and password match, else None (same time either way).
    Unthrottled: sign-in goes through sign_in."""
    user = _named(session, username)
    if user is None:
        _check_password(password, _DUMMY_HASH)
        return None
    if not _check_password(password, user.password_hash):
        return None
    return UserRead.model_validate(user)


@user_scoped
def get_user(session: Session, user_id: int) -> UserRead:
    """The account with this id; NotFoundError when it no longer exists."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    return UserRead.model_validate(user)


def find_user_id(session: Session, username: str) -> int:
    """Id of the account named `username` (case-insensitive); NotFoundError otherwise."""
    scope_to_username(session, username)
    user_id = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if user_id is None:
        raise NotFoundError(f"User '{username}'")
    return user_id


@user_scoped
def set_password(session: Session, user_id: int, new_password: str) -> dt.datetime:
    """Replace the password and end every session and re-auth cookie of the account
    started before now; returns that instant (the caller's own new session mark)."""
    problem = password_problem(new_password, _user(session, user_id).username)
    if problem:
        raise ValidationError("password", f"Password {problem}")
    return session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            password_hash=hash_password(new_password), sessions_valid_after=func.clock_timestamp()
        )
        .returning(User.sessions_valid_after)
    ).scalar_one()


@user_scoped
def revoke_sessions(session: Session, user_id: int) -> None:
    """End every browser session and re-auth cookie of this user (called at sign-out)."""
    session.execute(
        update(User).where(User.id == user_id).values(sessions_valid_after=func.clock_timestamp())
    )


def clock(session: Session) -> dt.datetime:
    """The database's wall clock: the mark of a session starting now. Session marks and
    revocations are both database time, so a clock skew of the app's machine cannot make
    a revoked session look newer than its revocation."""
    return session.execute(select(func.clock_timestamp())).scalar_one()


@user_scoped
def check_session(session: Session, user_id: int, signed_in_at: dt.datetime | None) -> None:
    """Raise SessionRevoked unless a browser session of this user that signed in at
    `signed_in_at` still stands (no sign-out, password change or reset since; the account
    exists). One primary-key read: run at the start of every transaction of a session."""
    valid_after = session.scalar(select(User.sessions_valid_after).where(User.id == user_id))
    if valid_after is None:
        raise SessionRevoked(account_deleted=True)
    if signed_in_at is None or signed_in_at < valid_after:
        raise SessionRevoked()


def session_is_valid(session: Session, username: str, issued_at: dt.datetime) -> int | None:
    """The user id if `username` exists and a cookie issued at `issued_at` is still honoured."""
    scope_to_username(session, username)
    row = session.execute(
        select(User.id, User.sessions_valid_after).where(
            func.lower(User.username) == username.lower()
        )
    ).one_or_none()
    if row is None or issued_at < row.sessions_valid_after:
        return None
    return row.id


@user_scoped
def set_preferences(session: Session, user_id: int, data: PreferencesUpdate) -> UserRead:
    """Store the account's display preferences (currency, units, timezone)."""
    user = _user(session, user_id)
    for key, value in data.model_dump().items():
        setattr(user, key, value)
    session.flush()
    bump_revision(session, user_id)  # every figure on screen changes units
    return UserRead.model_validate(user)


@user_scoped
def update_profile(session: Session, user_id: int, data: ProfileUpdate) -> UserRead:
    """Change the display name and email."""
    user = _user(session, user_id)
    user.display_name, user.email = data.display_name, data.email
    session.flush()
    return UserRead.model_validate(user)


@user_scoped
def change_password(
    session: Session, user_id: int, current_password: str, new_password: str, *, client: str = ""
) -> dt.datetime:
    """Replace the password once the current one is proven (throttled like a sign-in from
    `client`); ends every other session and re-auth cookie; returns the new session mark of
    the session that changed it."""
    user = _user(session, user_id)
    _prove_password(session, user, current_password, "current_password", client)
    problem = password_problem(new_password, user.username)
    if problem:
        raise ValidationError("new_password", f"Password {problem}")
    return set_password(session, user_id, new_password)


@user_scoped
def delete_account(
    session: Session, user_id: int, password: str, confirmation: str, *, client: str = ""
) -> None:
    """Hard-delete the account and everything of it (vehicles, fill-ups cascade) once the
    password is proven (throttled like a sign-in from `client`) and the username typed;
    its cookies die with the row."""
    user = _user(session, user_id)
    _prove_password(session, user, password, "password", client)
    if confirmation.strip() != user.username:
        raise ValidationError("confirmation", f"Type your username '{user.username}' to confirm")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username_key == _key(user.username)))
    session.delete(user)
    session.flush()


def _prove_password(session: Session, user: User, password: str, field: str, client: str) -> None:
    """Check the current password of a signed-in user like a sign-in (a stolen session
    must not brute-force it either); PasswordRejected names `field` when wrong or
    throttled. Nothing else is written before this check, so the failed attempt it
    records can be committed with the refusal (db.session_scope)."""
    key = _key(user.username)
    now = clock(session)
    wait = _wait_minutes(session, key, client, now)
    if wait is not None:
        _check_password(password, _DUMMY_HASH)  # same cost as a real check
        raise PasswordRejected(field, f"Too many wrong passwords. Try again in {wait} minute(s).")
    proven = _check_password(password, user.password_hash)
    _record_attempt(session, key, client, proven, now)
    if not proven:
        raise PasswordRejected(
            field,
            "The current password is wrong"
            if field == "current_password"
            else "The password is wrong",
        )


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    return user


def _key(username: str) -> str:
    return username.strip().lower()[:64]


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in: the user and the session's mark (database time of the
    sign-in), or None with the minutes to wait if throttled. `account_exists` is for the
    security log only (never shown: the answer must not tell)."""

    user: UserRead | None
    retry_after_minutes: int | None = None
    signed_in_at: dt.datetime | None = None
    account_exists: bool = False


def sign_in(session: Session, username: str, password: str, *, client: str = "") -> SignInResult:
    """Check a sign-in from `client` (security.client_key) with the database throttle
    (module docstring). A throttled attempt costs the same time as a real check and is not
    recorded."""
    key = _key(username)
    now = clock(session)
    account = _named(session, username)
    wait = _wait_minutes(session, key, client, now)
    if wait is not None:
        _check_password(password, _DUMMY_HASH)
        return SignInResult(None, wait, account_exists=account is not None)
    proven = _check_password(password, account.password_hash if account else _DUMMY_HASH)
    proven = proven and account is not None
    _record_attempt(session, key, client, proven, now)
    if not proven:
        return SignInResult(None, account_exists=account is not None)
    return SignInResult(
        UserRead.model_validate(account), signed_in_at=clock(session), account_exists=True
    )


def _wait_minutes(session: Session, key: str, client: str, now: dt.datetime) -> int | None:
    """Minutes before `client` may have a password of `key` checked again, or None."""
    waits: list[dt.timedelta] = []
    pair = list(
        session.scalars(
            select(LoginAttempt.attempted_at)
            .where(
                LoginAttempt.username_key == key,
                LoginAttempt.client_key == client,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.attempted_at > now - PAIR_WINDOW,
            )
            .order_by(LoginAttempt.attempted_at.desc())
            .limit(PAIR_FAILURES)
        )
    )
    if len(pair) >= PAIR_FAILURES:
        waits.append(pair[-1] + PAIR_WINDOW - now)
    known = (
        session.scalar(
            select(LoginAttempt.id)
            .where(
                LoginAttempt.username_key == key,
                LoginAttempt.client_key == client,
                LoginAttempt.succeeded.is_(True),
                LoginAttempt.attempted_at > now - KNOWN_CLIENT_AGE,
            )
            .limit(1)
        )
        is not None
    )
    if not known:
        account = list(
            session.scalars(
                select(LoginAttempt.attempted_at)
                .where(
                    LoginAttempt.username_key == key,
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.attempted_at > now - ACCOUNT_WINDOW,
                )
                .order_by(LoginAttempt.attempted_at.desc())
                .limit(ACCOUNT_FAILURES)
            )
        )
        if len(account) >= ACCOUNT_FAILURES:
            waits.append(account[-1] + ACCOUNT_WINDOW - now)
    if not waits:
        return None
    return max(1, math.ceil(max(waits).total_seconds() / 60))


def _record_attempt(
    session: Session, key: str, client: str, succeeded: bool, now: dt.datetime
) -> None:
    if succeeded:
        # A success proves this client: its earlier failures stop counting, and its
        # latest success alone marks it as known to the account.
        session.execute(
            delete(LoginAttempt).where(
                LoginAttempt.username_key == key, LoginAttempt.client_key == client
            )
        )
    session.add(LoginAttempt(username_key=key, client_key=client[:64], succeeded=succeeded))
    # What no window looks at any more goes, whatever name it carries: names of no account
    # are never signed in to, so without this a spray of random names grew the table for
    # good; now it holds at most an hour of failures (index on attempted_at).
    session.execute(
        delete(LoginAttempt).where(
            or_(
                and_(
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.attempted_at < now - ACCOUNT_WINDOW,
                ),
                and_(
                    LoginAttempt.succeeded.is_(True),
                    LoginAttempt.attempted_at < now - KNOWN_CLIENT_AGE,
                ),
            )
        )
    )
    session.flush()
