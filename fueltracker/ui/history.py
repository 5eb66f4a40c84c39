"""History glue: keyset pages over the user's fill-ups, remembered per filter in the session."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fueltracker import views
from fueltracker.schemas import FillupRead, UserRead
from fueltracker.services import fillups
from fueltracker.ui import context

_STACK_KEY = "history_cursors"


def _stack(filter_key: tuple) -> list:
    state = st.session_state.get(_STACK_KEY)
    if not state or state[0] != filter_key:
        state = (filter_key, [None])  # cursors of the pages seen so far; None = newest page
        st.session_state[_STACK_KEY] = state
    return state[1]


def current_page(user: UserRead, vehicle_ids: list[int]) -> tuple[fillups.Page, int]:
    """The page being shown for this filter and its 1-based number."""
    stack = _stack((tuple(vehicle_ids),))
    with context.session() as db:
        page = fillups.list_fillups(db, user.id, vehicle_ids=vehicle_ids or None, after=stack[-1])
    if not page.rows and len(stack) > 1:  # the last page emptied (deletes): step back
        stack.pop()
        return current_page(user, vehicle_ids)
    return page, len(stack)


def older(page: fillups.Page, vehicle_ids: list[int]) -> None:
    """Move to the next (older) page."""
    if page.next_cursor is not None:
        _stack((tuple(vehicle_ids),)).append(page.next_cursor)


def newer(vehicle_ids: list[int]) -> None:
    """Move back to the previous (newer) page."""
    stack = _stack((tuple(vehicle_ids),))
    if len(stack) > 1:
        stack.pop()


def page_table(derived: pd.DataFrame, page: fillups.Page, user: UserRead) -> pd.DataFrame:
    """The page's rows with their derived values (computed over the whole history)."""
    table = views.history_table(derived, user)
    return table.loc[[row.id for row in page.rows if row.id in table.index]]


def delete(user: UserRead, entry_id: int) -> FillupRead:
    """Delete a fill-up of the user; returns it for the confirmation message."""
    with context.session() as db:
        return fillups.delete_fillup(db, user.id, entry_id)


def get(user: UserRead, entry_id: int) -> FillupRead:
    """One fill-up of the user (for the edit form)."""
    with context.session() as db:
        return fillups.get_fillup(db, user.id, entry_id)
