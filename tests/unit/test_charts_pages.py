"""Unit tests of the analysis-page charts: traces, units in titles, gaps, hover, CSV data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fueltracker import analytics, charts
from tests.unit.test_charts import both, golf  # noqa: F401 - fixtures


def test_consumption_trend_gaps_and_units(golf):  # noqa: F811
    figure = charts.consumption_trend_chart(analytics.consumption_series(golf, 3), "mpg_us",
                                            "mi", 3)
    assert [t.name for t in figure.data] == ["Golf", "Golf · rolling 3"]
    assert figure.layout.yaxis.title.text == "Consumption (mpg (US))"
    markers = figure.data[0]
    assert markers.y[2] is None  # the missed fill-up leaves a gap
    assert markers.y[3] == pytest.approx(235.2145833 / 5.50)
    assert "Fill-up #" in markers.hovertemplate and "mi" in markers.hovertemplate
    assert "%{x|%Y-%m-%d}" in markers.hovertemplate


def test_consumption_trend_empty():
    empty = pd.DataFrame(columns=analytics.CONSUMPTION_SERIES_COLUMNS)
    figure = charts.consumption_trend_chart(empty, "L/100km", "km", 3)
    assert not figure.data
    assert figure.layout.annotations[0].text == charts.NO_SEGMENTS_MESSAGE


def test_monthly_and_year_over_year(both):  # noqa: F811
    monthly = charts.monthly_consumption_chart(analytics.monthly_summary(both), "L/100km")
    assert [t.name for t in monthly.data] == ["Golf", "Van"]
    yoy = charts.year_over_year_chart(analytics.consumption_by_month_of_year(both), "km/L")
    assert [t.name for t in yoy.data] == ["2024"]
    assert list(yoy.data[0].x) == ["Feb", "Mar", "Apr"]
    assert yoy.layout.yaxis.title.text == "Consumption (km/L)"
    assert list(yoy.layout.xaxis.categoryarray) == list(charts.MONTH_NAMES)


def test_season_box(golf):  # noqa: F811
    figure = charts.season_box_chart(analytics.segments_by_season(golf), "L/100km", "km")
    assert [t.name for t in figure.data] == ["Winter", "Spring"]
    assert list(figure.data[0].y) == pytest.approx([5.25, 5.8333], abs=1e-4)


def test_price_chart_per_volume_unit(golf):  # noqa: F811
    figure = charts.price_chart(analytics.price_points(golf), "USD", "gal_us", "km")
    assert figure.layout.yaxis.title.text == "Unit price (USD/US gal)"
    assert figure.data[0].y[0] == pytest.approx(1.80 * 3.785411784)
    by = charts.average_price_chart(analytics.average_price_by(golf, "grade"), "Grade", "USD",
                                    "L")
    assert by.data[0].x[0] == pytest.approx(330.90 / 180)
    assert "6 fill-ups" in by.data[0].text[0]
    assert by.layout.xaxis.title.text == "Average price (USD/L)"


def test_cost_charts(golf):  # noqa: F811
    cost = charts.cost_per_distance_chart(analytics.consumption_series(golf), "EUR", "mi")
    assert cost.layout.yaxis.title.text == "Fuel cost (EUR/mi)"
    assert cost.data[0].y[0] == pytest.approx(77.70 / 800 * 1.609344)
    assert cost.data[0].y[2] is None
    projection = analytics.spend_projection(golf, dt.date(2024, 12, 31))
    cumulative = charts.cumulative_spend_chart(analytics.cumulative_spend(golf),
                                               projection.points, "EUR", "km")
    assert [t.line.dash for t in cumulative.data] == [None, "dash"]
    assert cumulative.layout.yaxis.title.text == "Cumulative spend (EUR)"
    yearly = charts.yearly_spend_chart(analytics.yearly_spend(golf), "EUR")
    assert list(yearly.data[0].x) == ["2024"]


def test_figure_frame_has_units_and_fillups(golf):  # noqa: F811
    figure = charts.consumption_trend_chart(analytics.consumption_series(golf, 3), "L/100km",
                                            "km", 3)
    table = charts.figure_frame(figure)
    assert list(table.columns) == ["Series", "Date", "Consumption (L/100 km)", "Vehicle",
                                   "Odometer", "Fill-up"]
    markers = table.loc[table["Series"] == "Golf"]
    assert markers["Consumption (L/100 km)"].tolist() == pytest.approx([5.25, 5.8333, 5.50],
                                                                       abs=1e-4)
    assert markers["Fill-up"].tolist() == [3, 4, 6]  # the gap row is left out
    assert charts.figure_frame(charts._message_figure("x")).empty


def test_user_text_is_escaped(golf):  # noqa: F811
    frame = golf.assign(vehicle_name="<b>Bad</b>")
    figure = charts.consumption_trend_chart(analytics.consumption_series(frame), "L/100km",
                                            "km", 5)
    assert figure.data[0].name == "&lt;b&gt;Bad&lt;/b&gt;"
