"""Log fill-up page: the quick entry form used at the pump."""

import streamlit as st

from fueltracker import views
from fueltracker.ui import auth, context, forms

user = auth.require_user()
st.title("Log a fill-up", anchor=False)
active = context.user_vehicles(user, include_archived=False)
if not active:
    st.info("Add a vehicle first under **Vehicles**.", icon=":material/directions_car:")
    st.stop()

# One narrow column: at the pump this is used on a phone; on a desktop it stays readable.
column = st.container(width=640)
if "fillup_saved" in st.session_state:
    column.success(st.session_state.pop("fillup_saved"), icon=":material/check_circle:")

# A new form key after each save gives an empty form for the next entry.
form_number = st.session_state.setdefault("fillup_form_number", 0)
with column:
    saved_id = forms.fillup_form(user, active, key=f"fillup_{form_number}")
if saved_id is not None:
    fresh = auth.require_user()
    st.session_state["fillup_saved"] = views.fillup_outcome(
        context.user_frame(fresh), saved_id, fresh
    )
    st.session_state["fillup_form_number"] = form_number + 1
    st.rerun()
