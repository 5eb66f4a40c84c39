"""Native CSV export and import against the real database (formats.md)."""

import csv
import io

import pytest
from sqlalchemy import delete

from fueltracker.errors import ImportRejected, NotFoundError
from fueltracker.importers.native import parse_native
from fueltracker.models import FuelEntry
from fueltracker.services import transfer
from tests.factories import TODAY, WORKED_EXAMPLE_CSV, make_user, make_vehicle


def _import(session, user, text, **kwargs):
    parsed = parse_native(text)
    rows, errors = parsed.rows, parsed.errors
    assert errors == []
    return transfer.import_rows(session, user.id, rows, today=TODAY, **kwargs)


def _records(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_worked_example_round_trip_figures(db_session):
    user = make_user(db_session)
    result = _import(db_session, user, WORKED_EXAMPLE_CSV)
    assert (result.imported, result.vehicles_created) == (6, ["Example car"])
    records = _records(transfer.export_native(db_session, user.id))
    assert [r["consumption_l_per_100km"] for r in records] == ["", "", "5.25", "5.8333", "", "5.5"]
    assert records[0]["currency"] == "USD"
    assert records[2]["cost_per_km"] == "0.0971"  # (37.00 + 40.70) / 800


def test_export_delete_import_export_is_identical(db_session):
    user = make_user(db_session)
    car = make_vehicle(db_session, user, "=HYPERLINK(evil)")
    text = WORKED_EXAMPLE_CSV.replace("Example car", car.name.replace('"', '""'))
    text = text.replace(",true,false\n", ",true,false\n", 1)
    _import(db_session, user, text)
    first = transfer.export_native(db_session, user.id)
    assert "'=HYPERLINK(evil)" in first  # neutralised for spreadsheets
    db_session.execute(delete(FuelEntry).where(FuelEntry.user_id == user.id))
    _import(db_session, user, first)
    assert transfer.export_native(db_session, user.id) == first


def test_formula_cells_neutralised_and_restored(db_session):
    user = make_user(db_session)
    text = (
        "vehicle,date,odometer_km,volume_l,total_amount,notes,station\n"
        "Car,2024-01-01,100,10,15,=1+2,@SUM(A1)\n"
    )
    _import(db_session, user, text)
    exported = transfer.export_native(db_session, user.id)
    record = _records(exported)[0]
    assert (record["notes"], record["station"]) == ("'=1+2", "'@SUM(A1)")
    parsed = parse_native(exported)
    rows, _ = parsed.rows, parsed.errors
    assert (rows[0].notes, rows[0].station) == ("=1+2", "@SUM(A1)")


def test_same_file_twice_adds_nothing(db_session):
    user = make_user(db_session)
    _import(db_session, user, WORKED_EXAMPLE_CSV)
    again = _import(db_session, user, WORKED_EXAMPLE_CSV)
    assert (again.imported, again.duplicates) == (0, 6)


def test_all_or_nothing_with_row_errors(db_session):
    user = make_user(db_session)
    bad = WORKED_EXAMPLE_CSV + "Example car,2024-05-01,11000,30,50,true,false\n"
    rows = parse_native(bad).rows
    with pytest.raises(ImportRejected) as caught:
        transfer.import_rows(db_session, user.id, rows, today=TODAY)
    [error] = caught.value.errors
    assert error.row_number == 7 and error.column == "odometer_km"
    assert "must be greater than 12,900 km recorded on 2024-04-02" in error.reason
    assert _records(transfer.export_native(db_session, user.id)) == []


def test_parse_errors_name_row_and_column():
    parsed = parse_native(
        "vehicle,date,odometer_km,volume_l,total_amount\n"
        "Car,01/02/2024,100,10,15\nCar,2024-01-03,1,1O,1\n"
    )
    rows, errors = parsed.rows, parsed.errors
    assert rows == []
    assert [(e.row_number, e.column) for e in errors] == [(1, "date"), (2, "volume_l")]
    parsed = parse_native("vehicle,when\nCar,2024-01-01\n")
    _, errors = parsed.rows, parsed.errors
    assert errors[0].reason == "required column missing from the header"


def test_other_currency_is_a_warning(db_session):
    user = make_user(db_session)
    text = "vehicle,date,odometer_km,volume_l,total_amount,currency\nCar,2024-01-01,1,1,1,EUR\n"
    result = _import(db_session, user, text)
    assert result.imported == 1 and "EUR" in result.warnings[0]


def test_vehicle_option_targets_an_existing_vehicle(db_session):
    user = make_user(db_session)
    make_vehicle(db_session, user, "Bike")
    result = _import(db_session, user, WORKED_EXAMPLE_CSV, vehicle_name="Bike")
    assert result.imported == 6 and result.vehicles_created == []
    with pytest.raises(NotFoundError):
        _import(db_session, user, WORKED_EXAMPLE_CSV, vehicle_name="Nope")
