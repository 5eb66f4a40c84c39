"""Sign-in glue: our own sign-in and registration forms over the user service, and
streamlit-authenticator's signed re-auth cookie.

We keep the library for the cookie (a JWT with username and expiry, set and deleted by its
JavaScript component) but not for its login form: that form strips spaces from passwords and
needs every account in memory. Revocation: a cookie issued before the user's
`sessions_valid_after` (bumped at sign-out) is refused, so a copied cookie dies at sign-out.
"""

from __future__ import annotations

import datetime as dt
import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from fueltracker import security
from fueltracker.config import get_settings
from fueltracker.errors import FuelTrackerError, NotFoundError
from fueltracker.schemas import UserCreate, UserRead, parse
from fueltracker.services import users
from fueltracker.ui.context import session
from fueltracker.ui.errors import FieldErrors

USER_ID_KEY = "user_id"
MAX_COOKIE_DAYS = 30.0
# The cookie component needs a moment to run in the browser before a rerun removes it: its
# iframe loads from scratch in a fresh browser. 0.5 s once missed on a busy 2-core CI run
# (the cookie was not set, so a reload asked to sign in again); 1 s at sign-in and sign-out
# only is the cheaper side of that trade.
COOKIE_SETTLE_SECONDS = 1.0


def _cookie_expiry_days() -> float:
    return min(get_settings().cookie_expiry_days, MAX_COOKIE_DAYS)


def _authenticator() -> stauth.Authenticate:
    """The library object, created only to set or delete the cookie: it renders a cookie
    component whose first report reruns the script, and a rerun on every page load would
    swallow a click made in that moment."""
    settings = get_settings()
    return stauth.Authenticate(
        {"usernames": {}},
        cookie_name=settings.cookie_name,
        cookie_key=settings.resolved_cookie_key(),
        cookie_expiry_days=_cookie_expiry_days(),
        auto_hash=False,
        login_sleep_time=0,
    )


def _read_cookie() -> dict | None:
    """The re-auth cookie's claims if its signature holds (the library's JWT format,
    read from the request headers without any component)."""
    settings = get_settings()
    token = st.context.cookies.get(settings.cookie_name)
    if not token:
        return None
    try:
        claims = jwt.decode(token, settings.resolved_cookie_key(), algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if not isinstance(claims.get("username"), str) or not isinstance(
            claims.get("exp_date"), int | float):
        return None
    if claims["exp_date"] <= time.time():
        return None
    return claims


def _start_session(user: UserRead) -> None:
    st.session_state[USER_ID_KEY] = user.id
    # The library signs the cookie for st.session_state["username"].
    st.session_state["username"] = user.username
    st.session_state["name"] = user.display_name
    st.session_state["authentication_status"] = True
    st.session_state["logout"] = False


def _end_session() -> None:
    for key in (USER_ID_KEY, "username", "name", "authentication_status"):
        st.session_state.pop(key, None)
    st.session_state["logout"] = True


def _user_from_cookie() -> UserRead | None:
    if st.session_state.get("logout"):
        return None  # signed out in this tab: the browser may still send the old cookie
    token = _read_cookie()
    if token is None:
        return None
    # The library's token has no issue time: it is the expiry minus the lifetime.
    issued_at = dt.datetime.fromtimestamp(token["exp_date"] - _cookie_expiry_days() * 86400,
                                          dt.UTC)
    with session() as db:
        user_id = users.session_is_valid(db, token["username"], issued_at)
        user = users.get_user(db, user_id) if user_id is not None else None
    if user is None:
        security.event("cookie_rejected", username=token["username"])
        return None
    security.event("cookie_login", user_id=user.id)
    return user


def _session_user() -> UserRead | None:
    """The user this browser session signed in as, fresh from the database (preferences
    and data revision may have changed since the last run)."""
    user_id = st.session_state.get(USER_ID_KEY)
    if user_id is None:
        return None
    try:
        with session() as db:
            return users.get_user(db, user_id)
    except NotFoundError:  # the account was deleted meanwhile
        _end_session()
        return None


def gate() -> UserRead | None:
    """The signed-in user of this run (session, else a valid re-auth cookie), or None."""
    if st.session_state.get(USER_ID_KEY) is not None:
        return _session_user()
    user = _user_from_cookie()
    if user is not None:
        _start_session(user)
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
    """End this session and revoke every re-auth cookie of the user, then rerun."""
    with session() as db:
        users.revoke_sessions(db, user.id)
    security.event("logout", user_id=user.id)
    leave()


def leave() -> None:
    """Forget the signed-in user in this browser (session and cookie) and rerun to the
    sign-in page; the caller has already revoked or deleted what the server knew."""
    _authenticator().cookie_controller.delete_cookie()
    _end_session()
    time.sleep(COOKIE_SETTLE_SECONDS)
    st.rerun()


def renew_cookie() -> None:
    """Give this browser a fresh cookie after its user's cookies were revoked (password
    change), so the session that made the change stays signed in after a reload."""
    _authenticator().cookie_controller.set_cookie()
    time.sleep(COOKIE_SETTLE_SECONDS)


def _signed_in(user: UserRead) -> None:
    _start_session(user)
    _authenticator().cookie_controller.set_cookie()
    time.sleep(COOKIE_SETTLE_SECONDS)
    st.rerun()


def sign_in_page() -> None:
    """The page a signed-out visitor sees: sign in, or create an account."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(":material/local_gas_station: Fuel Tracker", anchor=False)
        st.caption("Log every fill-up in seconds. See what your car really uses and costs.")
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
        password = st.text_input("Password", type="password", key="sign_in_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if not submitted:
        return
    with session() as db:
        result = users.sign_in(db, username, password)
    user = result.user
    if result.retry_after_minutes is not None:
        security.event("login_throttled", username=username)
        st.error("Too many failed sign-ins for this username. Try again in "
                 f"{result.retry_after_minutes} minute(s).")
        return
    if user is None:
        security.event("login_failed", username=username)
        st.error("Wrong username or password.")
        return
    security.event("login_ok", user_id=user.id)
    _signed_in(user)


def _register_form() -> None:
    errors = FieldErrors("register")
    with st.form("register"):
        username = st.text_input("Username", key="register_username", autocomplete="username",
                                 help="3–64 letters, digits, dots, dashes or underscores")
        errors.show("username")
        display_name = st.text_input("Your name", key="register_display_name")
        errors.show("display_name")
        email = st.text_input("Email (optional)", key="register_email", autocomplete="email")
        errors.show("email")
        password = st.text_input("Password", type="password", key="register_password",
                                 autocomplete="new-password", help="12 to 64 characters")
        repeat = st.text_input("Repeat password", type="password", key="register_repeat",
                               autocomplete="new-password")
        errors.show("password")
        submitted = st.form_submit_button("Create account", type="primary",
                                          width="stretch")
    if not submitted:
        return
    errors.clear()
    if password != repeat:
        errors.set("password", "The two passwords differ.")
        st.rerun()
    try:
        data = parse(UserCreate, username=username, display_name=display_name or username,
                     email=email, password=password)
        with session() as db:
            user = users.register_user(db, data)
    except FuelTrackerError as exc:
        errors.set(getattr(exc, "field", "username"), str(exc))
        st.rerun()
    security.event("register", user_id=user.id)
    _signed_in(user)
