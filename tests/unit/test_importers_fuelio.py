"""Fuelio's sectioned backup: units from the Log header, vehicle row, skipped sections."""

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker.errors import RowError
from fueltracker.importers.common import VEHICLE as VEHICLE_NEED
from fueltracker.importers.fuelio import fuel_type_name, parse_fuelio

VEHICLE = (
    '"## Vehicle"\n'
    '"Name","Description","DistUnit","FuelUnit","ConsumptionUnit","ImportCSVDateFormat",'
    '"Make","Model","Year","Tank1Type","Tank1Capacity"\n'
    '"Diesel van","","0","1","0","yyyy-MM-dd","Ford","Transit","2015","200","20.0"\n'
)
LOG_HEADER = (
    '"## Log"\n'
    '"Data","Odo (km)","Fuel (us gallons)","Full","Price (optional)","l/100km (optional)",'
    '"latitude (optional)","longitude (optional)","City (optional)","Notes (optional)",'
    '"Missed","TankNumber","FuelType","VolumePrice","StationID (optional)",'
    '"ExcludeDistance","UniqueId","TankCalc","Weather","guid","lastupdated"\n'
)
ROWS = (
    '"2024-01-01 08:00","10000","10","1","40.00","0","","","Aral","","0","1","201","4.0",'
    '"","0","1","0","","",""\n'
    '"2024-01-10 08:00","10500.5","5","0","","0","","","","half","1","1","201","4.1",'
    '"","0","2","0","","",""\n'
    '"2024-01-20 08:00","11000","8","1","33.0","7.5","","","","","0","1","201","4.1",'
    '"","0","3","0","","",""\n'
)
TAIL = '"## Costs"\n"CostTitle","Date"\n"MOT","2024-02-08 14:57"\n'


def test_units_from_the_header_and_rows():
    parsed = parse_fuelio((VEHICLE + LOG_HEADER + ROWS + TAIL).encode())
    assert parsed.errors == []
    assert parsed.units == {"distance": "km", "volume": "gal_us", "consumption": "L/100km"}
    first, partial, _last = parsed.rows
    assert (first.vehicle, first.date, first.odometer_km) == (
        "Diesel van",
        dt.date(2024, 1, 1),
        Decimal(10000),
    )
    assert first.volume_l == Decimal("37.85411784")
    assert first.total_amount == Decimal("40.00") and first.station == "Aral"
    # A blank total is the unit price × volume (4.1 × 5 = 20.50).
    assert partial.total_amount == Decimal("20.50")
    assert partial.is_full is False and partial.missed_previous is True
    assert partial.odometer_km == Decimal("10500.5") and partial.notes == "half"
    assert parsed.source_consumption == {3: 7.5}
    assert parsed.vehicles == [
        {
            "name": "Diesel van",
            "make": "Ford",
            "model": "Transit",
            "year": 2015,
            "fuel_type": "diesel",
            "tank_capacity_l": Decimal("75.708"),
        }
    ]


def test_vehicle_option_overrides_the_name():
    parsed = parse_fuelio(VEHICLE + LOG_HEADER + ROWS, vehicle="My van")
    assert {r.vehicle for r in parsed.rows} == {"My van"}
    assert parsed.vehicles[0]["name"] == "My van"


def test_miles_imperial_gallons_and_mpg():
    header = (
        LOG_HEADER.replace("Odo (km)", "Odo (mi)")
        .replace("Fuel (us gallons)", "Fuel (imp gallons)")
        .replace("l/100km (optional)", "mpg (optional)")
    )
    parsed = parse_fuelio(VEHICLE + header + ROWS)
    assert parsed.units == {"distance": "mi", "volume": "gal_uk", "consumption": "mpg_uk"}
    assert parsed.rows[0].odometer_km == Decimal("16093.44")
    assert parsed.rows[0].volume_l == Decimal("45.4609")
    assert parsed.source_consumption[3] == pytest.approx(282.4809363 / 7.5)


def test_bad_rows():
    bad = (
        '"2024-01-30 08:00","x","8","1","33.0","0","","","","","0","1","201","4.1",'
        '"","0","4","0","","",""\n'
        '"30/30/2024","12000","8","1","33.0","0","","","","","0","1","201","4.1",'
        '"","0","5","0","","",""\n'
    )
    parsed = parse_fuelio(VEHICLE + LOG_HEADER + ROWS + bad + TAIL)
    assert len(parsed.rows) == 3
    assert parsed.errors == [
        RowError(4, "Odo (km)", "'x' is not a number (decimal mark: a dot)"),
        RowError(5, "Data", "'30/30/2024' is not a valid date"),
    ]


def test_not_a_fuelio_file():
    assert parse_fuelio("a,b\n1,2\n").errors == [
        RowError(0, "file", 'not a Fuelio backup: no "## Log" section with a header')
    ]
    unknown = parse_fuelio(VEHICLE + LOG_HEADER.replace("us gallons", "buckets") + ROWS)
    assert unknown.errors[0].row_number == 0 and "unknown units" in unknown.errors[0].reason


def test_fuel_type_codes():
    assert [fuel_type_name(c) for c in ("110", "201", "401", "-1", "999", "x")] == [
        "petrol",
        "diesel",
        "LPG",
        None,
        None,
        None,
    ]


def test_a_backup_naming_no_vehicle_needs_one():
    """The page asks for the vehicle (the result's need), the CLI lists the question."""
    unnamed = VEHICLE.replace('"Diesel van"', '""')
    parsed = parse_fuelio(unnamed + LOG_HEADER + ROWS)
    assert parsed.needs == {VEHICLE_NEED}
    assert parsed.errors == [RowError(0, "Name", "the file names no vehicle; choose one")]
    assert {r.vehicle for r in parsed.rows} == {""} and len(parsed.rows) == 3
    # Its details stay, under no name, for the vehicle the caller names.
    assert parsed.vehicles == [
        {
            "name": "",
            "make": "Ford",
            "model": "Transit",
            "year": 2015,
            "fuel_type": "diesel",
            "tank_capacity_l": Decimal("75.708"),
        }
    ]
    named = parse_fuelio(unnamed + LOG_HEADER + ROWS, vehicle="Van")
    assert (named.needs, named.errors) == (frozenset(), [])
    assert named.vehicles[0]["name"] == "Van"
