"""Dashboard page: headline figures, consumption over time and spend per month."""

import streamlit as st

from fueltracker import analytics, charts, views
from fueltracker.ui import analysis, auth, context, tables

user = auth.require_user()
st.title("Dashboard", anchor=False)
derived = context.user_frame(user)
if derived.empty:
    st.info("No fill-ups yet. Add a vehicle under **Vehicles**, then log your first fill-up "
            "under **Log fill-up**. Consumption appears from the second full tank on.",
            icon=":material/info:")
    st.stop()

start, today, in_period = analysis.dashboard_period(user, derived, "dashboard_period")
totals, per_vehicle = views.dashboard_figures(derived, start, today, user)
analysis.cards(totals, 4 if per_vehicle else 5)
if per_vehicle:
    st.caption("Spend, distance, price and fuel cost add up over the vehicles; consumption "
               "is each vehicle's own:")
    analysis.cards(per_vehicle, 4)

colors = charts.vehicle_colors(derived)
st.subheader("Consumption")
analysis.plot(charts.consumption_chart(in_period, user.consumption_unit, user.distance_unit,
                                       colors), key="consumption_chart")

st.subheader("Vehicles in this period")
tables.show(views.vehicle_table(analytics.vehicle_summary(in_period), user))

st.subheader("Spend per month")
analysis.plot(charts.monthly_spend_chart(analytics.monthly_summary(in_period), user.currency,
                                         colors), key="spend_chart")
