"""Account page glue: preferences, profile, password and account deletion over the user
service, with errors shown under their fields."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import streamlit as st

from fueltracker import security, units
from fueltracker.schemas import PreferencesUpdate, ProfileUpdate, UserRead, parse
from fueltracker.services import users
from fueltracker.ui import auth, downloads
from fueltracker.ui.context import session
from fueltracker.ui.errors import KEEP_TYPED, FieldErrors
from fueltracker.ui.text import destructive, plain

COMMON_CURRENCIES = (
    "USD",
    "EUR",
    "GBP",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "JPY",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "INR",
    "ZAR",
    "BRL",
    "MXN",
)
_DISTANCE = {"km": "Kilometres (km)", "mi": "Miles (mi)"}
_VOLUME = {"L": "Litres (L)", "gal_us": "US gallons", "gal_uk": "UK (imperial) gallons"}
_TIMEZONES = sorted(available_timezones())
# (user id, local time) of this session's last password change: the user id, so another
# account signed in later in the same browser tab is not told about it.
_PASSWORD_CHANGED_KEY = "account_password_changed"


def _flash(message: str) -> None:
    st.session_state["account_message"] = message
    st.rerun()


def show_flash() -> None:
    """The confirmation of the last change, once."""
    if "account_message" in st.session_state:
        st.success(st.session_state.pop("account_message"), icon=":material/check_circle:")


def preferences_form(user: UserRead) -> None:
    """Currency, units and timezone; every figure of the app follows them."""
    errors = FieldErrors("preferences")
    currencies = list(COMMON_CURRENCIES)
    if user.currency not in currencies:
        currencies.append(user.currency)
    with st.form("preferences"):
        currency = st.selectbox(
            "Currency",
            currencies,
            index=currencies.index(user.currency),
            accept_new_options=True,
            key="pref_currency",
            persist_state=KEEP_TYPED,
            help="Any ISO 4217 code. Amounts are never converted.",
        )
        errors.show("currency")
        c1, c2 = st.columns(2)
        distance = c1.radio(
            "Distance",
            list(_DISTANCE),
            format_func=_DISTANCE.get,
            index=list(_DISTANCE).index(user.distance_unit),
            key="pref_distance",
            persist_state=KEEP_TYPED,
        )
        volume = c2.radio(
            "Volume",
            list(_VOLUME),
            format_func=_VOLUME.get,
            index=list(_VOLUME).index(user.volume_unit),
            key="pref_volume",
            persist_state=KEEP_TYPED,
        )
        consumption = st.selectbox(
            "Consumption",
            list(units.CONSUMPTION_UNITS),
            format_func=units.consumption_label,
            key="pref_consumption",
            persist_state=KEEP_TYPED,
            index=list(units.CONSUMPTION_UNITS).index(user.consumption_unit),
        )
        timezone = st.selectbox(
            "Timezone",
            _TIMEZONES,
            key="pref_timezone",
            persist_state=KEEP_TYPED,
            index=_TIMEZONES.index(user.timezone) if user.timezone in _TIMEZONES else None,
            help="Decides what 'today' is for your fill-ups.",
        )
        errors.show("timezone")
        submitted = st.form_submit_button("Save preferences", type="primary")
    if not submitted:
        return
    errors.clear()
    with errors.refused_at("currency"):
        data = parse(
            PreferencesUpdate,
            currency=currency,
            distance_unit=distance,
            volume_unit=volume,
            consumption_unit=consumption,
            timezone=timezone,
        )
        with session() as db:
            users.set_preferences(db, user.id, data)
    _flash("Preferences saved: every page now uses them.")


def profile_form(user: UserRead) -> None:
    """Display name and optional email."""
    errors = FieldErrors("profile")
    with st.form("profile"):
        name = st.text_input(
            "Your name",
            value=user.display_name,
            max_chars=100,
            key="profile_name",
            persist_state=KEEP_TYPED,
        )
        errors.show("display_name")
        email = st.text_input(
            "Email (optional)",
            value=user.email or "",
            key="profile_email",
            persist_state=KEEP_TYPED,
        )
        errors.show("email")
        submitted = st.form_submit_button("Save profile")
    if not submitted:
        return
    errors.clear()
    with errors.refused_at("display_name"):
        data = parse(ProfileUpdate, display_name=name, email=email)
        with session() as db:
            users.update_profile(db, user.id, data)
    _flash("Profile saved.")


def password_form(user: UserRead) -> None:
    """Change the password (current one required); signs out every other browser.

    The confirmation is state of this session (shown above the form on every run), not a
    one-run flash: renewing this browser's cookie renders the cookie component, whose report
    from the browser reruns the page, once or twice, and a flash shown on the first of those
    runs was gone before anyone could read it (or the report cut the run short before the
    flash was even set)."""
    errors = FieldErrors("password")
    changed = st.session_state.get(_PASSWORD_CHANGED_KEY)
    if changed is not None and changed[0] == user.id:
        st.success(
            f"Password changed at {changed[1]}. Every other browser signed in to this "
            "account is signed out; this one stays signed in.",
            icon=":material/check_circle:",
        )
    with st.form("password", clear_on_submit=True):
        current = st.text_input(
            "Current password", type="password", key="pw_current", autocomplete="current-password"
        )
        errors.show("current_password")
        new = st.text_input(
            "New password",
            type="password",
            key="pw_new",
            autocomplete="new-password",
            help="12 to 64 characters",
        )
        repeat = st.text_input(
            "Repeat new password", type="password", key="pw_repeat", autocomplete="new-password"
        )
        errors.show("new_password")
        submitted = st.form_submit_button("Change password")
    if not submitted:
        return
    errors.clear()
    st.session_state.pop(_PASSWORD_CHANGED_KEY, None)
    if new != repeat:
        errors.fail("new_password", "The two new passwords differ.")
    with errors.refused_at("new_password"), session() as db:
        signed_in_at = users.change_password(
            db, user.id, current, new, client=auth.client_address()
        )
    # Set before the cookie is renewed: nothing after this line is sure to run.
    at = dt.datetime.now(ZoneInfo(user.timezone)).strftime("%H:%M")
    st.session_state[_PASSWORD_CHANGED_KEY] = (user.id, at)
    security.event("password_change", user_id=user.id)
    auth.renew_session(user, signed_in_at)
    st.rerun()


def data_downloads(user: UserRead) -> None:
    """Everything of the account in one ZIP, the canonical re-importable fill-ups, and the
    fill-ups in the user's own units (the sidebar's file)."""
    st.markdown(
        "**Download all my data**: a ZIP with your fill-ups (our CSV format, "
        "kilometres and litres), your vehicles, your expenses and your account's "
        "preferences. Importing it into an empty account restores the same fill-up "
        "history (expenses are not imported back yet)."
    )
    downloads.archive_button(user)
    st.markdown(
        "**Fill-ups, canonical, re-importable**: every fill-up in Fuel Tracker's own "
        "CSV format, in kilometres and litres with every digit stored: the file to "
        "import here again or into another account."
    )
    downloads.canonical_button(user)
    st.markdown(
        f"**Fill-ups in my units**: the same rows in your units "
        f"({downloads.units_summary(user)}), rounded as the app shows them, for a "
        "spreadsheet; the sidebar gives the same file. Not meant for re-import."
    )
    downloads.my_units_button(user)


def delete_form(user: UserRead) -> None:
    """Delete the account and all its data, after the password and the typed username."""
    errors = FieldErrors("delete_account")
    st.warning(
        "This deletes your account, vehicles, every fill-up and every expense at once. "
        "It cannot be undone: download your data first.",
        icon=":material/warning:",
    )
    with st.form("delete_account", clear_on_submit=True):
        password = st.text_input(
            "Password", type="password", key="delete_password", autocomplete="current-password"
        )
        errors.show("password")
        confirmation = st.text_input(
            f"Type your username ({plain(user.username)}) to confirm", key="delete_confirmation"
        )
        errors.show("confirmation")
        submitted = st.form_submit_button(destructive("Delete my account"))
    if not submitted:
        return
    errors.clear()
    with errors.refused_at("password"), session() as db:
        users.delete_account(db, user.id, password, confirmation, client=auth.client_address())
    security.event("account_deleted", user_id=user.id)
    auth.leave(auth.ACCOUNT_DELETED)
