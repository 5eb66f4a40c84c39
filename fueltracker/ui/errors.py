"""Error display: typed domain errors next to their field, anything else as a short message
with a reference id while the traceback goes to the log (never to the browser)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from fueltracker.errors import FuelTrackerError

log = logging.getLogger("fueltracker.ui")


def report_unexpected(exc: BaseException) -> str:
    """Log `exc` with its traceback and show a short message; returns the reference id."""
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error ref=%s user=%s", reference, st.session_state.get("user_id"),
              exc_info=exc)
    st.error(f"Something went wrong on our side. Reference: {reference}. "
             "Please try again; if it keeps happening, give this reference to your admin.")
    return reference


@contextmanager
def unexpected_errors_reported() -> Iterator[None]:
    """Run a block; an unexpected exception becomes report_unexpected(), not a traceback."""
    try:
        yield
    except FuelTrackerError:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence before the browser
        report_unexpected(exc)


class FieldErrors:
    """Validation messages kept in the session across the rerun that follows a submit, so
    each shows next to its field while the form keeps what the user typed."""

    def __init__(self, form_key: str) -> None:
        self._key = f"_errors_{form_key}"

    def set(self, field: str, message: str) -> None:
        """Remember a message for `field`."""
        st.session_state[self._key] = {field: message}

    def clear(self) -> None:
        """Forget every message of this form."""
        st.session_state.pop(self._key, None)

    def show(self, *fields: str) -> None:
        """Render the message of any of `fields` (call right below the widget)."""
        messages = st.session_state.get(self._key, {})
        for field in fields:
            if field in messages:
                st.error(messages[field], icon=":material/error:")
