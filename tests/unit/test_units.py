"""Unit tests for fueltracker.units: exact factors, round trips, labels, formatting."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fueltracker import units


class TestFactors:
    def test_exact_factors_from_domain(self):
        assert units.KM_PER_MILE == Decimal("1.609344")
        assert units.L_PER_GAL_US == Decimal("3.785411784")
        assert units.L_PER_GAL_UK == Decimal("4.54609")

    def test_vocabularies(self):
        assert units.DISTANCE_UNITS == ("km", "mi")
        assert units.VOLUME_UNITS == ("L", "gal_us", "gal_uk")
        assert units.CONSUMPTION_UNITS == ("L/100km", "km/L", "mpg_us", "mpg_uk")


class TestDistance:
    def test_one_mile_is_exact_in_decimal(self):
        assert units.distance_to_km(Decimal("1"), "mi") == Decimal("1.609344")

    def test_km_is_identity(self):
        assert units.distance_to_km(Decimal("123.4"), "km") == Decimal("123.4")
        assert units.km_to_distance(123.4, "km") == pytest.approx(123.4)

    def test_float_in_float_out(self):
        result = units.km_to_distance(1609.344, "mi")
        assert isinstance(result, float)
        assert result == pytest.approx(1000.0)

    def test_int_gives_float(self):
        assert isinstance(units.distance_to_km(5, "mi"), float)

    def test_decimal_round_trip(self):
        km = units.distance_to_km(Decimal("7654.3"), "mi")
        assert units.km_to_distance(km, "mi") == Decimal("7654.3")

    def test_none_and_nan(self):
        assert units.distance_to_km(None, "mi") is None
        assert math.isnan(units.distance_to_km(float("nan"), "mi"))

    def test_series(self):
        series = pd.Series([1.0, 2.0, None], index=[10, 11, 12])
        result = units.distance_to_km(series, "mi")
        assert list(result.index) == [10, 11, 12]
        assert result.dtype == "float64"
        assert result.iloc[1] == pytest.approx(3.218688)
        assert math.isnan(result.iloc[2])

    def test_series_of_decimals(self):
        result = units.km_to_distance(pd.Series([Decimal("1.609344")]), "mi")
        assert result.dtype == "float64"
        assert result.iloc[0] == pytest.approx(1.0)

    def test_unknown_unit(self):
        with pytest.raises(ValueError, match="furlong"):
            units.distance_to_km(1.0, "furlong")

    def test_rejects_non_numbers(self):
        with pytest.raises(TypeError):
            units.distance_to_km("12", "km")


class TestVolume:
    def test_us_gallon(self):
        assert units.volume_to_l(Decimal("1"), "gal_us") == Decimal("3.785411784")

    def test_uk_gallon_float(self):
        assert units.l_to_volume(4.54609, "gal_uk") == pytest.approx(1.0)

    def test_typed_value_comes_back_as_typed(self):
        volume_l = units.volume_to_l(Decimal("12.345"), "gal_us")
        back = units.l_to_volume(volume_l, "gal_us")
        assert back.quantize(Decimal("0.001")) == Decimal("12.345")
        assert back == Decimal("12.345")

    def test_typed_value_survives_storage_at_9_places(self):
        stored_l = units.volume_to_l(Decimal("12.345"), "gal_us").quantize(Decimal("1e-9"))
        back = units.l_to_volume(stored_l, "gal_us")
        assert back.quantize(Decimal("0.001")) == Decimal("12.345")

    @given(
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal("2000"), places=3),
        st.sampled_from(units.VOLUME_UNITS),
    )
    def test_any_3_place_value_survives_storage(self, typed, unit):
        stored_l = units.volume_to_l(typed, unit).quantize(Decimal("1e-9"))
        assert units.l_to_volume(stored_l, unit).quantize(Decimal("0.001")) == typed

    @given(
        st.decimals(min_value=Decimal("0.1"), max_value=Decimal("999999.9"), places=1),
        st.sampled_from(units.DISTANCE_UNITS),
    )
    def test_any_odometer_survives_storage(self, typed, unit):
        stored_km = units.distance_to_km(typed, unit).quantize(Decimal("1e-6"))
        assert units.km_to_distance(stored_km, unit).quantize(Decimal("0.1")) == typed

    def test_numpy_array(self):
        result = units.l_to_volume(np.array([3.785411784, 7.570823568]), "gal_us")
        assert result == pytest.approx([1.0, 2.0])


class TestPrice:
    def test_price_per_gallon(self):
        assert units.price_per_l_to_unit(Decimal("2"), "gal_us") == Decimal("7.570823568")

    def test_price_per_uk_gallon(self):
        assert units.price_per_l_to_unit(1.838, "gal_uk") == pytest.approx(1.838 * 4.54609)

    def test_litre_is_identity(self):
        assert units.price_per_l_to_unit(1.5, "L") == pytest.approx(1.5)

    def test_cost_per_mile(self):
        assert units.cost_per_km_to_unit(0.1017, "mi") == pytest.approx(0.1017 * 1.609344)
        assert units.cost_per_km_to_unit(0.1017, "km") == pytest.approx(0.1017)


class TestConsumption:
    def test_worked_example_average(self):
        assert units.consumption_from_l_per_100km(5.5, "km/L") == pytest.approx(18.1818, abs=1e-4)
        assert units.consumption_from_l_per_100km(5.5, "mpg_us") == pytest.approx(42.77, abs=0.005)

    def test_mpg_constants(self):
        assert units.consumption_from_l_per_100km(1.0, "mpg_us") == pytest.approx(
            235.2145833, rel=1e-9
        )
        assert units.consumption_from_l_per_100km(1.0, "mpg_uk") == pytest.approx(
            282.4809363, rel=1e-9
        )

    def test_l_per_100km_is_identity(self):
        assert units.consumption_from_l_per_100km(5.5, "L/100km") == 5.5
        assert units.consumption_to_l_per_100km(Decimal("5.5"), "L/100km") == Decimal("5.5")

    def test_decimal_in_decimal_out(self):
        result = units.consumption_from_l_per_100km(Decimal("5"), "km/L")
        assert result == Decimal("20")

    @pytest.mark.parametrize("unit", units.CONSUMPTION_UNITS)
    def test_round_trip(self, unit):
        converted = units.consumption_from_l_per_100km(7.3, unit)
        assert units.consumption_to_l_per_100km(converted, unit) == pytest.approx(7.3)

    @pytest.mark.parametrize("unit", units.CONSUMPTION_UNITS)
    @pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
    def test_meaningless_float_gives_nan(self, unit, value):
        assert math.isnan(units.consumption_from_l_per_100km(value, unit))
        assert math.isnan(units.consumption_to_l_per_100km(value, unit))

    @pytest.mark.parametrize("unit", units.CONSUMPTION_UNITS)
    def test_meaningless_decimal_or_none_gives_none(self, unit):
        assert units.consumption_from_l_per_100km(None, unit) is None
        assert units.consumption_from_l_per_100km(Decimal("0"), unit) is None
        assert units.consumption_from_l_per_100km(Decimal("NaN"), unit) is None

    def test_series_with_gaps(self):
        result = units.consumption_from_l_per_100km(pd.Series([5.5, 0.0, None]), "mpg_us")
        assert result.iloc[0] == pytest.approx(42.766, abs=1e-3)
        assert result.iloc[1:].isna().all()

    def test_unknown_unit(self):
        with pytest.raises(ValueError):
            units.consumption_from_l_per_100km(5.5, "mpg")


class TestLabels:
    def test_distance(self):
        assert units.distance_label("km") == "km"
        assert units.distance_label("mi") == "mi"

    def test_volume(self):
        assert [units.volume_label(u) for u in units.VOLUME_UNITS] == ["L", "US gal", "UK gal"]

    def test_consumption(self):
        assert [units.consumption_label(u) for u in units.CONSUMPTION_UNITS] == [
            "L/100 km",
            "km/L",
            "mpg (US)",
            "mpg (UK)",
        ]

    def test_lower_is_better_only_for_l_per_100km(self):
        assert [units.consumption_lower_is_better(u) for u in units.CONSUMPTION_UNITS] == [
            True,
            False,
            False,
            False,
        ]

    def test_cost_and_price_labels(self):
        assert units.cost_per_distance_label("USD", "km") == "USD/km"
        assert units.cost_per_distance_label("GBP", "mi") == "GBP/mi"
        assert units.price_per_volume_label("USD", "gal_us") == "USD/US gal"

    def test_unknown_label_unit(self):
        with pytest.raises(ValueError):
            units.volume_label("gallon")


class TestFormatting:
    def test_thousands_separator(self):
        assert units.format_number(12345, 0) == "12,345"
        assert units.format_number(12400.0, 0) == "12,400"
        assert units.format_number(Decimal("1234567.891"), 2) == "1,234,567.89"

    def test_validation_message_shape(self):
        message = (
            f"Odometer {units.format_number(12345, 0)} km must be greater than "
            f"{units.format_number(12400, 0)} km recorded on 2024-03-01"
        )
        assert message == "Odometer 12,345 km must be greater than 12,400 km recorded on 2024-03-01"

    def test_rounds_half_up_as_people_expect(self):
        assert units.format_number(2.675, 2) == "2.68"
        assert units.format_number(Decimal("0.125"), 2) == "0.13"

    def test_no_negative_zero(self):
        assert units.format_number(-0.001, 2) == "0.00"

    def test_negative(self):
        assert units.format_number(-1234.5, 1) == "-1,234.5"

    def test_missing(self):
        assert units.format_number(None) == "—"
        assert units.format_number(float("nan"), 2) == "—"
        assert units.format_money(None, "EUR") == "—"

    def test_money(self):
        assert units.format_money(1234.5, "EUR") == "1,234.50 EUR"
        assert units.format_money(Decimal("330.90"), "USD") == "330.90 USD"
        assert units.format_money(0, "GBP") == "0.00 GBP"

    def test_count_says_one_fillup_and_two_fillups(self):
        assert units.format_count(1, "fill-up") == "1 fill-up"
        assert units.format_count(0, "fill-up") == "0 fill-ups"
        assert units.format_count(1234, "fill-up") == "1,234 fill-ups"
        assert units.format_count(1, "row has", "rows have") == "1 row has"
        assert units.format_count(3, "row has", "rows have") == "3 rows have"

    def test_money_without_minor_units(self):
        assert units.format_money(1200, "JPY") == "1,200 JPY"
        assert units.format_money(1234.5, "EUR", decimals=0) == "1,235 EUR"

    def test_consumption(self):
        assert units.format_consumption(5.5, "L/100km") == "5.50 L/100 km"
        assert units.format_consumption(5.5, "mpg_us") == "42.77 mpg (US)"
        assert units.format_consumption(None, "km/L") == "—"


def shown(value: float) -> str:
    """What a number field shows of `value` with the form's printf format (ui/forms.AS_TYPED)."""
    return "%g" % value  # noqa: UP031 - the printf format itself, as Streamlit is given it


