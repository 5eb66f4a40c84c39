"""Unit tests for fueltracker.entry: the third of volume / price / total, the suggestions,
the vehicle order, the plausibility warnings and the sentence after saving."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pytest

from fueltracker import entry
from fueltracker.entry import Candidate, FieldMessage, complete_amounts
from fueltracker.metrics import add_derived, empty_entries_frame
from fueltracker.schemas import UserRead

D = Decimal


def user(**preferences: str) -> UserRead:
    """A user with metric defaults unless told otherwise."""
    values = {
        "id": 1,
        "username": "ann",
        "display_name": "Ann",
        "email": None,
        "currency": "USD",
        "distance_unit": "km",
        "volume_unit": "L",
        "consumption_unit": "L/100km",
        "timezone": "UTC",
        "data_revision": 0,
    }
    return UserRead(**(values | preferences))


def frame(rows: list[tuple], vehicle_id: int = 1, first_id: int = 1) -> pd.DataFrame:
    """Derived frame from (date, odometer_km, volume_l, total, is_full[, missed, station,
    brand, grade]) rows of one vehicle."""
    records = []
    for i, (date, odometer, volume, total, full, *rest) in enumerate(rows):
        missed, station, brand, grade = list(rest) + [False, None, None, None][len(rest) :]
        records.append(
            {
                "entry_id": first_id + i,
                "vehicle_id": vehicle_id,
                "vehicle_name": f"V{vehicle_id}",
                "date": pd.Timestamp(date),
                "odometer_km": float(odometer),
                "volume_l": float(volume),
                "total_amount": float(total),
                "is_full": full,
                "missed_previous": missed,
                "station": station,
                "brand": brand,
                "grade": grade,
                "notes": None,
            }
        )
    return pd.DataFrame(records) if records else empty_entries_frame()


def derived(*frames: pd.DataFrame) -> pd.DataFrame:
    return add_derived(pd.concat(frames, ignore_index=True))


def candidate(
    odometer: str,
    volume: str,
    total: str,
    *,
    date: str = "2024-06-01",
    vehicle_id: int = 1,
    full: bool = True,
    missed: bool = False,
    entry_id: int | None = None,
) -> Candidate:
    return Candidate(
        vehicle_id=vehicle_id,
        date=dt.date.fromisoformat(date),
        odometer_km=D(odometer),
        volume_l=D(volume),
        total_amount=D(total),
        is_full=full,
        missed_previous=missed,
        entry_id=entry_id,
    )


# Four full tanks, 500 km apart, 30 L each at 1.50/L: 6.0 L/100 km, median gap 500 km.
STEADY = [
    ("2024-01-01", 10000, 30, 45, True),
    ("2024-02-01", 10500, 30, 45, True),
    ("2024-03-01", 11000, 30, 45, True),
    ("2024-04-01", 11500, 30, 45, True),
]


# --------------------------------------------------------------------------- #
# Volume × price = total
# --------------------------------------------------------------------------- #


class TestCompleteAmounts:
    def test_volume_and_price_give_the_total_rounded_to_cents(self):
        amounts = complete_amounts(D("45.67"), D("1.859"), None, currency="EUR", volume_unit="L")
        assert amounts.total == D("84.90")  # 84.90053
        assert amounts.computed == entry.FIELD_TOTAL
        assert amounts.complete

    def test_total_rounds_half_up(self):
        amounts = complete_amounts(D("10"), D("1.0005"), None, currency="USD", volume_unit="L")
        assert amounts.total == D("10.01")  # 10.005

    def test_volume_and_total_give_the_price_with_one_more_digit(self):
        amounts = complete_amounts(D("40"), None, D("72.10"), currency="USD", volume_unit="L")
        assert amounts.unit_price == D("1.803")  # 1.8025 rounds half up
        assert amounts.computed == entry.FIELD_PRICE

    def test_price_and_total_give_the_volume_to_three_decimals(self):
        amounts = complete_amounts(None, D("1.859"), D("50.00"), currency="EUR", volume_unit="L")
        assert amounts.volume == D("26.896")  # 26.8961...
        assert amounts.computed == entry.FIELD_VOLUME
        assert amounts.complete

    def test_zero_decimal_currency_rounds_to_whole_units(self):
        amounts = complete_amounts(D("30.5"), D("174.6"), None, currency="JPY", volume_unit="L")
        assert amounts.total == D("5325")  # 5325.3
        price = complete_amounts(D("30"), None, D("5250"), currency="JPY", volume_unit="L")
        assert price.unit_price == D("175.0")

    def test_price_is_per_the_users_volume_unit(self):
        amounts = complete_amounts(
            D("12.345"), D("3.459"), None, currency="USD", volume_unit="gal_us"
        )
        assert amounts.total == D("42.70")  # 42.701355: gallons × USD/gal, no litres involved

    def test_consistent_triple_is_kept_within_a_cent(self):
        amounts = complete_amounts(
            D("45.67"), D("1.859"), D("84.91"), currency="EUR", volume_unit="L"
        )
        assert amounts.problem is None
        assert amounts.computed is None
        assert amounts.complete

    def test_triple_off_by_more_than_a_cent_is_an_error_on_the_total(self):
        amounts = complete_amounts(
            D("45.67"), D("1.859"), D("84.92"), currency="EUR", volume_unit="L"
        )
        assert amounts.problem is not None
        assert amounts.problem.field == entry.FIELD_TOTAL
        assert amounts.problem.message == (
            "Total paid 84.92 EUR does not match 45.670 L × 1.859 EUR/L = 84.90 EUR. "
            "Correct one of them, or clear one to have it worked out."
        )
        assert not amounts.complete

    def test_fewer_than_two_values_compute_nothing(self):
        for given in (
            (D("40"), None, None),
            (None, D("1.8"), None),
            (None, None, D("72")),
            (None, None, None),
        ):
            amounts = complete_amounts(*given, currency="USD", volume_unit="L")
            assert amounts.computed is None
            assert amounts.problem is None
        assert not complete_amounts(D("40"), None, None, currency="USD", volume_unit="L").complete

    def test_zero_price_cannot_give_a_volume(self):
        amounts = complete_amounts(None, D("0"), D("50"), currency="USD", volume_unit="L")
        assert amounts.problem == FieldMessage(
            entry.FIELD_PRICE, "Price must be more than 0 to work out the volume"
        )

    def test_zero_volume_gives_no_price_and_no_crash(self):
        amounts = complete_amounts(D("0"), None, D("50"), currency="USD", volume_unit="L")
        assert amounts.unit_price is None
        assert amounts.problem is None


# --------------------------------------------------------------------------- #
# Suggestions, vehicle order, odometer hint
# --------------------------------------------------------------------------- #


class TestSuggestions:
    def test_most_used_first_then_most_recent_then_by_name(self):
        rows = derived(
            frame(
                [
                    ("2024-01-01", 1000, 30, 45, True, False, "Shell"),
                    ("2024-01-10", 1500, 30, 45, True, False, "Aral"),
                    ("2024-01-20", 2000, 30, 45, True, False, "Shell"),
                    ("2024-01-30", 2500, 30, 45, True, False, "Esso"),
                    ("2024-02-10", 3000, 30, 45, True, False, " "),
                    ("2024-02-20", 3500, 30, 45, True, False, None),
                    ("2024-01-30", 4000, 30, 45, True, False, "BP"),
                ]
            )
        )
        # Shell twice; Esso and BP once on the latest date (alphabetical), then Aral.
        assert entry.suggestions(rows, "station") == ["Shell", "BP", "Esso", "Aral"]

    def test_across_vehicles_and_per_column(self):
        rows = derived(
            frame([("2024-01-01", 1000, 30, 45, True, False, None, "Total", "E10")]),
            frame(
                [
                    ("2024-01-02", 500, 30, 45, True, False, None, "Total", "Diesel"),
                    ("2024-01-03", 900, 30, 45, True, False, None, "Aral", "Diesel"),
                ],
                vehicle_id=2,
                first_id=10,
            ),
        )
        assert entry.suggestions(rows, "brand") == ["Total", "Aral"]
        assert entry.suggestions(rows, "grade") == ["Diesel", "E10"]
        assert entry.suggestions(rows, "station") == []

    def test_empty_history(self):
        assert entry.suggestions(add_derived(empty_entries_frame()), "station") == []


@dataclass
class Car:
    id: int
    name: str


class TestVehicleOrder:
    def test_last_used_first_then_unused_by_name(self):
        rows = derived(
            frame([("2024-03-01", 1000, 30, 45, True)], vehicle_id=1, first_id=1),
            frame([("2024-05-01", 1000, 30, 45, True)], vehicle_id=2, first_id=2),
            frame([("2024-04-01", 1000, 30, 45, True)], vehicle_id=3, first_id=3),
        )
        cars = [Car(1, "Golf"), Car(2, "Van"), Car(3, "Bike"), Car(4, "zoe"), Car(5, "Audi")]
        assert [c.name for c in entry.vehicles_last_used_first(cars, rows)] == [
            "Van",
            "Bike",
            "Golf",
            "Audi",
            "zoe",
        ]

    def test_same_day_goes_to_the_one_logged_last(self):
        rows = derived(
            frame([("2024-05-01", 1000, 30, 45, True)], vehicle_id=1, first_id=7),
            frame([("2024-05-01", 1000, 30, 45, True)], vehicle_id=2, first_id=3),
        )
        cars = [Car(2, "B"), Car(1, "A")]
        assert [c.id for c in entry.vehicles_last_used_first(cars, rows)] == [1, 2]

    def test_no_history_is_alphabetical(self):
        cars = [Car(1, "b"), Car(2, "A")]
        empty = add_derived(empty_entries_frame())
        assert [c.name for c in entry.vehicles_last_used_first(cars, empty)] == ["A", "b"]


class TestOdometerHint:
    def test_last_reading_in_the_users_unit(self):
        rows = derived(
            frame([("2026-10-01", 95000.5, 30, 45, True), ("2026-11-24", 95786, 30, 45, True)])
        )
        assert entry.odometer_hint(rows, 1, user()) == "Last: 95,786 km on 2026-11-24"
        assert entry.odometer_hint(rows, 1, user(distance_unit="mi")) == (
            "Last: 59,519 mi on 2026-11-24"
        )  # 95,786 km = 59,518.7 mi

    def test_no_reading(self):
        rows = derived(frame([("2026-10-01", 1000, 30, 45, True)]))
        assert entry.odometer_hint(rows, 2, user()) == "First fill-up of this vehicle"

    def test_editing_shows_the_reading_before_the_edited_one(self):
        rows = derived(frame(STEADY))
        assert (
            entry.odometer_hint(
                rows, 1, user(), existing_odometer_km=D("11000"), exclude_entry_id=3
            )
            == "Previous: 10,500 km on 2024-02-01"
        )


# --------------------------------------------------------------------------- #
# Plausibility warnings
# --------------------------------------------------------------------------- #


class TestTankWarning:
    def test_above_capacity_warns_in_the_users_unit(self):
        warning = entry.tank_warning(candidate("12000", "55.1", "80"), D("55"), user())
        assert warning == FieldMessage(
            entry.FIELD_VOLUME, "Volume 55.10 L is more than this vehicle's tank holds (55.00 L)."
        )
        gallons = entry.tank_warning(
            candidate("12000", "60", "80"), D("45.4609"), user(volume_unit="gal_uk")
        )
        assert "13.20 UK gal" in gallons.message and "(10.00 UK gal)" in gallons.message

    def test_at_capacity_or_unknown_capacity_is_fine(self):
        assert entry.tank_warning(candidate("12000", "55", "80"), D("55"), user()) is None
        assert entry.tank_warning(candidate("12000", "99", "80"), None, user()) is None


class TestPriceWarning:
    def test_more_than_30_percent_above_the_median_warns(self):
        rows = derived(frame(STEADY))  # 1.50/L
        warning = entry.price_warning(rows, candidate("12000", "30", "58.51"), user())
        assert warning is not None and warning.field == entry.FIELD_PRICE
        assert warning.message == (
            "Price 1.950 USD/L is 30% above your recent median of "
            "1.500 USD/L. Check the volume and the total."
        )

    def test_exactly_30_percent_is_fine_either_way(self):
        rows = derived(frame(STEADY))
        assert entry.price_warning(rows, candidate("12000", "30", "58.50"), user()) is None
        assert entry.price_warning(rows, candidate("12000", "30", "31.50"), user()) is None
        below = entry.price_warning(rows, candidate("12000", "30", "31.49"), user())
        assert below is not None and "below" in below.message

    def test_in_the_users_volume_unit(self):
        rows = derived(frame(STEADY))
        warning = entry.price_warning(
            rows, candidate("12000", "10", "30"), user(volume_unit="gal_us")
        )
        # 3.00/L = 11.356 USD/US gal against 1.50/L = 5.678 USD/US gal
        assert "11.356 USD/US gal" in warning.message
        assert "5.678 USD/US gal" in warning.message

    def test_uses_the_ten_fill_ups_nearest_in_time(self):
        old = [(f"2020-01-{day:02d}", 1000 + day * 100, 10, 10, True) for day in range(1, 21)]
        recent = [(f"2024-05-{day:02d}", 5000 + day * 100, 10, 20, True) for day in range(1, 11)]
        rows = derived(frame(old + recent))  # 20 old ones at 1.00, 10 recent at 2.00
        assert entry.price_warning(rows, candidate("9000", "10", "20"), user()) is None
        assert (
            entry.price_warning(rows, candidate("9000", "10", "10", date="2020-01-15"), user())
            is None
        )  # an old entry compared with its time

    def test_prefers_the_vehicles_own_prices(self):
        lpg = frame(
            [
                ("2024-01-01", 1000, 40, 32, True),
                ("2024-02-01", 1500, 40, 32, True),
                ("2024-03-01", 2000, 40, 32, True),
            ],
            vehicle_id=2,
            first_id=20,
        )
        rows = derived(frame(STEADY), lpg)  # petrol at 1.50, LPG at 0.80
        assert (
            entry.price_warning(rows, candidate("2500", "40", "32", vehicle_id=2), user()) is None
        )
        # A new vehicle with no history of its own: compared with all the user's fill-ups.
        assert (
            entry.price_warning(rows, candidate("100", "40", "32", vehicle_id=3), user())
            is not None
        )

    def test_needs_three_earlier_prices(self):
        rows = derived(frame(STEADY[:2]))
        assert entry.price_warning(rows, candidate("12000", "30", "90"), user()) is None

    def test_the_edited_entry_is_left_out_of_the_median(self):
        rows = derived(
            frame(
                [
                    ("2024-01-01", 1000, 10, 15, True),
                    ("2024-02-01", 1500, 10, 15, True),
                    ("2024-03-01", 2000, 10, 30, True),
                    ("2024-04-01", 2500, 10, 30, True),
                    ("2024-05-01", 3000, 10, 30, True),
                ]
            )
        )
        # Entry 5 edited to 1.60/L: the others' median is 2.25 (29% off: fine); counting its
        # own old 3.00 the median would be 3.00 (47% off), as for a new entry.
        assert entry.price_warning(rows, candidate("3000", "10", "16", entry_id=5), user()) is None
        assert entry.price_warning(rows, candidate("3500", "10", "16"), user()) is not None


class TestDistanceWarning:
    def test_more_than_three_times_the_median_gap_warns(self):
        rows = derived(frame(STEADY))  # gaps of 500 km; last reading 11,500 on 2024-04-01
        warning = entry.distance_warning(rows, candidate("13001", "30", "45"), user())
        assert warning is not None and warning.field == entry.FIELD_ODOMETER
        assert warning.message.startswith(
            "That is 1,501 km since the fill-up of 2024-04-01, more than 3× this vehicle's "
            "usual 500 km between fill-ups."
        )

    def test_exactly_three_times_is_fine(self):
        rows = derived(frame(STEADY))
        assert entry.distance_warning(rows, candidate("13000", "30", "45"), user()) is None

    def test_in_miles(self):
        rows = derived(frame(STEADY))
        warning = entry.distance_warning(
            rows, candidate("14000", "30", "45"), user(distance_unit="mi")
        )
        assert "That is 1,553 mi" in warning.message and "usual 311 mi" in warning.message

    def test_a_missed_fill_up_explains_the_jump(self):
        rows = derived(frame(STEADY))
        assert (
            entry.distance_warning(rows, candidate("20000", "30", "45", missed=True), user())
            is None
        )

    def test_needs_three_earlier_gaps(self):
        rows = derived(frame(STEADY[:3]))
        assert entry.distance_warning(rows, candidate("20000", "30", "45"), user()) is None

    def test_first_reading_of_the_vehicle_has_no_jump(self):
        rows = derived(frame(STEADY))
        assert entry.distance_warning(rows, candidate("5000", "30", "45"), user()) is None

    def test_editing_leaves_the_edited_reading_out(self):
        rows = derived(frame(STEADY + [("2024-05-01", 12000, 30, 45, True)]))
        # Moving the last reading from 12,000 to 13,000: 1,500 km after 11,500 is exactly
        # 3× the median of the other gaps (500): fine; counted against its own old reading
        # 12,000 it would be a plain 1,000 km.
        assert (
            entry.distance_warning(rows, candidate("13000", "30", "45", entry_id=5), user()) is None
        )
        assert (
            entry.distance_warning(rows, candidate("13001", "30", "45", entry_id=5), user())
            is not None
        )


class TestConsumptionWarning:
    def test_more_than_three_times_the_median_warns(self):
        rows = derived(frame(STEADY))  # 6.0 L/100 km
        # 500 km on 90.5 L = 18.1 L/100 km
        warning = entry.consumption_warning(rows, candidate("12000", "90.5", "135"), user())
        assert warning is not None and warning.field == entry.FIELD_CONSUMPTION
        assert warning.message.startswith(
            "This tank would come out at 18.10 L/100 km, more than 3× this vehicle's median "
            "of 6.00 L/100 km."
        )

    def test_exactly_three_times_is_fine(self):
        rows = derived(frame(STEADY))
        assert entry.consumption_warning(rows, candidate("12000", "90", "135"), user()) is None

    def test_counts_partial_fill_ups_since_the_last_full_one(self):
        rows = derived(frame(STEADY + [("2024-05-01", 11750, 60, 90, False)]))
        # 500 km since the full one at 11,500 with 60 + 31 L = 18.2 L/100 km
        assert entry.consumption_warning(rows, candidate("12000", "31", "46"), user()) is not None
        assert entry.consumption_warning(rows, candidate("12000", "30", "45"), user()) is None

    def test_partial_candidate_has_no_consumption_yet(self):
        rows = derived(frame(STEADY))
        assert (
            entry.consumption_warning(rows, candidate("12000", "95", "140", full=False), user())
            is None
        )

    def test_in_mpg_the_number_is_under_a_third(self):
        rows = derived(frame(STEADY))
        warning = entry.consumption_warning(
            rows, candidate("12000", "95", "140"), user(consumption_unit="mpg_us")
        )
        assert "under a third of this vehicle's median" in warning.message
        assert "mpg (US)" in warning.message

    def test_needs_three_earlier_tanks(self):
        rows = derived(frame(STEADY[:3]))  # two measured tanks
        assert entry.consumption_warning(rows, candidate("11500", "95", "140"), user()) is None
        assert entry.consumption_warning(rows, candidate("11500", "10", "15"), user()) is None

    def test_under_half_the_median_warns_too(self):
        rows = derived(frame(STEADY))  # 6.0 L/100 km
        # 500 km on 14 L = 2.80 L/100 km: the signature of a fill-up never logged before it
        warning = entry.consumption_warning(rows, candidate("12000", "14", "21"), user())
        assert warning is not None and warning.field == entry.FIELD_CONSUMPTION
        assert warning.message == (
            "This tank would come out at 2.80 L/100 km, under half of this vehicle's median "
            "of 6.00 L/100 km. Did you miss logging a fill-up before this one (then switch on "
            "“I missed logging a fill-up before this one”), was the tank not filled to full, "
            "or is the volume or odometer off?"
        )

    def test_exactly_half_is_fine(self):
        rows = derived(frame(STEADY))
        assert entry.consumption_warning(rows, candidate("12000", "15", "22.5"), user()) is None

    def test_in_mpg_better_is_more_than_twice(self):
        # The case: a tank 171 % better than the average, in mpg.
        rows = derived(frame(STEADY))  # 39.20 mpg (US)
        warning = entry.consumption_warning(
            rows, candidate("12000", "11", "16.5"), user(consumption_unit="mpg_us")
        )
        assert warning.message.startswith(
            "This tank would come out at 106.92 mpg (US), more than twice this vehicle's "
            "median of 39.20 mpg (US)."
        )

    def test_a_flagged_missed_fill_up_explains_the_better_tank(self):
        rows = derived(frame(STEADY))
        assert (
            entry.consumption_warning(rows, candidate("12500", "30", "45", missed=True), user())
            is None
        )

    def test_editing_leaves_the_edited_tank_out_of_the_median(self):
        typo = STEADY + [("2024-05-01", 12000, 300, 450, True), ("2024-06-01", 12500, 30, 45, True)]
        rows = derived(frame(typo))  # tanks: 6, 6, 6, 60, 6 L/100 km
        assert (
            entry.consumption_warning(rows, candidate("12000", "30", "45", entry_id=5), user())
            is None
        )
        # ...and a tank edited into a typo is measured without its stored self.
        steady = derived(frame(STEADY + [("2024-05-01", 12000, 30, 45, True)]))
        assert (
            entry.consumption_warning(steady, candidate("12000", "90.5", "135", entry_id=5), user())
            is not None
        )
        # Another vehicle's tanks play no part.
        other = frame(
            [("2024-01-01", 100, 99, 1, True), ("2024-02-01", 150, 99, 1, True)],
            vehicle_id=2,
            first_id=50,
        )
        both = derived(frame(STEADY), other)
        assert (
            entry.consumption_warning(both, candidate("12000", "90.5", "135"), user()) is not None
        )


class TestPlausibilityWarnings:
    def test_all_four_in_form_order(self):
        rows = derived(frame(STEADY))
        found = entry.plausibility_warnings(
            rows, candidate("13100", "300", "1000"), user(), tank_capacity_l=D("50")
        )
        assert [w.field for w in found] == [
            entry.FIELD_ODOMETER,
            entry.FIELD_VOLUME,
            entry.FIELD_PRICE,
            entry.FIELD_CONSUMPTION,
        ]
        assert entry.messages_for(found, entry.FIELD_VOLUME, entry.FIELD_PRICE) == [
            found[1].message,
            found[2].message,
        ]

    def test_plain_fill_up_has_none(self):
        rows = derived(frame(STEADY))
        assert (
            entry.plausibility_warnings(
                rows, candidate("12000", "31", "46.5"), user(), tank_capacity_l=D("50")
            )
            == []
        )

    def test_empty_history_has_none(self):
        rows = add_derived(empty_entries_frame())
        assert entry.plausibility_warnings(rows, candidate("12000", "31", "46.5"), user()) == []


# --------------------------------------------------------------------------- #
# After saving
# --------------------------------------------------------------------------- #


class TestConsumptionComparison:
    def test_lower_is_better_in_litres_per_100_km(self):
        assert entry.consumption_comparison(6.14, 6.4, "L/100km") == (
            "This tank: 6.14 L/100 km, 4% better than this vehicle's average of 6.40 L/100 km."
        )
        assert entry.consumption_comparison(7.04, 6.4, "L/100km") == (
            "This tank: 7.04 L/100 km, 10% worse than this vehicle's average of 6.40 L/100 km."
        )

    @pytest.mark.parametrize("unit", ["km/L", "mpg_us", "mpg_uk"])
    def test_higher_is_better_in_distance_per_volume(self, unit):
        assert "better than" in entry.consumption_comparison(5.0, 6.0, unit)
        assert "worse than" in entry.consumption_comparison(7.0, 6.0, unit)

    def test_percentage_on_the_users_numbers(self):
        # 5 L/100 km = 20 km/L against 6 = 16.67 km/L: 20% better (in L/100 km it is 17%).
        assert entry.consumption_comparison(5.0, 6.0, "km/L") == (
            "This tank: 20.00 km/L, 20% better than this vehicle's average of 16.67 km/L."
        )

    def test_about_the_average(self):
        assert entry.consumption_comparison(6.41, 6.4, "L/100km") == (
            "This tank: 6.41 L/100 km, about this vehicle's average of 6.40 L/100 km."
        )

    def test_first_measured_tank(self):
        assert entry.consumption_comparison(5.25, None, "L/100km") == (
            "This tank: 5.25 L/100 km, the first full-to-full tank measured for this vehicle."
        )
