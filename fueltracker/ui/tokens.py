"""The Account page's "API tokens" section: make a token (shown once), list them with
their last use, revoke one or all (services/tokens.py; docs/api.md)."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn
from zoneinfo import ZoneInfo

import streamlit as st

from fueltracker import bounds, security
from fueltracker.clock import local_today
from fueltracker.errors import NotFoundError
from fueltracker.schemas import TOKEN_SCOPES, TokenCreate, TokenRead, UserRead, parse
from fueltracker.services import tokens
from fueltracker.ui.context import session
from fueltracker.ui.errors import FieldErrors
from fueltracker.ui.text import destructive, plain

# (user id, token, name) of the token just made: shown until the user dismisses it or
# leaves the page's session; the user id, so another account signed in later in the same
# tab never sees it.
NEW_TOKEN_KEY = "api_token_new"
_MESSAGE_KEY = "api_token_message"
_SCOPES = {"read": "Read only", "read+write": "Read and write"}


def section(user: UserRead) -> None:
    """The whole section: the new token once, the form, the list."""
    st.caption(
        "Tokens let scripts, phone shortcuts and Home Assistant use the JSON API "
        "(`/api/v1`) as you. Treat a token like a password."
    )
    if _MESSAGE_KEY in st.session_state:
        st.success(st.session_state.pop(_MESSAGE_KEY), icon=":material/check_circle:")
    _new_token(user)
    _create_form(user)
    _token_list(user)


def _new_token(user: UserRead) -> None:
    new = st.session_state.get(NEW_TOKEN_KEY)
    if new is None or new[0] != user.id:
        return
    with st.container(border=True):
        st.markdown(
            f"**Your new token “{plain(new[2])}”.** Copy it now: it is shown this "
            "once and cannot be shown again."
        )
        st.code(new[1], language=None)
        if st.button("I have copied it", key="api_token_done"):
            st.session_state.pop(NEW_TOKEN_KEY, None)
            st.rerun()


def _create_form(user: UserRead) -> None:
    errors = FieldErrors("api_token")
    today = local_today(user.timezone)
    with st.form("api_token_create", clear_on_submit=True):
        name = st.text_input(
            "Token name",
            max_chars=100,
            key="api_token_name",
            placeholder="e.g. Phone shortcut, Home Assistant",
        )
        errors.show("name")
        left, right = st.columns(2)
        scope = left.radio(
            "Access",
            list(TOKEN_SCOPES),
            format_func=_SCOPES.get,
            key="api_token_scope",
            horizontal=True,
        )
        expires_on = right.date_input(
            "Expires after (optional)",
            value=None,
            # No lower bound at today: the browser would keep the last accepted date when a
            # past one is typed; the service refuses a past expiry next to this field.
            min_value=bounds.ANY_DATE[0],
            max_value=bounds.ANY_DATE[1],
            key="api_token_expires",
            format="YYYY-MM-DD",
            help="The last day it works; empty = never expires.",
        )
        errors.show("expires_on")
        submitted = st.form_submit_button("Create token", type="primary")
    if not submitted:
        return
    errors.clear()
    with errors.refused_at("name"):
        data = parse(TokenCreate, name=name, scope=scope, expires_on=expires_on)
        with session() as db:
            created = tokens.create_token(db, user.id, data, today=today)
    security.event(
        "api_token_created",
        user_id=user.id,
        token_id=created.token.id,
        scope=created.token.scope,
        via="account_page",
    )
    st.session_state[NEW_TOKEN_KEY] = (user.id, created.secret, created.token.name)
    st.rerun()


def _when(moment: dt.datetime | None, user: UserRead) -> str:
    if moment is None:
        return "never"
    return moment.astimezone(ZoneInfo(user.timezone)).strftime("%Y-%m-%d %H:%M")


def _describe(token: TokenRead, user: UserRead, now: dt.datetime) -> str:
    if token.expires_at is None:
        expiry = "no expiry"
    elif token.expires_at <= now:
        expiry = "**expired**"
    else:
        expiry = "expires " + _when(token.expires_at - dt.timedelta(seconds=1), user)[:10]
    return (
        f"**{plain(token.name)}** · `{token.prefix}…` · {_SCOPES[token.scope]} · "
        f"made {_when(token.created_at, user)} · last used "
        f"{_when(token.last_used_at, user)} · {expiry}"
    )


def _token_list(user: UserRead) -> None:
    with session() as db:
        listed = tokens.list_tokens(db, user.id)
    if not listed:
        st.caption("No API tokens yet.")
        return
    now = dt.datetime.now(dt.UTC)
    for token in listed:
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(_describe(token, user, now))
        if button.button("Revoke", key=f"api_token_revoke_{token.id}", icon=":material/block:"):
            try:
                with session() as db:
                    tokens.revoke_token(db, user.id, token.id)
            except NotFoundError:  # revoked meanwhile, in another tab
                _done(f"Token “{plain(token.name)}” was revoked already.")
            security.event(
                "api_token_revoked", user_id=user.id, token_id=token.id, via="account_page"
            )
            _done(f"Token “{plain(token.name)}” revoked: it no longer works.")
    confirm = st.checkbox(f"Revoke all {len(listed)} tokens", key="api_token_revoke_all_ok")
    if st.button(
        destructive("Revoke all tokens"), key="api_token_revoke_all", disabled=not confirm
    ):
        with session() as db:
            count = tokens.revoke_all_tokens(db, user.id)
        security.event("api_tokens_revoked_all", user_id=user.id, count=count, via="account_page")
        st.session_state.pop("api_token_revoke_all_ok", None)
        _done(f"{count} token(s) revoked: none of them works any more.")


def _done(message: str) -> NoReturn:
    st.session_state.pop(NEW_TOKEN_KEY, None)
    st.session_state[_MESSAGE_KEY] = message
    st.rerun()
