"""Shared widgets of the analysis pages: the vehicle and period filter, figures with a
"download the data behind this chart" button, and the empty states."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from fueltracker import charts, csvsafe, metrics
from fueltracker.schemas import UserRead
from fueltracker.services.users import local_today
from fueltracker.ui import auth, context

PRESETS = {"30 days": 30, "90 days": 90, "1 year": 365, "All time": None, "Custom": None}
DEFAULT_PRESET = "1 year"


@dataclass(frozen=True)
class Selection:
    """The chosen vehicles' rows (whole history: derived values need it), the rows of the
    period, and the period itself (start None: all time)."""

    vehicles_frame: pd.DataFrame
    in_period: pd.DataFrame
    start: dt.date | None
    end: dt.date
    label: str
    today: dt.date


def filters(user: UserRead, derived: pd.DataFrame, key: str) -> Selection:
    """Vehicle multiselect and period presets (with a custom range) in one row."""
    today = local_today(user.timezone)
    pairs = (derived.loc[:, ["vehicle_id", "vehicle_name"]].drop_duplicates("vehicle_id")
             .sort_values(["vehicle_name", "vehicle_id"]))
    names = dict(zip(pairs["vehicle_id"].tolist(), pairs["vehicle_name"].tolist(),
                     strict=True))
    left, right = st.columns([2, 3], vertical_alignment="bottom")
    chosen = left.multiselect("Vehicles", list(names), default=list(names),
                              format_func=lambda v: names[v], key=f"{key}_vehicles",
                              placeholder="All vehicles")
    preset = right.segmented_control("Period", list(PRESETS), default=DEFAULT_PRESET,
                                     key=f"{key}_period") or DEFAULT_PRESET
    frame = derived.loc[derived["vehicle_id"].isin(chosen or list(names))]
    if preset == "Custom":
        first = frame["date"].min().date() if not frame.empty else today
        picked = st.date_input("From – to", value=(max(first, today - dt.timedelta(days=364)),
                                                   today),
                               max_value=today, key=f"{key}_range", format="YYYY-MM-DD")
        start, end = (picked[0], picked[-1]) if picked else (None, today)
        label = f"{start} – {end}"
    else:
        days = PRESETS[preset]
        start, end = (None if days is None else today - dt.timedelta(days=days - 1)), today
        label = preset.lower() if days is None else f"last {preset}"
    return Selection(frame, metrics.filter_period(frame, start, end), start, end, label, today)


def empty_state(message: str) -> None:
    """An explanation of what to log for this page to show something."""
    st.info(message, icon=":material/info:")


NO_FILLUPS = ("No fill-ups yet. Add a vehicle under **Vehicles**, then log fill-ups under "
              "**Log fill-up**: this page fills in from there.")
NO_FILLUPS_IN_PERIOD = ("No fill-ups of these vehicles in this period: pick a longer period "
                        "or more vehicles.")


def open_page(title: str) -> tuple[UserRead, pd.DataFrame]:
    """Start an analysis page: the signed-in user and their derived frame under the page's
    title; stops with an explanation when nothing has been logged yet."""
    user = auth.require_user()
    st.title(title, anchor=False)
    derived = context.user_frame(user)
    if derived.empty:
        empty_state(NO_FILLUPS)
        st.stop()
    return user, derived


def period_rows(selection: Selection) -> pd.DataFrame:
    """The chosen vehicles' fill-ups in the chosen period; stops with an explanation when
    there are none."""
    if selection.in_period.empty:
        empty_state(NO_FILLUPS_IN_PERIOD)
        st.stop()
    return selection.in_period


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes, cells a spreadsheet would run as formulas neutralised."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(
                lambda v: csvsafe.neutralise(v) if isinstance(v, str) else v)
    return safe.to_csv(index=False).encode("utf-8")


def chart(figure: go.Figure, key: str, file_name: str) -> None:
    """A plotly figure with a button downloading the data behind it as CSV."""
    st.plotly_chart(figure, width="stretch", key=key)
    data = charts.figure_frame(figure)
    if not data.empty:
        st.download_button("Download the data behind this chart (CSV)", data=csv_bytes(data),
                           file_name=f"{file_name}.csv", mime="text/csv",
                           icon=":material/download:", key=f"{key}_csv")


def history_link() -> None:
    """A link to the History page, where a fill-up is picked and fixed."""
    from pathlib import Path

    history = Path(__file__).resolve().parents[2] / "pages" / "history.py"
    try:
        st.page_link(str(history), label="Open History and pick a fill-up to fix it",
                     icon=":material/history:")
    except StreamlitAPIException:  # a page link is a nicety; the text says the same
        st.caption("Open **History** and pick the fill-up to fix it.")
