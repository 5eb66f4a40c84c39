"""History glue: filters, keyset pages remembered per filter, the row being edited, delete
with confirmation and undo, and the CSV of what the filter shows.

Which fill-up is being edited lives in one place, the "Fill-up to edit" selectbox
(PICK_KEY). The table's row selection (the mouse) only writes into it, and the selectbox
writes the row back into the table's selection so the highlight follows. Why both: a
selectbox works from the keyboard and is what streamlit's AppTest can drive (it cannot
click a dataframe row), while clicking a row is what a mouse user expects.
"""

from __future__ import annotations

import hashlib
from functools import partial

import pandas as pd
import streamlit as st

from fueltracker import bounds, security, units, views
from fueltracker.errors import FuelTrackerError
from fueltracker.export import user_units_csv
from fueltracker.logging_setup import in_this_run
from fueltracker.schemas import FillupCreate, FillupRead, UserRead, VehicleRead
from fueltracker.services import fillups
from fueltracker.services.history import (
    FilterOptions,
    HistoryFilter,
    Page,
    count_fillups,
    filter_options,
    filtered_ids,
    list_fillups,
)
from fueltracker.ui import context, downloads, forms, tables
from fueltracker.ui.text import destructive, plain

_STACK_KEY = "history_cursors"
PICK_KEY = "history_pick"
_FORGET_PICK_KEY = "history_forget_pick"
_CONFIRM_KEY = "history_confirm_delete"
UNDO_KEY = "history_undo"
COLUMNS_KEY = "history_columns"
MESSAGE_KEY = "history_message"
DATES_HELP = (
    "Pick the first and the last day: the filter applies as soon as both are "
    "picked. Typed dates apply when you leave the field."
)


# Filters ------------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=256)
def _filter_options(user_id: int, revision: int) -> FilterOptions:
    del revision  # part of the cache key only: a new station appears after the next save
    with context.session() as db:
        return filter_options(db, user_id)


def filter_bar(user: UserRead, vehicle_list: list[VehicleRead]) -> HistoryFilter:
    """Render the filter widgets; returns the filter they describe."""
    names = {v.id: v.name for v in vehicle_list}
    options = _filter_options(user.id, user.data_revision)
    left, middle, right = st.columns([2, 2, 3])
    chosen = left.multiselect(
        "Vehicles",
        list(names),
        format_func=names.__getitem__,
        key="history_vehicles",
        placeholder="All vehicles",
    )
    # No bounds of our own (a bound makes the browser keep the previous range instead of
    # the one the field shows): the widest the field can hold. An empty list: a range field
    # showing no dates.
    dates = middle.date_input(
        "Dates",
        value=[],
        min_value=bounds.ANY_DATE[0],
        max_value=bounds.ANY_DATE[1],
        format="YYYY-MM-DD",
        key="history_dates",
        help=DATES_HELP,
    )
    search = right.text_input(
        "Search station and notes",
        key="history_search",
        placeholder="e.g. motorway, 50%",
        max_chars=100,
    )
    more = (
        "history_stations",
        "history_brands",
        "history_grades",
        "history_partial",
        "history_missed",
    )
    with st.expander(
        "More filters",
        icon=":material/filter_list:",
        expanded=any(st.session_state.get(key) for key in more),
    ):
        c1, c2, c3 = st.columns(3)
        stations = c1.multiselect(
            "Station", options.stations, key="history_stations", placeholder="Any station"
        )
        brands = c2.multiselect(
            "Brand", options.brands, key="history_brands", placeholder="Any brand"
        )
        grades = c3.multiselect(
            "Grade", options.grades, key="history_grades", placeholder="Any grade"
        )
        f1, f2 = st.columns(2)
        partial = f1.checkbox("Partial fill-ups only", key="history_partial")
        missed = f2.checkbox("Only fill-ups after a missed one", key="history_missed")
    # A range applies once both ends are picked, at the second click: a start alone is a
    # range being picked, not "from then on" (the table would jump at the first click).
    date_from, date_to = dates if len(dates) == 2 else (None, None)
    if len(dates) == 1:
        middle.caption(f"From {dates[0].isoformat()}: now pick the last day.")
    return HistoryFilter(
        vehicle_ids=tuple(sorted(chosen)),
        date_from=date_from,
        date_to=date_to,
        stations=tuple(stations),
        brands=tuple(brands),
        grades=tuple(grades),
        partial_only=partial,
        missed_only=missed,
        text=search.strip(),
    )


