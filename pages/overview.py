"""Overview: the period's headline figures for the chosen vehicles, each against the
previous period of the same length."""

import streamlit as st

from fueltracker.ui import analysis, results

user, facts = analysis.open_page("Overview")

selection = analysis.filters(user, facts, "overview")
report = results.overview(analysis.request(user, selection))
comparison = report.comparison
if comparison.current.fillup_count == 0:
    analysis.no_fillups_in_period(selection, "overview")

analysis.cards(report.figures, 4)
if report.per_vehicle:
    st.caption(
        "Spend, distance, volume, price and costs add up over the vehicles; "
        "consumption is each vehicle's own:"
    )
    analysis.cards(report.per_vehicle, 4)

st.caption(
    f"Period {comparison.start} – {comparison.end}, compared with "
    f"{comparison.previous_start} – {comparison.previous_end}"
    + ("" if comparison.previous.fillup_count else " (no fill-ups then, so no change is shown)")
    + ". See **Consumption**, **Prices** and **Costs** for the charts."
)
