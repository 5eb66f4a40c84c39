"""Dashboard page: headline figures, consumption over time and spend per month."""

import streamlit as st

from fueltracker import analytics, charts, views
from fueltracker.ui import auth, context, periods, tables

user = auth.require_user()
st.title("Dashboard", anchor=False)
derived = context.user_frame(user)
if derived.empty:
    st.info("No fill-ups yet. Add a vehicle under **Vehicles**, then log your first fill-up "
            "under **Log fill-up**. Consumption appears from the second full tank on.",
            icon=":material/info:")
    st.stop()

period = st.segmented_control("Period", list(periods.PRESETS), default="Last 12 months",
                              key="dashboard_period")
in_period, summary = periods.summarize_preset(derived, period, user)

for column, figure in zip(st.columns(5), views.summary_figures(summary, user), strict=True):
    column.metric(figure.label, figure.value, help=figure.help, border=True)

st.subheader("Consumption")
st.plotly_chart(charts.consumption_chart(in_period, user.consumption_unit, user.distance_unit),
                width="stretch", key="consumption_chart")

st.subheader("Vehicles in this period")
tables.show(views.vehicle_table(analytics.vehicle_summary(in_period), user))

st.subheader("Spend per month")
st.plotly_chart(charts.monthly_spend_chart(analytics.monthly_summary(in_period), user.currency),
                width="stretch", key="spend_chart")
