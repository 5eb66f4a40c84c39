"""API tokens against the real database: made, listed, used, revoked, expired, scoped by
user in the services and by row-level security, gone with the account; the CLI's
`token create`."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import pytest
from sqlalchemy import text

from fueltracker import logging_setup
from fueltracker.__main__ import main as cli_main
from fueltracker.db import scope_to_user, session_scope
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.schemas import TokenCreate
from fueltracker.services import tokens, users
from tests.factories import PASSWORD, make_user

TODAY = dt.date(2024, 6, 30)


def _clear_scope(session) -> None:
    session.execute(
        text(
            "SELECT set_config('app.user_id', '', true), set_config('app.login_username', '', true)"
        )
    )


def test_a_token_is_shown_once_and_stored_as_its_hash_only(db_session):
    alice = make_user(db_session)
    created = tokens.create_token(db_session, alice.id, TokenCreate(name="Phone"), today=TODAY)
    secret = created.secret
    assert secret.startswith("ft_") and len(secret) >= 3 + 43  # 32 random bytes, base64url
    assert created.token.prefix == secret[:11] and created.token.scope == "read"
    scope_to_user(db_session, alice.id)
    stored = db_session.execute(text("SELECT * FROM api_tokens")).mappings().one()
    assert stored["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in " ".join(str(value) for value in stored.values())
    listed = tokens.list_tokens(db_session, alice.id)
    assert [(t.name, t.prefix, t.last_used_at) for t in listed] == [("Phone", secret[:11], None)]
    assert not hasattr(listed[0], "secret")


def test_authenticate_accepts_the_token_and_records_its_use(db_session):
    alice = make_user(db_session)
    created = tokens.create_token(
        db_session, alice.id, TokenCreate(name="HA", scope="read+write"), today=TODAY
    )
    _clear_scope(db_session)
    check = tokens.authenticate(db_session, created.secret)
    assert check.caller == tokens.TokenCaller(alice.id, created.token.id, "read+write")
    assert check.caller.can_write
    # The transaction now works for alice, as after any user-scoped call.
    assert db_session.scalar(text("SELECT current_setting('app.user_id')")) == str(alice.id)
    assert db_session.scalar(text("SELECT current_setting('app.token_hash')")) == ""
    [listed] = tokens.list_tokens(db_session, alice.id)
    assert listed.last_used_at is not None


@pytest.mark.parametrize(
    "sent", ["", "Bearer", "ft_", "ft_" + "A" * 43, "gh_" + "A" * 43, "ft_" + "x" * 500]
)
def test_anything_but_a_stored_token_is_refused(db_session, sent):
    make_user(db_session)
    _clear_scope(db_session)
    check = tokens.authenticate(db_session, sent)
    assert check.caller is None and check.refusal in ("malformed", "unknown")


def test_a_revoked_token_is_refused_at_once(db_session):
    alice = make_user(db_session)
    kept = tokens.create_token(db_session, alice.id, TokenCreate(name="kept"), today=TODAY)
    gone = tokens.create_token(db_session, alice.id, TokenCreate(name="gone"), today=TODAY)
    tokens.revoke_token(db_session, alice.id, gone.token.id)
    _clear_scope(db_session)
    assert tokens.authenticate(db_session, gone.secret) == tokens.TokenCheck(
        None, "revoked", gone.token.id
    )
    assert tokens.authenticate(db_session, kept.secret).caller is not None
    assert [t.name for t in tokens.list_tokens(db_session, alice.id)] == ["kept"]
    with pytest.raises(NotFoundError):  # revoked already: like a missing one
        tokens.revoke_token(db_session, alice.id, gone.token.id)


def test_revoke_all(db_session):
    alice = make_user(db_session)
    made = [
        tokens.create_token(db_session, alice.id, TokenCreate(name=f"t{i}"), today=TODAY)
        for i in range(3)
    ]
    assert tokens.revoke_all_tokens(db_session, alice.id) == 3
    assert tokens.revoke_all_tokens(db_session, alice.id) == 0
    assert tokens.list_tokens(db_session, alice.id) == []
    _clear_scope(db_session)
    assert all(tokens.authenticate(db_session, m.secret).refusal == "revoked" for m in made)


def test_expiry_is_the_end_of_the_accounts_local_day(db_session):
    alice = make_user(db_session, timezone="Europe/Berlin")
    created = tokens.create_token(
        db_session, alice.id, TokenCreate(name="x", expires_on=TODAY), today=TODAY
    )
    assert created.token.expires_at == dt.datetime(2024, 6, 30, 22, 0, tzinfo=dt.UTC)
    # Made "today" = 2024-06-30 in Berlin, now is later than that: it has expired.
    _clear_scope(db_session)
    assert tokens.authenticate(db_session, created.secret) == tokens.TokenCheck(
        None, "expired", created.token.id
    )
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(
            db_session,
            alice.id,
            TokenCreate(name="y", expires_on=TODAY - dt.timedelta(days=1)),
            today=TODAY,
        )
    assert refused.value.field == "expires_on"
    later = tokens.create_token(
        db_session,
        alice.id,
        TokenCreate(name="z", expires_on=dt.date.today() + dt.timedelta(days=2)),
    )
    _clear_scope(db_session)
    assert tokens.authenticate(db_session, later.secret).caller is not None


def test_another_users_token_ids_behave_like_missing_ones(db_session):
    alice, bob = make_user(db_session), make_user(db_session, "bob")
    token = tokens.create_token(db_session, alice.id, TokenCreate(name="a"), today=TODAY)
    with pytest.raises(NotFoundError) as other:
        tokens.revoke_token(db_session, bob.id, token.token.id)
    with pytest.raises(NotFoundError) as missing:
        tokens.revoke_token(db_session, bob.id, 10**12)
    assert str(other.value) == str(missing.value)
    assert tokens.list_tokens(db_session, bob.id) == []
    assert tokens.revoke_all_tokens(db_session, bob.id) == 0
    _clear_scope(db_session)
    assert tokens.authenticate(db_session, token.secret).caller is not None


def test_row_level_security_shows_a_token_to_its_owner_or_its_exact_hash_only(db_session):
    alice, bob = make_user(db_session), make_user(db_session, "bob")
    token = tokens.create_token(db_session, alice.id, TokenCreate(name="a"), today=TODAY)
    _clear_scope(db_session)
    count = "SELECT count(*) FROM api_tokens"
    assert db_session.scalar(text(count)) == 0  # nothing set: nothing visible
    scope_to_user(db_session, bob.id)
    assert db_session.scalar(text(count)) == 0
    assert db_session.execute(text("UPDATE api_tokens SET revoked_at = now()")).rowcount == 0
    _clear_scope(db_session)
    db_session.execute(text("SELECT set_config('app.token_hash', :h, true)"), {"h": "0" * 64})
    assert db_session.scalar(text(count)) == 0
    db_session.execute(
        text("SELECT set_config('app.token_hash', :h, true)"),
        {"h": tokens.token_hash(token.secret)},
    )
    assert db_session.scalar(text(count)) == 1
    # Seeing a row by its hash is no licence to make tokens for its owner.
    with pytest.raises(Exception, match="row-level security"), db_session.begin_nested():
        db_session.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, scope, prefix, token_hash) "
                "VALUES (:a, 'x', 'read', 'ft_x', :h)"
            ),
            {"a": alice.id, "h": "1" * 64},
        )


def test_tokens_go_with_the_account(db_session):
    alice = make_user(db_session)
    token = tokens.create_token(db_session, alice.id, TokenCreate(name="a"), today=TODAY)
    users.delete_account(db_session, alice.id, PASSWORD, "alice")
    # Its owner's scope would show it, and so would its hash: it is gone.
    scope_to_user(db_session, alice.id)
    db_session.execute(
        text("SELECT set_config('app.token_hash', :h, true)"),
        {"h": tokens.token_hash(token.secret)},
    )
    assert db_session.scalar(text("SELECT count(*) FROM api_tokens")) == 0


@pytest.fixture
def cli_process_logging(monkeypatch):
    """Logging as a fresh CLI process has it: unconfigured, so the command routes it to
    stderr. An AppTest earlier in this process (app.py) configured it to stdout, the
    server's stream, which a CLI run in the same process would otherwise keep."""
    root = logging.getLogger()
    ours = logging_setup._StandardStreamHandler
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if not isinstance(h, ours)])
    monkeypatch.setattr(root, "_fueltracker_configured", False, raising=False)


