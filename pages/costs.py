"""Costs: fuel spend per month and year, cost per distance, cumulative spend and a
projection of the next 12 months."""

import streamlit as st

from fueltracker import analytics, charts, units
from fueltracker.ui import analysis

user, derived = analysis.open_page("Costs")

selection = analysis.filters(user, derived, "costs")
in_period = analysis.period_rows(selection)

currency, d_unit = user.currency, user.distance_unit
left, right = st.columns(2)
with left:
    st.subheader("Spend per month")
    analysis.chart(charts.monthly_spend_chart(analytics.monthly_summary(in_period), currency),
                   "costs_monthly", "spend-per-month")
with right:
    st.subheader("Spend per year")
    analysis.chart(charts.yearly_spend_chart(analytics.yearly_spend(in_period), currency),
                   "costs_yearly", "spend-per-year")

st.subheader(f"Fuel cost per {units.distance_label(d_unit)}")
analysis.chart(charts.cost_per_distance_chart(analytics.consumption_series(in_period, 1),
                                              currency, d_unit),
               "costs_per_distance", "cost-per-distance")
st.caption("Each point is one full-tank segment: what it cost over its distance. Gaps mark "
           "missed fill-ups. Log two full tanks of a vehicle to see the first point.")

st.subheader("Cumulative spend and the next 12 months")
projection = analytics.spend_projection(selection.vehicles_frame, selection.today,
                                       continued=in_period)
money = units.currency_decimals(currency)
columns = st.columns(2)
columns[0].metric(f"Last 12 months ({currency})",
                  units.format_number(projection.last_12_months_spent, money), border=True)
columns[1].metric(f"Projected next 12 months ({currency})",
                  units.format_number(projection.next_12_months, money), border=True,
                  help="The last 12 months' monthly average, continued: a simple projection.")
analysis.chart(charts.cumulative_spend_chart(analytics.cumulative_spend(in_period),
                                             projection.points, currency, d_unit),
               "costs_cumulative", "cumulative-spend")
st.caption("The dashed line continues the running total of this period by the last 12 "
           "months' monthly average, whatever period is shown.")
