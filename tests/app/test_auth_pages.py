"""Sign-in, registration and sign-out through the router."""

from fueltracker.db import session_scope
from fueltracker.services import users
from tests.factories import PASSWORD


def _titles(app):
    return [title.value for title in app.title]


def test_signed_out_visitor_sees_sign_in(app):
    app.run()
    assert not app.exception
    assert "Fuel Tracker" in _titles(app)[0]
    assert app.text_input(key="sign_in_username") is not None


def test_wrong_password_message(app, account):
    app.run()
    app.text_input(key="sign_in_username").input(account.username)
    app.text_input(key="sign_in_password").input("not the password")
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["Wrong username or password."]
    app.text_input(key="sign_in_username").input("nobody-" + account.username)
    app.text_input(key="sign_in_password").input(PASSWORD)
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["Wrong username or password."]


def test_sign_in_then_out(app, account):
    app.run()
    app.text_input(key="sign_in_username").input(account.username.upper())
    app.text_input(key="sign_in_password").input(PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state["user_id"] == account.id
    assert _titles(app) == ["Dashboard"]
    app.button(key="sign_out").click().run()
    assert "user_id" not in app.session_state
    assert "Fuel Tracker" in _titles(app)[0]


def test_register_creates_account_and_signs_in(app, unique_name):
    app.run()
    app.text_input(key="register_username").input(unique_name)
    app.text_input(key="register_display_name").input("New Driver")
    app.text_input(key="register_password").input("twelve chars at least")
    app.text_input(key="register_repeat").input("twelve chars at least")
    app.button[1].click().run()
    assert not app.exception
    assert _titles(app) == ["Dashboard"]
    with session_scope() as session:
        assert users.authenticate(session, unique_name, "twelve chars at least") is not None


def test_register_errors_keep_input(app, account):
    app.run()
    app.text_input(key="register_username").input(account.username)
    app.text_input(key="register_display_name").input("Someone")
    app.text_input(key="register_password").input("twelve chars at least")
    app.text_input(key="register_repeat").input("twelve chars at least")
    app.button[1].click().run()
    assert any("already taken" in e.value for e in app.error)
    assert app.text_input(key="register_display_name").value == "Someone"
    app.text_input(key="register_username").input("brand-new-" + account.username)
    app.text_input(key="register_password").input("short")
    app.text_input(key="register_repeat").input("short")
    app.button[1].click().run()
    assert any("at least 12 characters" in e.value for e in app.error)


def test_registration_can_be_closed(app, monkeypatch):
    from fueltracker.config import get_settings

    monkeypatch.setenv("FUELTRACKER_ALLOW_REGISTRATION", "false")
    get_settings.cache_clear()
    try:
        app.run()
        assert not app.exception
        assert len(app.tabs) == 0
        assert [b.label for b in app.button] == ["Sign in"]
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_reauth_cookie_is_set_again_until_the_browser_confirms_it(app, account):
    """A sign-in's cookie stays pending, drawn again in the sidebar on each run, until the
    cookie component reports that the browser set it (a slow iframe once missed the sign-in
    run's short pause, and a reload asked to sign in again)."""
    from fueltracker.ui.auth import CONFIRM_COOKIE_KEY, COOKIE_PENDING_KEY

    app.run()
    app.text_input(key="sign_in_username").input(account.username)
    app.text_input(key="sign_in_password").input(PASSWORD)
    app.button[0].click().run()
    assert _titles(app) == ["Dashboard"]
    assert COOKIE_PENDING_KEY in app.session_state
    app.run()  # no report from the browser yet: still pending
    assert COOKIE_PENDING_KEY in app.session_state
    app.session_state[CONFIRM_COOKIE_KEY] = True  # the component's report: cookie set
    app.run()
    assert COOKIE_PENDING_KEY not in app.session_state
    assert _titles(app) == ["Dashboard"]
