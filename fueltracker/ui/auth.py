"""Sign-in glue: our own sign-in and registration forms over the user service, the
browser session's mark, and the signed re-auth cookie.

A browser session remembers when it signed in (database time, `SIGNED_IN_AT_KEY`); every
transaction it opens compares that mark with the account's `sessions_valid_after`
(ui.context.session), so sign-out, a password change or an admin reset ends every other
open tab at its next interaction, and the sign-in page says why.

The re-auth cookie is a JWT (HS256, FUELTRACKER_COOKIE_KEY) with the username, its issue
time (`iat`, the session's mark) and its expiry, written and deleted by
streamlit-authenticator's cookie component. A cookie issued before the user's
`sessions_valid_after` is refused, and so is one older than the configured lifetime:
revocation compares the time the cookie carries, so no setting can move it past its
revocation. Cookies without an issue time (written before it was added) are refused.
We keep the library for that component but not for its login form (it strips spaces from
passwords and needs every account in memory) nor for its token (it carries no issue time).
"""

from __future__ import annotations

import datetime as dt
import importlib
import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit.delta_generator import DeltaGenerator

from fueltracker import security
from fueltracker.config import get_settings
from fueltracker.errors import NotFoundError, SessionRevoked
from fueltracker.schemas import UserCreate, UserRead, parse
from fueltracker.services import users
from fueltracker.ui import context
from fueltracker.ui.context import (
    ACCOUNT_DELETED,
    DELETED_ELSEWHERE,
    REVOKED,
    SIGNED_IN_AT_KEY,
    SIGNED_OUT,
    SIGNED_OUT_REASON_KEY,
    USER_ID_KEY,
    session,
)
from fueltracker.ui.errors import FieldErrors

__all__ = [
    "ACCOUNT_DELETED",
    "DELETED_ELSEWHERE",
    "REVOKED",
    "SIGNED_OUT",
    "USER_ID_KEY",
    "client_address",
    "gate",
    "leave",
    "renew_session",
    "require_user",
    "sign_in_page",
    "sign_out",
]

MAX_COOKIE_DAYS = 30.0
# The cookie component needs a moment to run in the browser before a rerun removes it: its
# iframe loads from scratch in a fresh browser. 0.5 s once missed on a busy 2-core CI run
# (the cookie was not set, so a reload asked to sign in again); 1 s at sign-in and sign-out
# only is the cheaper side of that trade.
COOKIE_SETTLE_SECONDS = 1.0
# The cookie this session set at sign-in (or password change), until the browser confirmed
# it: (cookie value, expiry). On a loaded machine the component's iframe can take longer
# than COOKIE_SETTLE_SECONDS to load, the rerun then removes it before it ran, and the
# browser never got the cookie (a reload asked to sign in again; make load's failover saw
# it once in seven runs). confirm_cookie sets it again in the next runs until it is done.
COOKIE_PENDING_KEY = "_reauth_cookie_pending"
# The package's module (its __init__ rebinds the name CookieManager to the class), for the
# component function that the class's set() calls without returning its answer.
_COOKIE_COMPONENT = importlib.import_module("extra_streamlit_components.CookieManager")
CONFIRM_COOKIE_KEY = "reauth_cookie_confirm"


def client_address() -> str:
    """This browser's address as the password-check throttle counts it: the connection's,
    or X-Forwarded-For's as far as FUELTRACKER_TRUSTED_PROXY_HOPS trusts it
    (security.client_key)."""
    return security.client_key(
        st.context.ip_address,
        st.context.headers.get_all("X-Forwarded-For"),
        get_settings().trusted_proxy_hops,
    )


def _cookie_expiry_days() -> float:
    return min(get_settings().cookie_expiry_days, MAX_COOKIE_DAYS)


def _cookie_manager():
    """streamlit-authenticator's cookie component (extra_streamlit_components'
    CookieManager), created only to set or delete the cookie: it renders a component whose
    first report reruns the script, and a rerun on every page load would swallow a click
    made in that moment."""
    settings = get_settings()
    return stauth.Authenticate(
        {"usernames": {}},
        cookie_name=settings.cookie_name,
        cookie_key=settings.resolved_cookie_key(),
        cookie_expiry_days=_cookie_expiry_days(),
        auto_hash=False,
        login_sleep_time=0,
    ).cookie_controller.cookie_model.cookie_manager


