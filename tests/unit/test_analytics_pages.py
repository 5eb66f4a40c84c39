"""Unit tests of the analysis-page queries in fueltracker.analytics, on domain.md's worked
example (figures checked by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from fueltracker import analytics, metrics
from fueltracker.metrics import add_derived
from tests.unit.test_analytics import GOLF, entries


@pytest.fixture
def golf():
    frame = entries(GOLF, vehicle_id=1, vehicle_name="Golf", first_entry_id=1)
    frame["station"] = ["Aral", "Aral", "Aral", "Shell", "Shell", "Shell"]
    frame["brand"] = ["Aral", "Aral", "Aral", "Shell", "Shell", None]
    return add_derived(frame)


@pytest.fixture
def empty():
    return add_derived(metrics.empty_entries_frame())


def test_compare_periods_all_time(golf):
    result = analytics.compare_periods(golf, None, dt.date(2024, 4, 4))
    assert result.current.avg_consumption_l_per_100km == pytest.approx(5.50)
    assert result.current.fuel_cost_per_km == pytest.approx(0.1017, abs=1e-4)
    assert result.current.avg_price_per_l == pytest.approx(1.838, abs=1e-3)
    assert result.start == dt.date(2024, 1, 5)
    assert result.previous.fillup_count == 0
    # 91 days (Jan 5 - Apr 4 2024): 330.90 / 91 × 30.4375
    assert result.cost_per_month == pytest.approx(330.90 / 91 * 30.4375)
    assert result.previous_cost_per_month is None


def test_compare_periods_previous_same_length(golf):
    result = analytics.compare_periods(golf, dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    assert (result.previous_end, result.previous_start) == (
        dt.date(2024, 2, 29),
        dt.date(2023, 12, 31),
    )
    assert result.previous.total_spent == pytest.approx(72 + 37 + 40.70 + 63)
    assert result.current.total_spent == pytest.approx(55.50 + 62.70)
    assert result.current.avg_consumption_l_per_100km == pytest.approx(5.50)  # 33 / 600
    assert result.previous.avg_consumption_l_per_100km == pytest.approx(77 / 1400 * 100)


def test_consumption_series_rolling_is_distance_weighted(golf):
    series = analytics.consumption_series(golf, window=2)
    assert series["entry_id"].tolist() == [3, 4, 5, 6]
    assert series["consumption_status"].tolist() == ["ok", "ok", "missed", "ok"]
    assert series["consumption_l_per_100km"].iloc[[0, 1, 3]].tolist() == pytest.approx(
        [5.25, 5.8333, 5.50], abs=1e-4
    )
    assert pd.isna(series["consumption_l_per_100km"].iloc[2])  # the gap
    # Window 2: (42 + 35) / (800 + 600) = 5.50; then (35 + 33) / (600 + 600) = 5.6667,
    # not the mean of ratios (5.8333 + 5.50) / 2 = 5.6667... use window 3 below for that.
    assert series["rolling_l_per_100km"].iloc[[0, 1, 3]].tolist() == pytest.approx(
        [5.25, 5.50, 68 / 1200 * 100]
    )
    window_3 = analytics.consumption_series(golf, window=3)
    assert window_3["rolling_l_per_100km"].iloc[3] == pytest.approx(5.50)  # 110 / 2000
    assert window_3["cost_per_km"].iloc[0] == pytest.approx(77.70 / 800)


def test_consumption_series_rejects_zero_window(golf):
    with pytest.raises(ValueError):
        analytics.consumption_series(golf, window=0)


def test_month_of_year_and_seasons(golf):
    by_month = analytics.consumption_by_month_of_year(golf)
    assert by_month["month_number"].tolist() == [2, 4]
    # February: 42 + 35 L over 800 + 600 km
    assert by_month["avg_consumption_l_per_100km"].tolist() == pytest.approx([5.50, 5.50])
    seasons = analytics.segments_by_season(golf)
    assert seasons["season"].tolist() == ["Winter", "Winter", "Spring"]


def test_price_points_and_average_by_station(golf):
    points = analytics.price_points(golf)
    assert points["unit_price_per_l"].tolist() == pytest.approx(
        [1.80, 1.85, 1.85, 1.80, 1.85, 1.90]
    )
    assert points["brand"].iloc[5] == analytics.UNKNOWN
    by_station = analytics.average_price_by(golf, "station")
    assert by_station["label"].tolist() == ["Aral", "Shell"]
    assert by_station["fillup_count"].tolist() == [3, 3]
    # Aral: 149.70 / 82 L; Shell: 181.20 / 98 L (volume-weighted)
    assert by_station["avg_price_per_l"].tolist() == pytest.approx([149.70 / 82, 181.20 / 98])
    # Shell 118.50 / 65 L = 1.823 < Aral 149.70 / 82 L = 1.826 < none 62.70 / 33 L = 1.90
    assert analytics.average_price_by(golf, "brand")["label"].tolist() == [
        "Shell",
        "Aral",
        analytics.UNKNOWN,
    ]
    with pytest.raises(ValueError):
        analytics.average_price_by(golf, "notes")


def test_cheapest_station_savings(golf):
    savings = analytics.cheapest_station_savings(golf)
    # January and February: Aral (Jan: 109/60 = 1.8167; Feb: Aral 1.85 vs Shell 1.80 →
    # Shell); March and April: Shell only.
    assert savings["reference_station"].tolist() == [
        "Aral",
        "Aral",
        "Shell",
        "Shell",
        "Shell",
        "Shell",
    ]
    assert savings["reference_price_per_l"].iloc[0] == pytest.approx(109 / 60)
    assert savings["savings"].iloc[2] == pytest.approx(40.70 - 22 * 1.80)
    assert savings["savings"].sum() == pytest.approx(
        330.90 - (60 * 109 / 60 + 57 * 1.80 + 30 * 1.85 + 33 * 1.90)
    )


def test_no_regular_station_means_no_savings(golf):
    assert analytics.cheapest_station_savings(golf, min_fillups=4).empty


def test_yearly_and_cumulative_spend(golf):
    yearly = analytics.yearly_spend(golf)
    assert yearly["spent"].tolist() == pytest.approx([330.90])
    cumulative = analytics.cumulative_spend(golf)
    assert cumulative["cumulative_spent"].tolist() == pytest.approx(
        [72, 109, 149.70, 212.70, 268.20, 330.90]
    )


def test_spend_projection_at_the_pace_of_the_last_12_months(golf):
    projection = analytics.spend_projection(golf, dt.date(2024, 12, 31))
    assert projection.last_12_months_spent == pytest.approx(330.90)
    # Logged for 90 days (Jan 5 - Apr 4 2024): the fill-ups after the first paid 258.90
    # for that stretch. A copy of the last 12 months (330.90) would say the next year
    # costs what three months did.
    [pace] = projection.pace.itertuples(index=False)
    assert (pace.vehicle_name, pace.days, pace.spent) == ("Golf", 90, pytest.approx(258.90))
    assert projection.spend_per_day == pytest.approx(258.90 / 90)
    assert projection.next_12_months == pytest.approx(258.90 / 90 * 365)
    assert len(projection.points) == 13
    assert projection.points["cumulative_spent"].iloc[-1] == pytest.approx(
        330.90 + 258.90 / 90 * 365
    )  # 2024-12-31 to 2025-12-31: 365 days
    later = analytics.spend_projection(golf, dt.date(2025, 6, 30))
    assert later.last_12_months_spent == 0  # nothing in the last 365 days
    assert later.next_12_months is None and later.points.empty


def test_spend_projection_adds_up_each_vehicles_pace():
    # A car driven all year and a van bought in October: the van counts for a whole year
    # at its own pace, not for the two months it has been logged.
    car = entries(
        [
            (
                1000 + 500 * k,
                30,
                50.0,
                True,
                False,
                (dt.date(2024, 1, 10) + dt.timedelta(days=30 * k)).isoformat(),
            )
            for k in range(12)
        ],
        1,
        "Car",
        1,
    )
    van = entries(
        [
            (5000, 60, 100.0, True, False, "2024-10-31"),
            (5800, 60, 100.0, True, False, "2024-11-30"),
            (6600, 60, 100.0, True, False, "2024-12-30"),
        ],
        2,
        "Van",
        100,
    )
    projection = analytics.spend_projection(
        add_derived(pd.concat([car, van])), dt.date(2024, 12, 31)
    )
    assert projection.pace["vehicle_name"].tolist() == ["Car", "Van"]
    assert projection.pace["spend_per_day"].tolist() == pytest.approx([550 / 330, 200 / 60])
    assert projection.next_12_months == pytest.approx((550 / 330 + 200 / 60) * 365)
    assert projection.last_12_months_spent == pytest.approx(600 + 300)
    assert projection.without_pace == []


def test_a_vehicle_with_one_fillup_day_has_no_pace(golf):
    one = golf.loc[golf["entry_id"] == 6]
    projection = analytics.spend_projection(one, dt.date(2024, 12, 31))
    assert projection.without_pace == ["Golf"]
    assert projection.next_12_months is None and projection.points.empty


def test_data_quality_issues():
    rows = GOLF + [
        (13000, 10, 19.0, False, False, "2024-04-20"),  # trailing partial
        (13300, 40, 76.0, True, False, "2024-04-10"),  # odometer higher, date earlier
    ]
    frame = entries(rows, 1, "Golf", 1)
    derived = add_derived(frame)
    issues = analytics.data_quality_issues(derived)
    kinds = dict(zip(issues["entry_id"], issues["kind"], strict=False))
    assert kinds[5] == analytics.ISSUE_BROKEN_CHAIN
    assert kinds[7] == analytics.ISSUE_ODOMETER  # 13000 on Apr 20 after 13300 on Apr 10
    # A full fill-up lies beyond it by odometer, so it is not a trailing partial.
    assert set(issues.loc[issues["entry_id"] == 7, "kind"]) == {analytics.ISSUE_ODOMETER}
    trailing = add_derived(
        entries(GOLF + [(13000, 10, 19.0, False, False, "2024-04-20")], 1, "Golf", 1)
    )
    issues = analytics.data_quality_issues(trailing)
    assert issues["kind"].tolist() == [
        analytics.ISSUE_TRAILING_PARTIAL,
        analytics.ISSUE_BROKEN_CHAIN,
    ]


def test_implausible_consumption():
    rows = [
        (1000, 40, 70, True, False, "2024-01-01"),
        (1500, 30, 50, True, False, "2024-01-10"),
        (2000, 30, 50, True, False, "2024-01-20"),
        (2500, 30, 50, True, False, "2024-01-30"),
        (2600, 25, 45, True, False, "2024-02-05"),
    ]  # 25 L / 100 km vs median 6
    issues = analytics.data_quality_issues(add_derived(entries(rows, 1, "Golf", 1)))
    assert issues["entry_id"].tolist() == [5]
    assert issues["kind"].tolist() == [analytics.ISSUE_IMPLAUSIBLE]


def test_empty_frames(empty):
    assert analytics.consumption_series(empty).empty
    assert analytics.price_points(empty).empty
    assert analytics.cheapest_station_savings(empty).empty
    assert analytics.data_quality_issues(empty).empty
    assert tuple(analytics.data_quality_issues(empty).columns) == analytics.ISSUE_COLUMNS
    assert analytics.spend_projection(empty, dt.date(2024, 1, 1)).spend_per_day is None


def test_same_day_fillups_after_delete_and_undo_are_not_out_of_order():
    # Two fill-ups of one day (a full tank, then a top-up further on). The first is deleted
    # and restored with Undo, which re-creates it with a new, higher id: ordered by date
    # and id the lower reading would come second and look like an odometer going back.
    rows = [
        (20000, 40, 72.0, True, False, "2024-05-01"),
        (20300, 20, 36.0, True, False, "2024-05-01"),
    ]
    undone = entries(rows, 1, "Golf", 1)
    undone.loc[0, "entry_id"] = 3  # restored after the delete: the newest id
    issues = analytics.data_quality_issues(add_derived(undone))
    assert analytics.ISSUE_ODOMETER not in set(issues["kind"])
    # A real disagreement on one day is still caught on the next day's reading.
    later = entries(rows + [(20100, 30, 54.0, True, False, "2024-05-02")], 1, "Golf", 1)
    issues = analytics.data_quality_issues(add_derived(later))
    assert issues.loc[issues["kind"] == analytics.ISSUE_ODOMETER, "entry_id"].tolist() == [3]


def test_a_real_fuelly_history_has_no_odometer_going_backwards(shared_fixtures):
    # Fuelly lists newest first, so an import gives the later of two same-day fill-ups
    # (2020-07-25, 2020-08-11) the smaller id: ordered by id they looked out of order.
    from fueltracker.importers.fuelly import parse_fuelly
    from tests.unit.test_importers_fixtures import our_consumption

    parsed = parse_fuelly((shared_fixtures / "fuelly_vstrom_metric.csv").read_bytes())
    issues = analytics.data_quality_issues(our_consumption(parsed).reset_index())
    assert analytics.ISSUE_ODOMETER not in set(issues["kind"])
