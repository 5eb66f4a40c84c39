"""Data quality: fill-ups the metrics had to skip or flag, with the reason and where to
fix them."""

import streamlit as st

from fueltracker import analytics, units
from fueltracker.ui import analysis, tables

user, derived = analysis.open_page("Data quality")

KIND_LABELS = {
    analytics.ISSUE_ODOMETER: "Odometer goes backwards",
    analytics.ISSUE_TRAILING_PARTIAL: "Partial fill-up never closed",
    analytics.ISSUE_IMPLAUSIBLE: "Implausible consumption",
    analytics.ISSUE_BROKEN_CHAIN: "Chain broken",
}

issues = analytics.data_quality_issues(derived)
if issues.empty:
    st.success("Nothing to fix: every fill-up counts in the figures.",
               icon=":material/check_circle:")
    st.stop()

counts = issues["kind"].value_counts()
for column, (kind, label) in zip(st.columns(4), KIND_LABELS.items(), strict=True):
    column.metric(label, int(counts.get(kind, 0)), border=True)

d_label = units.distance_label(user.distance_unit)
table = issues.assign(
    Date=issues["date"].dt.date,
    Vehicle=issues["vehicle_name"],
    **{f"Odometer ({d_label})": units.km_to_distance(issues["odometer_km"],
                                                       user.distance_unit).round()},
    Issue=issues["kind"].map(KIND_LABELS),
    Reason=issues["reason"],
    Fix="Open History and pick this fill-up to fix it",
).loc[:, ["Date", "Vehicle", f"Odometer ({d_label})", "Issue", "Reason", "Fix"]]
tables.show(table, key="data_quality_table")
st.download_button("Download this list (CSV)", data=analysis.csv_bytes(table),
                   file_name="data-quality.csv", mime="text/csv",
                   icon=":material/download:", key="data_quality_csv")
analysis.history_link()
st.caption("Chain breaks are often right (a fill-up you really did not log): the figures "
           "then leave out the distance around them. Partial fill-ups count once a full "
           "tank follows them.")
