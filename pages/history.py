"""History page: every fill-up with its derived values, newest first, 25 a page, filtered;
edit, delete (with undo) the chosen one; download what the filters show."""

import streamlit as st

from fueltracker.ui import auth, context, history

user = auth.require_user()
st.title("History", anchor=False)
derived = context.user_frame(user)
vehicle_list = context.user_vehicles(user)
history.messages(user, vehicle_list)  # before the empty state: undo of the last fill-up
if derived.empty:
    st.info("No fill-ups yet: log one under **Log fill-up**.", icon=":material/info:")
    st.stop()

filters = history.filter_bar(user, vehicle_list)
page, number = history.current_page(user, filters)
matching = history.matching_count(user, filters, derived)
if not page.rows:
    st.info("No fill-ups match these filters.", icon=":material/filter_alt_off:")
    st.stop()

table = history.page_table(derived, page, user)
history.show_table(table, user)

newer, label, download, older = st.columns([1, 3, 2, 1], vertical_alignment="center")
# Callbacks move the cursor before the next run: one run per click, no st.rerun().
newer.button(
    "Newer",
    icon=":material/chevron_left:",
    disabled=number == 1,
    key="newer",
    width="stretch",
    on_click=history.newer,
    args=(filters,),
)
label.caption(history.page_caption(number, matching, len(derived), filters))
older.button(
    "Older",
    icon=":material/chevron_right:",
    disabled=page.next_cursor is None,
    key="older",
    width="stretch",
    on_click=history.older,
    args=(page, filters),
)
with download:
    history.download_button(user, filters, derived, matching)

entry = history.pick(page, table, user)
if entry is not None:
    history.edit_or_delete(user, vehicle_list, entry)
