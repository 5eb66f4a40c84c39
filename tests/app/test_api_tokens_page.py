"""The Account page's "API tokens" section: a new token is shown once, listed by its
prefix with its last use, works against the services until revoked (one, or all)."""

from __future__ import annotations

from fueltracker.db import session_scope
from fueltracker.services import tokens
from tests.app.conftest import open_page, shown


def _events(caplog) -> list[dict]:
    return [r.security for r in caplog.records if hasattr(r, "security")]


def _click(app, label_part):
    [button] = [b for b in app.button if label_part in b.label]
    return button.click().run()


def _authenticates(secret: str) -> bool:
    with session_scope() as session:
        return tokens.authenticate(session, secret).caller is not None


def _create(app, name: str, scope: str = "read"):
    app.text_input(key="api_token_name").input(name)
    app.radio(key="api_token_scope").set_value(scope)
    return _click(app, "Create token")


def test_a_new_token_is_shown_once_then_listed_by_its_prefix(signed_in_app, account, caplog):
    app = open_page(signed_in_app, "account")
    assert not app.exception
    assert any("No API tokens yet" in c.value for c in app.caption)
    app = _create(app, "Phone shortcut", "read+write")
    assert not app.exception
    [code] = app.code
    secret = code.value
    assert secret.startswith("ft_") and _authenticates(secret)
    assert any(
        "Phone shortcut" in shown(m.value) and "copy it now" in m.value.lower()
        for m in app.markdown
    )
    listed = [m.value for m in app.markdown if secret[:11] in m.value]
    assert len(listed) == 1 and "Read and write" in listed[0]
    # Dismissed, and on any later visit, the secret is nowhere on the page.
    app = _click(app, "I have copied it")
    assert not app.code
    app = open_page(app, "account")
    assert not app.code
    assert all(secret not in m.value for m in app.markdown)
    assert secret not in caplog.text
    [event] = [e for e in _events(caplog) if e["event"] == "api_token_created"]
    assert (event["user_id"], event["scope"]) == (account.id, "read+write")


def test_a_name_is_required(signed_in_app):
    app = _create(open_page(signed_in_app, "account"), "   ")
    assert not app.code
    assert any("Name" in e.value or "string" in e.value for e in app.error)
    with session_scope() as session:
        assert tokens.list_tokens(session, signed_in_app.session_state["user_id"]) == []


def test_revoke_one_then_all(signed_in_app, account, caplog):
    app = open_page(signed_in_app, "account")
    made = []
    for name in ("First", "Second", "Third"):
        app = _create(app, name)
        made.append(app.code[0].value)
    app = _click(app, "I have copied it")
    with session_scope() as session:
        first = next(t for t in tokens.list_tokens(session, account.id) if t.name == "First")
    app = app.button(key=f"api_token_revoke_{first.id}").click().run()
    assert any("revoked" in s.value for s in app.success)
    assert not _authenticates(made[0])
    assert _authenticates(made[1]) and _authenticates(made[2])
    assert all(made[0][:11] not in m.value for m in app.markdown)  # gone from the list
    app.checkbox(key="api_token_revoke_all_ok").check().run()
    app = app.button(key="api_token_revoke_all").click().run()
    assert any("2 token(s) revoked" in s.value for s in app.success)
    assert not any(_authenticates(secret) for secret in made)
    assert any("No API tokens yet" in c.value for c in app.caption)
    names = [e["event"] for e in _events(caplog)]
    assert names.count("api_token_revoked") == 1 and "api_tokens_revoked_all" in names


def test_a_past_expiry_is_refused_next_to_its_field_and_saves_nothing(signed_in_app, account):
    """The expiry field has no bound at today (the browser would keep the last accepted
    date): a past date typed is refused by name and no token is made."""
    import datetime as dt

    app = open_page(signed_in_app, "account")
    app.date_input(key="api_token_expires").set_value(dt.date(2020, 1, 1))
    app = _create(app, "Too late")
    assert not app.exception
    assert not app.code
    assert any("in the past" in e.value for e in app.error)
    with session_scope() as session:
        assert tokens.list_tokens(session, account.id) == []
