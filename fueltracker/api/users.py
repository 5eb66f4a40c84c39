"""GET /users/me: the token's account."""

from __future__ import annotations

from fastapi import APIRouter

from fueltracker.api.auth import Caller
from fueltracker.api.schemas import UserOut
from fueltracker.db import session_scope
from fueltracker.services import users

router = APIRouter(tags=["account"])


@router.get("/users/me", response_model=UserOut, summary="The token's account")
def me(who: Caller) -> UserOut:
    """Who the token speaks for, with the account's display preferences."""
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
    return UserOut(**user.model_dump(exclude={"data_revision"}), token_scope=who.scope)
