"""Charts are built from dicts without plotly's validation (charts._new_figure): validating
each figure's dict must change nothing in it. A misspelt property or a bad value raises
here; a value plotly would have coerced (a bare string title, a pandas column) shows as a
difference in the figure's JSON."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from fueltracker import analytics, charts, metrics
from tests.unit.test_charts import GOLF, VAN, entries


def _frames() -> dict[str, pd.DataFrame]:
    golf = entries(GOLF, 1, "Golf")
    golf["station"] = ["Aral", "Aral", "Aral", "Shell", "Shell", "Shell"]
    golf["grade"] = ["E10", "E10", "E5", "E10", None, "E10"]
    odd = entries(VAN, 2, "<b>Van</b> %{x}", 100)  # the user's text, never markup
    return {
        "one vehicle": metrics.add_derived(golf),
        "two vehicles": metrics.add_derived(pd.concat([golf, odd], ignore_index=True)),
        "one fill-up": metrics.add_derived(entries(GOLF[:1], 1, "Golf")),
        "no fill-up": metrics.add_derived(metrics.empty_entries_frame()),
    }


CHARTS = {
    "consumption": lambda d: charts.consumption_chart(d, "mpg_us", "mi", charts.vehicle_colors(d)),
    "consumption per tank": lambda d: charts.consumption_chart(
        analytics.consumption_series(d, 3), "L/100km", "km", window=3
    ),
    "monthly spend": lambda d: charts.monthly_spend_chart(analytics.monthly_summary(d), "JPY"),
    "monthly consumption": lambda d: charts.monthly_consumption_chart(
        analytics.monthly_summary(d), "km/L"
    ),
    "year over year": lambda d: charts.year_over_year_chart(
        analytics.consumption_by_month_of_year(d), "mpg_uk"
    ),
    "seasons": lambda d: charts.season_box_chart(analytics.segments_by_season(d), "L/100km", "mi"),
    "prices": lambda d: charts.price_chart(analytics.price_points(d), "USD", "gal_us", "mi"),
    "average prices": lambda d: charts.average_price_chart(
        analytics.average_price_by(d, "station"), "Station", "EUR", "L"
    ),
    "yearly spend": lambda d: charts.yearly_spend_chart(analytics.yearly_spend(d), "EUR"),
    "cost per distance": lambda d: charts.cost_per_distance_chart(
        analytics.consumption_series(d, 1), "EUR", "mi"
    ),
    "cumulative": lambda d: charts.cumulative_spend_chart(
        analytics.cumulative_spend(d),
        analytics.spend_projection(d, dt.date(2024, 6, 1)).points,
        "EUR",
        "km",
    ),
    "savings": lambda d: charts.savings_chart(analytics.cheapest_station_savings(d, 1), "EUR"),
}


def _json(figure: go.Figure) -> dict:
    return json.loads(pio.to_json(figure, validate=False))


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize("frame", list(_frames()))
def test_validating_a_chart_changes_nothing(chart, frame):
    figure = CHARTS[chart](_frames()[frame])
    validated = go.Figure(figure.to_dict())  # raises on an unknown property or a bad value
    assert _json(validated) == _json(figure)


def test_the_template_is_plotly_white():
    figure = CHARTS["consumption"](_frames()["one vehicle"])
    assert _json(figure)["layout"]["template"] == json.loads(
        pio.json.to_json_plotly(pio.templates["plotly_white"].to_plotly_json())
    )
