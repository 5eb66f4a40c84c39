"""Dashboard page: headline figures, consumption over time and spend per month."""

import streamlit as st

from fueltracker.reports import NothingToDraw
from fueltracker.ui import analysis, auth, context, reminders, results, tables

user = auth.require_user()
st.title("Dashboard", anchor=False)
reminders.attention_block(user)
facts = context.user_facts(user)
if facts.empty:
    st.info(
        "No fill-ups yet. Add a vehicle under **Vehicles**, then log your first fill-up "
        "under **Log fill-up**. Consumption appears from the second full tank on.",
        icon=":material/info:",
    )
    st.stop()

selection = analysis.dashboard_period(user, facts, "dashboard_period")
report = results.dashboard(analysis.request(user, selection))
if isinstance(report, NothingToDraw):
    analysis.no_dashboard_fillups(selection, "dashboard_period")
analysis.cards(report.totals, 4 if report.per_vehicle else 5)
if report.per_vehicle:
    st.caption(
        "Spend, distance, price and fuel cost add up over the vehicles; consumption "
        "is each vehicle's own:"
    )
    analysis.cards(report.per_vehicle, 4)
analysis.ownership_cards(results.dashboard_ownership(analysis.request(user, selection)))

st.subheader("Consumption")
analysis.plot(report.consumption, key="consumption_chart")

st.subheader("Vehicles in this period")
tables.show(report.vehicles)

st.subheader("Spend per month")
analysis.plot(report.spend, key="spend_chart")