def test_cli_token_create_prints_the_token_once(
    database_url, unique_name, capsys, caplog, cli_process_logging
):
    with session_scope() as session:
        user = make_user(session, unique_name)
    assert (
        cli_main(
            [
                "token",
                "create",
                unique_name,
                "--name",
                "Home Assistant",
                "--scope",
                "read+write",
                "--expires",
                "2999-12-31",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("ft_") and "\n" not in secret
    assert secret not in err and "shown once" in err
    assert secret not in caplog.text
    [event] = [r.security for r in caplog.records if hasattr(r, "security")]
    assert event["event"] == "api_token_created" and event["user_id"] == user.id
    with session_scope() as session:
        check = tokens.authenticate(session, secret)
    assert check.caller is not None and check.caller.scope == "read+write"
    with session_scope() as session:
        [listed] = tokens.list_tokens(session, user.id)
    assert (listed.name, listed.expires_at.date()) == ("Home Assistant", dt.date(3000, 1, 1))


def test_cli_token_create_refusals(database_url, unique_name, capsys):
    assert cli_main(["token", "create", "no-such-user-anywhere", "--name", "x"]) == 1
    assert "not found" in capsys.readouterr().err
    with session_scope() as session:
        make_user(session, unique_name)
    assert cli_main(["token", "create", unique_name, "--name", "x", "--expires", "31/12/2030"]) == 2
    assert "not a date" in capsys.readouterr().err
    assert cli_main(["token", "create", unique_name, "--name", "x", "--expires", "2001-01-01"]) == 1
    assert "in the past" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(["token", "create", unique_name, "--name", "x", "--scope", "admin"])


def test_the_rate_limit_counts_in_the_database_across_engines(database_url, unique_name):
    """Two engines stand for two replicas: they count against one number, per token."""
    from fueltracker.db import make_engine

    with session_scope() as session:
        user = make_user(session, unique_name)
        one = tokens.create_token(session, user.id, TokenCreate(name="one")).secret
        other = tokens.create_token(session, user.id, TokenCreate(name="other")).secret
    engines = [make_engine(database_url, pool_size=1), make_engine(database_url, pool_size=1)]
    try:
        outcomes = []
        wait_for_the_minute_to_have_time_left()
        for number in range(4):
            with session_scope(engines[number % 2]) as session:
                outcomes.append(tokens.authenticate(session, one, rate_limit_per_minute=3))
        assert [o.caller is not None for o in outcomes] == [True, True, True, False]
        refused = outcomes[-1]
        assert refused.refusal == "rate_limited" and 1 <= refused.retry_after_seconds <= 60
        with session_scope(engines[0]) as session:  # another token has its own count
            assert tokens.authenticate(session, other, rate_limit_per_minute=3).caller
        with session_scope(engines[1]) as session:  # the next window starts afresh
            scope_to_user(session, user.id)
            session.execute(
                text("UPDATE api_tokens SET rate_window = rate_window - interval '1 minute'")
            )
        with session_scope(engines[0]) as session:
            assert tokens.authenticate(session, one, rate_limit_per_minute=3).caller
    finally:
        for engine in engines:
            engine.dispose()


def wait_for_the_minute_to_have_time_left() -> None:
    """The limit counts per calendar minute: start a count well inside one (the database
    and the tests share this machine's clock)."""
    import time

    while time.time() % 60 > 55:
        time.sleep(0.5)
