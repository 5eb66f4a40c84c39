"""Bearer tokens: who a request speaks for, and whether it may write.

`Authorization: Bearer <token>` is the only credential the API reads: no cookie, so a
browser signed in to the app cannot be made to call it from another site (no CSRF
surface). A missing, malformed, unknown, revoked or expired token gets the same 401 (the
security log says which); a `read` token asking to write gets 403.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from fueltracker import security
from fueltracker.api.errors import ApiError
from fueltracker.config import get_settings
from fueltracker.db import session_scope
from fueltracker.logging_setup import current_user_id
from fueltracker.services import tokens
from fueltracker.services.tokens import TokenCaller, TokenCheck

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="fueltracker"'}
UNAUTHORIZED_DETAIL = (
    "A valid API token is required: send 'Authorization: Bearer <token>' "
    "(tokens are made on the Account page)"
)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return ""
    return token.strip()


def _check(token: str) -> TokenCheck:
    limit = get_settings().api_rate_limit_per_minute
    with session_scope() as session:
        return tokens.authenticate(session, token, rate_limit_per_minute=limit)


async def caller(request: Request) -> TokenCaller:
    """The caller of this request (async: the user id it sets for the log lines must be
    seen by the route, which runs after it in this task's context)."""
    token = _bearer(request)
    if token is None:
        raise ApiError(401, UNAUTHORIZED_DETAIL, headers=_CHALLENGE)
    check = await run_in_threadpool(_check, token) if token else TokenCheck(None, "malformed")
    if check.refusal == "rate_limited":
        security.event("api_rate_limited", token_id=check.token_id)
        wait = str(check.retry_after_seconds or 60)
        raise ApiError(
            429,
            f"Too many requests with this token: at most "
            f"{get_settings().api_rate_limit_per_minute} a minute. Try again in {wait} s.",
            headers={"Retry-After": wait},
        )
    if check.caller is None:
        security.event(
            "api_token_refused",
            reason=check.refusal,
            token_id=check.token_id,
            path=request.url.path[:200],
        )
        raise ApiError(401, UNAUTHORIZED_DETAIL, headers=_CHALLENGE)
    current_user_id.set(check.caller.user_id)
    return check.caller


async def writer(who: Annotated[TokenCaller, Depends(caller)]) -> TokenCaller:
    """The caller, if its token may change data; 403 for a read-only token."""
    if not who.can_write:
        security.event("api_scope_refused", user_id=who.user_id, token_id=who.token_id)
        raise ApiError(403, "This token may only read: make a 'read+write' token to change data")
    return who


Caller = Annotated[TokenCaller, Depends(caller)]
Writer = Annotated[TokenCaller, Depends(writer)]
