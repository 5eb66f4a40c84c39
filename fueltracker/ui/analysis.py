"""Shared widgets of the analysis pages: the vehicle and period filter, figures with a
"download the data behind this chart" button, headline cards, and the empty states.

The filters read only the user's VehicleFacts (cached per data revision), never the
fill-ups: a page run that finds its results cached (ui/results.py) touches no frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from fueltracker import charts
from fueltracker.bounds import ANY_DATE
from fueltracker.clock import local_today
from fueltracker.logging_setup import in_this_run
from fueltracker.reports import (
    Chart,
    NothingToDraw,
    Request,
    RunningCostsReport,
    Units,
    VehicleFacts,
    csv_bytes,
)
from fueltracker.schemas import UserRead
from fueltracker.ui import auth, context, periods, tables
from fueltracker.ui.text import plain
from fueltracker.views import Figure, ProjectionView


@dataclass(frozen=True)
class Selection:
    """What the filters chose: the vehicles (ids, by name), the period (start None: all
    time) and its label, the user's today, and ``last_logged``, the chosen vehicles'
    latest fill-up."""

    vehicle_ids: tuple[int, ...]
    start: dt.date | None
    end: dt.date
    label: str
    today: dt.date
    last_logged: dt.date | None = None


def request(user: UserRead, selection: Selection) -> Request:
    """The cache key of a page's results: this user (re-read from the database this run),
    their data revision and unit preferences, and the selection."""
    return Request(
        user.id,
        user.data_revision,
        Units.of(user),
        selection.vehicle_ids,
        selection.start,
        selection.end,
        selection.today,
    )


def _set_state(key: str, value: object) -> None:
    # A callback: it runs before the next run draws the widget, when its value may change.
    st.session_state[key] = value


def filters(user: UserRead, facts: VehicleFacts, key: str) -> Selection:
    """Vehicle multiselect and period presets (with a custom range) in one row. The page
    opens on the last year, or on all time when nothing was logged in it."""
    today = local_today(user.timezone)
    names = facts.names
    default_start = periods.DEFAULT.start(today)
    opening = periods.opening_preset(
        facts, periods.DEFAULT.analysis_label, default_start, periods.ALL.analysis_label
    )
    chosen = st.multiselect(
        "Vehicles",
        list(names),
        default=list(names),
        format_func=lambda v: names[v],
        key=f"{key}_vehicles",
        placeholder="All vehicles",
    )
    # On a row of its own: inside a column the control overflowed it on a phone and
    # "Custom" was cut off; on its own row its options wrap like the Dashboard's.
    # A click on the selected option clears it: that means the opening period again.
    preset = (
        st.segmented_control(
            "Period", list(periods.ANALYSIS_PRESETS), default=opening, key=f"{key}_period"
        )
        or opening
    )
    # The names' order (by name), whatever order they were picked in: one key per choice.
    vehicle_ids = tuple(v for v in names if v in chosen) if chosen else tuple(names)
    chosen_period = periods.period(preset)
    if chosen_period is None:  # periods.CUSTOM
        first = facts.first_date(vehicle_ids) or today
        # No max_value: a bound makes the browser keep the last accepted date while the field
        # shows the refused one. Whatever the field shows is the range; a range reaching past
        # today simply has no fill-ups after today.
        picked = st.date_input(
            "From – to",
            value=(max(first, today - dt.timedelta(days=364)), today),
            min_value=ANY_DATE[0],
            max_value=ANY_DATE[1],
            key=f"{key}_range",
            format="YYYY-MM-DD",
        )
        start, end = (picked[0], picked[-1]) if picked else (None, today)
        if start is not None and end < start:
            start, end = end, start
        label = f"{start} – {end}"
    else:
        start, end = chosen_period.start(today), today
        label = preset.lower() if chosen_period.days is None else f"last {preset}"
    last_logged = facts.last_date(vehicle_ids)
    if (
        chosen_period == periods.ALL
        and last_logged is not None
        and default_start is not None
        and last_logged < default_start
    ):
        st.caption(
            f"Nothing logged in the last year: these fill-ups end on {last_logged}, "
            "so this shows all time."
        )
    return Selection(vehicle_ids, start, end, label, today, last_logged)


def dashboard_period(user: UserRead, facts: VehicleFacts, key: str) -> Selection:
    """The Dashboard's period presets (periods.DASHBOARD_PRESETS) over all the user's
    vehicles: opens on the last 12 months, or on all time (saying so) when nothing was logged
    in them."""
    today = local_today(user.timezone)
    default_start = periods.DEFAULT.start(today)
    opening = periods.opening_preset(
        facts, periods.DEFAULT.dashboard_label, default_start, periods.ALL.dashboard_label
    )
    preset = (
        st.segmented_control("Period", list(periods.DASHBOARD_PRESETS), default=opening, key=key)
        or opening
    )
    start = periods.preset_start(preset, today)
    if start is None and not facts.logged_since(default_start):
        st.caption(
            f"Nothing logged in the last 12 months: your fill-ups end on "
            f"{facts.last_date()}, so this shows all time."
        )
    return Selection(tuple(facts.names), start, today, preset, today, facts.last_date())


def every_fillup(facts: VehicleFacts) -> Selection:
    """The selection of a page without filters: every vehicle, all time. It ends on the
    last fill-up (not today), so its results stay cached until the data changes."""
    last = facts.last_date()
    # The page opened with open_page, which stops it when nothing was logged.
    assert last is not None, "every_fillup of a user without fill-ups"
    return Selection(tuple(facts.names), None, last, periods.ALL.analysis_label.lower(), last, last)


def no_dashboard_fillups(selection: Selection, key: str) -> NoReturn:
    """The Dashboard's empty period: when the fill-ups end and a button to all time; stops
    the page."""
    empty_state(f"No fill-ups in this period: your latest is from {selection.last_logged}.")
    st.button(
        "Show all time",
        key=f"{key}_all_time",
        icon=":material/history:",
        on_click=_set_state,
        args=(key, periods.ALL.dashboard_label),
    )
    st.stop()


def empty_state(message: str) -> None:
    """An explanation of what to log for this page to show something."""
    st.info(message, icon=":material/info:")


NO_FILLUPS = (
    "No fill-ups yet. Add a vehicle under **Vehicles**, then log fill-ups under "
    "**Log fill-up**: this page fills in from there."
)
NO_FILLUPS_IN_PERIOD = (
    "No fill-ups of these vehicles in this period: pick a longer period or more vehicles."
)


def no_fillups_in_period(selection: Selection, key: str) -> NoReturn:
    """Why the period is empty (when the chosen vehicles' fill-ups end before it, the date
    they end on) and a button to show all time; stops the page."""
    if selection.last_logged is not None and (
        selection.start is None or selection.last_logged < selection.start
    ):
        empty_state(
            f"No fill-ups of these vehicles in this period: they end on {selection.last_logged}."
        )
        st.button(
            "Show all time",
            key=f"{key}_all_time",
            icon=":material/history:",
            on_click=_set_state,
            args=(f"{key}_period", periods.ALL.analysis_label),
        )
    else:
        empty_state(NO_FILLUPS_IN_PERIOD)
    st.stop()


def open_page(title: str) -> tuple[UserRead, VehicleFacts]:
    """Start an analysis page: the signed-in user and what the filters need of their
    fill-ups, under the page's title; stops with an explanation when nothing has been
    logged yet."""
    user = auth.require_user()
    st.title(title, anchor=False)
    facts = context.user_facts(user)
    if facts.empty:
        empty_state(NO_FILLUPS)
        st.stop()
    return user, facts


def pick_vehicle(vehicles: dict[int, str], key: str) -> int:
    """One of several vehicles for a chart that compares a vehicle with itself (a select,
    shown only when there is a choice); its id."""
    ids = list(vehicles)
    if len(ids) == 1:
        return ids[0]
    if st.session_state.get(key) not in ids:  # a vehicle since filtered out
        st.session_state.pop(key, None)
    return st.selectbox("Vehicle", ids, format_func=lambda v: vehicles[v], key=key)


def projection_note(projection: ProjectionView) -> str:
    """How the Costs page's projection is made, with each vehicle's pace (names escaped)."""
    if not projection.paces:
        return (
            "No projection: it needs a vehicle with fill-ups on two different days in the "
            "last 12 months."
        )
    paces = ", ".join(f"{plain(name)} {pace}" for name, pace in projection.paces)
    note = (
        "Projection: each vehicle's fuel spend per day between its first and last fill-up "
        f"of the last 12 months ({paces}), times 365, added up, so a vehicle added lately "
        "counts for a whole year and one without a fill-up in 12 months for nothing. The "
        "dashed line continues this period's running total at that pace."
    )
    if projection.without_pace:
        note += (
            " Not projected (one fill-up day only): "
            + ", ".join(plain(name) for name in projection.without_pace)
            + "."
        )
    return note


def cards(figures: Sequence[Figure], per_row: int) -> None:
    """Headline figures as bordered metric cards, ``per_row`` a row; a figure of one
    vehicle carries its name (escaped: the user's text) before its label."""
    for row in range(0, len(figures), per_row):
        for column, figure in zip(st.columns(per_row), figures[row : row + per_row], strict=False):
            label = (
                figure.label
                if figure.vehicle is None
                else f"{plain(figure.vehicle)} · {figure.label}"
            )
            column.metric(
                label,
                figure.value,
                delta=figure.delta,
                delta_color=figure.delta_color,
                help=figure.help,
                border=True,
            )


def plot(figure: go.Figure, key: str) -> None:
    """A plotly figure across the page, without plotly's mode bar (charts.PLOTLY_CONFIG)."""
    st.plotly_chart(figure, width="stretch", key=key, config=charts.PLOTLY_CONFIG)


def chart_with_csv(result: Chart, key: str, file_name: str) -> None:
    """A chart across the page with a button downloading the data behind it as CSV
    (numbers rounded as the chart shows them), made only when the button is clicked."""
    plot(result.figure, key)
    if result.has_data:
        st.download_button(
            "Download the data behind this chart (CSV)",
            data=in_this_run(result.csv),
            file_name=f"{file_name}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"{key}_csv",
        )


def table_download(label: str, table: pd.DataFrame, file_name: str, key: str) -> None:
    """A button downloading ``table`` as CSV, made only when the button is clicked."""
    st.download_button(
        label,
        data=in_this_run(lambda: csv_bytes(table)),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )


def history_link() -> None:
    """A link to the History page, where a fill-up is picked and fixed."""
    from pathlib import Path

    history = Path(__file__).resolve().parents[2] / "pages" / "history.py"
    try:
        st.page_link(
            str(history),
            label="Open History and pick a fill-up to fix it",
            icon=":material/history:",
        )
    except StreamlitAPIException:  # a page link is a nicety; the text says the same
        st.caption("Open **History** and pick the fill-up to fix it.")


OWNERSHIP_NOTE = (
    "Cost of ownership: energy (the fill-ups of the period) plus the other "
    "costs logged under **Expenses**, insurance and tax spread per day over "
    "the time they cover. Per distance, it is divided by the odometer span of "
    "each vehicle's fill-ups in the period."
)


def ownership_cards(figures: Sequence[Figure]) -> None:
    """The Dashboard's cost-of-ownership cards beside the fuel figures (nothing without
    expenses in the period)."""
    if not figures:
        return
    cards(figures, 3)
    st.caption(OWNERSHIP_NOTE)


def running_costs(report: RunningCostsReport | NothingToDraw) -> None:
    """The Costs page's energy against the other running costs, by month, year and
    category, and the total cost of ownership (or how to get it)."""
    st.subheader("Energy and other costs", anchor=False)
    if isinstance(report, NothingToDraw):
        return
    if not report.has_expenses:
        empty_state(
            "No other costs in this period. Log services, insurance, tax, parking "
            "and the like under **Expenses** to see the whole cost of your vehicles "
            "here."
        )
        return
    cards(report.figures, 3)
    st.caption(OWNERSHIP_NOTE)
    left, right = st.columns(2)
    with left:
        st.markdown("**Per month**")
        chart_with_csv(report.monthly, "running_costs_monthly", "costs-per-month")
    with right:
        st.markdown("**Per year**")
        chart_with_csv(report.yearly, "running_costs_yearly", "costs-per-year")
    st.caption(
        "Bars stacked per category: energy and each kind of other cost, all the "
        "chosen vehicles together."
    )
    st.markdown("**Other costs by category**")
    chart_with_csv(report.by_category, "running_costs_by_category", "other-costs-by-category")
    st.markdown("**Per vehicle**")
    tables.show(report.vehicles, all_rows=True)
    table_download(
        "Download this table (CSV)",
        report.vehicles,
        "cost-of-ownership-per-vehicle.csv",
        "running_costs_vehicles_csv",
    )