def cookie_token(username: str, issued_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """The signed re-auth token of `username` for a session marked `issued_at`."""
    now = now or dt.datetime.now(dt.UTC)
    claims = {
        "username": username,
        "iat": issued_at.timestamp(),
        "exp_date": (now + dt.timedelta(days=_cookie_expiry_days())).timestamp(),
    }
    return jwt.encode(claims, get_settings().resolved_cookie_key(), algorithm="HS256")


def _set_cookie(username: str, issued_at: dt.datetime) -> None:
    """Send the re-auth cookie to the browser, and keep it pending until the browser says
    it holds it (confirm_cookie)."""
    expires = dt.datetime.now() + dt.timedelta(days=_cookie_expiry_days())
    token = cookie_token(username, issued_at)
    _cookie_manager().set(get_settings().cookie_name, token, expires_at=expires)
    st.session_state[COOKIE_PENDING_KEY] = (token, expires)


def confirm_cookie() -> None:
    """While the re-auth cookie of this session's sign-in is not confirmed by the browser,
    draw the cookie component's "set" once more (same value and expiry, so the same
    element from run to run): the page run that follows a sign-in leaves it time to load.
    Its report (true once the browser set the cookie) ends it. Drawn without the library's
    "getAll" component, whose report would cost another rerun."""
    pending = st.session_state.get(COOKIE_PENDING_KEY)
    if pending is None:
        return
    token, expires = pending
    # The options CookieManager.set sends (its defaults: path "/", SameSite strict); the
    # library's set() drops the component's answer, hence its component function here.
    done = _COOKIE_COMPONENT._component_func(
        method="set",
        cookie=get_settings().cookie_name,
        value=token,
        options={"path": "/", "expires": expires.isoformat(), "sameSite": "strict"},
        key=CONFIRM_COOKIE_KEY,
        default=False,
    )
    if done:
        st.session_state.pop(COOKIE_PENDING_KEY, None)


def _delete_cookie() -> None:
    st.session_state.pop(COOKIE_PENDING_KEY, None)
    try:
        _cookie_manager().delete(get_settings().cookie_name)
    except KeyError:
        # The component has sent the deletion; it only did not know the cookie yet (its
        # first report is still to come). The library would print the name to stdout.
        pass


def read_cookie(token: str | None, now: dt.datetime | None = None) -> dict | None:
    """The re-auth cookie's claims if its signature holds, it carries an issue time and it
    is within both its own expiry and the configured lifetime counted from that issue time
    (a shorter setting shortens old cookies too; none is ever lengthened)."""
    if not token:
        return None
    settings = get_settings()
    try:
        # The issue time is the database's clock, which may run ahead of ours: checked
        # below (against the revocation), not against this machine's clock.
        claims = jwt.decode(
            token,
            settings.resolved_cookie_key(),
            algorithms=["HS256"],
            options={"verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("username"), str):
        return None
    if not all(
        isinstance(claims.get(name), int | float) and not isinstance(claims.get(name), bool)
        for name in ("exp_date", "iat")
    ):
        return None
    now_s = (now or dt.datetime.now(dt.UTC)).timestamp()
    if claims["exp_date"] <= now_s or claims["iat"] + _cookie_expiry_days() * 86400 <= now_s:
        return None
    return claims


def _user_from_cookie() -> tuple[UserRead, dt.datetime] | None:
    if st.session_state.get("logout"):
        return None  # signed out in this tab: the browser may still send the old cookie
    token = read_cookie(st.context.cookies.get(get_settings().cookie_name))
    if token is None:
        return None
    issued_at = dt.datetime.fromtimestamp(token["iat"], dt.UTC)
    with session() as db:
        user_id = users.session_is_valid(db, token["username"], issued_at)
        user = users.get_user(db, user_id) if user_id is not None else None
    if user is None:
        security.event("cookie_rejected", username=token["username"])
        return None
    security.event("cookie_login", user_id=user.id)
    # The session started from the cookie ends with it: same mark.
    return user, issued_at


def _session_user() -> UserRead | None:
    """The user this browser session signed in as, fresh from the database (preferences
    and data revision may have changed since the last run); None, with the reason kept
    for the sign-in page, once the session was ended elsewhere."""
    user_id = st.session_state.get(USER_ID_KEY)
    if user_id is None:
        return None
    try:
        with session() as db:  # checks the session's mark first
            return users.get_user(db, user_id)
    except (SessionRevoked, NotFoundError) as exc:
        deleted = not isinstance(exc, SessionRevoked) or exc.account_deleted
        security.event(
            "session_ended_elsewhere",
            user_id=user_id,
            reason="account_deleted" if deleted else "revoked",
        )
        context.end_session(DELETED_ELSEWHERE if deleted else REVOKED)
        return None


def gate() -> UserRead | None:
    """The signed-in user of this run (session, else a valid re-auth cookie), or None."""
    if st.session_state.get(USER_ID_KEY) is not None:
        user = _session_user()
    else:
        from_cookie = _user_from_cookie()
        user = None
        if from_cookie is not None:
            user, issued_at = from_cookie
            context.start_session(user.id, issued_at)
    context.signed_in.set(
        None if user is None else (user.id, st.session_state.get(SIGNED_IN_AT_KEY))
    )
    return user


def require_user() -> UserRead:
    """The signed-in user for a page script; stops the script if nobody is signed in."""
    user = _session_user()
    if user is not None:
        return user
    st.warning("Please sign in.")
    st.stop()
    raise AssertionError("unreachable")


def sign_out(user: UserRead) -> None:
    """End this session and revoke every session and re-auth cookie of the user, then
    rerun to the sign-in page."""
    with session() as db:
        users.revoke_sessions(db, user.id)
    security.event("logout", user_id=user.id)
    leave(SIGNED_OUT)


def leave(reason: str) -> None:
    """Forget the signed-in user in this browser (session and cookie) and rerun to the
    sign-in page, which shows `reason`; the caller has already revoked or deleted what the
    server knew."""
    _delete_cookie()
    context.end_session(reason)
    time.sleep(COOKIE_SETTLE_SECONDS)
    st.rerun()


def renew_session(user: UserRead, signed_in_at: dt.datetime) -> None:
    """Keep this browser signed in after it revoked its user's sessions (password change):
    a new session mark and a fresh cookie, both at the revocation's instant."""
    st.session_state[SIGNED_IN_AT_KEY] = signed_in_at
    context.signed_in.set((user.id, signed_in_at))
    _set_cookie(user.username, signed_in_at)
    time.sleep(COOKIE_SETTLE_SECONDS)


def _signed_in(user: UserRead, signed_in_at: dt.datetime) -> None:
    context.start_session(user.id, signed_in_at)
    _set_cookie(user.username, signed_in_at)
    time.sleep(COOKIE_SETTLE_SECONDS)
    st.rerun()


def sign_in_page() -> None:
    """The page a signed-out visitor sees: sign in, or create an account."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(":material/local_gas_station: Fuel Tracker", anchor=False)
        st.caption("Log every fill-up in seconds. See what your car really uses and costs.")
        reason = st.session_state.get(SIGNED_OUT_REASON_KEY)
        if reason:
            st.info(reason, icon=":material/logout:")
        # Two tabs, or the sign-in form alone in a plain container.
        sign_in_tab: DeltaGenerator
        register_tab: DeltaGenerator | None
        if get_settings().allow_registration:
            sign_in_tab, register_tab = st.tabs(["Sign in", "Create account"])
        else:
            sign_in_tab, register_tab = st.container(), None
        with sign_in_tab:
            _sign_in_form()
        if register_tab is not None:
            with register_tab:
                _register_form()


def _sign_in_form() -> None:
    with st.form("sign_in"):
        username = st.text_input("Username", key="sign_in_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if not submitted:
        return
    client = client_address()
    with session() as db:
        result = users.sign_in(db, username, password, client=client)
    user = result.user
    # Only an account's name is logged as typed (security.typed_username).
    typed = security.typed_username(username, result.account_exists)
    if result.retry_after_minutes is not None:
        security.event("login_throttled", username=typed, client=client)
        st.error(
            "Too many failed sign-ins for this username. Try again in "
            f"{result.retry_after_minutes} minute(s)."
        )
        return
    if user is None:
        security.event("login_failed", username=typed, client=client)
        st.error("Wrong username or password.")
        return
    security.event("login_ok", user_id=user.id, client=client)
    # users.sign_in marks every sign-in it lets through with the database's time.
    assert result.signed_in_at is not None
    _signed_in(user, result.signed_in_at)


def _register_form() -> None:
    errors = FieldErrors("register")
    with st.form("register"):
        username = st.text_input(
            "Username",
            key="register_username",
            autocomplete="username",
            help="3–64 letters, digits, dots, dashes or underscores",
        )
        errors.show("username")
        display_name = st.text_input("Your name", key="register_display_name")
        errors.show("display_name")
        email = st.text_input("Email (optional)", key="register_email", autocomplete="email")
        errors.show("email")
        password = st.text_input(
            "Password",
            type="password",
            key="register_password",
            autocomplete="new-password",
            help="12 to 64 characters",
        )
        repeat = st.text_input(
            "Repeat password", type="password", key="register_repeat", autocomplete="new-password"
        )
        errors.show("password")
        submitted = st.form_submit_button("Create account", type="primary", width="stretch")
    if not submitted:
        return
    errors.clear()
    if password != repeat:
        errors.fail("password", "The two passwords differ.")
    with errors.refused_at("username"):
        data = parse(
            UserCreate,
            username=username,
            display_name=display_name or username,
            email=email,
            password=password,
        )
        with session() as db:
            user = users.register_user(db, data)
            signed_in_at = users.clock(db)
    security.event("register", user_id=user.id)
    _signed_in(user, signed_in_at)
