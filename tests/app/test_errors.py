"""Errors as the user sees them (fueltracker/ui/errors.py, app.py's boundary): an unexpected
error shows "Something went wrong — reference <id>" where <id> is the run's correlation id
(the ERROR log line with the traceback carries the same), never a traceback, exception text
or SQL; the sidebar stays and the next run works; a form keeps what was typed; an
unreachable database is told apart from a bug."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import exc as sa_exc
from streamlit.testing.v1 import AppTest

from fueltracker.db import database_unavailable, session_scope
from fueltracker.errors import ValidationError
from fueltracker.logging_setup import correlation_id, current_user_id
from fueltracker.services import fillups, users
from fueltracker.services import history as history_service
from fueltracker.ui.errors import DATABASE_UNAVAILABLE
from tests.app.conftest import open_page, shown

FAULT = "boom secret-sql"
REFERENCE = re.compile(r"^Something went wrong — reference ([0-9a-f]{8})\. ")
TWO_FULL_TANKS = (("2024-01-01", "10000", "40", "72"), ("2024-01-20", "10800", "42", "77.7"))
TYPED = {"odometer": 11500.0, "volume": 40.0, "total": 70.0}


def _raise(*_args, **_kwargs):
    raise RuntimeError(FAULT)


def _protos(node) -> list[str]:
    """Every element of the rendered page (main area and sidebar), as protobuf text."""
    found = [str(node.proto)] if getattr(node, "proto", None) is not None else []
    for child in getattr(node, "children", {}).values():
        found += _protos(child)
    return found


def _assert_nothing_leaks(app: AppTest) -> None:
    assert not app.exception  # Streamlit's own exception element (it has the traceback)
    page = "\n".join(_protos(app._tree))
    for secret in ("boom", "secret-sql", "Traceback", "RuntimeError"):
        assert secret not in page


def _reference(app: AppTest) -> str:
    [message] = [e.value for e in app.error]
    match = REFERENCE.match(message)
    assert match, message
    return match.group(1)


def _logged(caplog, reference: str) -> logging.LogRecord:
    # An admin greps the log for the reference: it is the run's correlation id.
    [record] = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.correlation_id == reference
    ]
    assert reference in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError  # the traceback is logged
    return record


def test_error_in_a_page_shows_the_runs_reference_and_keeps_the_sidebar(
    signed_in_app, garage, account, monkeypatch, caplog
):
    garage("Golf", TWO_FULL_TANKS)
    seen_by_service: list[tuple[str, int | None]] = []

    def failing_service(*_args, **_kwargs):
        # What a service sees of the run (contextvars set in app.py, same thread).
        seen_by_service.append((correlation_id.get(), current_user_id.get()))
        raise RuntimeError(FAULT)

    monkeypatch.setattr(history_service, "load_entries_frame", failing_service)
    caplog.set_level(logging.INFO)
    app = open_page(signed_in_app, "dashboard")
    _assert_nothing_leaks(app)
    reference = _reference(app)
    record = _logged(caplog, reference)
    assert record.user_id == account.id
    assert seen_by_service[-1] == (reference, account.id)
    # The page stays usable: sidebar and sign-out were drawn before the page failed.
    assert app.sidebar.button(key="sign_out")
    assert any(account.username in c.value for c in app.sidebar.caption)

    monkeypatch.undo()
    app.run()
    assert not app.exception and not app.error
    assert app.metric  # the dashboard works on the next run


def test_each_run_has_its_own_reference(signed_in_app, garage, monkeypatch, caplog):
    garage("Golf", TWO_FULL_TANKS)
    monkeypatch.setattr(history_service, "load_entries_frame", _raise)
    app = open_page(signed_in_app, "dashboard")
    first = _reference(app)
    caplog.clear()
    app.run()
    second = _reference(app)
    assert first != second
    _logged(caplog, second)


def test_error_in_the_sign_in_gate(signed_in_app, monkeypatch, caplog):
    monkeypatch.setattr(users, "get_user", _raise)
    app = signed_in_app.run()
    _assert_nothing_leaks(app)
    _logged(caplog, _reference(app))
    monkeypatch.undo()
    app.run()
    assert not app.exception and not app.error
    assert app.sidebar.button(key="sign_out")


def _fill(app: AppTest) -> AppTest:
    for name, value in TYPED.items():
        app.number_input(key=f"fillup_0_{name}").set_value(value)
    return app.run()


def _typed(app: AppTest) -> dict[str, float | None]:
    return {name: app.number_input(key=f"fillup_0_{name}").value for name in TYPED}


def _count(user_id: int) -> int:
    with session_scope() as session:
        return len(history_service.list_fillups(session, user_id).rows)


def _save(app: AppTest) -> AppTest:
    return app.button(key="fillup_0_save").click().run()


def test_error_during_a_save_keeps_what_was_typed(
    signed_in_app, garage, account, monkeypatch, caplog
):
    garage("Golf", TWO_FULL_TANKS)
    app = _fill(open_page(signed_in_app, "log_fillup"))
    monkeypatch.setattr(fillups, "create_fillup", _raise)
    _save(app)
    _assert_nothing_leaks(app)
    _logged(caplog, _reference(app))
    assert _typed(app) == TYPED
    assert _count(account.id) == 2

    monkeypatch.undo()
    _save(app)
    assert not app.exception and not app.error
    assert _count(account.id) == 3
    assert app.success  # the outcome of the save


def test_domain_error_from_the_service_shows_next_to_its_field(
    signed_in_app, garage, account, monkeypatch, caplog
):
    garage("Golf", TWO_FULL_TANKS)
    app = _fill(open_page(signed_in_app, "log_fillup"))

    def refuse(*_args, **_kwargs):
        raise ValidationError("odometer_km", "Odometer is below the previous fill-up")

    monkeypatch.setattr(fillups, "create_fillup", refuse)
    _save(app)
    assert not app.exception
    assert [shown(e.value) for e in app.error] == ["Odometer is below the previous fill-up"]
    assert _typed(app) == TYPED
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _connection_lost() -> sa_exc.OperationalError:
    orig = psycopg.OperationalError("server closed the connection unexpectedly")
    return sa_exc.OperationalError("SELECT secret FROM fuel_entries", {}, orig)


def test_database_outage_during_a_save_is_one_plain_message(
    signed_in_app, garage, account, monkeypatch, caplog
):
    garage("Golf", TWO_FULL_TANKS)
    app = _fill(open_page(signed_in_app, "log_fillup"))

    def lost(*_args, **_kwargs):
        raise _connection_lost()

    monkeypatch.setattr(fillups, "create_fillup", lost)
    _save(app)
    assert not app.exception
    assert [e.value for e in app.error] == [DATABASE_UNAVAILABLE]
    page = "\n".join(_protos(app._tree))
    assert "SELECT" not in page and "server closed" not in page
    assert _typed(app) == TYPED
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.levelno == logging.WARNING and not warning.exc_info
    assert warning.correlation_id in warning.getMessage()
    assert "SELECT" not in warning.getMessage()  # the driver's line, not the statement


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (psycopg.OperationalError("connection failed: No such file or directory"), True),
        (psycopg.InterfaceError("the connection is closed"), True),
        (_connection_lost(), True),
        (sa_exc.DBAPIError("SELECT 1", {}, Exception("x"), connection_invalidated=True), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.SerializationFailure("could not serialize access"), False),
        (sa_exc.IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("dup")), False),
        (RuntimeError("boom"), False),
    ],
)
def test_what_counts_as_the_database_being_unreachable(exc, expected):
    assert database_unavailable(exc) is expected


def test_an_outage_wrapped_in_another_error_is_still_an_outage():
    try:
        try:
            raise _connection_lost()
        except sa_exc.OperationalError as inner:
            raise RuntimeError("loading the frame failed") from inner
    except RuntimeError as outer:
        assert database_unavailable(outer)


def test_amounts_typed_are_saved_exactly_after_a_failed_try(
    signed_in_app, garage, account, monkeypatch
):
    garage("Golf", TWO_FULL_TANKS)
    app = _fill(open_page(signed_in_app, "log_fillup"))
    monkeypatch.setattr(fillups, "create_fillup", _raise)
    _save(app)
    monkeypatch.undo()
    _save(app)
    with session_scope() as session:
        rows = history_service.list_fillups(session, account.id).rows
    newest = max(rows, key=lambda r: r.odometer_km)
    assert (newest.odometer_km, newest.volume_l, newest.total_amount) == (
        Decimal("11500.000000"),
        Decimal("40.000000000"),
        Decimal("70.0000"),
    )


THREE_TANKS = (
    ("2024-01-01", "10000", "40", "72"),
    ("2024-01-20", "10800", "42", "77.7"),
    ("2024-02-10", "11400", "30", "55.5"),
)


def _lost(*_args, **_kwargs):
    raise _connection_lost()


def test_delete_and_undo_survive_an_outage(signed_in_app, garage, account, monkeypatch):
    """Nothing is forgotten before its transaction is over: the delete question and the
    undo offer stay while the database is unreachable, and work once it is back."""
    from fueltracker.ui import history

    garage("Golf", THREE_TANKS)
    app = open_page(signed_in_app, "history")
    app = app.selectbox(key=history.PICK_KEY).select_index(1).run()  # 2024-01-20
    app = app.button(key="delete").click().run()

    monkeypatch.setattr(fillups, "delete_fillup", _lost)
    app = app.button(key="delete_confirm").click().run()
    assert [e.value for e in app.error] == [DATABASE_UNAVAILABLE]
    assert _count(account.id) == 3
    monkeypatch.undo()
    app = app.button(key="delete_confirm").click().run()  # the question is still there
    assert not app.exception and not app.error
    assert _count(account.id) == 2

    monkeypatch.setattr(fillups, "create_fillup", _lost)
    app = app.button(key="history_undo_button").click().run()
    assert [e.value for e in app.error] == [DATABASE_UNAVAILABLE]
    assert _count(account.id) == 2
    monkeypatch.undo()
    app = app.button(key="history_undo_button").click().run()  # the offer is still there
    assert not app.exception and not app.error
    assert "Restored the fill-up" in app.success[0].value
    assert _count(account.id) == 3