# Pages --------------------------------------------------------------------------------------


def _stack(filters: HistoryFilter) -> list:
    state = st.session_state.get(_STACK_KEY)
    if not state or state[0] != filters:
        state = (filters, [None])  # cursors of the pages seen so far; None = newest page
        st.session_state[_STACK_KEY] = state
    return state[1]


def current_page(user: UserRead, filters: HistoryFilter) -> tuple[Page, int]:
    """The page being shown for this filter and its 1-based number (page 1 again whenever
    the filter changes)."""
    stack = _stack(filters)
    with context.session() as db:
        page = list_fillups(db, user.id, filters=filters, after=stack[-1])
    if not page.rows and len(stack) > 1:  # the last page emptied (deletes): step back
        stack.pop()
        return current_page(user, filters)
    return page, len(stack)


def older(page: Page, filters: HistoryFilter) -> None:
    """Move to the next (older) page."""
    if page.next_cursor is not None:
        _stack(filters).append(page.next_cursor)


def newer(filters: HistoryFilter) -> None:
    """Move back to the previous (newer) page."""
    stack = _stack(filters)
    if len(stack) > 1:
        stack.pop()


def matching_count(user: UserRead, filters: HistoryFilter, derived: pd.DataFrame) -> int:
    """How many fill-ups the filter lets through (all of them without a filter)."""
    if filters.is_empty():
        return len(derived)
    with context.session() as db:
        return count_fillups(db, user.id, filters)


def page_caption(number: int, matching: int, total: int, filters: HistoryFilter) -> str:
    """The line under the table, e.g. "Page 3 · 75 of 1,204 fill-ups match the filters"."""
    if filters.is_empty():
        return f"Page {number} · {units.format_count(total, 'fill-up')} in all"
    verb = "matches" if matching == 1 else "match"
    return (
        f"Page {number} · {matching:,} of {units.format_count(total, 'fill-up')} {verb} the filters"
    )


def page_table(derived: pd.DataFrame, page: Page, user: UserRead) -> pd.DataFrame:
    """The page's rows with their derived values, computed over the whole history (not over
    the page or the filter): the page's ids are looked up in the cached derived frame."""
    ids = [row.id for row in page.rows]
    rows = derived.loc[derived["entry_id"].isin(ids)]
    table = views.history_table(rows, user)
    # Page order (the service's, with its tie-breaker); a row saved in another tab since
    # the frame was cached is left out rather than shown without its values.
    return table.loc[[i for i in ids if i in table.index]]


# The row being edited -----------------------------------------------------------------------


def _table_key(table: pd.DataFrame, revision: int) -> str:
    # A new key whenever the rows or the data change, so a selection never outlives the
    # rows it pointed at (selections are row positions).
    signature = hashlib.sha1(repr((list(table.index), revision)).encode()).hexdigest()[:12]
    return f"history_table_{signature}"


def _pick_from_table(table_key: str, ids: list[int]) -> None:
    rows = st.session_state[table_key]["selection"]["rows"]
    st.session_state[PICK_KEY] = ids[rows[0]] if rows else None


def _table_from_pick(table_key: str, ids: list[int]) -> None:
    pick = st.session_state.get(PICK_KEY)
    st.session_state[table_key] = {"selection": {"rows": [ids.index(pick)] if pick in ids else []}}


