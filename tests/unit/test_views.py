"""Headline figures of the Dashboard, Overview and Costs (fueltracker.views): consumption is
always one vehicle's, spend and distance add up, and each distance says what it measures."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fueltracker import analytics, views
from fueltracker.metrics import add_derived
from fueltracker.schemas import UserRead
from tests.unit.test_analytics import GOLF, entries

# A motorbike beside domain.md's worked example car: 3.5 L/100 km over 1,000 km.
BIKE = [
    (30000, 12, 21.60, True, False, "2024-01-08"),
    (30500, 17.5, 31.50, True, False, "2024-02-08"),
    (31000, 17.5, 31.50, True, False, "2024-03-08"),
]
END = dt.date(2024, 4, 30)


def _user(**changes) -> UserRead:
    fields = {
        "id": 1,
        "username": "u",
        "display_name": "U",
        "email": None,
        "currency": "EUR",
        "distance_unit": "km",
        "volume_unit": "L",
        "consumption_unit": "L/100km",
        "timezone": "UTC",
        "data_revision": 0,
    }
    return UserRead(**(fields | changes))


@pytest.fixture
def golf():
    return add_derived(entries(GOLF, 1, "Golf", 1))


@pytest.fixture
def garage():
    return add_derived(
        pd.concat([entries(GOLF, 1, "Golf", 1), entries(BIKE, 2, "Bike", 100)], ignore_index=True)
    )


def _values(figures):
    return {f.title: f.value for f in figures}


def test_one_vehicle_keeps_its_five_figures(golf):
    totals, per_vehicle = views.dashboard_figures(golf, None, END, _user())
    assert per_vehicle == []
    assert _values(totals) == {
        "Spent (EUR)": "330.90",
        "Distance (km)": "2,000",
        "Avg L/100 km": "5.50",
        "Avg EUR/L": "1.838",
        "Fuel cost (EUR/km)": "0.102",
    }


def test_consumption_is_never_blended_across_vehicles(garage):
    totals, per_vehicle = views.dashboard_figures(garage, None, END, _user())
    # 110 L + 35 L over 2,000 + 1,000 km would be 4.83 L/100 km: neither vehicle's.
    assert "Avg L/100 km" not in _values(totals)
    assert _values(per_vehicle) == {"Bike · Avg L/100 km": "3.50", "Golf · Avg L/100 km": "5.50"}
    assert [f.vehicle for f in per_vehicle] == ["Bike", "Golf"]
    # Spend and distance add up over both.
    assert _values(totals)["Spent (EUR)"] == "415.50"  # 330.90 + 84.60
    assert _values(totals)["Distance (km)"] == "3,000"
    assert all("All vehicles" in f.help for f in totals)


def test_overview_gives_each_vehicle_its_own_change(garage):
    comparison = analytics.compare_periods(garage, dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    vehicles = analytics.by_vehicle(
        garage,
        comparison.start,
        comparison.end,
        (comparison.previous_start, comparison.previous_end),
    )
    labels = [f.label for f in views.comparison_figures(comparison, _user(), vehicles)]
    assert not [label for label in labels if "consumption" in label]
    figures = views.consumption_figures(vehicles, _user(), compared=True)
    golf = next(f for f in figures if f.vehicle == "Golf")
    # March-April: 33 L / 600 km = 5.50; January-February: 77 L / 1,400 km = 5.50.
    assert (golf.value, golf.delta) == ("5.50", "0.00")
    bike = next(f for f in figures if f.vehicle == "Bike")
    assert (bike.value, bike.delta) == ("3.50", "0.00")


def test_vehicle_table_names_both_distances(golf):
    table = views.vehicle_table(analytics.vehicle_summary(golf), _user(distance_unit="mi"))
    row = table.iloc[0]
    # Between full tanks (the Dashboard's card) vs first to last reading.
    assert row["Distance (mi)"] == round(2000 / 1.609344)
    assert row["Odometer span (mi)"] == round(2900 / 1.609344)
    assert views.number_formats(table)["Odometer span (mi)"] == "localized"


def test_projection_figures_name_each_vehicles_pace(golf):
    projection = analytics.spend_projection(golf, dt.date(2024, 12, 31))
    view = views.projection_figures(projection, _user())
    assert _values(view.figures) == {
        "Last 12 months (EUR)": "330.90",
        "Projected next 12 months (EUR)": "1,049.98",
    }
    assert view.paces == [("Golf", "2.88 EUR a day")]
    empty = views.projection_figures(analytics.spend_projection(golf, dt.date(2026, 1, 1)), _user())
    assert _values(empty.figures)["Projected next 12 months (EUR)"] == "—"
    assert empty.paces == []
