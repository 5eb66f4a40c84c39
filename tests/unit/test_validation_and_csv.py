"""Pure pieces of the data layer: odometer neighbours, native CSV writing and reading."""

import datetime as dt
from decimal import Decimal

import pandas as pd

from fueltracker import metrics
from fueltracker.csvsafe import neutralise, restore
from fueltracker.export import format_number, native_csv
from fueltracker.importers.native import looks_native, parse_native
from fueltracker.validation import Reading, future_date_problem, odometer_conflict

D = dt.date


def test_neighbours_on_other_dates_must_bracket_the_reading():
    before, after = Reading(D(2024, 3, 1), Decimal(12400)), Reading(D(2024, 5, 1), Decimal(13000))
    assert odometer_conflict(D(2024, 4, 1), Decimal(12345), before, after) == (
        "Odometer 12,345 km must be greater than 12,400 km recorded on 2024-03-01")
    assert odometer_conflict(D(2024, 4, 1), Decimal(13000), before, after) == (
        "Odometer 13,000 km must be less than 13,000 km recorded on 2024-05-01")
    assert odometer_conflict(D(2024, 4, 1), Decimal(12500), before, after) is None
    assert odometer_conflict(D(2024, 4, 1), Decimal(5), None, None) is None


def test_same_day_neighbour_is_not_a_conflict():
    same_day = Reading(D(2024, 3, 1), Decimal(12400))
    assert odometer_conflict(D(2024, 3, 1), Decimal(12500), same_day, None) is None


def test_message_in_miles():
    before = Reading(D(2024, 3, 1), Decimal("16093.44"))
    assert odometer_conflict(D(2024, 4, 1), Decimal("1609.344"), before, None, "mi") == (
        "Odometer 1,000 mi must be greater than 10,000 mi recorded on 2024-03-01")


def test_future_dates():
    assert future_date_problem(D(2024, 1, 2), D(2024, 1, 1)).startswith("Date 2024-01-02 is in")
    assert future_date_problem(D(2024, 1, 1), D(2024, 1, 1)) is None


def test_number_format_round_trips():
    assert format_number(10000.0) == "10000"
    assert format_number(46.730908473) == "46.730908473"
    assert format_number(72.0, min_decimals=2) == "72.00"
    assert format_number(5.833333333, 4) == "5.8333"
    assert format_number(float("nan")) == "" and format_number(None) == ""
    assert format_number(1e-7) == "0.0000001"


def test_formula_neutralisation_round_trip():
    for text in ("=1+1", "+A1", "-2", "@SUM", "\tx", "\rx"):
        assert neutralise(text).startswith("'") and restore(neutralise(text)) == text
    assert neutralise("Shell") == "Shell" and restore("'quoted") == "'quoted"


def _entries():
    return pd.DataFrame({
        "entry_id": [1, 2], "vehicle_id": [7, 7], "vehicle_name": ["Car, \"red\"", "Car, \"red\""],
        "date": pd.to_datetime(["2024-01-01", "2024-02-01"]), "odometer_km": [1000.0, 1800.0],
        "volume_l": [40.0, 42.0], "total_amount": [72.0, 77.7], "is_full": [True, True],
        "missed_previous": [False, False], "station": ["=cmd", None], "brand": [None, None],
        "grade": [None, None], "notes": ["line\nbreak", None],
    })


def test_native_csv_shape_and_parse_back():
    text = native_csv(metrics.add_derived(_entries()), "EUR")
    header, first, *_ = text.splitlines()
    assert header == ("vehicle,date,odometer_km,volume_l,total_amount,currency,unit_price_per_l,"
                      "is_full,missed_previous,station,brand,grade,notes,distance_km,"
                      "consumption_l_per_100km,cost_per_km")
    assert first.startswith('"Car, ""red""",2024-01-01,1000,40,72.00,EUR,1.8,true,false,\'=cmd')
    rows, errors = parse_native(text)
    assert errors == []
    assert [r.vehicle for r in rows] == ['Car, "red"'] * 2
    assert rows[0].station == "=cmd" and rows[0].notes == "line\nbreak"
    assert rows[1].volume_l == Decimal("42") and rows[1].total_amount == Decimal("77.70")
    assert looks_native(header.split(","))


def test_parse_flags_and_defaults():
    rows, errors = parse_native("vehicle,date,odometer_km,volume_l,total_amount,is_full\n"
                                "A,2024-01-01,1,1,1,\nA,2024-01-02,2,1,1,FALSE\n"
                                "A,2024-01-03,3,1,1,maybe\n")
    assert [r.is_full for r in rows] == [True, False]
    assert [(e.row_number, e.column) for e in errors] == [(3, "is_full")]


def test_text_that_looks_neutralised_survives_the_round_trip():
    for text in ("'=x", "''+1", "'hello", "it's", "'"):
        assert restore(neutralise(text)) == text
    assert neutralise("'=x") == "''=x"
