"""Unit tests for fueltracker.analytics: per-vehicle and per-month DuckDB aggregates."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from fueltracker import analytics, metrics
from fueltracker.metrics import add_derived, empty_entries_frame, summarize

# domain.md worked example, spread over January-April 2024:
# (odometer_km, volume_l, total_amount, is_full, missed_previous, date)
GOLF = [
    (10000, 40, 72.00, True, False, "2024-01-05"),
    (10500, 20, 37.00, False, False, "2024-01-20"),
    (10800, 22, 40.70, True, False, "2024-02-02"),
    (11400, 35, 63.00, True, False, "2024-02-25"),
    (12300, 30, 55.50, True, True, "2024-03-20"),
    (12900, 33, 62.70, True, False, "2024-04-04"),
]
# A second car: 45 L / 700 km in February, then 48 L / 1000 km closing in March.
VAN = [
    (50200, 50, 90.00, True, False, "2024-01-10"),
    (50900, 45, 81.00, True, False, "2024-02-10"),
    (51200, 10, 18.00, False, False, "2024-03-01"),
    (51900, 38, 70.00, True, False, "2024-03-25"),
]


def entries(rows, vehicle_id, vehicle_name, first_entry_id):
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
                "station": "Shell",
                "brand": None,
                "grade": "E10",
                "notes": "it's a 'quoted' note; DROP TABLE x",
            }
            for i, (odometer_km, volume_l, amount, is_full, missed, date) in enumerate(rows)
        ],
        columns=list(metrics.ENTRY_COLUMNS),
    )


@pytest.fixture
def derived():
    golf = entries(GOLF, vehicle_id=1, vehicle_name="Golf", first_entry_id=1)
    van = entries(VAN, vehicle_id=2, vehicle_name="Van", first_entry_id=100)
    return add_derived(pd.concat([van, golf], ignore_index=True))


class TestVehicleSummary:
    def test_columns_and_order(self, derived):
        result = analytics.vehicle_summary(derived)
        assert tuple(result.columns) == analytics.VEHICLE_SUMMARY_COLUMNS
        assert result["vehicle_name"].tolist() == ["Golf", "Van"]
        assert result["vehicle_id"].tolist() == [1, 2]

    def test_worked_example_vehicle(self, derived):
        golf = analytics.vehicle_summary(derived).iloc[0]
        assert golf["fillup_count"] == 6
        assert golf["distance_km"] == pytest.approx(2000.0)
        assert golf["tracked_km"] == pytest.approx(2900.0)
        assert golf["avg_consumption_l_per_100km"] == pytest.approx(5.50)
        assert golf["fuel_cost_per_km"] == pytest.approx(0.1017)
        assert golf["total_spent"] == pytest.approx(330.90)
        assert golf["total_volume_l"] == pytest.approx(180.0)
        assert golf["avg_price_per_l"] == pytest.approx(330.90 / 180)
        assert golf["first_date"] == pd.Timestamp("2024-01-05")
        assert golf["last_date"] == pd.Timestamp("2024-04-04")

    def test_second_vehicle(self, derived):
        van = analytics.vehicle_summary(derived).iloc[1]
        assert van["fillup_count"] == 4
        assert van["distance_km"] == pytest.approx(1700.0)
        assert van["tracked_km"] == pytest.approx(1700.0)
        assert van["avg_consumption_l_per_100km"] == pytest.approx(100 * 93 / 1700)
        assert van["total_spent"] == pytest.approx(259.0)
        assert van["avg_price_per_l"] == pytest.approx(259.0 / 143)

    def test_agrees_with_metrics_summarize(self, derived):
        result = analytics.vehicle_summary(derived).set_index("vehicle_id")
        for vehicle_id, rows in derived.groupby("vehicle_id"):
            summary = summarize(rows)
            assert result.loc[vehicle_id, "avg_consumption_l_per_100km"] == pytest.approx(
                summary.avg_consumption_l_per_100km
            )
            assert result.loc[vehicle_id, "distance_km"] == pytest.approx(summary.distance_km)
            assert result.loc[vehicle_id, "avg_price_per_l"] == pytest.approx(
                summary.avg_price_per_l
            )

    def test_vehicle_without_segments_has_nan_consumption(self):
        single = add_derived(entries(GOLF[:2], vehicle_id=3, vehicle_name="New", first_entry_id=1))
        row = analytics.vehicle_summary(single).iloc[0]
        assert row["fillup_count"] == 2
        assert row["distance_km"] == 0.0
        assert row["tracked_km"] == pytest.approx(500.0)
        assert pd.isna(row["avg_consumption_l_per_100km"])
        assert pd.isna(row["fuel_cost_per_km"])

    def test_dtypes(self, derived):
        result = analytics.vehicle_summary(derived)
        assert result["fillup_count"].dtype == "int64"
        assert result["last_date"].dtype == "datetime64[ns]"
        assert result["avg_consumption_l_per_100km"].dtype == "float64"

    def test_empty(self):
        result = analytics.vehicle_summary(add_derived(empty_entries_frame()))
        assert result.empty
        assert tuple(result.columns) == analytics.VEHICLE_SUMMARY_COLUMNS

    def test_input_untouched(self, derived):
        before = derived.copy()
        analytics.vehicle_summary(derived)
        pd.testing.assert_frame_equal(derived, before)


def by_month(monthly, vehicle_name):
    rows = monthly[monthly["vehicle_name"] == vehicle_name]
    return rows.set_index(rows["month"].dt.month)


class TestMonthlySummary:
    def test_rows(self, derived):
        result = analytics.monthly_summary(derived)
        assert tuple(result.columns) == analytics.MONTHLY_SUMMARY_COLUMNS
        keys = list(zip(result["month"].dt.strftime("%Y-%m"), result["vehicle_name"], strict=True))
        assert keys == [
            ("2024-01", "Golf"),
            ("2024-01", "Van"),
            ("2024-02", "Golf"),
            ("2024-02", "Van"),
            ("2024-03", "Golf"),
            ("2024-03", "Van"),
            ("2024-04", "Golf"),
        ]
        assert result["month"].dt.day.eq(1).all()
        assert result["month"].dtype == "datetime64[ns]"

    def test_golf_figures(self, derived):
        result = analytics.monthly_summary(derived)
        golf = by_month(result, "Golf")
        # January: rows 1-2, no segment closes.
        assert golf.loc[1, "fillup_count"] == 2
        assert golf.loc[1, "spent"] == pytest.approx(109.00)
        assert golf.loc[1, "volume_l"] == pytest.approx(60.0)
        assert golf.loc[1, "distance_km"] == 0.0
        assert pd.isna(golf.loc[1, "avg_consumption_l_per_100km"])
        # February: rows 3-4 close 42 L / 800 km and 35 L / 600 km.
        assert golf.loc[2, "spent"] == pytest.approx(103.70)
        assert golf.loc[2, "distance_km"] == pytest.approx(1400.0)
        assert golf.loc[2, "avg_consumption_l_per_100km"] == pytest.approx(100 * 77 / 1400)
        assert golf.loc[2, "fuel_cost_per_km"] == pytest.approx(140.70 / 1400)
        # March: only the missed fill-up, which closes nothing.
        assert golf.loc[3, "fillup_count"] == 1
        assert golf.loc[3, "distance_km"] == 0.0
        assert pd.isna(golf.loc[3, "avg_consumption_l_per_100km"])
        # April: 33 L / 600 km.
        assert golf.loc[4, "avg_consumption_l_per_100km"] == pytest.approx(5.50)

    def test_van_figures(self, derived):
        result = analytics.monthly_summary(derived)
        van = by_month(result, "Van")
        assert van.loc[2, "avg_consumption_l_per_100km"] == pytest.approx(100 * 45 / 700)
        assert van.loc[3, "fillup_count"] == 2
        assert van.loc[3, "spent"] == pytest.approx(88.0)
        assert van.loc[3, "distance_km"] == pytest.approx(1000.0)
        assert van.loc[3, "avg_consumption_l_per_100km"] == pytest.approx(4.8)

    def test_months_add_up_to_totals(self, derived):
        monthly = analytics.monthly_summary(derived)
        summary = summarize(derived)
        assert monthly["spent"].sum() == pytest.approx(summary.total_spent)
        assert monthly["fillup_count"].sum() == summary.fillup_count
        assert monthly["distance_km"].sum() == pytest.approx(summary.distance_km)

    def test_empty(self):
        result = analytics.monthly_summary(add_derived(empty_entries_frame()))
        assert result.empty
        assert tuple(result.columns) == analytics.MONTHLY_SUMMARY_COLUMNS


def test_concurrent_calls_do_not_interfere(derived):
    golf_only = derived[derived["vehicle_id"] == 1]
    van_only = derived[derived["vehicle_id"] == 2]
    results: dict[str, list] = {"golf": [], "van": []}
    errors: list[BaseException] = []

    def work(name, frame):
        try:
            for _ in range(20):
                results[name].append(analytics.vehicle_summary(frame)["vehicle_name"].tolist())
        except BaseException as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=("golf", golf_only)),
        threading.Thread(target=work, args=("van", van_only)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert all(names == ["Golf"] for names in results["golf"])
    assert all(names == ["Van"] for names in results["van"])
