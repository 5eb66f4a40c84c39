"""Error display: typed domain errors next to their field; a database that cannot be
reached as one plain message (what was typed stays in the form); anything else as a short
message whose reference is the run's correlation id, while the traceback goes to the log
(never to the browser)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Final, NoReturn

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fueltracker.errors import DatabaseUnavailable, FuelTrackerError, SessionRevoked
from fueltracker.logging_setup import correlation_id, current_user_id, start_run
from fueltracker.ui import context
from fueltracker.ui.text import plain

log = logging.getLogger("fueltracker.ui")

DATABASE_UNAVAILABLE = (
    "The database is not reachable right now. What you typed is kept — try again in a moment."
)
# persist_state of every input a form must keep: a run that stops before the form is drawn
# (the database is unreachable when app.py's gate reads the user, say) would otherwise drop
# what was typed; "page" keeps it while the user stays on the page. Final: its type is the
# literal the widgets' persist_state takes, not any str.
KEEP_TYPED: Final = "page"


def _unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The DatabaseUnavailable behind `exc` (itself, or what caused it), if any: the data
    layer (db.session_scope) has classified the driver's error already."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, DatabaseUnavailable):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def reference() -> str:
    """The id the user can quote: the correlation id of this run (every log line of the
    run carries it). Code outside a run (a callback thread) gets a fresh one."""
    cid = correlation_id.get()
    return cid if cid != "-" else start_run(current_user_id.get())


def report_error(exc: Exception) -> str:
    """Show `exc` the way the user should see it and log it; returns the reference.

    A domain error shows its own message; an unreachable database shows
    DATABASE_UNAVAILABLE (a warning in the log, no traceback: an outage would flood it);
    anything else shows "Something went wrong — reference <id>" with the traceback logged
    at ERROR under the same id. Never an exception text, a traceback or SQL on the page."""
    ref = reference()
    if isinstance(exc, FuelTrackerError):
        log.info("domain error shown to the user: %s", type(exc).__name__)
        st.error(plain(exc), icon=":material/error:")
    elif (outage := _unavailable(exc)) is not None:
        log.warning("database unreachable, reference %s: %s", ref, outage.cause)
        st.error(DATABASE_UNAVAILABLE, icon=":material/cloud_off:")
    else:
        log.error("unexpected error, reference %s", ref, exc_info=exc)
        st.error(
            f"Something went wrong — reference {ref}. Please try again; if it keeps "
            "happening, give this reference to your admin.",
            icon=":material/error:",
        )
    return ref


@contextmanager
def unexpected_errors_reported() -> Iterator[None]:
    """Run a block; an exception it lets out becomes report_error(), not a traceback.
    Streamlit's st.rerun()/st.stop() are BaseExceptions and pass through.

    SessionRevoked (this browser session was signed out elsewhere while the block ran, e.g.
    a save from a fragment that app.py's gate never saw) reruns the whole app instead: the
    transaction that met it wrote nothing, and the gate of the next run shows the sign-in
    page with the reason."""
    try:
        yield
    except SessionRevoked as exc:
        log.info("session ended elsewhere; rerunning to the sign-in page")
        # Forgotten here, not left to the next run's gate: whatever path raised it, the
        # session is over (and a rerun cannot loop on it).
        context.end_session(context.DELETED_ELSEWHERE if exc.account_deleted else context.REVOKED)
        st.rerun(scope="app")
    except Exception as exc:  # noqa: BLE001 - the last line of defence before the browser
        report_error(exc)


@contextmanager
def fragment_errors_reported(user_id: int) -> Iterator[None]:
    """unexpected_errors_reported() for the body of an @st.fragment. A rerun of the
    fragment alone does not pass through app.py: it is a run of its own, with a fresh
    correlation id and the user id set here (the contextvars of the thread that runs it
    hold another run's values, or none)."""
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        start_run(user_id)
    with unexpected_errors_reported():
        yield


class FieldErrors:
    """Validation messages kept in the session across the rerun that follows a submit, so
    each shows next to its field while the form keeps what the user typed.

    A form's submit handling is then: ``clear()``, ``fail(field, message)`` for what the
    form itself refuses, and ``with errors.refused_at("field"):`` around the parse and the
    service call, which turns a domain error into its field's message and a rerun."""

    def __init__(self, form_key: str) -> None:
        self._key = f"_errors_{form_key}"

    def set(self, field: str, message: str) -> None:
        """Remember a message for `field`."""
        st.session_state[self._key] = {field: message}

    def set_all(self, messages: Iterable[tuple[str, str]]) -> None:
        """Remember a message for each of several fields at once (field, message)."""
        st.session_state[self._key] = dict(messages)

    def fail(self, field: str, message: str) -> NoReturn:
        """Remember a message for `field` and rerun: the form shows it next to the field,
        with everything typed kept."""
        self.set(field, message)
        st.rerun()

    def refused_at(self, default_field: str) -> _RefusedAt:
        """A block whose FuelTrackerError becomes fail(): the message goes to the field the
        error names (`field` of a ValidationError), else to `default_field`. Anything else
        (an outage, a bug, a signed-out session) passes to the page's error boundary."""
        return _RefusedAt(self, default_field)

    def clear(self) -> None:
        """Forget every message of this form."""
        st.session_state.pop(self._key, None)

    def any(self) -> bool:
        """True while the form has a message to show (e.g. to keep its expander open)."""
        return bool(st.session_state.get(self._key))

    def show(self, *fields: str) -> None:
        """Render the message of any of `fields` (call right below the widget), as plain
        text: messages quote what the user typed (a vehicle name, a cell of a file)."""
        messages = st.session_state.get(self._key, {})
        for field in fields:
            if field in messages:
                st.error(plain(messages[field]), icon=":material/error:")


class _RefusedAt:
    """FieldErrors.refused_at's block. A class rather than @contextmanager, whose __exit__
    is typed as one that may swallow the exception: this one never does (it re-raises
    as Streamlit's rerun), so what the block assigns is known to be set after it."""

    def __init__(self, errors: FieldErrors, default_field: str) -> None:
        self._errors = errors
        self._default_field = default_field

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, FuelTrackerError):
            self._errors.fail(getattr(exc, "field", self._default_field), str(exc))
