"""A tiny page for the AppTest of ui.reminders' offer to mark reminders done after a service
expense (the expense form lives on another branch): a button stands for "service expense
saved" with the values the test put in the session."""

import datetime as dt
from decimal import Decimal

import streamlit as st

from fueltracker.ui import auth, reminders

user = auth.require_user()
reminders.offer_message()
reminders.show_mark_done_offer(user)
if st.button("Save service expense", key="save_expense"):
    odometer = st.session_state["harness_odometer_km"]
    reminders.offer_mark_done(
        st.session_state["harness_vehicle_id"],
        dt.date.fromisoformat(st.session_state["harness_on"]),
        None if odometer is None else Decimal(odometer),
    )
    st.rerun()
