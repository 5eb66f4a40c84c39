"""Unit tests for fueltracker.charts: traces, gaps, unit conversion and empty states."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from fueltracker import analytics, charts, metrics
from fueltracker.metrics import add_derived, empty_entries_frame

# domain.md worked example: (odometer_km, volume_l, total_amount, is_full, missed_previous, date)
GOLF = [
    (10000, 40, 72.00, True, False, "2024-01-05"),
    (10500, 20, 37.00, False, False, "2024-01-20"),
    (10800, 22, 40.70, True, False, "2024-02-02"),
    (11400, 35, 63.00, True, False, "2024-02-25"),
    (12300, 30, 55.50, True, True, "2024-03-20"),
    (12900, 33, 62.70, True, False, "2024-04-04"),
]
VAN = [
    (50200, 50, 90.00, True, False, "2024-01-10"),
    (50900, 45, 81.00, True, False, "2024-02-10"),
    (51900, 38, 70.00, True, False, "2024-03-25"),
]


def entries(rows, vehicle_id, vehicle_name, first_entry_id=1):
    return pd.DataFrame(
        [
            {
                "entry_id": first_entry_id + i,
                "vehicle_id": vehicle_id,
                "vehicle_name": vehicle_name,
                "date": pd.Timestamp(date),
                "odometer_km": float(odometer_km),
                "volume_l": float(volume_l),
                "total_amount": float(amount),
                "is_full": is_full,
                "missed_previous": missed,
                "station": None,
                "brand": None,
                "grade": None,
                "notes": None,
            }
            for i, (odometer_km, volume_l, amount, is_full, missed, date) in enumerate(rows)
        ],
        columns=list(metrics.ENTRY_COLUMNS),
    )


@pytest.fixture
def golf():
    return add_derived(entries(GOLF, 1, "Golf"))


@pytest.fixture
def both():
    frame = pd.concat([entries(GOLF, 1, "Golf"), entries(VAN, 2, "Van", 100)], ignore_index=True)
    return add_derived(frame)


class TestConsumptionChart:
    def test_one_trace_per_vehicle(self, both):
        figure = charts.consumption_chart(both, "L/100km", "km")
        assert isinstance(figure, go.Figure)
        assert [trace.name for trace in figure.data] == ["Golf", "Van"]
        assert all(trace.mode == "lines+markers" for trace in figure.data)

    def test_values_in_l_per_100km(self, golf):
        trace = charts.consumption_chart(golf, "L/100km", "km").data[0]
        assert list(trace.y) == pytest.approx([5.25, 35 / 6, None, 5.50], nan_ok=True)

    def test_gap_after_missed_fillup(self, golf):
        trace = charts.consumption_chart(golf, "L/100km", "km").data[0]
        assert trace.y[2] is None
        assert trace.x[2] == pd.Timestamp("2024-03-20")
        assert not trace.connectgaps
        # Points sit on the dates of the fill-ups that close each segment.
        assert trace.x[0] == pd.Timestamp("2024-02-02")
        assert trace.x[3] == pd.Timestamp("2024-04-04")

    def test_no_gap_without_missed_fillup(self, both):
        van = charts.consumption_chart(both, "L/100km", "km").data[1]
        assert None not in list(van.y)
        assert len(van.y) == 2

    def test_gap_after_missed_partial(self):
        rows = [
            (1000, 30, 50.0, True, False, "2024-01-01"),
            (1500, 30, 50.0, True, False, "2024-01-08"),
            (2000, 10, 20.0, False, True, "2024-01-15"),
            (2500, 30, 50.0, True, False, "2024-01-22"),
            (3000, 30, 50.0, True, False, "2024-01-29"),
        ]
        trace = charts.consumption_chart(add_derived(entries(rows, 1, "Car")), "L/100km", "km").data[0]
        assert list(trace.y) == pytest.approx([6.0, None, 6.0], nan_ok=True)

    def test_no_leading_or_trailing_gap(self):
        rows = [
            (1000, 30, 50.0, True, False, "2024-01-01"),
            (1500, 30, 50.0, True, True, "2024-01-08"),
            (2000, 30, 50.0, True, False, "2024-01-15"),
            (2500, 30, 50.0, True, True, "2024-01-22"),
        ]
        trace = charts.consumption_chart(add_derived(entries(rows, 1, "Car")), "L/100km", "km").data[0]
        assert list(trace.y) == pytest.approx([6.0])

    def test_converted_to_mpg_us(self, golf):
        figure = charts.consumption_chart(golf, "mpg_us", "mi")
        assert round(figure.data[0].y[-1], 2) == 42.77
        assert figure.layout.yaxis.title.text == "mpg (US)"

    def test_converted_to_km_per_l(self, golf):
        trace = charts.consumption_chart(golf, "km/L", "km").data[0]
        assert trace.y[-1] == pytest.approx(100 / 5.5)

    def test_axis_title_carries_unit(self, golf):
        figure = charts.consumption_chart(golf, "L/100km", "km")
        assert figure.layout.yaxis.title.text == "L/100 km"
        assert figure.layout.xaxis.title.text == "Date"

    def test_hover_shows_vehicle_odometer_in_user_unit(self, golf):
        trace = charts.consumption_chart(golf, "mpg_uk", "mi").data[0]
        assert "mi" in trace.hovertemplate
        assert "mpg (UK)" in trace.hovertemplate
        assert "%{x|%Y-%m-%d}" in trace.hovertemplate
        odometer_mi, vehicle = trace.customdata[-1]
        assert odometer_mi == pytest.approx(12900 / 1.609344)
        assert vehicle == "Golf"

    def test_layout(self, golf):
        layout = charts.consumption_chart(golf, "L/100km", "km").layout
        assert layout.legend.orientation == "h"
        assert layout.template.layout.paper_bgcolor == "white"

    def test_vehicle_without_consumption_has_no_trace(self):
        frame = pd.concat(
            [entries(GOLF, 1, "Golf"), entries(VAN[:1], 2, "Van", 100)], ignore_index=True
        )
        figure = charts.consumption_chart(add_derived(frame), "L/100km", "km")
        assert [trace.name for trace in figure.data] == ["Golf"]

    @pytest.mark.parametrize("rows", [[], GOLF[:1], GOLF[:2]])
    def test_no_consumption_yet(self, rows):
        frame = entries(rows, 1, "Golf") if rows else empty_entries_frame()
        figure = charts.consumption_chart(add_derived(frame), "L/100km", "km")
        assert len(figure.data) == 0
        assert figure.layout.annotations[0].text == "No consumption yet: log two full-tank fill-ups"

    def test_unknown_unit(self, golf):
        with pytest.raises(ValueError):
            charts.consumption_chart(golf, "mpg", "km")


class TestMonthlySpendChart:
    def test_stacked_bars_per_vehicle(self, both):
        figure = charts.monthly_spend_chart(analytics.monthly_summary(both), "EUR")
        assert [trace.name for trace in figure.data] == ["Golf", "Van"]
        assert all(trace.type == "bar" for trace in figure.data)
        assert figure.layout.barmode == "stack"
        assert figure.layout.yaxis.title.text == "Spent (EUR)"

    def test_values(self, both):
        golf = charts.monthly_spend_chart(analytics.monthly_summary(both), "EUR").data[0]
        assert list(golf.y) == pytest.approx([109.00, 103.70, 55.50, 62.70])
        assert pd.Timestamp(golf.x[0]) == pd.Timestamp("2024-01-01")
        assert "EUR" in golf.hovertemplate

    def test_currency_without_minor_units(self, both):
        trace = charts.monthly_spend_chart(analytics.monthly_summary(both), "JPY").data[0]
        assert ",.0f" in trace.hovertemplate

    def test_empty(self):
        monthly = analytics.monthly_summary(add_derived(empty_entries_frame()))
        figure = charts.monthly_spend_chart(monthly, "USD")
        assert len(figure.data) == 0
        assert figure.layout.annotations[0].text == "No fill-ups yet"


def test_vehicle_names_are_not_html_in_legend_or_hover():
    frame = pd.DataFrame({
        "entry_id": [1, 2], "vehicle_id": [1, 1], "vehicle_name": ["<b>x</b>", "<b>x</b>"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-10"]), "odometer_km": [1000.0, 1500.0],
        "volume_l": [40.0, 30.0], "total_amount": [60.0, 45.0], "is_full": [True, True],
        "missed_previous": [False, False], "station": None, "brand": None, "grade": None,
        "notes": None,
    })
    figure = charts.consumption_chart(add_derived(frame), "L/100km", "km")
    assert figure.data[0].name == "&lt;b&gt;x&lt;/b&gt;"
    assert figure.layout.xaxis.range is not None  # nine days: widened, no hour ticks