def show_table(table: pd.DataFrame, user: UserRead) -> None:
    """The page's table with the columns the user chose; clicking a row picks it for
    editing."""
    ids = [int(i) for i in table.index]
    table_key = _table_key(table, user.data_revision)
    chosen = _column_choice()
    # st.dataframe's callback takes no args: bind them.
    tables.show(
        table,
        all_rows=True,
        column_order=views.history_column_order(table, chosen),
        pinned=views.HISTORY_PINNED,
        widths={"Station": 150, "Notes": "medium"},
        on_select=partial(_pick_from_table, table_key, ids),
        selection_mode="single-row",
        key=table_key,
    )


def _column_choice() -> list[str]:
    """The "Columns" button above the table: which columns besides date and vehicle show.

    Streamlit cannot tell the screen's width, so the user decides: the default fits a
    desktop; on a phone, fewer columns keep the table readable (date and vehicle are pinned
    and stay in view while the rest scrolls). Kept for the session, across pages."""
    with st.container(horizontal=True, horizontal_alignment="right"):
        with st.popover("Columns", icon=":material/view_column:"):
            chosen = st.pills(
                "Show these columns",
                views.HISTORY_CHOICES,
                selection_mode="multi",
                default=list(views.HISTORY_DEFAULT),
                key=COLUMNS_KEY,
                persist_state="session",
            )
            st.caption(
                "Date and vehicle always show. On a phone, pick the two or three you look at most."
            )
    return chosen


def _label(table: pd.DataFrame, entry_id: int) -> str:
    row = table.loc[entry_id]
    odometer = next(c for c in table.columns if str(c).startswith("Odometer ("))
    unit = odometer.split("(")[1].rstrip(")")
    return (
        f"{row['Date'].isoformat()} · {row['Vehicle']} · "
        f"{units.format_number(row[odometer], 0)} {unit}"
    )


def pick(page: Page, table: pd.DataFrame, user: UserRead) -> FillupRead | None:
    """The "Fill-up to edit" selectbox over the page's rows; returns the picked fill-up."""
    ids = [int(i) for i in table.index]
    # Only before the widget exists may its value be changed: forget a pick that was saved
    # or deleted, or that is not on this page (another page, another filter).
    if st.session_state.pop(_FORGET_PICK_KEY, False) or st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = None
    chosen = st.selectbox(
        "Fill-up to edit",
        ids,
        index=None,
        key=PICK_KEY,
        format_func=lambda i: _label(table, i),
        placeholder="Click a row in the table, or choose it here",
        on_change=_table_from_pick,
        args=(_table_key(table, user.data_revision), ids),
    )
    return next((row for row in page.rows if row.id == chosen), None)


def _forget_pick() -> None:
    st.session_state[_FORGET_PICK_KEY] = True


# Edit, delete, undo -------------------------------------------------------------------------


def edit_or_delete(user: UserRead, vehicle_list: list[VehicleRead], entry: FillupRead) -> None:
    """The edit form of `entry` (same checks as a new fill-up) and its delete button."""
    names = {v.id: v.name for v in vehicle_list}
    st.subheader(
        f"Fill-up of {entry.date.isoformat()} · {plain(names.get(entry.vehicle_id, ''))}",
        anchor=False,
    )
    saved = forms.fillup_form(user, vehicle_list, key=f"edit_{entry.id}", existing=entry)
    if saved is not None:
        _say("Changes saved; the values after it are updated.")
        st.session_state.pop(UNDO_KEY, None)
        _forget_pick()
        st.rerun()
    if st.session_state.get(_CONFIRM_KEY) != entry.id:
        if st.button("Delete this fill-up", icon=":material/delete:", key="delete"):
            st.session_state[_CONFIRM_KEY] = entry.id
            st.rerun()
        return
    st.warning(
        f"Delete the fill-up of {entry.date.isoformat()}? The fill-ups after it are "
        "recomputed without it. You can undo this right after.",
        icon=":material/warning:",
    )
    yes, no = st.columns(2)
    if yes.button(destructive("Yes, delete it"), key="delete_confirm", width="stretch"):
        # State changes only after the transaction: if the database is unreachable the
        # error reaches app.py's boundary and the question stays for another try.
        try:
            with context.session() as db:
                gone = fillups.delete_fillup(db, user.id, entry.id)
        except FuelTrackerError as exc:  # deleted meanwhile (another tab)
            _say(plain(exc), error=True)
        else:
            st.session_state[UNDO_KEY] = gone
        st.session_state.pop(_CONFIRM_KEY, None)
        _forget_pick()
        st.rerun()
    if no.button("Cancel", key="delete_cancel", width="stretch"):
        st.session_state.pop(_CONFIRM_KEY, None)
        st.rerun()


