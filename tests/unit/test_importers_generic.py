"""The generic CSV importer: a user's column mapping, units, unit price or total, bad rows."""

import datetime as dt
from decimal import Decimal

from fueltracker.importers.generic import guess_mapping, parse_generic, read_header

CSV = (
    "When,Km,Litres,Paid,Tank full,Where,Car\n"
    "2024-01-05,10000,40,72.00,yes,Shell Main St,Golf\n"
    "2024-01-20,10800,42.5,77.70,no,,Golf\n"
    "2024-01-21,500,30,50,1,,Bike\n"
)
MAPPING = {
    "date": "When",
    "odometer": "Km",
    "volume": "Litres",
    "total": "Paid",
    "full": "Tank full",
    "station": "Where",
    "vehicle": "Car",
}


def test_mapping_reads_every_mapped_field():
    parsed = parse_generic(CSV.encode(), MAPPING)
    assert parsed.errors == []
    assert parsed.format == "generic"
    first, second, third = parsed.rows
    assert (first.row_number, first.vehicle, first.date) == (1, "Golf", dt.date(2024, 1, 5))
    assert (first.odometer_km, first.volume_l, first.total_amount) == (
        Decimal(10000),
        Decimal(40),
        Decimal("72.00"),
    )
    assert first.station == "Shell Main St" and first.is_full
    assert not second.is_full and second.station is None
    assert third.vehicle == "Bike"
    assert [v["name"] for v in parsed.vehicles] == ["Golf", "Bike"]
    assert parsed.units == {"distance": "km", "volume": "L"}


def test_rows_without_vehicle_column_get_the_given_name():
    mapping = {k: v for k, v in MAPPING.items() if k != "vehicle"}
    parsed = parse_generic(CSV, mapping, vehicle="Van")
    assert {row.vehicle for row in parsed.rows} == {"Van"}


def test_units_are_converted_to_km_and_litres():
    parsed = parse_generic(CSV, MAPPING, distance_unit="mi", volume_unit="gal_us")
    first = parsed.rows[0]
    assert first.odometer_km == Decimal("16093.440000")
    assert first.volume_l == Decimal("151.416471360")
    assert parsed.units == {"distance": "mi", "volume": "gal_us"}


def test_unknown_units_are_a_file_error():
    parsed = parse_generic(CSV, MAPPING, distance_unit="furlong")
    assert [(e.row_number, e.column) for e in parsed.errors] == [(0, "units")]


def test_unit_price_gives_the_total_and_a_total_wins():
    text = "date,odo,vol,price\n2024-01-05,100,40,1.799\n2024-01-06,200,10,\n"
    mapping = {"date": "date", "odometer": "odo", "volume": "vol", "unit_price": "price"}
    parsed = parse_generic(text, mapping)
    assert parsed.rows[0].total_amount == Decimal("71.96")  # 40 × 1.799, to the cent
    assert [(e.row_number, e.column) for e in parsed.errors] == [(2, "price")]
    assert "total or a unit price" in parsed.errors[0].reason
    text = "date,odo,vol,price,total\n2024-01-05,100,40,1.799,70\n"
    parsed = parse_generic(text, mapping | {"total": "total"})
    assert parsed.rows[0].total_amount == Decimal(70)


def test_bad_rows_are_row_errors_and_good_rows_stay():
    text = (
        "When,Km,Litres,Paid\n"
        "2024-01-05,10000,40,72\n"
        "yesterday,10100,40,72\n"
        "2024-01-07,lots,40,72\n"
        "2024-01-08,10300,40,72\n"
    )
    parsed = parse_generic(
        text, {"date": "When", "odometer": "Km", "volume": "Litres", "total": "Paid"}
    )
    assert [row.row_number for row in parsed.rows] == [1, 4]
    assert [(e.row_number, e.column) for e in parsed.errors] == [(2, "When"), (3, "Km")]
    assert "not a date" in parsed.errors[0].reason


def test_missing_mapping_and_unknown_column_are_file_errors():
    parsed = parse_generic(CSV, {"date": "When", "odometer": "Km"})
    assert [(e.row_number, e.column) for e in parsed.errors] == [(0, "mapping")]
    assert "volume" in parsed.errors[0].reason and "total or unit_price" in parsed.errors[0].reason
    parsed = parse_generic(CSV, MAPPING | {"notes": "Comment"})
    assert "no column Comment" in parsed.errors[0].reason
    assert parse_generic(CSV, MAPPING | {"colour": "Car"}).errors[0].column == "mapping"


def test_binary_file_is_rejected():
    parsed = parse_generic(b"\x89PNG\r\n\x1a\n\x00\x00", MAPPING)
    assert parsed.rows == [] and parsed.errors[0].row_number == 0
    assert read_header(b"\x00\x01") is None


def test_decimal_comma_and_date_order_inferred_or_asked():
    text = "date;odo;vol;total\n13/01/2024;1.234,5;40,5;72,10\n"
    mapping = {"date": "date", "odometer": "odo", "volume": "vol", "total": "total"}
    row = parse_generic(text, mapping).rows[0]
    assert (row.date, row.odometer_km, row.volume_l) == (
        dt.date(2024, 1, 13),
        Decimal("1234.5"),
        Decimal("40.5"),
    )
    ambiguous = 'date,odo,vol,total\n03/04/2024,100,"1,509",72\n'
    parsed = parse_generic(ambiguous, mapping)
    reasons = " ".join(e.reason for e in parsed.errors)
    assert {e.row_number for e in parsed.errors} == {0}
    assert "decimal mark" in reasons and "day/month order" in reasons
    row = parse_generic(ambiguous, mapping, day_first=True, decimal_comma=False).rows[0]
    assert (row.date, row.volume_l) == (dt.date(2024, 4, 3), Decimal(1509))


def test_guess_mapping_from_header_names():
    header = read_header(CSV)
    assert header[0] == "When"
    guessed = guess_mapping(["Date", "Odometer", "Litres", "Cost", "Notes", "Vehicle"])
    assert guessed == {
        "date": "Date",
        "odometer": "Odometer",
        "volume": "Litres",
        "total": "Cost",
        "notes": "Notes",
        "vehicle": "Vehicle",
    }
