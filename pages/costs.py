"""Costs: fuel spend per month and year, cost per distance, cumulative spend and a
projection of the next 12 months at each vehicle's recent pace."""

import streamlit as st

from fueltracker import analytics, charts, units, views
from fueltracker.ui import analysis

user, derived = analysis.open_page("Costs")

selection = analysis.filters(user, derived, "costs")
in_period = analysis.period_rows(selection, "costs")

currency, d_unit = user.currency, user.distance_unit
colors = charts.vehicle_colors(derived)
left, right = st.columns(2)
with left:
    st.subheader("Spend per month")
    analysis.chart(charts.monthly_spend_chart(analytics.monthly_summary(in_period), currency,
                                              colors),
                   "costs_monthly", "spend-per-month")
with right:
    st.subheader("Spend per year")
    analysis.chart(charts.yearly_spend_chart(analytics.yearly_spend(in_period), currency,
                                             colors),
                   "costs_yearly", "spend-per-year")
st.caption("Bars stacked per vehicle: a bar's height is the spend of all the chosen vehicles.")

st.subheader(f"Fuel cost per {units.distance_label(d_unit)}")
analysis.chart(charts.cost_per_distance_chart(analytics.consumption_series(in_period, 1),
                                              currency, d_unit, colors),
               "costs_per_distance", "cost-per-distance")
st.caption("One line per vehicle; each point is one full-tank segment: what it cost over its "
           "distance. Gaps mark missed fill-ups. Log two full tanks of a vehicle to see the "
           "first point.")

st.subheader("Cumulative spend and the next 12 months")
projection = analytics.spend_projection(selection.vehicles_frame, selection.today,
                                        continued=in_period)
projected = views.projection_figures(projection, user)
analysis.cards(projected.figures, 2)
analysis.chart(charts.cumulative_spend_chart(analytics.cumulative_spend(in_period),
                                             projection.points, currency, d_unit),
               "costs_cumulative", "cumulative-spend")
st.caption("The running total of all the chosen vehicles in this period. "
           + analysis.projection_note(projected))
