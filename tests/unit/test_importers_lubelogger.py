"""LubeLogger's fuel export: locale numbers and dates inferred from the file, units given."""

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker.errors import RowError
from fueltracker.importers.lubelogger import parse_lubelogger

HEADER = (
    "Date,Odometer,FuelConsumed,Cost,FuelEconomy,IsFillToFull,MissedFuelUp,Notes,Tags,"
    "extrafield_Station\n"
)
US = HEADER + (
    "1/13/2024,1000,10.5,35.70,0,True,False,first,,Shell\n"
    "1/20/2024,1300,10,34.00,30,True,False,,,\n"
    "2/1/2024,1500,5,17.00,0,False,True,,,\n"
)
EUROPE = HEADER + (
    '13.01.2024,10000,"40,5","70,10",0,True,False,,,\n'
    '20.01.2024,10500,"30,25","52,00","6,05",True,False,,,\n'
)


def test_us_file_in_miles_and_gallons():
    parsed = parse_lubelogger(US, vehicle="Truck", distance_unit="mi", volume_unit="gal_us")
    assert parsed.errors == []
    assert parsed.units == {"distance": "mi", "volume": "gal_us", "consumption": "mpg_us"}
    first, _second, third = parsed.rows
    assert (first.vehicle, first.date, first.notes) == ("Truck", dt.date(2024, 1, 13), "first")
    assert first.odometer_km == Decimal("1609.344")
    assert first.volume_l == Decimal("10.5") * Decimal("3.785411784")
    assert first.total_amount == Decimal("35.70")
    assert third.date == dt.date(2024, 2, 1)  # month first, decided by 1/13 and 1/20
    assert (third.is_full, third.missed_previous) == (False, True)
    assert parsed.source_consumption == {2: pytest.approx(235.2145833 / 30)}
    assert parsed.vehicles == [{"name": "Truck"}]


def test_european_file_decimal_comma_and_day_first():
    parsed = parse_lubelogger(EUROPE.encode(), vehicle="Golf")
    assert parsed.errors == []
    assert parsed.units["consumption"] == "L/100km"
    assert [r.date for r in parsed.rows] == [dt.date(2024, 1, 13), dt.date(2024, 1, 20)]
    assert parsed.rows[1].volume_l == Decimal("30.25")
    assert parsed.rows[0].total_amount == Decimal("70.10")
    assert parsed.source_consumption == {2: pytest.approx(6.05)}


def test_semicolon_separated_file():
    text = EUROPE.replace(",", ";").replace('"40;5"', "40,5").replace('"70;10"', "70,10")
    text = text.replace('"30;25"', "30,25").replace('"52;00"', "52,00").replace('"6;05"', "6,05")
    parsed = parse_lubelogger(text, vehicle="Golf")
    assert parsed.errors == [] and parsed.rows[0].volume_l == Decimal("40.5")


def test_ambiguous_file_asks_then_honours_the_choice():
    text = HEADER + '01/02/2024,1000,"40,500","70,10",0,True,False,,,\n'
    # "70,10" decides the decimal mark; 01/02 cannot decide the date order.
    parsed = parse_lubelogger(text, vehicle="Golf")
    assert parsed.rows == []
    assert parsed.errors == [
        RowError(
            0,
            "Date",
            "cannot tell day/month order from the dates (no day above 12); choose the date order",
        )
    ]
    chosen = parse_lubelogger(text, vehicle="Golf", day_first=True)
    assert chosen.errors == [] and chosen.rows[0].date == dt.date(2024, 2, 1)
    commas = HEADER + '2024-01-02,"1,500","40,500",70,0,True,False,,,\n'
    assert parse_lubelogger(commas).errors[0].column == "numbers"
    assert parse_lubelogger(commas, decimal_comma=False).rows[0].odometer_km == Decimal(1500)


def test_bad_rows():
    text = US + "2/8/2024,,5,17.00,0,True,False,,,\n2/9/2024,1600,5,17.00,0,Maybe,False,,,\n"
    parsed = parse_lubelogger(text, vehicle="Truck")
    assert len(parsed.rows) == 3
    assert parsed.errors == [
        RowError(4, "Odometer", "a number is required"),
        RowError(5, "IsFillToFull", "'Maybe' is not yes/no (or 1/0, true/false)"),
    ]


def test_not_a_lubelogger_file():
    parsed = parse_lubelogger("Date,Mileage\n2024-01-01,5\n", vehicle="X")
    assert parsed.errors == [
        RowError(
            0,
            "odometer, fuelconsumed, cost",
            "not a LubeLogger fuel export: no odometer, fuelconsumed, cost column",
        )
    ]
