"""Consumption: per-segment values with a rolling average, monthly, year over year and by
season, for the chosen vehicles and period; every series is one vehicle's."""

import streamlit as st

from fueltracker import analytics, charts
from fueltracker.ui import analysis

user, derived = analysis.open_page("Consumption")

selection = analysis.filters(user, derived, "consumption")
in_period = analysis.period_rows(selection, "consumption")
series = analytics.consumption_series(in_period, 1)
if series["consumption_l_per_100km"].notna().sum() == 0:
    analysis.empty_state("No consumption in this period yet. Consumption is measured from one "
                         "full tank to the next: log two full-tank fill-ups of a vehicle "
                         "(partial ones in between are fine) and the charts appear.")
    st.stop()

c_unit, d_unit = user.consumption_unit, user.distance_unit
colors = charts.vehicle_colors(derived)
window = st.slider("Rolling average over the last N full-tank segments", 1, 20, 5,
                   key="consumption_window",
                   help="Σ fuel / Σ distance of the last N segments (distance-weighted).")
st.subheader("Per tank, with rolling average")
analysis.chart(charts.consumption_chart(analytics.consumption_series(in_period, window),
                                        c_unit, d_unit, colors, window=window),
               "consumption_trend", "consumption-per-segment")
st.caption("One series per vehicle. Gaps mark missed fill-ups or tanks without a full tank "
           "before them: no consumption can be measured across them.")

st.subheader("Monthly average")
analysis.chart(charts.monthly_consumption_chart(analytics.monthly_summary(in_period), c_unit,
                                                colors),
               "consumption_monthly", "consumption-per-month")
st.caption("One line per vehicle: its fuel over its distance of the full-tank segments "
           "closing in each month.")

left, right = st.columns(2)
with left:
    st.subheader("Year over year")
    measured = analysis.vehicles_with_consumption(series)
    vehicle_id = analysis.pick_vehicle(measured, "consumption_yoy_vehicle")
    analysis.chart(charts.year_over_year_chart(analytics.consumption_by_month_of_year(
        in_period.loc[in_period["vehicle_id"] == vehicle_id]), c_unit, colors),
        "consumption_yoy", "consumption-year-over-year")
    st.caption("One vehicle against itself: its latest year in its colour, earlier years "
               "in grey.")
with right:
    st.subheader("By season")
    analysis.chart(charts.season_box_chart(analytics.segments_by_season(in_period), c_unit,
                                           d_unit, colors),
                   "consumption_seasons", "consumption-by-season")
    st.caption("One box per vehicle and season (Winter = Dec–Feb), every full-tank segment "
               "a point.")
