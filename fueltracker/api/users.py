"""/users/me: the token's account — read it, change its profile and preferences, export
its data, delete it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status

from fueltracker import security
from fueltracker.api.auth import Caller, Writer
from fueltracker.api.schemas import AccountDelete, UserOut, UserPatch
from fueltracker.clock import local_today
from fueltracker.config import get_settings
from fueltracker.db import session_scope
from fueltracker.schemas import PreferencesUpdate, ProfileUpdate, UserRead, parse
from fueltracker.services import transfer, users

router = APIRouter(tags=["account"])
_PROFILE = tuple(ProfileUpdate.model_fields)
_PREFERENCES = tuple(PreferencesUpdate.model_fields)


def _out(user: UserRead, scope: Literal["read", "read+write"]) -> UserOut:
    return UserOut(**user.model_dump(exclude={"data_revision"}), token_scope=scope)


def client_key(request: Request) -> str:
    """The caller's address as the password-check throttle counts it (security.client_key,
    as the pages do: X-Forwarded-For only as far as FUELTRACKER_TRUSTED_PROXY_HOPS)."""
    peer = request.client.host if request.client else None
    return security.client_key(
        peer, request.headers.getlist("x-forwarded-for"), get_settings().trusted_proxy_hops
    )


@router.get("/users/me", response_model=UserOut, summary="The token's account")
def me(who: Caller) -> UserOut:
    """Who the token speaks for, with the account's display preferences."""
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
    return _out(user, who.scope)


@router.patch("/users/me", response_model=UserOut, summary="Change profile and preferences")
def update_me(who: Writer, body: UserPatch) -> UserOut:
    """Only the fields sent change: the display name and email (`null` clears it), the
    currency and the display units and timezone the pages use (the API itself always
    speaks canonical units). The password is changed on the Account page only."""
    sent = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        current = user.model_dump()
        if any(name in sent for name in _PROFILE):
            profile = {name: current[name] for name in _PROFILE} | {
                k: v for k, v in sent.items() if k in _PROFILE
            }
            user = users.update_profile(session, who.user_id, parse(ProfileUpdate, **profile))
        if any(name in sent for name in _PREFERENCES):
            preferences = {name: current[name] for name in _PREFERENCES} | {
                k: v for k, v in sent.items() if k in _PREFERENCES
            }
            user = users.set_preferences(
                session, who.user_id, parse(PreferencesUpdate, **preferences)
            )
    return _out(user, who.scope)


@router.delete(
    "/users/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the account and everything of it",
)
def delete_me(who: Writer, body: AccountDelete, request: Request) -> Response:
    """The account's password in the body proves it (checked and throttled like a sign-in:
    a wrong one is a 422 on `password`). Everything goes at once: vehicles, fill-ups,
    tokens — this one included."""
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        users.delete_account(
            session, who.user_id, body.password, user.username, client=client_key(request)
        )
    security.event("account_deleted", user_id=who.user_id, via="api")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users/me/export",
    summary="All fill-ups as native CSV, or all data as a ZIP",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, "application/zip": {}},
            "description": "The native CSV (default) or, with format=zip, the data ZIP",
        }
    },
)
def export(
    who: Caller,
    file_format: Annotated[Literal["csv", "zip"], Query(alias="format")] = "csv",
) -> Response:
    """`format=csv` (default): every fill-up in Fuel Tracker's native CSV (docs/formats.md:
    km, litres, every digit, re-importable). `format=zip`: the Account page's "Download all
    my data" ZIP (fill-ups, vehicles, preferences). Named with the account's local date."""
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        if file_format == "zip":
            content: bytes = transfer.export_archive(session, who.user_id)
        else:
            content = transfer.export_native(session, who.user_id).encode("utf-8")
    security.event(
        "export",
        user_id=who.user_id,
        format="zip" if file_format == "zip" else "native_csv",
        via="api",
    )
    what, media = (
        ("all-data", "application/zip")
        if file_format == "zip"
        else ("canonical", "text/csv; charset=utf-8")
    )
    name = (
        f"fueltracker-{user.username}-{what}-{local_today(user.timezone).isoformat()}.{file_format}"
    )
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
