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
        figure = charts.consumption_chart(add_derived(entries(rows, 1, "Car")), "L/100km", "km")
        trace = figure.data[0]
        assert list(trace.y) == pytest.approx([6.0, None, 6.0], nan_ok=True)

    def test_no_leading_or_trailing_gap(self):
        rows = [
            (1000, 30, 50.0, True, False, "2024-01-01"),
            (1500, 30, 50.0, True, True, "2024-01-08"),
            (2000, 30, 50.0, True, False, "2024-01-15"),
            (2500, 30, 50.0, True, True, "2024-01-22"),
        ]
        figure = charts.consumption_chart(add_derived(entries(rows, 1, "Car")), "L/100km", "km")
        trace = figure.data[0]
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
    frame = pd.DataFrame(
        {
            "entry_id": [1, 2],
            "vehicle_id": [1, 1],
            "vehicle_name": ["<b>x</b>", "<b>x</b>"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-10"]),
            "odometer_km": [1000.0, 1500.0],
            "volume_l": [40.0, 30.0],
            "total_amount": [60.0, 45.0],
            "is_full": [True, True],
            "missed_previous": [False, False],
            "station": None,
            "brand": None,
            "grade": None,
            "notes": None,
        }
    )
    figure = charts.consumption_chart(add_derived(frame), "L/100km", "km")
    assert figure.data[0].name == "&lt;b&gt;x&lt;/b&gt;"
    assert figure.layout.xaxis.range is not None  # nine days: widened, no hour ticks


# --------------------------------------------------------------------------- issue 12


def _line_or_marker_color(trace):
    if trace.type == "scatter" and trace.mode and "lines" in trace.mode:
        return trace.line.color
    return trace.marker.color


def test_a_vehicle_keeps_its_colour_on_every_chart(both):
    colors = charts.vehicle_colors(both)
    assert colors == {1: charts.VEHICLE_PALETTE[0], 2: charts.VEHICLE_PALETTE[1]}
    van_only = both.loc[both["vehicle_id"] == 2]
    figures = [
        charts.consumption_chart(both, "L/100km", "km", colors),
        charts.consumption_chart(van_only, "L/100km", "km", colors),
        charts.monthly_spend_chart(analytics.monthly_summary(both), "EUR", colors),
        charts.monthly_spend_chart(analytics.monthly_summary(van_only), "EUR", colors),
        charts.monthly_consumption_chart(analytics.monthly_summary(both), "L/100km", colors),
        charts.yearly_spend_chart(analytics.yearly_spend(van_only), "EUR", colors),
        charts.cost_per_distance_chart(analytics.consumption_series(both), "EUR", "km", colors),
        charts.consumption_chart(
            analytics.consumption_series(both, 3), "L/100km", "km", colors, window=3
        ),
        charts.season_box_chart(analytics.segments_by_season(van_only), "L/100km", "km", colors),
    ]
    expected = {"Golf": colors[1], "Van": colors[2]}
    for figure in figures:
        for trace in figure.data:
            vehicle = trace.name.split(" · ")[0]
            assert _line_or_marker_color(trace) == expected[vehicle], (trace.type, trace.name)
    # Alone in its frame, the Van would otherwise take the first colour: the Golf's.
    assert (
        charts.consumption_chart(van_only, "L/100km", "km").data[0].line.color
        == charts.VEHICLE_PALETTE[0]
    )


def test_year_over_year_latest_year_in_the_vehicles_colour_earlier_years_grey():
    rows = [
        (1000 + 500 * k, 30, 50.0, True, False, f"{2024 + k // 2}-0{1 + k % 2 * 5}-10")
        for k in range(6)
    ]  # Jan and Jun of 2024, 2025, 2026
    derived = add_derived(entries(rows, 7, "Bike"))
    colors = {7: "#123456"}
    figure = charts.year_over_year_chart(
        analytics.consumption_by_month_of_year(derived), "L/100km", colors
    )
    assert [t.name for t in figure.data] == ["2024", "2025", "2026"]
    assert [t.line.color for t in figure.data] == [
        charts.EARLIER_YEAR_GREYS[1],
        charts.EARLIER_YEAR_GREYS[0],
        "#123456",
    ]
    assert figure.data[0].customdata[0][2] == "1 full-tank segment"


class TestMonthAxis:
    def _spend(self, months, spent=None):
        frame = pd.DataFrame(
            {
                "vehicle_id": 1,
                "vehicle_name": "Golf",
                "month": pd.to_datetime(months),
                "fillup_count": 1,
                "spent": spent or [50.0] * len(months),
                "volume_l": 30.0,
                "distance_km": 500.0,
                "avg_consumption_l_per_100km": 6.0,
                "fuel_cost_per_km": 0.1,
            }
        )
        return charts.monthly_spend_chart(frame, "EUR")

    def test_ends_with_the_last_month_never_in_the_future(self):
        axis = self._spend(["2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01"]).layout.xaxis
        assert pd.Timestamp(axis.range[1]) == pd.Timestamp("2027-01-01")  # end of Dec 2026
        # Level labels, the year under the first one and where it changes.
        assert list(axis.ticktext) == ["Jul<br>2026", "Aug", "Sep", "Oct", "Nov", "Dec"]
        assert axis.tickangle == 0

    def test_one_month_is_one_bar_labelled_once(self):
        figure = self._spend(["2026-12-01"])
        axis = figure.layout.xaxis
        # Six months wide, reaching back: the bar takes a sixth, not the whole width.
        assert pd.Timestamp(axis.range[0]) == pd.Timestamp("2026-07-01")
        assert pd.Timestamp(axis.range[1]) == pd.Timestamp("2027-01-01")
        assert list(axis.ticktext).count("Dec") == 1
        assert len(set(axis.ticktext)) == len(axis.ticktext)
        assert figure.data[0].xperiod == "M1"

    def test_many_months_get_at_most_six_level_labels(self):
        months = pd.date_range("2024-01-01", "2026-06-01", freq="MS")
        axis = self._spend(list(months)).layout.xaxis
        assert 2 <= len(axis.ticktext) <= charts.MAX_MONTH_LABELS
        assert list(axis.ticktext) == ["Jun<br>2024", "Dec", "Jun<br>2025", "Dec", "Jun<br>2026"]
        assert len(axis.tickvals) == len(axis.ticktext)

    def test_monthly_consumption_uses_the_same_axis(self, both):
        figure = charts.monthly_consumption_chart(analytics.monthly_summary(both), "L/100km")
        assert pd.Timestamp(figure.layout.xaxis.range[1]) == pd.Timestamp("2024-05-01")
        assert figure.data[0].xperiodalignment == "middle"

    def test_chart_data_rounded_as_shown(self):
        figure = self._spend(["2026-11-01", "2026-12-01"], spent=[29.99999999999968, 12.5])
        table = charts.figure_frame(figure)
        assert table["Spent (EUR)"].tolist() == [30.0, 12.5]
        assert table["Fill-ups"].tolist() == ["1 fill-up", "1 fill-up"]


def test_stacked_bars_list_vehicles_in_order(both):
    figure = charts.monthly_spend_chart(analytics.monthly_summary(both), "EUR")
    assert figure.layout.legend.traceorder == "normal"


def test_charts_are_drawn_without_the_mode_bar():
    # On a phone plotly's mode bar covered the legends.
    assert charts.PLOTLY_CONFIG["displayModeBar"] is False


def test_fuel_grades_wear_no_vehicle_colour(both):
    grades = both.assign(grade=["E10"] * 6 + ["Diesel"] * 3)
    figure = charts.price_chart(analytics.price_points(grades), "EUR", "L", "km")
    assert len(figure.data) == 2
    assert not {t.line.color for t in figure.data} & set(charts.VEHICLE_PALETTE)


def test_series_of_all_vehicles_wear_no_vehicle_colour(golf):
    cumulative = charts.cumulative_spend_chart(
        analytics.cumulative_spend(golf),
        analytics.spend_projection(golf, pd.Timestamp("2024-06-30").date()).points,
        "EUR",
        "km",
    )
    assert {t.line.color for t in cumulative.data} == {charts.ALL_VEHICLES_COLOR}
    assert charts.ALL_VEHICLES_COLOR not in charts.VEHICLE_PALETTE


def test_a_single_vehicle_is_named_in_the_legend(golf):
    figure = charts.consumption_chart(golf, "L/100km", "km")
    assert len(figure.data) == 1 and figure.layout.showlegend


def test_a_date_axis_ends_at_the_last_fillup_not_months_later(both):
    figure = charts.consumption_chart(both, "L/100km", "km")
    low, high = (pd.Timestamp(v) for v in figure.layout.xaxis.range)
    assert pd.Timestamp("2024-04-04") < high <= pd.Timestamp("2024-04-07")
    assert pd.Timestamp("2024-01-02") <= low < pd.Timestamp("2024-01-05")  # first fill-up
