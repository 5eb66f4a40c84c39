"""Unit tests for fueltracker.bounds: the domain bounds checked on what a form's fields show,
each message naming the field, the bound and the user's unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fueltracker import bounds
from fueltracker.entry import FieldMessage
from tests.unit.test_entry import user

D = Decimal
TODAY = dt.date(2026, 12, 2)
US = {"distance_unit": "mi", "volume_unit": "gal_us", "consumption_unit": "mpg_us"}


def problems(who=None, **values) -> list[FieldMessage]:
    fields = {
        "date": TODAY,
        "odometer": D(43100),
        "volume": D(10),
        "unit_price": None,
        "total": D(30),
    } | values
    return bounds.fillup_problems(who or user(), today=TODAY, **fields)


class TestFillup:
    def test_a_plain_fill_up_has_none(self):
        assert problems() == []
        assert problems(odometer=None, volume=None, total=None) == []  # empty is not out of range

    def test_volume_must_be_more_than_zero_in_the_users_unit(self):
        assert problems(user(**US), volume=D(-5)) == [
            FieldMessage("volume_l", "Volume must be more than 0 US gal")
        ]
        assert problems(volume=D(0)) == [FieldMessage("volume_l", "Volume must be more than 0 L")]

    def test_volume_at_most_2000_litres_shown_in_the_users_unit(self):
        assert problems(volume=D(2000)) == []
        assert problems(volume=D("2000.001")) == [
            FieldMessage("volume_l", "Volume must be at most 2,000.000 L")
        ]
        # 2,000 L = 528.3441... US gal: the bound shown is rounded down, so it is accepted.
        assert problems(user(**US), volume=D("528.344")) == []
        assert problems(user(**US), volume=D("528.345")) == [
            FieldMessage("volume_l", "Volume must be at most 528.344 US gal")
        ]

    def test_date_after_today_or_before_1900(self):
        assert problems(date=dt.date(2026, 12, 25)) == [
            FieldMessage("date", "Date 2026-12-25 is in the future (today is 2026-12-02)")
        ]
        assert problems(date=dt.date(1899, 12, 31)) == [
            FieldMessage("date", "Date must not be before 1900-01-01")
        ]
        assert problems(date=None) == [FieldMessage("date", "Date is required")]
        assert problems(date=TODAY) == []

    def test_odometer_bounds_in_the_users_distance_unit(self):
        assert problems(user(**US), odometer=D(-1)) == [
            FieldMessage("odometer_km", "Odometer must be at least 0 mi")
        ]
        assert problems(odometer=D(0)) == []
        assert problems(odometer=D("999999999")) == []
        assert problems(user(**US), odometer=D("621371191")) == []
        assert problems(odometer=D("1000000000")) == [
            FieldMessage("odometer_km", "Odometer must be at most 999,999,999 km")
        ]
        assert problems(user(**US), odometer=D("621371192")) == [
            FieldMessage("odometer_km", "Odometer must be at most 621,371,191 mi")
        ]

    def test_price_and_total_bounds_name_the_currency(self):
        assert problems(user(**US), unit_price=D("-3.459")) == [
            FieldMessage("unit_price", "Price must be at least 0 USD/US gal")
        ]
        assert problems(total=D("-0.01")) == [
            FieldMessage("total_amount", "Total paid must be at least 0 USD")
        ]
        assert problems(total=D(100000)) == []
        assert problems(user(currency="EUR"), total=D("100000.01")) == [
            FieldMessage("total_amount", "Total paid must be at most 100,000 EUR")
        ]

    def test_every_problem_in_form_order(self):
        found = problems(date=dt.date(2027, 1, 1), odometer=D(-1), volume=D(-5), total=D(-1))
        assert [p.field for p in found] == ["date", "odometer_km", "volume_l", "total_amount"]


class TestVehicle:
    def test_year_between_1885_and_2100(self):
        assert bounds.vehicle_problems(user(), year=2019, tank_capacity=None) == []
        assert bounds.vehicle_problems(user(), year=1885, tank_capacity=None) == []
        assert bounds.vehicle_problems(user(), year=1884, tank_capacity=None) == [
            FieldMessage("year", "Year must be between 1885 and 2100")
        ]
        assert bounds.vehicle_problems(user(), year=2101, tank_capacity=None) == [
            FieldMessage("year", "Year must be between 1885 and 2100")
        ]

    def test_tank_capacity_more_than_zero_and_at_most_2000_litres(self):
        assert bounds.vehicle_problems(user(**US), year=None, tank_capacity=D(0)) == [
            FieldMessage(
                "tank_capacity_l", "Tank capacity must be more than 0 US gal (or leave it empty)"
            )
        ]
        assert bounds.vehicle_problems(user(), year=None, tank_capacity=D("2000.5")) == [
            FieldMessage("tank_capacity_l", "Tank capacity must be at most 2,000.000 L")
        ]
        assert bounds.vehicle_problems(user(**US), year=None, tank_capacity=D("13.2")) == []
