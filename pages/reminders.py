"""Reminders page: each vehicle's reminders with their status, add, edit, delete, mark done,
and the due dates as a calendar file."""

import streamlit as st

from fueltracker.ui import auth, reminders

user = auth.require_user()
st.title("Reminders", anchor=False)
reminders.page(user)
