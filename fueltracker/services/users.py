"""Accounts: registration, password check, preferences, data revision, session revocation."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from dataclasses import dataclass

import bcrypt
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker.db import scope_to_username, user_scoped
from fueltracker.errors import DuplicateError, NotFoundError, SessionRevoked, ValidationError
from fueltracker.models import LoginAttempt, User
from fueltracker.passwords import password_problem
from fueltracker.schemas import PreferencesUpdate, ProfileUpdate, UserCreate, UserRead

THROTTLE_FAILURES = 5
THROTTLE_WINDOW = dt.timedelta(minutes=15)

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


def authenticate(session: Session, username: str, password: str) -> UserRead | None:
    """The user whose username and password match, else None (same time either way)."""
    scope_to_username(session, username)
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
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
        .values(password_hash=hash_password(new_password), sessions_valid_after=func.clock_timestamp())
        .returning(User.sessions_valid_after)
    ).scalar_one()


@user_scoped
def revoke_sessions(session: Session, user_id: int) -> None:
    """End every browser session and re-auth cookie of this user (called at sign-out)."""
    session.execute(update(User).where(User.id == user_id).values(sessions_valid_after=func.clock_timestamp()))


def clock(session: Session) -> dt.datetime:
    """The database's wall clock: the mark of a session starting now. Session marks and
    revocations are both database time, so a clock skew of the app's machine cannot make
    a revoked session look newer than its revocation."""
    return session.scalar(select(func.clock_timestamp()))


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
def bump_revision(session: Session, user_id: int) -> None:
    """Mark the user's data as changed (same transaction as the write): caches key on it."""
    session.execute(
        update(User).where(User.id == user_id).values(data_revision=User.data_revision + 1)
    )


@user_scoped
def data_revision(session: Session, user_id: int) -> int:
    """The user's current data revision (0 for a new account)."""
    revision = session.scalar(select(User.data_revision).where(User.id == user_id))
    if revision is None:
        raise NotFoundError("User")
    return revision


def local_today(timezone: str) -> dt.date:
    """Today's date where the user lives (their IANA timezone; UTC if it is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.now(zone).date()


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
def change_password(session: Session, user_id: int, current_password: str,
                    new_password: str) -> dt.datetime:
    """Replace the password once the current one is proven; ends every other session and
    re-auth cookie; returns the new session mark of the session that changed it."""
    user = _user(session, user_id)
    if not _check_password(current_password, user.password_hash):
        raise ValidationError("current_password", "The current password is wrong")
    problem = password_problem(new_password, user.username)
    if problem:
        raise ValidationError("new_password", f"Password {problem}")
    return set_password(session, user_id, new_password)


@user_scoped
def delete_account(session: Session, user_id: int, password: str, confirmation: str) -> None:
    """Hard-delete the account and everything of it (vehicles, fill-ups cascade) once the
    password is proven and the username typed; its cookies die with the row."""
    user = _user(session, user_id)
    if not _check_password(password, user.password_hash):
        raise ValidationError("password", "The password is wrong")
    if confirmation.strip() != user.username:
        raise ValidationError("confirmation", f"Type your username '{user.username}' to confirm")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username_key == _key(user.username)))
    session.delete(user)
    session.flush()


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
    sign-in), or None with the minutes to wait if throttled."""

    user: UserRead | None
    retry_after_minutes: int | None = None
    signed_in_at: dt.datetime | None = None


def sign_in(session: Session, username: str, password: str) -> SignInResult:
    """Check a sign-in with the database throttle: after THROTTLE_FAILURES failures within
    THROTTLE_WINDOW (since the last success) every attempt is refused, the right password
    too, until the window has passed. Unknown usernames are counted like known ones, so
    neither the message nor the time tells whether an account exists."""
    key = _key(username)
    now = session.scalar(select(func.clock_timestamp()))
    last_success = select(func.max(LoginAttempt.attempted_at)).where(
        LoginAttempt.username_key == key, LoginAttempt.succeeded.is_(True)).scalar_subquery()
    recent_failures = list(session.scalars(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.username_key == key, LoginAttempt.succeeded.is_(False),
               LoginAttempt.attempted_at > now - THROTTLE_WINDOW,
               or_(last_success.is_(None), LoginAttempt.attempted_at > last_success))
        .order_by(LoginAttempt.attempted_at.desc())
        .limit(THROTTLE_FAILURES)
    ))
    if len(recent_failures) >= THROTTLE_FAILURES:
        _check_password(password, _DUMMY_HASH)  # same cost as a real check
        free_at = recent_failures[-1] + THROTTLE_WINDOW
        return SignInResult(None, max(1, math.ceil((free_at - now).total_seconds() / 60)))
    user = authenticate(session, username, password)
    session.add(LoginAttempt(username_key=key, succeeded=user is not None))
    # Old attempts say nothing the window needs: keep the table small.
    session.execute(delete(LoginAttempt).where(
        LoginAttempt.username_key == key, LoginAttempt.attempted_at < now - 2 * THROTTLE_WINDOW))
    session.flush()
    return SignInResult(user, signed_in_at=clock(session) if user is not None else None)
