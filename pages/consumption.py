"""Consumption: per-segment values with a rolling average, monthly, year over year and by
season, for the chosen vehicles and period; every series is one vehicle's."""

import streamlit as st

from fueltracker.reports import NothingToDraw
from fueltracker.ui import analysis, results

user, facts = analysis.open_page("Consumption")

selection = analysis.filters(user, facts, "consumption")
request = analysis.request(user, selection)
report = results.consumption(request)
if isinstance(report, NothingToDraw):
    if not report.fillups:
        analysis.no_fillups_in_period(selection, "consumption")
    analysis.empty_state(
        "No consumption in this period yet. Consumption is measured from one "
        "full tank to the next: log two full-tank fill-ups of a vehicle "
        "(partial ones in between are fine) and the charts appear."
    )
    st.stop()

window = st.slider(
    "Rolling average over the last N full-tank segments",
    1,
    20,
    5,
    key="consumption_window",
    help="Σ fuel / Σ distance of the last N segments (distance-weighted).",
)
st.subheader("Per tank, with rolling average")
analysis.chart_with_csv(
    results.consumption_trend(request, window), "consumption_trend", "consumption-per-segment"
)
st.caption(
    "One series per vehicle. Gaps mark missed fill-ups or tanks without a full tank "
    "before them: no consumption can be measured across them."
)

st.subheader("Monthly average")
analysis.chart_with_csv(report.monthly, "consumption_monthly", "consumption-per-month")
st.caption(
    "One line per vehicle: its fuel over its distance of the full-tank segments "
    "closing in each month."
)

left, right = st.columns(2)
with left:
    st.subheader("Year over year")
    vehicle_id = analysis.pick_vehicle(dict(report.measured), "consumption_yoy_vehicle")
    analysis.chart_with_csv(
        results.year_over_year(request, vehicle_id), "consumption_yoy", "consumption-year-over-year"
    )
    st.caption("One vehicle against itself: its latest year in its colour, earlier years in grey.")
with right:
    st.subheader("By season")
    analysis.chart_with_csv(report.seasons, "consumption_seasons", "consumption-by-season")
    st.caption(
        "One box per vehicle and season (Winter = Dec–Feb), every full-tank segment a point."
    )
