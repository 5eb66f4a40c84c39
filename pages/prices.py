"""Prices: unit price over time per grade, average price by brand and station, and what
the cheapest regular station would have cost."""

import streamlit as st

from fueltracker import analytics
from fueltracker.reports import NothingToDraw
from fueltracker.ui import analysis, results

user, facts = analysis.open_page("Prices")

selection = analysis.filters(user, facts, "prices")
report = results.prices(analysis.request(user, selection))
if isinstance(report, NothingToDraw):
    analysis.no_fillups_in_period(selection, "prices")

st.subheader("Unit price per fuel grade")
analysis.chart_with_csv(report.trend, "prices_trend", "unit-prices")

left, right = st.columns(2)
for column, chart, name in (
    (left, report.by_brand, "brand"),
    (right, report.by_station, "station"),
):
    with column:
        st.subheader(f"Average price by {name}")
        analysis.chart_with_csv(chart, f"prices_by_{name}", f"average-price-by-{name}")
st.caption(
    "Prices of all the chosen vehicles together. Averages are volume-weighted: total "
    "paid over total volume; the axis starts near the cheapest, not at zero, and each "
    "dot says how much more than the cheapest it is. Fill-ups without a brand or "
    "station are grouped as “(not recorded)”."
)

st.subheader("At your cheapest regular station")
if report.savings is None:
    analysis.empty_state(
        f"No regular station in this period yet: a station becomes regular with "
        f"{analytics.REGULAR_STATION_MIN_FILLUPS} fill-ups. Log the station with each "
        "fill-up to see what you would have paid there."
    )
    st.stop()
analysis.cards(report.savings_figures, 3)
st.caption(
    f"Regular station: at least {analytics.REGULAR_STATION_MIN_FILLUPS} fill-ups. Each "
    "fill-up is compared with the cheapest regular station's average price in the same "
    "month (or, in a month you used none, its average over the whole period); savings "
    f"= volume × (price paid − that price)."
)
analysis.chart_with_csv(report.savings, "prices_savings", "station-savings")
