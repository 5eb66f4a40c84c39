"""The sign-in page's security paths (issue 13, items 5 and 6): the form goes through the
throttle, and failed sign-ins log a typed name only when it is an account's (the browser
test checks that stdout holds JSON lines only: the cookie library printed there)."""

from __future__ import annotations

import json
import logging

from fueltracker import security
from tests.factories import PASSWORD


def _sign_in(app, username: str, password: str):
    app.text_input(key="sign_in_username").input(username)
    app.text_input(key="sign_in_password").input(password)
    return app.button[0].click().run()


def test_the_sign_in_form_is_throttled(app, account):
    app.run()
    for _ in range(5):
        app = _sign_in(app, account.username, "not the password")
        assert [e.value for e in app.error] == ["Wrong username or password."]
    app = _sign_in(app, account.username, PASSWORD)  # right, but after five failures
    assert [e.value for e in app.error][0].startswith(
        "Too many failed sign-ins for this username. Try again in "
    )
    assert "user_id" not in app.session_state


def _events(caplog, name: str) -> list[dict]:
    return [r.security for r in caplog.records if getattr(r, "security", {}).get("event") == name]


def test_a_failed_sign_in_logs_an_unknown_name_only_as_a_hash(app, account, caplog):
    caplog.set_level(logging.INFO)
    typed_password = "my secret passphrase typed into the wrong field"
    app.run()
    app = _sign_in(app, typed_password, "anything at all")
    app = _sign_in(app, account.username, "not the password")
    unknown, known = _events(caplog, "login_failed")
    assert unknown["username"] == security.typed_username(typed_password, False)
    assert unknown["username"].startswith("sha256:") and len(unknown["username"]) == 19
    assert known["username"] == account.username
    assert typed_password not in "\n".join(
        r.getMessage() + json.dumps(getattr(r, "security", {})) for r in caplog.records
    )


def test_sign_out_prints_nothing_to_stdout(app, account, capsys, monkeypatch):
    """In JSON mode every stdout line is JSON. The cookie component's delete raises
    KeyError when it has not reported the browser's cookies yet; the library caught it and
    printed the cookie's name to stdout. Sign-out must neither print nor fail then."""
    import extra_streamlit_components as stx

    from fueltracker.ui import auth

    def delete_before_the_component_reported(self, cookie, key="delete"):
        raise KeyError(cookie)

    monkeypatch.setattr(stx.CookieManager, "delete", delete_before_the_component_reported)
    monkeypatch.setattr(auth, "COOKIE_SETTLE_SECONDS", 0)
    app.run()
    app = _sign_in(app, account.username, PASSWORD)
    capsys.readouterr()
    app = app.button(key="sign_out").click().run()
    assert "user_id" not in app.session_state
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [line for line in lines if not line.startswith("{")] == []
    for line in lines:
        json.loads(line)
