"""History page: every fill-up with its derived values, newest first, 25 a page; edit or
delete the selected one."""

import streamlit as st

from fueltracker.ui import auth, context, forms, history, tables

user = auth.require_user()
st.title("History", anchor=False)
derived = context.user_frame(user)
if derived.empty:
    st.info("No fill-ups yet: log one under **Log fill-up**.", icon=":material/info:")
    st.stop()
if "history_message" in st.session_state:
    st.success(st.session_state.pop("history_message"), icon=":material/check_circle:")

vehicle_list = context.user_vehicles(user)
names = {v.id: v.name for v in vehicle_list}
chosen = st.multiselect("Vehicles", list(names), format_func=names.get, key="history_vehicles",
                        placeholder="All vehicles")
page, number = history.current_page(user, chosen)
table = history.page_table(derived, page, user)
event = tables.show(table, all_rows=True, on_select="rerun", selection_mode="single-row",
                    key="history_table")

newer, label, older = st.columns([1, 2, 1])
if newer.button("Newer", icon=":material/chevron_left:", disabled=number == 1, key="newer"):
    history.newer(chosen)
    st.rerun()
label.caption(f"Page {number} · {len(derived)} fill-ups in all · select a row to edit or delete it")
if older.button("Older", icon=":material/chevron_right:", disabled=page.next_cursor is None,
                key="older"):
    history.older(page, chosen)
    st.rerun()

rows = event.selection.rows if event else []
if rows:
    entry = history.get(user, int(table.index[rows[0]]))
    st.subheader(f"Fill-up of {entry.date.isoformat()}")
    saved = forms.fillup_form(user, vehicle_list, key=f"edit_{entry.id}", existing=entry)
    if saved is not None:
        st.session_state["history_message"] = "Changes saved; the values after it are updated."
        st.rerun()
    if st.toggle("Delete this fill-up", key=f"delete_toggle_{entry.id}"):
        if st.button("Yes, delete it", type="primary", key=f"delete_{entry.id}"):
            gone = history.delete(user, entry.id)
            st.session_state["history_message"] = f"Deleted the fill-up of {gone.date.isoformat()}."
            st.rerun()
