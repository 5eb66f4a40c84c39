"""Fuelly's web export: metric, imperial and km/l headers, both date styles, flags."""

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker.errors import RowError
from fueltracker.importers.fuelly import parse_fuelly

METRIC = (
    "car_name, model, l/100km, odometer, km, litres, price, city_percentage, fuelup_date, "
    "date_added, tags, notes, missed_fuelup, partial_fuelup, latitude, longitude, brand\n"
    '"Golf","VW Golf",6.5,10500,500,32.5,1.80,50,2021-01-02,2021-01-02 10:00,"","ok",0,0,,,'
    '"Shell"\n'
    '"Golf","VW Golf",0,10000,0,40,1.75,50,2021-01-01,2021-01-01 10:00,"","",0,0,,,""\n'
    '"Van","Ford Transit",0,50000,0,60,1.60,50,2021-01-01,2021-01-01 10:00,"","",1,1,,,""\n'
)
IMPERIAL = (
    "car_name,model,mpg,odometer,miles,gallons,price,city_percentage,fuelup_date,date_added,"
    "tags,notes,missed_fuelup,partial_fuelup,latitude,longitude,brand\n"
    "Truck,F150,20,1300,300,15,3.00,0,06/13/2021 0:00,,,,0,0,,,\n"
    "Truck,F150,0,1000,0,14,2.90,0,06/06/2021 0:00,,,,0,0,,,\n"
)


def test_metric_file():
    parsed = parse_fuelly(METRIC)
    assert parsed.format == "fuelly" and parsed.errors == []
    assert parsed.units == {"distance": "km", "volume": "L", "consumption": "L/100km"}
    first = parsed.rows[0]
    assert (first.row_number, first.vehicle, first.date) == (1, "Golf", dt.date(2021, 1, 2))
    assert first.odometer_km == Decimal(10500) and first.volume_l == Decimal("32.5")
    assert first.total_amount == Decimal("58.50")  # 1.80 per litre × 32.5 L
    assert (first.brand, first.notes) == ("Shell", "ok")
    van = parsed.rows[2]
    assert van.is_full is False and van.missed_previous is True  # partial, missed: 1, 1
    assert [v["name"] for v in parsed.vehicles] == ["Golf", "Van"]
    assert parsed.source_consumption == {1: 6.5}  # 0 is no figure


def test_imperial_file_month_first_dates():
    parsed = parse_fuelly(IMPERIAL.encode())
    assert parsed.errors == []
    assert parsed.units == {"distance": "mi", "volume": "gal_us", "consumption": "mpg_us"}
    newest = parsed.rows[0]
    assert newest.date == dt.date(2021, 6, 13)
    assert newest.odometer_km == Decimal(1300) * Decimal("1.609344")
    assert newest.volume_l == Decimal(15) * Decimal("3.785411784")
    assert newest.total_amount == Decimal("45.00")  # $3.00 per gallon × 15 gal
    assert parsed.source_consumption[1] == pytest.approx(235.2145833 / 20)


def test_ambiguous_dates_default_to_month_first_and_can_be_forced():
    text = IMPERIAL.replace("06/13/2021", "06/07/2021")
    assert parse_fuelly(text).rows[0].date == dt.date(2021, 6, 7)
    assert parse_fuelly(text, day_first=True).rows[0].date == dt.date(2021, 7, 6)


def test_bad_rows_are_reported_and_good_rows_kept():
    text = METRIC + (
        '"Golf","",0,abc,0,30,1.8,50,2021-01-03,,"","",0,0,,,""\n'
        '"Golf","",0,11000,0,30,1.8,50,2021-13-03,,"","",0,0,,,""\n'
        '"","",0,11000,0,30,1.8,50,2021-01-03,,"","",0,0,,,""\n'
        '"Golf","",0,11000,0,30,1.8,50,2021-01-03,,"","",2,0,,,""\n'
    )
    parsed = parse_fuelly(text)
    assert len(parsed.rows) == 3
    assert parsed.errors == [
        RowError(4, "odometer", "'abc' is not a number (decimal mark: a dot)"),
        RowError(5, "fuelup_date", "'2021-13-03' is not a valid date"),
        RowError(6, "car_name", "a vehicle name is required"),
        RowError(7, "missed_fuelup", "'2' is not yes/no (or 1/0, true/false)"),
    ]


def test_not_a_fuelly_file():
    parsed = parse_fuelly("Date,Odometer\n2024-01-01,5\n")
    assert parsed.rows == []
    assert parsed.errors[0].row_number == 0
    assert parsed.errors[0].reason.startswith("not a Fuelly file")
    assert parse_fuelly(b"\x89PNG\x00\x01").errors == [
        RowError(0, "file", "not a text file (binary data or not UTF-8)")
    ]
