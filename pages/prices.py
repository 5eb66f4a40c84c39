"""Prices: unit price over time per grade, average price by brand and station, and what
the cheapest regular station would have cost."""

import streamlit as st

from fueltracker import analytics, charts, units
from fueltracker.ui import analysis

user, derived = analysis.open_page("Prices")

selection = analysis.filters(user, derived, "prices")
in_period = analysis.period_rows(selection, "prices")

currency, v_unit = user.currency, user.volume_unit
price_label = units.price_per_volume_label(currency, v_unit)
st.subheader("Unit price per fuel grade")
analysis.chart(charts.price_chart(analytics.price_points(in_period), currency, v_unit,
                                  user.distance_unit), "prices_trend", "unit-prices")

left, right = st.columns(2)
for column, what, name in ((left, "Brand", "brand"), (right, "Station", "station")):
    with column:
        st.subheader(f"Average price by {name}")
        analysis.chart(charts.average_price_chart(analytics.average_price_by(in_period, name),
                                                  what, currency, v_unit),
                       f"prices_by_{name}", f"average-price-by-{name}")
st.caption("Prices of all the chosen vehicles together. Averages are volume-weighted: total "
           "paid over total volume; the axis starts near the cheapest, not at zero, and each "
           "dot says how much more than the cheapest it is. Fill-ups without a brand or "
           "station are grouped as “(not recorded)”.")

st.subheader("At your cheapest regular station")
savings = analytics.cheapest_station_savings(in_period)
if savings.empty:
    analysis.empty_state(
        f"No regular station in this period yet: a station becomes regular with "
        f"{analytics.REGULAR_STATION_MIN_FILLUPS} fill-ups. Log the station with each "
        "fill-up to see what you would have paid there.")
    st.stop()
money = units.currency_decimals(currency)
paid, would = savings["total_amount"].sum(), savings["would_have_paid"].sum()
columns = st.columns(3)
columns[0].metric(f"Paid ({currency})", units.format_number(paid, money), border=True)
columns[1].metric(f"At the cheapest regular station ({currency})",
                  units.format_number(would, money), border=True)
columns[2].metric(f"You could have saved ({currency})", units.format_number(paid - would, money),
                  border=True)
st.caption(f"Regular station: at least {analytics.REGULAR_STATION_MIN_FILLUPS} fill-ups. Each "
           "fill-up is compared with the cheapest regular station's average price in the same "
           "month (or, in a month you used none, its average over the whole period); savings "
           f"= volume × (price paid − that price).")
analysis.chart(charts.savings_chart(savings, currency), "prices_savings", "station-savings")
