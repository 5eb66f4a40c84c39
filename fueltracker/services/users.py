"""Accounts: registration, password check, preferences, data revision, session revocation."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import bcrypt
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.models import User
from fueltracker.schemas import UserCreate, UserRead, parse, password_problem

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
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        _check_password(password, _DUMMY_HASH)
        return None
    if not _check_password(password, user.password_hash):
        return None
    return UserRead.model_validate(user)


def get_user(session: Session, user_id: int) -> UserRead:
    """The account with this id; NotFoundError when it no longer exists."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    return UserRead.model_validate(user)


def find_user_id(session: Session, username: str) -> int:
    """Id of the account named `username` (case-insensitive); NotFoundError otherwise."""
    user_id = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if user_id is None:
        raise NotFoundError(f"User '{username}'")
    return user_id


def set_password(session: Session, user_id: int, new_password: str) -> None:
    """Replace the password and revoke every re-auth cookie issued before now."""
    problem = password_problem(new_password)
    if problem:
        raise ValidationError("password", f"Password {problem}")
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(password_hash=hash_password(new_password), sessions_valid_after=func.clock_timestamp())
    )


def revoke_sessions(session: Session, user_id: int) -> None:
    """Invalidate every re-auth cookie of this user (called at sign-out)."""
    session.execute(update(User).where(User.id == user_id).values(sessions_valid_after=func.clock_timestamp()))


def session_is_valid(session: Session, username: str, issued_at: dt.datetime) -> int | None:
    """The user id if `username` exists and a cookie issued at `issued_at` is still honoured."""
    row = session.execute(
        select(User.id, User.sessions_valid_after).where(
            func.lower(User.username) == username.lower()
        )
    ).one_or_none()
    if row is None or issued_at < row.sessions_valid_after:
        return None
    return row.id


def bump_revision(session: Session, user_id: int) -> None:
    """Mark the user's data as changed (same transaction as the write): caches key on it."""
    session.execute(
        update(User).where(User.id == user_id).values(data_revision=User.data_revision + 1)
    )


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


def set_preferences(session: Session, user_id: int, **preferences: str) -> UserRead:
    """Change display preferences (currency, units, timezone); values are checked."""
    allowed = {"currency", "distance_unit", "volume_unit", "consumption_unit", "timezone",
               "display_name", "email"}
    unknown = set(preferences) - allowed
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a preference")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    current = UserRead.model_validate(user).model_dump()
    checked = parse(UserRead, **(current | preferences))
    for key in preferences:
        setattr(user, key, getattr(checked, key))
    session.flush()
    bump_revision(session, user_id)
    return UserRead.model_validate(user)
