"""Overview: the period's headline figures for the chosen vehicles, each against the
previous period of the same length."""

import streamlit as st

from fueltracker import analytics, units
from fueltracker.ui import analysis, auth, context

user = auth.require_user()
st.title("Overview", anchor=False)
derived = context.user_frame(user)
if derived.empty:
    analysis.empty_state(analysis.NO_FILLUPS)
    st.stop()

selection = analysis.filters(user, derived, "overview")
comparison = analytics.compare_periods(selection.vehicles_frame, selection.start, selection.end)
now, before = comparison.current, comparison.previous
if now.fillup_count == 0:
    analysis.empty_state(analysis.NO_FILLUPS_IN_PERIOD)
    st.stop()

d_unit, v_unit, c_unit = user.distance_unit, user.volume_unit, user.consumption_unit
money = units.currency_decimals(user.currency)


def delta(current, previous, decimals):
    """The change against the previous period, or None when either side has no value."""
    if current is None or previous is None or before.fillup_count == 0:
        return None
    return units.format_number(current - previous, decimals)


def price(summary):
    return (None if summary.avg_price_per_l is None
            else units.price_per_l_to_unit(summary.avg_price_per_l, v_unit))


def cost(summary):
    return (None if summary.fuel_cost_per_km is None
            else units.cost_per_km_to_unit(summary.fuel_cost_per_km, d_unit))


def consumption(summary):
    return units.consumption_from_l_per_100km(summary.avg_consumption_l_per_100km, c_unit)


lower_better = "inverse" if units.consumption_lower_is_better(c_unit) else "normal"
figures = [
    (f"Spent ({user.currency})", now.total_spent, before.total_spent, money, "inverse",
     f"{now.fillup_count} fill-ups."),
    (f"Distance ({units.distance_label(d_unit)})", units.km_to_distance(now.distance_km, d_unit),
     units.km_to_distance(before.distance_km, d_unit), 0, "off",
     "Distance of full-tank segments." + (" Missed fill-ups break the chain: the distance "
                                          "around them is not counted."
                                          if now.has_broken_chain else "")),
    (f"Volume ({units.volume_label(v_unit)})", units.l_to_volume(now.total_volume_l, v_unit),
     units.l_to_volume(before.total_volume_l, v_unit), 1, "off", None),
    (f"Avg consumption ({units.consumption_label(c_unit)})", consumption(now),
     consumption(before), 2, lower_better,
     "All fuel of the full-tank segments over their distance (distance-weighted)."),
    (f"Avg price ({units.price_per_volume_label(user.currency, v_unit)})", price(now),
     price(before), 3, "inverse", "Total paid over total volume (volume-weighted)."),
    (f"Fuel cost ({units.cost_per_distance_label(user.currency, d_unit)})", cost(now),
     cost(before), 3, "inverse", "Fuel paid in full-tank segments over their distance."),
    (f"Cost per month ({user.currency})", comparison.cost_per_month,
     comparison.previous_cost_per_month, money, "inverse",
     "Spent in the period over its length in months (30.44 days)."),
]
for row in range(0, len(figures), 4):
    for column, (label, value, previous, decimals, color, help_text) in zip(
            st.columns(4), figures[row:row + 4], strict=False):
        column.metric(label, units.format_number(value, decimals),
                      delta=delta(value, previous, decimals), delta_color=color,
                      help=help_text, border=True)

st.caption(f"Period {comparison.start} – {comparison.end}, compared with "
           f"{comparison.previous_start} – {comparison.previous_end}"
           + ("" if before.fillup_count else " (no fill-ups then, so no change is shown)")
           + ". See **Consumption**, **Prices** and **Costs** for the charts.")