class TestAsTyped:
    """What an edit form's number field shows of a stored value (with the "%g" format)."""

    def test_whole_numbers_lose_the_trailing_zeros(self):
        assert units.as_typed(Decimal("43100.000000"), 3) == 43100.0
        assert shown(units.as_typed(Decimal("43100.000000"), 3)) == "43100"

    def test_decimals_that_exist_are_kept(self):
        assert shown(units.as_typed(Decimal("43100.500000"), 3)) == "43100.5"
        assert units.as_typed(Decimal("12.345000000"), 3) == 12.345

    def test_a_value_typed_in_other_units_comes_back_as_typed(self):
        # 12.345 US gal stored at the 9 places of volume_l, read back in US gal.
        stored_l = units.volume_to_l(Decimal("12.345"), "gal_us").quantize(Decimal("1E-9"))
        assert units.as_typed(units.l_to_volume(stored_l, "gal_us"), 3) == 12.345
        # 27,000.5 mi stored at the 6 places of odometer_km.
        stored_km = units.distance_to_km(Decimal("27000.5"), "mi").quantize(Decimal("1E-6"))
        assert shown(units.as_typed(units.km_to_distance(stored_km, "mi"), 3)) == "27000.5"

    def test_rounds_half_away_from_zero_to_the_given_decimals(self):
        assert units.as_typed(Decimal("10.1705"), 3) == 10.171
        assert units.as_typed(Decimal("61.2000"), 4) == 61.2
