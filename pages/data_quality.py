"""Data quality: fill-ups the metrics had to skip or flag, with the reason and where to
fix them."""

import streamlit as st

from fueltracker.ui import analysis, results, tables

user, facts = analysis.open_page("Data quality")

report = results.data_quality(analysis.request(user, analysis.every_fillup(facts)))
if report.empty:
    st.success(
        "Nothing to fix: every fill-up counts in the figures.", icon=":material/check_circle:"
    )
    st.stop()

for column, (label, count) in zip(st.columns(4), report.counts.items(), strict=True):
    column.metric(label, count, border=True)

tables.show(report.table, key="data_quality_table")
analysis.table_download(
    "Download this list (CSV)", report.table, "data-quality.csv", "data_quality_csv"
)
analysis.history_link()
st.caption(
    "Chain breaks are often right (a fill-up you really did not log): the figures "
    "then leave out the distance around them. Partial fill-ups count once a full "
    "tank follows them."
)
