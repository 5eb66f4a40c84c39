"""Import page: another app's file (or ours) previewed row by row, then written all at once."""

import streamlit as st

from fueltracker import units
from fueltracker.ui import auth, context, importing, tables

user = auth.require_user()
st.title("Import fill-ups", anchor=False)
st.caption(
    "Fuelly, Fuelio, LubeLogger, Drivvo, our CSV or ZIP, or any CSV with a header. "
    "Nothing is written until you confirm; a file imported twice adds nothing."
)
importing.show_result()

upload = importing.upload()
if upload is None:
    st.stop()
file_format = importing.choose_format(upload)
parsed_file = importing.parse_upload(upload, file_format, user)
if parsed_file is None:
    st.stop()
parsed = importing.map_vehicles(parsed_file, file_format, context.user_vehicles(user))
if parsed is None:
    st.stop()
parsed = importing.choose_currency(parsed, user)

preview = importing.run_preview(user, parsed)
count = importing.counts(preview, parsed)
st.subheader("Preview", anchor=False)
new, present, errors = st.columns(3)
new.metric("New", count["new"])
present.metric("Already present", count["present"])
errors.metric("Errors", count["errors"])
tables.show(importing.preview_table(preview, parsed.errors, user))

if count["new"] == 0 and count["errors"] == 0:
    st.info(
        "Every fill-up of this file is already present; nothing to import."
        if count["present"]
        else "The file holds no fill-ups.",
        icon=":material/info:",
    )
elif count["errors"] == 0:
    if st.button(
        f"Import {units.format_count(count['new'], 'fill-up')}", type="primary", key="import_all"
    ):
        importing.import_valid(user, parsed, preview, file_format)
else:
    st.warning(
        f"{units.format_count(count['errors'], 'row has', 'rows have')} errors (see "
        "Status). Fix the file and upload it again, or import only the rows without "
        "errors.",
        icon=":material/warning:",
    )
    valid = units.format_count(count["new"], "valid row")
    if st.button(f"Import the {valid}", key="import_valid", disabled=count["new"] == 0):
        importing.import_valid(user, parsed, preview, file_format)
