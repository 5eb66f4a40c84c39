"""Analysis pages with a car and a motorbike, and with a history that ended long ago
(issue 12): consumption is always one vehicle's, a page opens on the period that has
data, and an empty period says when the fill-ups end."""

from __future__ import annotations

import json

import pytest

from tests.app.conftest import open_page

GOLF = (  # domain.md's worked example: 5.50 L/100 km over 2,000 km, odometer span 2,900
    ("2024-01-05", "10000", "40", "72.00"),
    ("2024-01-20", "10500", "20", "37.00", {"is_full": False}),
    ("2024-02-01", "10800", "22", "40.70"),
    ("2024-02-20", "11400", "35", "63.00"),
    ("2024-03-15", "12300", "30", "55.50", {"missed_previous": True}),
    ("2024-04-02", "12900", "33", "62.70"),
)
BIKE = (  # 3.50 L/100 km
    ("2023-06-08", "29000", "12", "21.60"),
    ("2024-01-08", "30000", "35", "63.00"),
    ("2024-02-08", "30500", "17.5", "31.50"),
)


@pytest.fixture
def car_and_bike(garage):
    """{name: vehicle} of a car and a motorbike with their histories."""
    return {"Golf": garage("Golf", GOLF), "Bike": garage("Bike", BIKE)}


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _traces(app, index: int) -> list[dict]:
    return json.loads(app.get("plotly_chart")[index].proto.spec)["data"]


def test_dashboard_gives_consumption_per_vehicle(signed_in_app, car_and_bike):
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception
    figures = _metrics(app)
    # Both together would read 4.90 L/100 km: neither the car's nor the motorbike's.
    assert "Avg L/100 km" not in figures
    assert figures["Golf · Avg L/100 km"] == "5.50"
    assert figures["Bike · Avg L/100 km"] == "3.50"
    assert figures["Spent (USD)"] == "447.00"  # spend adds up: 330.90 + 116.10
    assert figures["Distance (km)"] == "3,500"  # 2,000 + 1,500
    table = app.dataframe[0].value
    assert list(table["Distance (km)"]) == [1500, 2000]  # Bike, Golf
    assert list(table["Odometer span (km)"]) == [1500, 2900]
    assert [t["name"] for t in _traces(app, 0)] == ["Bike", "Golf"]  # one line each


def test_dashboard_opens_on_the_period_that_has_data(signed_in_app, garage):
    garage("Golf", GOLF)
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception
    # The history ended in 2024: the default "Last 12 months" would be empty.
    assert app.segmented_control(key="dashboard_period").value == "All time"
    assert any("your fill-ups end on 2024-04-02" in c.value for c in app.caption)
    assert _metrics(app)["Avg L/100 km"] == "5.50"

    app = app.segmented_control(key="dashboard_period").set_value("Last 30 days").run()
    assert "your latest is from 2024-04-02" in app.info[0].value
    app = app.button(key="dashboard_period_all_time").click().run()
    assert not app.exception
    assert app.segmented_control(key="dashboard_period").value == "All time"
    assert _metrics(app)["Spent (USD)"] == "330.90"


@pytest.mark.parametrize("page", ["overview", "consumption", "prices", "costs"])
def test_analysis_pages_open_on_the_period_that_has_data(signed_in_app, garage, page):
    garage("Golf", GOLF)
    app = open_page(signed_in_app, page)
    assert not app.exception
    assert app.segmented_control(key=f"{page}_period").value == "All time"
    assert any("these fill-ups end on 2024-04-02" in c.value for c in app.caption)
    assert app.get("plotly_chart") or app.metric

    app = app.segmented_control(key=f"{page}_period").set_value("30 days").run()
    assert "they end on 2024-04-02" in app.info[0].value
    app = app.button(key=f"{page}_all_time").click().run()
    assert not app.exception
    assert app.segmented_control(key=f"{page}_period").value == "All time"


def test_overview_consumption_per_vehicle(signed_in_app, car_and_bike):
    app = open_page(signed_in_app, "overview")
    figures = _metrics(app)
    assert not [label for label in figures if label.startswith("Avg consumption")]
    assert figures["Golf · Avg L/100 km"] == "5.50"
    assert figures["Bike · Avg L/100 km"] == "3.50"


def test_year_over_year_is_one_vehicle_at_a_time(signed_in_app, car_and_bike):
    app = open_page(signed_in_app, "consumption")
    assert not app.exception
    pick = app.selectbox(key="consumption_yoy_vehicle")
    assert pick.options == ["Bike", "Golf"]
    charts = app.get("plotly_chart")
    yoy = json.loads(charts[2].proto.spec)["data"]
    assert {row[0] for trace in yoy for row in trace["customdata"]} == {"Bike"}
    assert [trace["name"] for trace in yoy] == ["2024"]
    app = pick.set_value(car_and_bike["Golf"].id).run()
    yoy = json.loads(app.get("plotly_chart")[2].proto.spec)["data"]
    assert {row[0] for trace in yoy for row in trace["customdata"]} == {"Golf"}
    # Seasons: one box per vehicle, never one box holding both.
    seasons = json.loads(app.get("plotly_chart")[3].proto.spec)["data"]
    assert [trace["name"] for trace in seasons] == ["Bike", "Golf"]


def test_charts_have_no_mode_bar(signed_in_app, car_and_bike):
    app = open_page(signed_in_app, "costs")
    configs = [json.loads(chart.proto.config) for chart in app.get("plotly_chart")]
    assert configs and all(config["displayModeBar"] is False for config in configs)
