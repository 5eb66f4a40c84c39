"""Open browser sessions end where the README says they do (issue 13, item 1; issue 12,
item 7): sign-out in another tab, a password change elsewhere and the admin's
reset-password end every other session at its next interaction, nothing it had typed is
saved, and the sign-in page says why; the session that changed the password stays."""

from __future__ import annotations

from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from fueltracker.db import session_scope
from fueltracker.services import history, users
from fueltracker.ui import auth
from fueltracker.ui.text import destructive
from tests.app.conftest import HARNESS, PAGES, open_page, sign_in_state
from tests.factories import PASSWORD

TYPED = {"odometer": 10500.0, "volume": 35.0, "total": 60.0}


def _second_tab(account) -> AppTest:
    """Another signed-in browser session of the same account."""
    return sign_in_state(AppTest.from_file(str(HARNESS), default_timeout=30), account.id)


def _on_sign_in_page(app: AppTest) -> bool:
    return (
        "user_id" not in app.session_state
        and app.text_input(key="sign_in_username") is not None
        and "Fuel Tracker" in app.title[0].value
    )


def _infos(app: AppTest) -> list[str]:
    return [i.value for i in app.info]


def _stored(account) -> list:
    with session_scope() as session:
        return history.list_fillups(session, account.id).rows


def _typed_fillup(app: AppTest) -> AppTest:
    for name, value in TYPED.items():
        app.number_input(key=f"fillup_0_{name}").set_value(value)
    return app.run()


def _save(app: AppTest) -> AppTest:
    return app.button(key="fillup_0_save").click().run()


@pytest.mark.parametrize(
    "revoke", ["admin_reset", "sign_out_elsewhere", "password_changed_elsewhere"]
)
def test_an_open_tab_saves_nothing_after_its_session_ended(signed_in_app, account, garage, revoke):
    garage("Golf")
    app = _typed_fillup(open_page(signed_in_app, "log_fillup"))
    assert not app.exception
    if revoke == "admin_reset":  # what `python -m fueltracker reset-password` does
        with session_scope() as session:
            users.set_password(session, account.id, "a brand new password")
    elif revoke == "sign_out_elsewhere":
        other = _second_tab(account)
        other.run()
        other.button(key="sign_out").click().run()
        assert _on_sign_in_page(other) and _infos(other) == [auth.SIGNED_OUT]
    else:
        other = open_page(_second_tab(account), "account")
        other.text_input(key="pw_current").input(PASSWORD)
        other.text_input(key="pw_new").input("a brand new password")
        other.text_input(key="pw_repeat").input("a brand new password")
        next(b for b in other.button if b.label == "Change password").click().run()
        assert "Password changed" in other.success[0].value
    app = _save(app)
    assert not app.exception
    assert _stored(account) == []  # what was typed was not saved
    assert _on_sign_in_page(app)
    assert _infos(app) == [auth.REVOKED]
    assert not [e for e in app.error if "Something went wrong" in e.value]


def test_the_tab_that_changes_the_password_stays_signed_in(signed_in_app, account, garage):
    garage("Golf")
    app = open_page(signed_in_app, "account")
    app.text_input(key="pw_current").input(PASSWORD)
    app.text_input(key="pw_new").input("a brand new password")
    app.text_input(key="pw_repeat").input("a brand new password")
    app = next(b for b in app.button if b.label == "Change password").click().run()
    assert not app.exception
    assert "Password changed" in app.success[0].value
    # Its next interactions still work: a fill-up saves.
    app = _save(_typed_fillup(app.switch_page(str(PAGES / "log_fillup.py")).run()))
    assert not app.exception and app.session_state["user_id"] == account.id
    assert [r.odometer_km for r in _stored(account)] == [Decimal("10500")]


def test_a_save_that_skips_the_gate_is_refused_too(signed_in_app, account, garage, monkeypatch):
    """A fragment rerun of the fill-up entry never passes app.py's gate: the refusal must
    come from the path every save takes (ui.context.session). Here the gate is made to
    let the revoked session through, as a fragment rerun would."""
    garage("Golf")
    app = _typed_fillup(open_page(signed_in_app, "log_fillup"))
    with session_scope() as session:
        users.revoke_sessions(session, account.id)
    with session_scope() as session:
        stale = users.get_user(session, account.id)
    monkeypatch.setattr(auth, "_session_user", lambda: stale)
    app = _save(app)
    assert not app.exception
    assert _stored(account) == []
    assert not [e for e in app.error if "Something went wrong" in e.value]
    assert _on_sign_in_page(app) and _infos(app) == [auth.REVOKED]


def test_sign_out_says_so(signed_in_app):
    app = signed_in_app
    app.run()
    app = app.button(key="sign_out").click().run()
    assert _on_sign_in_page(app)
    assert _infos(app) == ["You are signed out."]


def test_account_deletion_says_so_and_other_tabs_follow(signed_in_app, account):
    other = _second_tab(account)
    other.run()
    app = open_page(signed_in_app, "account")
    app.text_input(key="delete_password").input(PASSWORD)
    app.text_input(key="delete_confirmation").input(account.username)
    app = next(b for b in app.button if b.label == destructive("Delete my account")).click().run()
    assert _on_sign_in_page(app)
    assert _infos(app) == ["Your account and all its data were deleted."]
    other.run()
    assert _on_sign_in_page(other)
    assert _infos(other) == [auth.DELETED_ELSEWHERE]


def test_revocation_message_names_the_causes():
    assert auth.REVOKED == (
        "You were signed out because your password was changed or you "
        "signed out in another browser — sign in again."
    )


def test_a_session_without_a_mark_is_not_signed_in(app, account):
    """A session state holding only a user id (no sign-in mark) opens nothing."""
    app.session_state["user_id"] = account.id
    app.run()
    assert not app.exception
    assert _on_sign_in_page(app)


def test_signing_in_again_clears_the_message(signed_in_app, account):
    app = signed_in_app
    app.run()
    app = app.button(key="sign_out").click().run()
    app.text_input(key="sign_in_username").input(account.username)
    app.text_input(key="sign_in_password").input(PASSWORD)
    app = app.button[0].click().run()
    assert app.session_state["user_id"] == account.id
    app.button(key="sign_out")  # the sidebar is back
    assert not _infos(app) or auth.SIGNED_OUT not in _infos(app)
