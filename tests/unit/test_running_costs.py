"""The Costs page's running costs and the Dashboard's cost-of-ownership cards
(reports.running_costs, reports.dashboard_ownership) on the analytics example's two cars."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from fueltracker import charts, reports
from fueltracker.costs import Cost
from fueltracker.metrics import add_derived
from fueltracker.reports import NothingToDraw, Request, Units
from tests.unit.test_analytics import GOLF, VAN, entries

D = dt.date
UNITS = Units("EUR", "km", "L", "L/100km")
FEBRUARY = Request(7, 1, UNITS, (1, 2), D(2024, 2, 1), D(2024, 2, 29), D(2024, 6, 30))
COSTS = (
    Cost(1, "insurance", Decimal("600.00"), D(2023, 12, 20), D(2024, 1, 1), D(2024, 12, 31)),
    Cost(1, "tyres", Decimal("480.00"), D(2024, 2, 10)),
    Cost(2, "parking", Decimal("3.50"), D(2024, 3, 1)),  # outside the period
    Cost(3, "repair", Decimal("999.00"), D(2024, 2, 5)),  # a vehicle not chosen
)
INSURANCE_FEBRUARY = Decimal(600) * 29 / 366  # 2024 leaps


@pytest.fixture
def derived():
    return add_derived(
        pd.concat([entries(GOLF, 1, "Golf", 1), entries(VAN, 2, "Van", 100)], ignore_index=True)
    )


def test_ownership_adds_energy_and_spread_costs_over_the_odometer_span(derived):
    owned = reports.ownership(derived, COSTS, FEBRUARY)
    assert not isinstance(owned, NothingToDraw)
    # Golf 40.70 + 63.00, Van 81.00: the fill-ups dated in February, exactly.
    assert owned.total.energy == Decimal("184.70")
    assert owned.total.other == Decimal("480.00") + INSURANCE_FEBRUARY
    # Golf 10800 -> 11400; the Van has one reading in February: 0.
    assert owned.total.distance_km == Decimal(600)
    assert owned.total.per_km == owned.total.total / 600
    assert owned.total.days == 29
    golf, van = owned.vehicles
    assert (golf[1], van[1]) == ("Golf", "Van")
    assert golf[2].other == owned.total.other and van[2].other == 0
    assert van[2].energy == Decimal("81.00") and van[2].per_km is None
    assert owned.has_expenses


def test_cards_say_what_they_count(derived):
    owned = reports.ownership(derived, COSTS, FEBRUARY)
    assert not isinstance(owned, NothingToDraw)
    total, per_km, per_month = reports.ownership_figures(owned, UNITS)
    assert (total.label, total.value) == ("Cost of ownership (EUR)", "712.24")
    assert (per_km.label, per_km.value) == ("Ownership (EUR/km)", "1.187")
    assert "600 km" in (per_km.help or "") and "odometer span" in (per_km.help or "")
    assert per_month.value == "747.55"  # 712.24 over 29 days, per 30.4375 days
    assert "184.70 EUR" in (total.help or "")


def test_months_and_years_stack_energy_and_each_category(derived):
    report = reports.running_costs(derived, COSTS, FEBRUARY)
    assert isinstance(report, reports.RunningCostsReport)
    bars = {trace.name: list(trace.y) for trace in report.monthly.figure.data}
    # Energy first, then the categories' fixed order (tyres before insurance).
    assert list(bars) == [charts.ENERGY_SERIES, "Tyres", "Insurance"]
    assert bars["Energy"] == [pytest.approx(184.70)]
    assert bars["Tyres"] == [480.0]
    assert bars["Insurance"] == [pytest.approx(float(INSURANCE_FEBRUARY))]
    years = {trace.name: list(trace.y) for trace in report.yearly.figure.data}
    assert years["Tyres"] == [480.0]
    categories = report.by_category.figure.data[0]
    assert list(categories.y) == ["Insurance", "Tyres"]  # drawn bottom-up: largest on top
    # A category wears one colour on every chart.
    monthly_colors = {t.name: t.marker.color for t in report.monthly.figure.data}
    yearly_colors = {t.name: t.marker.color for t in report.yearly.figure.data}
    category_colors = dict(zip(categories.y, categories.marker.color, strict=True))
    assert monthly_colors == yearly_colors
    assert {k: monthly_colors[k] for k in category_colors} == category_colors
    assert len(set(monthly_colors.values())) == 3
    assert list(report.vehicles["Vehicle"]) == ["Golf", "Van"]
    assert report.vehicles["Other costs (EUR)"].iloc[1] == 0


def test_without_expenses_nothing_new_shows(derived):
    report = reports.running_costs(derived, (), FEBRUARY)
    assert isinstance(report, reports.RunningCostsReport) and not report.has_expenses
    assert reports.dashboard_ownership(derived, (), FEBRUARY) == []
    only_outside = (Cost(1, "tax", Decimal(10), D(2024, 3, 2)),)
    assert reports.dashboard_ownership(derived, only_outside, FEBRUARY) == []
    assert len(reports.dashboard_ownership(derived, COSTS, FEBRUARY)) == 3


def test_all_time_starts_with_the_first_cost_or_fill_up(derived):
    all_time = Request(7, 1, UNITS, (1, 2), None, D(2024, 4, 30), D(2024, 4, 30))
    owned = reports.ownership(derived, COSTS, all_time)
    assert not isinstance(owned, NothingToDraw)
    assert owned.start == D(2024, 1, 1)  # the insurance's coverage, before 2024-01-05
    assert owned.total.other == (Decimal("480.00") + Decimal("3.50") + Decimal(600) * 121 / 366)


def test_validating_the_running_cost_charts_changes_nothing(derived):
    """Built without plotly's validation like every chart (charts._Draft): validating them
    must change nothing, with costs and without."""
    for expense_costs in (COSTS, ()):
        report = reports.running_costs(derived, expense_costs, FEBRUARY)
        assert isinstance(report, reports.RunningCostsReport)
        for result in (report.monthly, report.yearly, report.by_category):
            validated = go.Figure(result.figure.to_dict())
            assert json.loads(pio.to_json(validated, validate=False)) == json.loads(
                pio.to_json(result.figure, validate=False)
            )
    report = reports.running_costs(derived, COSTS, FEBRUARY)
    assert isinstance(report, reports.RunningCostsReport)
    assert "Cost (EUR)" in report.monthly.csv().decode()
