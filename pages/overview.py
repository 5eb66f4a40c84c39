"""Overview: the period's headline figures for the chosen vehicles, each against the
previous period of the same length."""

import streamlit as st

from fueltracker import analytics, views
from fueltracker.ui import analysis

user, derived = analysis.open_page("Overview")

selection = analysis.filters(user, derived, "overview")
comparison = analytics.compare_periods(selection.vehicles_frame, selection.start, selection.end)
now, before = comparison.current, comparison.previous
if now.fillup_count == 0:
    analysis.no_fillups_in_period(selection, "overview")

vehicles = analytics.by_vehicle(selection.vehicles_frame, comparison.start, comparison.end,
                                (comparison.previous_start, comparison.previous_end))
analysis.cards(views.comparison_figures(comparison, user, vehicles), 4)
if len(vehicles) > 1:
    st.caption("Spend, distance, volume, price and costs add up over the vehicles; "
               "consumption is each vehicle's own:")
    analysis.cards(views.consumption_figures(vehicles, user, compared=before.fillup_count > 0),
                   4)

st.caption(f"Period {comparison.start} – {comparison.end}, compared with "
           f"{comparison.previous_start} – {comparison.previous_end}"
           + ("" if before.fillup_count else " (no fill-ups then, so no change is shown)")
           + ". See **Consumption**, **Prices** and **Costs** for the charts.")