def _say(message: str, *, error: bool = False) -> None:
    # Shown by messages() on the rerun that follows the action.
    st.session_state[MESSAGE_KEY] = (message, error)


def messages(user: UserRead, vehicle_list: list[VehicleRead]) -> None:
    """The last action's message, and the undo offer of the last delete."""
    if MESSAGE_KEY in st.session_state:
        message, error = st.session_state.pop(MESSAGE_KEY)
        if error:
            st.error(message, icon=":material/error:")
        else:
            st.success(message, icon=":material/check_circle:")
    gone: FillupRead | None = st.session_state.get(UNDO_KEY)
    if gone is None:
        return
    names = {v.id: v.name for v in vehicle_list}
    text, button = st.columns([5, 1], vertical_alignment="center")
    text.info(
        f"Deleted the fill-up of {gone.date.isoformat()} "
        f"({plain(names.get(gone.vehicle_id, 'vehicle'))}).",
        icon=":material/delete:",
    )
    if button.button("Undo", icon=":material/undo:", key="history_undo_button", width="stretch"):
        # Forgotten only once the restore's transaction is over: with the database
        # unreachable the offer stays, and Undo can be clicked again when it is back.
        problem = undo_delete(user, gone)
        st.session_state.pop(UNDO_KEY, None)
        if problem is None:
            _say("Restored the fill-up; the values after it are updated.")
        else:
            _say(f"Could not restore it: {plain(problem)}", error=True)
        st.rerun()


def undo_delete(user: UserRead, gone: FillupRead) -> str | None:
    """Re-create a deleted fill-up with the same values (a new id) through the service, so
    it is validated again; returns the reason when it no longer fits, else None."""
    data = FillupCreate(**gone.model_dump(exclude={"id"}))
    try:
        with context.session() as db:
            fillups.create_fillup(db, user.id, data)
    except FuelTrackerError as exc:
        return str(exc)
    return None


# Download -----------------------------------------------------------------------------------


def filtered_csv(user: UserRead, filters: HistoryFilter, derived: pd.DataFrame) -> bytes:
    """Every fill-up the filter shows (all pages) in the user's units, rounded as shown
    (export.user_units_csv), with derived values computed over the whole history."""
    with context.session() as db:
        ids = filtered_ids(db, user.id, filters)
    rows = derived.loc[derived["entry_id"].isin(ids)]
    return user_units_csv(rows, user).encode("utf-8")


def _export(user: UserRead, filters: HistoryFilter, derived: pd.DataFrame) -> bytes:
    # Runs once per click, on Streamlit's download thread: the audit line of the export.
    data = filtered_csv(user, filters, derived)
    security.event(
        "export", user_id=user.id, format="my_units_csv_filtered", filtered=not filters.is_empty()
    )
    return data


def download_button(
    user: UserRead, filters: HistoryFilter, derived: pd.DataFrame, matching: int
) -> None:
    """One click downloads the filtered rows in the user's units. The file is made only on
    that click (a callable `data`, run by Streamlit on its own thread), not on every rerun
    of the page."""
    name = "history" if filters.is_empty() else "history-filtered"
    st.download_button(
        f"Download {units.format_count(matching, 'fill-up')} (CSV)",
        icon=":material/download:",
        # Filters are frozen: the lambda exports the filter shown with this button.
        data=in_this_run(lambda: _export(user, filters, derived)),
        file_name=downloads.file_name(user, name, "csv"),
        mime="text/csv",
        on_click="ignore",
        key="history_csv",
        help=f"In your units ({downloads.units_summary(user)}), rounded as shown. The "
        "canonical, re-importable file is under Account → Your data.",
    )
