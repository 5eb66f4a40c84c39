"""Vehicles page: add, edit, archive or reactivate, and delete a vehicle with its history."""

import streamlit as st

from fueltracker import analytics, units, views
from fueltracker.ui import auth, context, forms, garage, tables
from fueltracker.ui.errors import FieldErrors
from fueltracker.ui.text import destructive, plain

user = auth.require_user()
st.title("Vehicles", anchor=False)
if "vehicles_message" in st.session_state:
    st.success(st.session_state.pop("vehicles_message"), icon=":material/check_circle:")

vehicle_list = context.user_vehicles(user)
derived = context.user_frame(user)
if vehicle_list and not derived.empty:
    tables.show(views.vehicle_table(analytics.vehicle_summary(derived), user))

form_number = st.session_state.setdefault("vehicle_form_number", 0)
key = f"new_vehicle_{form_number}"
# Open while the garage is empty, and while the form shows an error: it would hide it.
with st.expander(
    "Add a vehicle", expanded=not vehicle_list or FieldErrors(key).any(), icon=":material/add:"
):
    data = forms.vehicle_form(user, key=key)
    if data is not None and forms.save_vehicle(user, data, key) is not None:
        st.session_state["vehicle_form_number"] = form_number + 1
        st.session_state["vehicles_message"] = f"Added {plain(data.name)}."
        st.rerun()

for vehicle in vehicle_list:
    title = plain(vehicle.name) + ("" if vehicle.is_active else " (archived)")
    with st.expander(title, icon=views.vehicle_icon(vehicle.kind)):
        key = f"vehicle_{vehicle.id}"
        data = forms.vehicle_form(user, key=key, existing=vehicle)
        if data is not None and forms.save_vehicle(user, data, key, vehicle) is not None:
            st.session_state["vehicles_message"] = f"Saved {plain(data.name)}."
            st.rerun()
        label = "Reactivate" if not vehicle.is_active else "Archive (keeps its history)"
        if st.button(label, key=f"archive_{vehicle.id}"):
            garage.set_active(user, vehicle.id, not vehicle.is_active)
            st.rerun()
        confirm = st.text_input(
            f"Type {plain(vehicle.name)} to delete it with all its fill-ups and expenses",
            key=f"confirm_delete_{vehicle.id}",
        )
        if st.button(
            destructive("Delete vehicle and history"),
            key=f"delete_{vehicle.id}",
            disabled=confirm.strip() != vehicle.name,
        ):
            count = garage.delete(user, vehicle.id, confirm)
            st.session_state["vehicles_message"] = (
                f"Deleted {plain(vehicle.name)} and {units.format_count(count, 'fill-up')}, "
                "with its expenses."
            )
            st.rerun()
