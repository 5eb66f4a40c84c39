"""Personal access tokens of the JSON API: create, list, revoke one or all, authenticate.

A token is `ft_` followed by 43 URL-safe characters: 32 random bytes from `secrets`
(256 bits). The database keeps only the SHA-256 of the whole token and its first
characters (PREFIX_LENGTH, shown in the list). A plain, unsalted SHA-256 is enough here,
unlike for passwords: a password is chosen by a person and must be made slow to guess
(bcrypt), while this secret is random and 256 bits long, so no dictionary or brute force
reaches it, fast hash or not; and an unsalted hash can be looked up by equality (a unique
index), which a salted slow hash cannot.

Authentication finds the token by its hash before anyone knows whose it is, the way
sign-in finds an account by its name (db.scope_to_username): the transaction sets
`app.token_hash`, and row-level security (migration 0008) then shows exactly the row with
that hash, to no other statement and no other transaction. Once found, the transaction is
scoped to the token's owner like every other service call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from fueltracker.clock import local_today
from fueltracker.db import scope_to_user, user_scoped
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.models import ApiToken, User
from fueltracker.schemas import TokenCreate, TokenRead, TokenScope

TOKEN_PREFIX = "ft_"
SECRET_BYTES = 32
# "ft_" and 8 characters of the secret: tells tokens apart, leaves over 200 random bits.
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# The rate limit's fixed window: requests are counted per token per calendar minute.
RATE_WINDOW = dt.timedelta(minutes=1)
# The longest token anyone can send that we could have made (longer is refused unhashed).
MAX_TOKEN_LENGTH = 128

Refusal = Literal["malformed", "unknown", "revoked", "expired", "rate_limited"]


@dataclass(frozen=True)
class CreatedToken:
    """A token just made: `secret` is the token itself, shown once and never again."""

    token: TokenRead
    secret: str


@dataclass(frozen=True)
class TokenCaller:
    """Who an accepted token speaks for, and what it may do."""

    user_id: int
    token_id: int
    scope: TokenScope

    @property
    def can_write(self) -> bool:
        """True when the token may change data."""
        return self.scope == "read+write"


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of authenticate: the caller, or why not (for the security log only; the
    client is told the same "invalid token" whatever the reason, except a rate limit).
    `token_id` names the refused token when it exists; `retry_after_seconds` is set for
    "rate_limited"."""

    caller: TokenCaller | None
    refusal: Refusal | None = None
    token_id: int | None = None
    retry_after_seconds: int | None = None


def token_hash(token: str) -> str:
    """The hex SHA-256 stored for `token` (see the module docstring for why no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _expiry(expires_on: dt.date | None, timezone: str, today: dt.date) -> dt.datetime | None:
    """The instant a token that works through `expires_on` (the account's local date)
    stops working: the start of the next local day."""
    if expires_on is None:
        return None
    if expires_on < today:
        raise ValidationError(
            "expires_on",
            f"Expiry {expires_on.isoformat()} is in the past: choose today or a later day, or none",
        )
    return dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time(), ZoneInfo(timezone))


@user_scoped
def create_token(
    session: Session, user_id: int, data: TokenCreate, *, today: dt.date | None = None
) -> CreatedToken:
    """Make a token for the user; the secret is in the result only."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    expires_at = _expiry(data.expires_on, user.timezone, today or local_today(user.timezone))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(
        user_id=user_id,
        name=data.name,
        scope=data.scope,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=token_hash(secret),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    session.refresh(token)  # created_at, set by the database
    return CreatedToken(TokenRead.model_validate(token), secret)


@user_scoped
def list_tokens(session: Session, user_id: int) -> list[TokenRead]:
    """The user's tokens that are not revoked, newest first (expired ones included: the
    list says they expired)."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return [TokenRead.model_validate(token) for token in session.scalars(query)]


@user_scoped
def revoke_token(session: Session, user_id: int, token_id: int) -> TokenRead:
    """Revoke one of the user's tokens; another user's id, or a token revoked already, is
    NotFoundError like a missing one."""
    token = session.scalar(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.clock_timestamp())
        .returning(ApiToken)
    )
    if token is None:
        raise NotFoundError("API token")
    return TokenRead.model_validate(token)


@user_scoped
def revoke_all_tokens(session: Session, user_id: int) -> int:
    """Revoke every token of the user; returns how many were still in force."""
    revoked = session.scalars(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.clock_timestamp())
        .returning(ApiToken.id)
    )
    return len(list(revoked))


def authenticate(
    session: Session, token: str, *, rate_limit_per_minute: int | None = None
) -> TokenCheck:
    """The caller `token` speaks for, or why it is refused. On success the transaction is
    scoped to the caller (app.user_id), and the request is counted in the token's row:
    its last use, and the rate limit's window (RATE_WINDOW). The count is the database's,
    so it holds across processes and replicas; beyond `rate_limit_per_minute` requests in
    the window the token is refused ("rate_limited", with the seconds to wait) until the
    next window starts. Refused requests count too."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        return TokenCheck(None, "malformed")
    digest = token_hash(token)
    session.execute(select(func.set_config("app.token_hash", digest, True)))
    row = session.execute(
        select(
            ApiToken.id,
            ApiToken.user_id,
            ApiToken.scope,
            ApiToken.revoked_at,
            ApiToken.expires_at,
            func.clock_timestamp().label("now"),
        ).where(ApiToken.token_hash == digest)
    ).one_or_none()
    # The hash has done its job: nothing later in this transaction sees by it.
    session.execute(select(func.set_config("app.token_hash", "", True)))
    if row is None:
        return TokenCheck(None, "unknown")
    if row.revoked_at is not None:
        return TokenCheck(None, "revoked", row.id)
    if row.expires_at is not None and row.expires_at <= row.now:
        return TokenCheck(None, "expired", row.id)
    scope_to_user(session, row.user_id)
    # One statement (the token's row lock orders concurrent requests of one token): the
    # old window's count grows, a new window starts at 1. SET reads the old values.
    window = func.date_trunc("minute", func.clock_timestamp())
    counted = session.execute(
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .values(
            rate_count=case((ApiToken.rate_window == window, ApiToken.rate_count + 1), else_=1),
            rate_window=window,
            last_used_at=func.clock_timestamp(),
        )
        .returning(ApiToken.rate_count, ApiToken.rate_window, func.clock_timestamp())
    ).one()
    count, started, now = counted
    if rate_limit_per_minute is not None and count > rate_limit_per_minute:
        wait = math.ceil((started + RATE_WINDOW - now).total_seconds())
        return TokenCheck(None, "rate_limited", row.id, retry_after_seconds=max(1, wait))
    return TokenCheck(TokenCaller(row.user_id, row.id, row.scope), token_id=row.id)
