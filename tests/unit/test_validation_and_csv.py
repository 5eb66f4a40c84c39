"""Pure pieces of the data layer: odometer neighbours, native CSV writing and reading."""

import datetime as dt
from decimal import Decimal

import pandas as pd

from fueltracker import metrics
from fueltracker.csvsafe import neutralise, unneutralise
from fueltracker.errors import RowError
from fueltracker.export import csv_number, native_csv
from fueltracker.importers.native import looks_native, parse_native
from fueltracker.validation import Reading, future_date_problem, odometer_conflict

D = dt.date


def test_neighbours_on_other_dates_must_bracket_the_reading():
    before, after = Reading(D(2024, 3, 1), Decimal(12400)), Reading(D(2024, 5, 1), Decimal(13000))
    assert odometer_conflict(D(2024, 4, 1), Decimal(12345), before, after) == (
        "Odometer 12,345 km must be greater than 12,400 km recorded on 2024-03-01"
    )
    assert odometer_conflict(D(2024, 4, 1), Decimal(13000), before, after) == (
        "Odometer 13,000 km must be less than 13,000 km recorded on 2024-05-01"
    )
    assert odometer_conflict(D(2024, 4, 1), Decimal(12500), before, after) is None
    assert odometer_conflict(D(2024, 4, 1), Decimal(5), None, None) is None


def test_same_day_neighbour_is_not_a_conflict():
    same_day = Reading(D(2024, 3, 1), Decimal(12400))
    assert odometer_conflict(D(2024, 3, 1), Decimal(12500), same_day, None) is None


def test_message_in_miles():
    before = Reading(D(2024, 3, 1), Decimal("16093.44"))
    assert odometer_conflict(D(2024, 4, 1), Decimal("1609.344"), before, None, "mi") == (
        "Odometer 1,000 mi must be greater than 10,000 mi recorded on 2024-03-01"
    )


def test_future_dates():
    assert future_date_problem(D(2024, 1, 2), D(2024, 1, 1)).startswith("Date 2024-01-02 is in")
    assert future_date_problem(D(2024, 1, 1), D(2024, 1, 1)) is None


def test_number_format_round_trips():
    assert csv_number(10000.0) == "10000"
    assert csv_number(46.730908473) == "46.730908473"
    assert csv_number(72.0, min_decimals=2) == "72.00"
    assert csv_number(5.833333333, 4) == "5.8333"
    assert csv_number(float("nan")) == "" and csv_number(None) == ""
    assert csv_number(1e-7) == "0.0000001"


def test_formula_neutralisation_round_trip():
    for text in ("=1+1", "+A1", "-2", "@SUM", "\tx", "\rx"):
        assert neutralise(text).startswith("'") and unneutralise(neutralise(text)) == text
    assert neutralise("Shell") == "Shell" and unneutralise("'quoted") == "'quoted"


def _entries():
    return pd.DataFrame(
        {
            "entry_id": [1, 2],
            "vehicle_id": [7, 7],
            "vehicle_name": ['Car, "red"', 'Car, "red"'],
            "date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "odometer_km": [1000.0, 1800.0],
            "volume_l": [40.0, 42.0],
            "total_amount": [72.0, 77.7],
            "is_full": [True, True],
            "missed_previous": [False, False],
            "station": ["=cmd", None],
            "brand": [None, None],
            "grade": [None, None],
            "notes": ["line\nbreak", None],
        }
    )


def test_native_csv_shape_and_parse_back():
    text = native_csv(metrics.add_derived(_entries()), "EUR")
    header, first, *_ = text.splitlines()
    assert header == (
        "vehicle,date,odometer_km,volume_l,total_amount,currency,unit_price_per_l,"
        "is_full,missed_previous,station,brand,grade,notes,distance_km,"
        "consumption_l_per_100km,cost_per_km"
    )
    assert first.startswith('"Car, ""red""",2024-01-01,1000,40,72.00,EUR,1.8,true,false,\'=cmd')
    parsed = parse_native(text)
    rows, errors = parsed.rows, parsed.errors
    assert errors == []
    assert [r.vehicle for r in rows] == ['Car, "red"'] * 2
    assert rows[0].station == "=cmd" and rows[0].notes == "line\nbreak"
    assert rows[1].volume_l == Decimal("42") and rows[1].total_amount == Decimal("77.70")
    assert looks_native(header.split(","))


def test_parse_flags_and_defaults():
    parsed = parse_native(
        "vehicle,date,odometer_km,volume_l,total_amount,is_full\n"
        "A,2024-01-01,1,1,1,\nA,2024-01-02,2,1,1,FALSE\n"
        "A,2024-01-03,3,1,1,maybe\n"
    )
    rows, errors = parsed.rows, parsed.errors
    assert [r.is_full for r in rows] == [True, False]
    assert [(e.row_number, e.column) for e in errors] == [(3, "is_full")]


NATIVE_HEADER = "vehicle,date,odometer_km,volume_l,total_amount,is_full\n"


def test_native_cells_accept_what_our_files_write_and_name_the_rest():
    """Strict on purpose (our export writes ISO dates, dot decimals, true/false): what
    other apps' parsers would guess at is an error with the reason the user sees."""
    parsed = parse_native(
        NATIVE_HEADER
        + "A,2024-01-01,1e3,1_0,+1.50,Y\n"  # what Decimal and ISO read
        + "A,01/02/2024,1,1,1,\n"
        + 'A,2024-01-02,"1,000",1,1,\n'
        + "A,2024-01-03,1,inf,1,\n"
        + "A,2024-01-04,1,1,,\n"
        + "A,2024-01-05,1,1,1,Ja\n"
        + ",2024-01-06,1,1,1,\n"
    )
    [row] = parsed.rows
    assert (row.odometer_km, row.volume_l, row.total_amount, row.is_full) == (
        Decimal(1000),
        Decimal(10),
        Decimal("1.50"),
        True,
    )
    assert parsed.errors == [
        RowError(2, "date", "'01/02/2024' is not a date like 2024-03-01"),
        RowError(3, "odometer_km", "'1,000' is not a number (use a dot for decimals)"),
        RowError(4, "volume_l", "'inf' is not a number"),
        RowError(5, "total_amount", "a number is required"),
        RowError(6, "is_full", "'ja' is not true or false"),
        RowError(7, "vehicle", "a vehicle name is required"),
    ]
    assert (parsed.format, parsed.units) == ("native", {"distance": "km", "volume": "L"})


def test_native_file_level_problems_are_row_0_errors_never_exceptions():
    assert parse_native("vehicle,when\nCar,2024-01-01\n").errors == [
        RowError(
            0,
            "date, odometer_km, volume_l, total_amount",
            "required column missing from the header",
        )
    ]
    assert parse_native(b"\xff\xd8 jpeg").errors == [
        RowError(0, "file", "not a text file (binary data or not UTF-8)")
    ]
    # A header cell beyond the csv module's field limit once escaped as csv.Error.
    [error] = parse_native("x" * 200_000 + ",vehicle\n").errors
    assert (error.row_number, error.column) == (0, "file")
    assert error.reason.startswith("not a readable CSV file (line 1: field larger")
    assert parse_native(("\ufeff" + NATIVE_HEADER + "A,2024-01-01,1,1,1,\n").encode()).rows


def test_text_that_looks_neutralised_survives_the_round_trip():
    for text in ("'=x", "''+1", "'hello", "it's", "'"):
        assert unneutralise(neutralise(text)) == text
    assert neutralise("'=x") == "''=x"
