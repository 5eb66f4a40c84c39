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
    analysis.empty_state(analysis.NO_FILLUPS_IN_PERIOD)
    st.stop()

figures = views.comparison_figures(comparison, user)
for row in range(0, len(figures), 4):
    for column, figure in zip(st.columns(4), figures[row:row + 4], strict=False):
        column.metric(figure.label, figure.value, delta=figure.delta,
                      delta_color=figure.delta_color, help=figure.help, border=True)

st.caption(f"Period {comparison.start} – {comparison.end}, compared with "
           f"{comparison.previous_start} – {comparison.previous_end}"
           + ("" if before.fillup_count else " (no fill-ups then, so no change is shown)")
           + ". See **Consumption**, **Prices** and **Costs** for the charts.")
