"""Per-run access to the database and the signed-in user's data, with the caches.

Every transaction a signed-in browser session opens first checks that the session still
stands (no sign-out, password change or admin reset since it signed in): a tab left open
elsewhere writes nothing once its session was ended, whichever path the write takes (a page
run, a fragment rerun that skips app.py's gate, a download built on another thread).

Analysis data is cached with st.cache_data keyed by (user id, data revision): every write
bumps the revision in its own transaction, so a cached frame is never stale, and the user
id in the key means no user can ever be served another user's rows. ORM objects and
sessions are never cached, only DataFrames, DTOs and read-only facts worked out of them.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fueltracker import entry, metrics, reports
from fueltracker.costs import Cost
from fueltracker.db import session_scope
from fueltracker.entry import EntryFacts
from fueltracker.reports import VehicleFacts
from fueltracker.schemas import UserRead, VehicleRead
from fueltracker.services import expenses, history, users, vehicles

# The browser session's signed-in user and when it signed in (database time).
USER_ID_KEY = "user_id"
SIGNED_IN_AT_KEY = "signed_in_at"
# Why the sign-in page is shown to a session that was signed in (kept until a sign-in).
SIGNED_OUT_REASON_KEY = "signed_out_reason"
SIGNED_OUT = "You are signed out."
ACCOUNT_DELETED = "Your account and all its data were deleted."
REVOKED = (
    "You were signed out because your password was changed or you signed out in "
    "another browser — sign in again."
)
DELETED_ELSEWHERE = "You were signed out: this account was deleted in another browser."
# The same pair for code that runs outside a script run (a download built when clicked):
# set by the gate, carried there by logging_setup.in_this_run.
signed_in: contextvars.ContextVar[tuple[int, dt.datetime | None] | None] = contextvars.ContextVar(
    "signed_in", default=None
)


def start_session(user_id: int, signed_in_at: dt.datetime) -> None:
    """Remember in this browser session who signed in, and when."""
    st.session_state[USER_ID_KEY] = user_id
    st.session_state[SIGNED_IN_AT_KEY] = signed_in_at
    st.session_state.pop(SIGNED_OUT_REASON_KEY, None)
    st.session_state["logout"] = False


def end_session(reason: str) -> None:
    """Forget the signed-in user of this browser session; the sign-in page shows `reason`.
    The "logout" flag keeps the browser's old re-auth cookie from signing it in again."""
    for key in (USER_ID_KEY, SIGNED_IN_AT_KEY):
        st.session_state.pop(key, None)
    st.session_state[SIGNED_OUT_REASON_KEY] = reason
    st.session_state["logout"] = True


def _signed_in_session() -> tuple[int, dt.datetime | None] | None:
    if get_script_run_ctx() is None:
        return signed_in.get()
    user_id = st.session_state.get(USER_ID_KEY)
    if user_id is None:
        return None
    return user_id, st.session_state.get(SIGNED_IN_AT_KEY)


@contextmanager
def session() -> Iterator[Session]:
    """A session in one transaction for one use case (commit at the end of the block), on
    the process-wide engine (which starts the embedded server on first use if so configured).

    In a signed-in browser session the transaction starts by checking that the session
    still stands (users.check_session): SessionRevoked before anything is read or written
    otherwise (ui.errors turns it into the sign-in page)."""
    with session_scope() as db:
        current = _signed_in_session()
        if current is not None:
            users.check_session(db, *current)
        yield db


@st.cache_data(show_spinner=False, max_entries=256)
def derived_frame(user_id: int, revision: int) -> pd.DataFrame:
    """The user's fill-ups with every derived value (metrics.add_derived), cached per revision."""
    del revision  # part of the cache key only
    with session() as db:
        return metrics.add_derived(history.load_entries_frame(db, user_id))


def user_frame(user: UserRead) -> pd.DataFrame:
    """The signed-in user's derived frame at their current revision."""
    return derived_frame(user.id, user.data_revision)


def user_vehicles(user: UserRead, include_archived: bool = True) -> list[VehicleRead]:
    """The signed-in user's vehicles (a small query, not cached: it must never be stale)."""
    with session() as db:
        return vehicles.list_vehicles(db, user.id, include_archived=include_archived)


@st.cache_data(show_spinner=False, max_entries=256)
def vehicle_facts(user_id: int, revision: int) -> VehicleFacts:
    """What the filters need of the user's fill-ups (reports.VehicleFacts), per revision: a
    page whose results are cached reads nothing bigger."""
    return reports.vehicle_facts(derived_frame(user_id, revision))


def user_facts(user: UserRead) -> VehicleFacts:
    """The signed-in user's VehicleFacts at their current revision."""
    return vehicle_facts(user.id, user.data_revision)


# As many as the results of a page (ui/results.py), for as long: one small object per
# (user, revision), and an older revision's is never asked for again.
MAX_ENTRY_FACTS = 64
ENTRY_FACTS_TTL = "1h"


@st.cache_resource(show_spinner=False, max_entries=MAX_ENTRY_FACTS, ttl=ENTRY_FACTS_TTL)
def entry_facts(user_id: int, revision: int) -> EntryFacts:
    """What the fill-up form offers back of the user's history (entry.EntryFacts:
    suggestions, vehicle order, odometer readings), per revision. The form's fragment reruns
    on every keystroke; this makes those reruns read a few small values, not the history.
    cache_resource: one read-only object shared by every run, not unpickled per hit (as
    cache_data would: a copy of every vehicle's readings on each keystroke)."""
    return entry.EntryFacts.of(derived_frame(user_id, revision))


def user_entry_facts(user: UserRead) -> EntryFacts:
    """The signed-in user's EntryFacts at their current revision."""
    return entry_facts(user.id, user.data_revision)


@st.cache_data(show_spinner=False, max_entries=256)
def expense_costs(user_id: int, revision: int) -> tuple[Cost, ...]:
    """The user's expenses as the cost maths takes them (fueltracker/costs.py), cached per
    revision like the fill-ups' frame: every expense write bumps it."""
    del revision  # part of the cache key only
    with session() as db:
        return tuple(
            Cost(e.vehicle_id, e.category, e.amount, e.date, e.coverage_from, e.coverage_to)
            for e in expenses.list_expenses(db, user_id)
        )
