"""Expenses page: log a running cost quickly (service, insurance, parking...), then the
history of expenses with filters, edit, delete with undo and a CSV of what the filter
shows."""

import streamlit as st

from fueltracker.ui import auth, context
from fueltracker.ui import expenses as expenses_ui
from fueltracker.ui import reminders as reminders_ui

user = auth.require_user()
st.title("Expenses", anchor=False)
vehicle_list = context.user_vehicles(user)
expenses_ui.messages(user, vehicle_list)
reminders_ui.offer_message()
reminders_ui.show_mark_done_offer(user)  # after a service expense: its due reminders
if not vehicle_list:
    st.info("Add a vehicle first under **Vehicles**.", icon=":material/directions_car:")
    st.stop()

active = [v for v in vehicle_list if v.is_active]
if active:
    with st.container(width=720):
        st.subheader("Log an expense", anchor=False)
        expenses_ui.new_expense(user, active)

st.subheader("Your expenses", anchor=False)
filters = expenses_ui.filter_bar(vehicle_list)
rows = expenses_ui.listed(user, filters)
if not rows:
    st.info(
        "No expenses yet: log one above."
        if filters.is_empty()
        else "No expenses match these filters.",
        icon=":material/info:",
    )
    st.stop()

expenses_ui.show_table(rows, vehicle_list, user)
caption, download = st.columns([3, 2], vertical_alignment="center")
caption.caption(expenses_ui.summary(rows, filters, user))
with download:
    expenses_ui.download_button(user, filters, len(rows))

picked = expenses_ui.pick(rows, vehicle_list, user)
if picked is not None:
    with st.container(width=720):
        expenses_ui.edit_or_delete(user, vehicle_list, picked)
