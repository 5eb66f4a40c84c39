"""Property test: every aggregate a page shows, as the DuckDB queries of analytics.py compute
it, equals the reference computation of metrics.py (summarize over the same rows, the
per-segment values of add_derived) on random histories of several vehicles.

The SQL and the Python sum in different orders, so "equal" is within 1e-9 (relative):
far below the 2-3 decimals any page shows.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fueltracker import analytics, metrics
from fueltracker.metrics import add_derived, summarize

TEXTS = st.sampled_from(["Aral", "Shell", " Shell ", "Esso", "", None])
FILLUP = st.tuples(
    st.integers(min_value=1, max_value=3000),  # km since the previous fill-up
    st.floats(min_value=0.5, max_value=120, allow_nan=False),  # litres
    st.floats(min_value=0, max_value=300, allow_nan=False),  # amount
    st.booleans(),  # is_full
    st.sampled_from([False, False, False, True]),  # missed_previous, rarer
    TEXTS,  # station
    TEXTS,  # brand
    st.sampled_from(["E10", "Diesel", None]),  # grade
)
HISTORIES = st.lists(st.lists(FILLUP, min_size=1, max_size=20), min_size=1, max_size=3)


def frame_of(histories) -> pd.DataFrame:
    """An entries frame: one vehicle per history, dates a day per 100 km from 2020 (so a
    history spans months and years), ids unique across vehicles."""
    records = []
    for vehicle_id, history in enumerate(histories, start=1):
        odometer_km = 10_000 * vehicle_id
        for number, (step, volume, amount, full, missed, station, brand, grade) in enumerate(
            history
        ):
            odometer_km += step
            records.append(
                {
                    "entry_id": 1000 * vehicle_id + number,
                    "vehicle_id": vehicle_id,
                    "vehicle_name": f"car {vehicle_id}",
                    "date": pd.Timestamp(
                        dt.date(2020, 1, 1)
                        + dt.timedelta(days=(odometer_km - 10_000 * vehicle_id) // 100)
                    ),
                    "odometer_km": float(odometer_km),
                    "volume_l": volume,
                    "total_amount": amount,
                    "is_full": full,
                    "missed_previous": missed,
                    "station": station,
                    "brand": brand,
                    "grade": grade,
                    "notes": None,
                }
            )
    return pd.DataFrame(records, columns=list(metrics.ENTRY_COLUMNS))


def same(value, expected) -> bool:
    """SQL NULL (NaN) where the reference has None, else equal within 1e-9."""
    if expected is None:
        return value is None or (isinstance(value, float) and math.isnan(value))
    return value == pytest.approx(expected, rel=1e-9, abs=1e-9)


def month_bounds(timestamp) -> tuple[dt.date, dt.date]:
    first = pd.Timestamp(timestamp).to_period("M")
    return first.start_time.date(), first.end_time.date()


def label(text) -> str:
    return text.strip() if isinstance(text, str) and text.strip() else analytics.UNKNOWN


@settings(max_examples=50, deadline=None)
@given(HISTORIES)
def test_every_page_aggregate_equals_the_metrics_reference(histories):
    derived = add_derived(frame_of(histories))
    by_vehicle = {
        vehicle: derived.loc[derived["vehicle_id"] == vehicle]
        for vehicle in derived["vehicle_id"].unique()
    }
    with analytics.Source(derived) as source:
        _check_vehicle_and_month_tables(source, derived, by_vehicle)
        _check_consumption(source, derived, by_vehicle)
        _check_prices(source, derived, by_vehicle)
        _check_costs(source, derived, by_vehicle)
        _check_data_quality(source, derived, by_vehicle)


def _check_vehicle_and_month_tables(source, derived, by_vehicle):
    """Dashboard, Vehicles, Consumption and Costs: per vehicle, and per vehicle and month."""
    # Dashboard and Vehicles: the per-vehicle table.
    for row in analytics.vehicle_summary(source).itertuples():
        rows = by_vehicle[row.vehicle_id]
        reference = summarize(rows)
        assert row.fillup_count == reference.fillup_count
        assert same(row.distance_km, reference.distance_km)
        assert same(row.tracked_km, rows["odometer_km"].max() - rows["odometer_km"].min())
        assert same(row.avg_consumption_l_per_100km, reference.avg_consumption_l_per_100km)
        assert same(row.fuel_cost_per_km, reference.fuel_cost_per_km)
        assert same(row.total_spent, reference.total_spent)
        assert same(row.total_volume_l, reference.total_volume_l)
        assert same(row.avg_price_per_l, reference.avg_price_per_l)
        assert (row.first_date.date(), row.last_date.date()) == (
            reference.first_date,
            reference.last_date,
        )

    # Dashboard, Consumption and Costs: per vehicle and month.
    monthly = analytics.monthly_summary(source)
    assert len(monthly) == len(derived.groupby(["vehicle_id", derived["date"].dt.to_period("M")]))
    for row in monthly.itertuples():
        reference = summarize(by_vehicle[row.vehicle_id], *month_bounds(row.month))
        assert row.fillup_count == reference.fillup_count
        assert same(row.spent, reference.total_spent)
        assert same(row.volume_l, reference.total_volume_l)
        assert same(row.distance_km, reference.distance_km)
        assert same(row.avg_consumption_l_per_100km, reference.avg_consumption_l_per_100km)
        assert same(row.fuel_cost_per_km, reference.fuel_cost_per_km)


def _check_consumption(source, derived, by_vehicle):
    """Consumption: year over year, each segment with its rolling average, by season."""
    # Consumption: year over year (one vehicle's month of a year).
    for row in analytics.consumption_by_month_of_year(source).itertuples():
        start = dt.date(row.year, row.month_number, 1)
        reference = summarize(by_vehicle[row.vehicle_id], *month_bounds(start))
        assert row.segment_count == reference.segment_count
        assert same(row.distance_km, reference.distance_km)
        assert same(row.avg_consumption_l_per_100km, reference.avg_consumption_l_per_100km)

    # Consumption and Costs: each segment, and the rolling average over the last 3.
    series = analytics.consumption_series(source, 3)
    for vehicle_id, rows in by_vehicle.items():
        ok = rows.loc[rows["consumption_status"] == metrics.STATUS_OK]
        mine = series.loc[series["vehicle_id"] == vehicle_id].set_index("entry_id")
        for position, entry_id in enumerate(ok["entry_id"]):
            window = ok.iloc[max(0, position - 2) : position + 1]
            assert same(
                mine.at[entry_id, "rolling_l_per_100km"],
                summarize(window).avg_consumption_l_per_100km,
            )
            source_row = ok.loc[ok["entry_id"] == entry_id].iloc[0]
            assert same(
                mine.at[entry_id, "consumption_l_per_100km"], source_row["consumption_l_per_100km"]
            )
            assert same(mine.at[entry_id, "cost_per_km"], source_row["cost_per_km"])
    for row in analytics.segments_by_season(source).itertuples():
        assert same(
            row.consumption_l_per_100km,
            derived.loc[derived["entry_id"] == row.entry_id, "consumption_l_per_100km"].iloc[0],
        )


def _check_prices(source, derived, by_vehicle):
    """Prices: per fill-up, by brand, station and grade, and at the cheapest regular station."""
    # Prices: each fill-up's price, and the averages by brand, station and grade.
    points = analytics.price_points(source).set_index("entry_id")
    for entry_id, price in zip(derived["entry_id"], derived["unit_price_per_l"], strict=True):
        assert same(points.at[entry_id, "unit_price_per_l"], price)
    for column in ("brand", "station", "grade"):
        labels = derived[column].map(label)
        for row in analytics.average_price_by(source, column).itertuples():
            reference = summarize(derived.loc[labels == row.label])
            assert row.fillup_count == reference.fillup_count
            assert same(row.avg_price_per_l, reference.avg_price_per_l)

    # Prices: what each fill-up would have cost at the cheapest regular station.
    savings = analytics.cheapest_station_savings(source)
    places = derived["station"].map(lambda s: s.strip() if isinstance(s, str) else None)
    places = places.where(places != "")
    counts = places.value_counts()
    regular = set(counts.index[counts >= analytics.REGULAR_STATION_MIN_FILLUPS])
    assert savings.empty == (not regular)
    if regular:

        def price(rows):
            return summarize(rows).avg_price_per_l

        months = derived["date"].dt.to_period("M")
        overall = min(price(derived.loc[places == p]) for p in regular)
        for row in savings.itertuples():
            month = pd.Timestamp(row.date).to_period("M")
            used = [p for p in regular if ((places == p) & (months == month)).any()]
            expected = (
                min(price(derived.loc[(places == p) & (months == month)]) for p in used)
                if used
                else overall
            )
            assert same(row.reference_price_per_l, expected)
            assert same(row.would_have_paid, row.volume_l * expected)
            assert same(row.savings, row.total_amount - row.volume_l * expected)


def _check_costs(source, derived, by_vehicle):
    """Costs: spend per year, and the running total."""
    # Costs: spend per year, and the running total.
    for row in analytics.yearly_spend(source).itertuples():
        reference = summarize(
            by_vehicle[row.vehicle_id], dt.date(row.year, 1, 1), dt.date(row.year, 12, 31)
        )
        assert row.fillup_count == reference.fillup_count
        assert same(row.spent, reference.total_spent)
    ordered = derived.sort_values(["date", "entry_id"])
    cumulative = analytics.cumulative_spend(source)
    assert cumulative["entry_id"].tolist() == ordered["entry_id"].tolist()
    totals = cumulative["cumulative_spent"].tolist()
    for position in {*range(0, len(totals), 7), len(totals) - 1}:
        assert same(totals[position], summarize(ordered.iloc[: position + 1]).total_spent)


def _check_data_quality(source, derived, by_vehicle):
    """Data quality: a segment above 3x its vehicle's median segment."""
    # Data quality: a segment above 3x its vehicle's median segment.
    issues = analytics.data_quality_issues(source)
    flagged = set(issues.loc[issues["kind"] == analytics.ISSUE_IMPLAUSIBLE, "entry_id"])
    expected_flags = set()
    for rows in by_vehicle.values():
        ok = rows.loc[
            rows["consumption_status"] == metrics.STATUS_OK, ["entry_id", "consumption_l_per_100km"]
        ]
        if not ok.empty:
            limit = metrics.IMPLAUSIBLE_CONSUMPTION_FACTOR * ok["consumption_l_per_100km"].median()
            expected_flags |= set(ok.loc[ok["consumption_l_per_100km"] > limit, "entry_id"])
    assert flagged == expected_flags


def test_each_ratio_is_written_once():
    """The SQL of every aggregate ratio comes from metrics' definitions: no query spells a
    consumption, a cost per km or a price out by hand."""
    import inspect

    text = inspect.getsource(analytics)
    for spelled in (
        "100 * sum(",
        "100 * segment_fuel_l",
        "/ segment_distance_km",
        "/ sum(segment_distance_km)",
        "total_amount / ",
        "/ sum(volume_l)",
        "segment_cost /",
    ):
        assert spelled not in text, spelled
    assert metrics.CONSUMPTION.sql() == (
        "100 * sum(segment_fuel_l) / nullif(sum(segment_distance_km), 0)"
    )
    assert metrics.CONSUMPTION.of(42.0, 800.0) == pytest.approx(5.25)
    assert metrics.CONSUMPTION.of(1.0, 0.0) is None
