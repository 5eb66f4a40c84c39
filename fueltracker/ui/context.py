"""Per-run access to the database and the signed-in user's data, with the caches.

Analysis data is cached with st.cache_data keyed by (user id, data revision): every write
bumps the revision in its own transaction, so a cached frame is never stale, and the user
id in the key means no user can ever be served another user's rows. ORM objects and
sessions are never cached, only DataFrames and DTOs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fueltracker import metrics, reports
from fueltracker.db import session_scope
from fueltracker.reports import VehicleFacts
from fueltracker.schemas import UserRead, VehicleRead
from fueltracker.services import fillups, vehicles


def session():
    """A session in one transaction for one use case (commit at the end of the block), on
    the process-wide engine (which starts the embedded server on first use if so configured)."""
    return session_scope()


@st.cache_data(show_spinner=False, max_entries=256)
def derived_frame(user_id: int, revision: int) -> pd.DataFrame:
    """The user's fill-ups with every derived value (metrics.add_derived), cached per revision."""
    del revision  # part of the cache key only
    with session() as db:
        return metrics.add_derived(fillups.load_entries_frame(db, user_id))


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
