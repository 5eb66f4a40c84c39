"""Costs: fuel spend per month and year, cost per distance, cumulative spend and a
projection of the next 12 months at each vehicle's recent pace; then energy against the
other running costs (expenses) and the total cost of ownership."""

import streamlit as st

from fueltracker import units
from fueltracker.reports import NothingToDraw
from fueltracker.ui import analysis, results

user, facts = analysis.open_page("Costs")

selection = analysis.filters(user, facts, "costs")
report = results.costs(analysis.request(user, selection))
if isinstance(report, NothingToDraw):
    analysis.no_fillups_in_period(selection, "costs")

left, right = st.columns(2)
with left:
    st.subheader("Spend per month")
    analysis.chart_with_csv(report.monthly, "costs_monthly", "spend-per-month")
with right:
    st.subheader("Spend per year")
    analysis.chart_with_csv(report.yearly, "costs_yearly", "spend-per-year")
st.caption("Bars stacked per vehicle: a bar's height is the spend of all the chosen vehicles.")

st.subheader(f"Fuel cost per {units.distance_label(user.distance_unit)}")
analysis.chart_with_csv(report.per_distance, "costs_per_distance", "cost-per-distance")
st.caption(
    "One line per vehicle; each point is one full-tank segment: what it cost over its "
    "distance. Gaps mark missed fill-ups. Log two full tanks of a vehicle to see the "
    "first point."
)

st.subheader("Cumulative spend and the next 12 months")
analysis.cards(report.projection.figures, 2)
analysis.chart_with_csv(report.cumulative, "costs_cumulative", "cumulative-spend")
st.caption(
    "The running total of all the chosen vehicles in this period. "
    + analysis.projection_note(report.projection)
)

analysis.running_costs(results.running_costs(analysis.request(user, selection)))
