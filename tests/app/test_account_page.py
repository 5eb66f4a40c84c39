"""The Account page: preferences applied everywhere, profile, password, deletion; and the
security log that never holds a password."""

import logging

from fueltracker.db import session_scope
from fueltracker.logging_setup import JsonFormatter
from fueltracker.services import users
from fueltracker.ui.text import destructive
from tests.app.conftest import open_page, shown
from tests.factories import PASSWORD, make_user


def _events(caplog) -> list[str]:
    """The security events logged (their fields travel on the record, see security.py)."""
    return [r.security["event"] for r in caplog.records if hasattr(r, "security")]


def _log_lines(caplog) -> str:
    """The captured records as the JSON lines the app writes, security fields included."""
    formatter = JsonFormatter()
    return "\n".join(formatter.format(r) for r in caplog.records)


def _submit(app, label):
    [button] = [b for b in app.button if b.label == label]
    return button.click().run()


def test_preferences_change_every_label(signed_in_app, garage, account):
    garage("Truck", (("2024-01-01", "10000", "40", "72"), ("2024-01-20", "10800", "42", "77.7")))
    app = open_page(signed_in_app, "account")
    assert not app.exception
    app.selectbox(key="pref_currency").set_value("EUR")
    app.radio(key="pref_distance").set_value("mi")
    app.radio(key="pref_volume").set_value("gal_us")
    app.selectbox(key="pref_consumption").set_value("mpg_us")
    app.selectbox(key="pref_timezone").set_value("America/Denver")
    _submit(app, "Save preferences")
    assert "Preferences saved" in app.success[0].value
    with session_scope() as session:
        user = users.get_user(session, account.id)
    assert (
        user.currency,
        user.distance_unit,
        user.volume_unit,
        user.consumption_unit,
        user.timezone,
    ) == ("EUR", "mi", "gal_us", "mpg_us", "America/Denver")
    app = open_page(app, "dashboard")
    app.segmented_control(key="dashboard_period").set_value("All time").run()
    figures = {m.label: m.value for m in app.metric}
    assert figures["Avg mpg (US)"] == "44.80"  # 5.25 L/100 km
    assert figures["Distance (mi)"] == "497"  # 800 km
    assert "Avg EUR/US gal" in figures  # the price card (issue 12: its label was cut short)
    history = open_page(app, "history").dataframe[0].value
    assert "Consumption (mpg (US))" in history.columns
    assert "Price (EUR/US gal)" in history.columns


def test_profile_and_errors_under_fields(signed_in_app, account):
    app = open_page(signed_in_app, "account")
    app.text_input(key="profile_email").input("not-an-address")
    _submit(app, "Save profile")
    assert any("name@example.com" in shown(e.value) for e in app.error)
    assert app.text_input(key="profile_email").value == "not-an-address"
    app.text_input(key="profile_email").input("me@example.org")
    _submit(app, "Save profile")
    assert "Profile saved." in app.success[0].value
    assert len(app.get("download_button")) >= 2  # sidebar CSV, ZIP, CSV in my units


def test_change_password(signed_in_app, account, caplog):
    caplog.set_level(logging.INFO)
    app = open_page(signed_in_app, "account")
    app.text_input(key="pw_current").input("wrong current pw")
    app.text_input(key="pw_new").input("my new long secret")
    app.text_input(key="pw_repeat").input("my new long secret")
    _submit(app, "Change password")
    assert any("current password is wrong" in e.value for e in app.error)
    app.text_input(key="pw_current").input(PASSWORD)
    app.text_input(key="pw_new").input("my new long secret")
    app.text_input(key="pw_repeat").input("my new long secret")
    _submit(app, "Change password")
    assert not app.exception
    assert "Password changed" in app.success[0].value
    with session_scope() as session:
        assert users.authenticate(session, account.username, "my new long secret") is not None
    assert "password_change" in _events(caplog)
    lines = _log_lines(caplog)
    assert "my new long secret" not in lines and PASSWORD not in lines


def test_password_confirmation_stays_through_the_cookie_reruns(signed_in_app, account, unique_name):
    """Issue 12, item 7: in the browser the confirmation never showed: renewing the cookie
    reruns the page once or twice (the cookie component reports back), and the one-run flash
    was gone by then. It is now this session's state, shown above the form on every run."""
    app = open_page(signed_in_app, "account")
    app.text_input(key="pw_current").input(PASSWORD)
    app.text_input(key="pw_new").input("my new long secret")
    app.text_input(key="pw_repeat").input("my new long secret")
    _submit(app, "Change password")
    for _ in range(3):  # the reruns the cookie component's reports cause in a browser
        [message] = [s.value for s in app.success]
        assert message.startswith("Password changed at ")
        assert message.endswith(
            "Every other browser signed in to this account is signed out; this one stays signed in."
        )
        app.run()
    # Another account signed in later in this browser tab is not told about it.
    with session_scope() as session:
        other = make_user(session, f"o{unique_name}")
    app.session_state["user_id"] = other.id
    app.run()
    assert not app.success


def test_delete_account(signed_in_app, account, garage):
    garage("Golf")
    app = open_page(signed_in_app, "account")
    app.text_input(key="delete_password").input(PASSWORD)
    app.text_input(key="delete_confirmation").input("wrong-name")
    _submit(app, destructive("Delete my account"))
    assert any("to confirm" in e.value for e in app.error)
    app.text_input(key="delete_password").input(PASSWORD)
    app.text_input(key="delete_confirmation").input(account.username)
    _submit(app, destructive("Delete my account"))
    assert not app.exception
    assert "user_id" not in app.session_state
    assert "Fuel Tracker" in app.title[0].value  # back on the sign-in page
    with session_scope() as session:
        assert users.authenticate(session, account.username, PASSWORD) is None


def test_sign_in_events_are_logged_without_secrets(app, account, caplog):
    caplog.set_level(logging.INFO)
    app.run()
    app.text_input(key="sign_in_username").input(account.username)
    app.text_input(key="sign_in_password").input("a wrong password here")
    app.button[0].click().run()
    app.text_input(key="sign_in_password").input(PASSWORD)
    app.button[0].click().run()
    assert {"login_failed", "login_ok"} <= set(_events(caplog))
    lines = _log_lines(caplog)
    assert PASSWORD not in lines and "a wrong password here" not in lines
    assert all(r.correlation_id != "-" for r in caplog.records if hasattr(r, "security"))
