"""Unit tests of the analysis-page charts: traces, units in titles, gaps, hover, CSV data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fueltracker import analytics, charts
from tests.unit.test_charts import both, golf  # noqa: F401 - fixtures


def test_consumption_trend_gaps_and_units(golf):  # noqa: F811 - fixture imported
    figure = charts.consumption_chart(
        analytics.consumption_series(golf, 3), "mpg_us", "mi", window=3
    )
    assert [t.name for t in figure.data] == ["Golf", "Golf · rolling 3"]
    assert figure.layout.yaxis.title.text == "Consumption (mpg (US))"
    markers = figure.data[0]
    assert markers.y[2] is None  # the missed fill-up leaves a gap
    assert markers.y[3] == pytest.approx(235.2145833 / 5.50)
    assert "Fill-up #" in markers.hovertemplate and "mi" in markers.hovertemplate
    assert "%{x|%Y-%m-%d}" in markers.hovertemplate


def test_consumption_trend_empty():
    empty = pd.DataFrame(columns=analytics.CONSUMPTION_SERIES_COLUMNS)
    figure = charts.consumption_chart(empty, "L/100km", "km", window=3)
    assert not figure.data
    assert figure.layout.annotations[0].text == charts.NO_SEGMENTS_MESSAGE


def test_monthly_and_year_over_year(both, golf):  # noqa: F811 - fixture imported
    monthly = charts.monthly_consumption_chart(analytics.monthly_summary(both), "L/100km")
    assert [t.name for t in monthly.data] == ["Golf", "Van"]
    # Year over year compares a vehicle with itself: the page gives it one vehicle.
    yoy = charts.year_over_year_chart(analytics.consumption_by_month_of_year(golf), "km/L")
    assert [t.name for t in yoy.data] == ["2024"]
    assert list(yoy.data[0].x) == ["Feb", "Apr"]  # March's tank follows a missed fill-up
    assert yoy.layout.yaxis.title.text == "Consumption (km/L)"
    assert list(yoy.layout.xaxis.categoryarray) == list(charts.MONTH_NAMES)


def test_year_over_year_never_pools_vehicles(both):  # noqa: F811 - fixture imported
    # Pooled, March held the Van alone and February both vehicles' tanks: one line that
    # was neither vehicle. Given both, it draws one line per vehicle and year.
    by_month = analytics.consumption_by_month_of_year(both)
    assert set(by_month["vehicle_name"]) == {"Golf", "Van"}
    yoy = charts.year_over_year_chart(by_month, "L/100km")
    assert [t.name for t in yoy.data] == ["Golf · 2024", "Van · 2024"]
    assert list(yoy.data[1].x) == ["Feb", "Mar"]
    assert list(yoy.data[1].y) == pytest.approx([45 / 700 * 100, 38 / 1000 * 100])


def test_season_box(golf):  # noqa: F811 - fixture imported
    figure = charts.season_box_chart(analytics.segments_by_season(golf), "L/100km", "km")
    assert [t.name for t in figure.data] == ["Golf"]
    assert list(figure.data[0].x) == ["Winter", "Winter", "Spring"]
    assert list(figure.data[0].y) == pytest.approx([5.25, 5.8333, 5.50], abs=1e-4)
    assert figure.layout.showlegend  # names the vehicle, even alone


def test_season_boxes_one_per_vehicle(both):  # noqa: F811 - fixture imported
    figure = charts.season_box_chart(analytics.segments_by_season(both), "L/100km", "km")
    assert [t.name for t in figure.data] == ["Golf", "Van"]
    assert figure.layout.boxmode == "group"
    assert figure.layout.showlegend
    assert list(figure.layout.xaxis.categoryarray) == list(charts.SEASON_ORDER)


def test_price_chart_per_volume_unit(golf):  # noqa: F811 - fixture imported
    figure = charts.price_chart(analytics.price_points(golf), "USD", "gal_us", "km")
    assert figure.layout.yaxis.title.text == "Unit price (USD/US gal)"
    assert figure.data[0].y[0] == pytest.approx(1.80 * 3.785411784)
    by = charts.average_price_chart(analytics.average_price_by(golf, "grade"), "Grade", "USD", "L")
    assert by.data[0].x[0] == pytest.approx(330.90 / 180)
    assert by.data[0].customdata[0][0] == "6 fill-ups"
    assert by.layout.xaxis.title.text == "Average price (USD/L)"


def test_cost_charts(golf):  # noqa: F811 - fixture imported
    cost = charts.cost_per_distance_chart(analytics.consumption_series(golf), "EUR", "mi")
    assert cost.layout.yaxis.title.text == "Fuel cost (EUR/mi)"
    assert cost.data[0].y[0] == pytest.approx(77.70 / 800 * 1.609344)
    assert cost.data[0].y[2] is None
    projection = analytics.spend_projection(golf, dt.date(2024, 12, 31))
    cumulative = charts.cumulative_spend_chart(
        analytics.cumulative_spend(golf), projection.points, "EUR", "km"
    )
    assert [t.line.dash for t in cumulative.data] == [None, "dash"]
    assert cumulative.layout.yaxis.title.text == "Cumulative spend (EUR)"
    yearly = charts.yearly_spend_chart(analytics.yearly_spend(golf), "EUR")
    assert list(yearly.data[0].x) == ["2024"]


def test_figure_frame_has_units_and_fillups(golf):  # noqa: F811 - fixture imported
    figure = charts.consumption_chart(
        analytics.consumption_series(golf, 3), "L/100km", "km", window=3
    )
    table = charts.figure_frame(figure)
    assert list(table.columns) == [
        "Series",
        "Date",
        "Consumption (L/100 km)",
        "Vehicle",
        "Odometer",
        "Fill-up",
    ]
    markers = table.loc[table["Series"] == "Golf"]
    # Rounded as the hover shows them (2 decimals, odometers whole), not 5.833333333333333.
    assert markers["Consumption (L/100 km)"].tolist() == [5.25, 5.83, 5.50]
    assert markers["Odometer"].tolist() == [10800, 11400, 12900]
    assert markers["Fill-up"].tolist() == [3, 4, 6]  # the gap row is left out
    assert charts.figure_frame(charts._message_figure("x")).empty


def test_user_text_is_escaped(golf):  # noqa: F811 - fixture imported
    frame = golf.assign(vehicle_name="<b>Bad</b>")
    figure = charts.consumption_chart(
        analytics.consumption_series(frame), "L/100km", "km", window=5
    )
    assert figure.data[0].name == "&lt;b&gt;Bad&lt;/b&gt;"


def test_brand_prices_show_their_differences():
    by = pd.DataFrame(
        {
            "label": ["Aral", "Shell", "Esso"],
            "fillup_count": [1, 12, 4],
            "volume_l": [40.0, 400.0, 150.0],
            "spent": [67.16, 685.6, 258.0],
            "avg_price_per_l": [1.679, 1.714, 1.72],
        }
    )
    figure = charts.average_price_chart(by, "Brand", "EUR", "L")
    dots = figure.data[0]
    assert dots.mode == "markers+text"
    # Cheapest on top (a category axis runs bottom-up), the axis not from zero.
    assert list(dots.y) == ["Esso", "Shell", "Aral"]
    low, high = figure.layout.xaxis.range
    assert 1.6 < low < 1.679 and 1.72 < high < 1.8
    assert list(dots.text) == ["1.720 (+0.041)", "1.714 (+0.035)", "1.679 (cheapest)"]
    assert list(dots.error_x.arrayminus) == pytest.approx([0.041, 0.035, 0])
    assert [row[0] for row in dots.customdata] == ["4 fill-ups", "12 fill-ups", "1 fill-up"]
    assert "1 fill-up<" in figure.layout.yaxis.ticktext[2]


def test_a_single_brand_is_a_dot_with_its_price():
    by = pd.DataFrame(
        {
            "label": ["Aral"],
            "fillup_count": [3],
            "volume_l": [90.0],
            "spent": [151.11],
            "avg_price_per_l": [1.679],
        }
    )
    figure = charts.average_price_chart(by, "Brand", "EUR", "L")
    assert list(figure.data[0].text) == ["1.679"]
    low, high = figure.layout.xaxis.range
    assert low < 1.679 < high


def test_yearly_spend_and_monthly_hover_say_one_fillup(golf):  # noqa: F811 - fixture imported
    yearly = charts.yearly_spend_chart(analytics.yearly_spend(golf.iloc[:1]), "EUR")
    assert yearly.data[0].customdata[0][1] == "1 fill-up"
    assert "fill-ups" not in yearly.data[0].hovertemplate


def test_one_year_of_spend_is_a_bar_not_a_slab(golf):  # noqa: F811 - fixture imported
    figure = charts.yearly_spend_chart(analytics.yearly_spend(golf), "EUR")
    low, high = figure.layout.xaxis.range
    assert high - low == charts.MIN_YEAR_SLOTS  # one category among four widths
    assert (low + high) / 2 == 0  # centred on it
