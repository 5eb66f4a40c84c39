"""The "download all my data" archive against the real database: export, wipe, re-import."""

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from fueltracker.errors import ImportRejected, NotFoundError
from fueltracker.importers.native import parse_archive
from fueltracker.models import FuelEntry, Vehicle
from fueltracker.schemas import ExpenseCreate
from fueltracker.services import expenses, transfer
from fueltracker.services.vehicles import list_vehicles, set_vehicle_active
from tests.factories import TODAY, add, fillup, make_user, make_vehicle

NOW = dt.datetime(2024, 6, 30, 12, 0, tzinfo=dt.UTC)


def _members(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def _records(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _account_with_history(session):
    user = make_user(
        session, "carol", distance_unit="mi", volume_unit="gal_us", consumption_unit="mpg_us"
    )
    van = make_vehicle(
        session,
        user,
        "=Van",
        make="Ford",
        model="Transit",
        year=2019,
        fuel_type="diesel",
        tank_capacity_l=Decimal("80.5"),
        kind="van",
    )
    old = make_vehicle(
        session,
        user,
        "Old Golf",
        make="VW",
        model="Golf",
        year=2004,
        fuel_type="petrol",
        tank_capacity_l=Decimal(55),
    )
    make_vehicle(session, user, "Spare")  # no fill-ups: only vehicles.csv knows it
    add(
        session,
        user,
        fillup(van, "2024-01-05", "10000", "40", "72.00", station="=1+2", notes="+loyalty points"),
    )
    add(
        session,
        user,
        fillup(
            van,
            "2024-01-20",
            "10500",
            "20",
            "37.00",
            is_full=False,
            station="@SUM(A1)",
            notes="-5% off",
        ),
    )
    # 12.345 US gal typed by the user: litres with 9 decimals must survive the trip.
    add(
        session,
        user,
        fillup(
            van,
            "2024-02-01",
            "10800",
            "46.730908473",
            "40.70",
            station="Shell",
            brand="Shell",
            grade="V-Power",
            notes='=HYPERLINK("http://evil")',
        ),
    )
    add(session, user, fillup(old, "2023-05-01", "150000.5", "45", "80.10"))
    add(
        session,
        user,
        fillup(
            old,
            "2023-06-01",
            "150600",
            "41.25",
            "75.00",
            missed_previous=True,
            notes='line\nbreak, "quoted"',
        ),
    )
    set_vehicle_active(session, user.id, old.id, False)
    return user


def _wipe(session, user_id):
    session.execute(delete(FuelEntry).where(FuelEntry.user_id == user_id))
    session.execute(delete(Vehicle).where(Vehicle.user_id == user_id))


def test_archive_export_wipe_import_export_is_identical(db_session):
    user = _account_with_history(db_session)
    first = transfer.export_archive(db_session, user.id, now=NOW)
    before = _members(first)
    assert list(before) == [
        "fillups.csv",
        "vehicles.csv",
        "expenses.csv",
        "reminders.csv",
        "account.json",
        "README.txt",
    ]

    _wipe(db_session, user.id)
    assert list_vehicles(db_session, user.id) == []
    parsed = parse_archive(first)
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert errors == []
    result = transfer.import_rows(db_session, user.id, rows, vehicles=vehicles, today=TODAY)
    assert result.imported == 5 and result.duplicates == 0
    assert sorted(result.vehicles_created) == ["=Van", "Old Golf", "Spare"]

    second = _members(transfer.export_archive(db_session, user.id, now=NOW + dt.timedelta(hours=1)))
    assert second["fillups.csv"] == before["fillups.csv"]
    assert second["vehicles.csv"] == before["vehicles.csv"]
    assert second["README.txt"] == before["README.txt"]
    account_before, account_after = (json.loads(m["account.json"]) for m in (before, second))
    assert account_before.pop("exported_at") == "2024-06-30T12:00:00Z"
    assert account_after.pop("exported_at") == "2024-06-30T13:00:00Z"
    assert account_before == account_after


def test_archive_restores_vehicle_details_and_archived_state(db_session):
    user = _account_with_history(db_session)
    data = transfer.export_archive(db_session, user.id, now=NOW)
    _wipe(db_session, user.id)
    parsed = parse_archive(data)
    rows, _, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    transfer.import_rows(db_session, user.id, rows, vehicles=vehicles, today=TODAY)
    restored = {v.name: v for v in list_vehicles(db_session, user.id)}
    van, old = restored["=Van"], restored["Old Golf"]
    assert (van.make, van.model, van.year, van.fuel_type, van.tank_capacity_l, van.is_active) == (
        "Ford",
        "Transit",
        2019,
        "diesel",
        Decimal("80.5"),
        True,
    )
    assert (van.kind, old.kind) == ("van", "car")  # the kind travels in vehicles.csv
    assert (old.year, old.tank_capacity_l, old.is_active) == (2004, Decimal(55), False)
    assert restored["Spare"].is_active and restored["Spare"].make is None
    volume = db_session.scalar(
        select(FuelEntry.volume_l).where(
            FuelEntry.user_id == user.id, FuelEntry.odometer_km == Decimal(10800)
        )
    )
    assert volume == Decimal("46.730908473")


def test_formula_cells_neutralised_in_files_and_restored_in_database(db_session):
    user = _account_with_history(db_session)
    data = transfer.export_archive(db_session, user.id, now=NOW)
    files = _members(data)
    fill_records = _records(files["fillups.csv"])
    assert {r["vehicle"] for r in fill_records} == {"'=Van", "Old Golf"}
    van_rows = [r for r in fill_records if r["vehicle"] == "'=Van"]
    assert [(r["station"], r["notes"]) for r in van_rows] == [
        ("'=1+2", "'+loyalty points"),
        ("'@SUM(A1)", "'-5% off"),
        ("Shell", '\'=HYPERLINK("http://evil")'),
    ]
    assert van_rows[2]["grade"] == "V-Power"  # a '-' inside a cell is left alone
    vehicle_records = _records(files["vehicles.csv"])
    assert [r["name"] for r in vehicle_records] == ["'=Van", "Spare", "Old Golf"]

    _wipe(db_session, user.id)
    parsed = parse_archive(data)
    rows, _, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    transfer.import_rows(db_session, user.id, rows, vehicles=vehicles, today=TODAY)
    names = set(db_session.scalars(select(Vehicle.name).where(Vehicle.user_id == user.id)))
    assert names == {"=Van", "Old Golf", "Spare"}
    stored = db_session.execute(
        select(FuelEntry.station, FuelEntry.notes)
        .where(FuelEntry.user_id == user.id)
        .order_by(FuelEntry.date)
    ).all()
    assert [tuple(r) for r in stored] == [
        (None, None),
        (None, 'line\nbreak, "quoted"'),
        ("=1+2", "+loyalty points"),
        ("@SUM(A1)", "-5% off"),
        ("Shell", '=HYPERLINK("http://evil")'),
    ]


def test_account_json_has_preferences_and_no_password(db_session):
    user = _account_with_history(db_session)
    data = transfer.export_archive(db_session, user.id, now=NOW)
    account = json.loads(_members(data)["account.json"])
    assert account == {
        "username": "carol",
        "display_name": "Carol",
        "email": None,
        "currency": "USD",
        "distance_unit": "mi",
        "volume_unit": "gal_us",
        "consumption_unit": "mpg_us",
        "timezone": "UTC",
        "exported_at": "2024-06-30T12:00:00Z",
    }
    assert b"$2b$" not in data and b"$2a$" not in data
    for name, text in _members(data).items():
        assert "$2b$" not in text and (name == "README.txt" or "password" not in text.lower())


def test_importing_the_archive_twice_adds_nothing_and_keeps_existing_vehicles(db_session):
    user = _account_with_history(db_session)
    data = transfer.export_archive(db_session, user.id, now=NOW)
    parsed = parse_archive(data)
    rows, _, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    result = transfer.import_rows(db_session, user.id, rows, vehicles=vehicles, today=TODAY)
    assert (result.imported, result.duplicates, result.vehicles_created) == (0, 5, [])


def test_existing_vehicle_left_as_it_is(db_session):
    user = make_user(db_session)
    make_vehicle(db_session, user, "Van", make="Mine")
    vehicles = [
        {"name": "van", "make": "Theirs", "is_active": False},
        {"name": "New", "year": 2020, "is_active": False},
    ]
    result = transfer.import_rows(db_session, user.id, [], vehicles=vehicles, today=TODAY)
    assert result.vehicles_created == ["New"]
    listed = {v.name: v for v in list_vehicles(db_session, user.id)}
    assert (listed["Van"].make, listed["Van"].is_active) == ("Mine", True)
    assert (listed["New"].year, listed["New"].is_active) == (2020, False)


def test_bad_vehicle_rejects_the_import(db_session):
    user = make_user(db_session)
    with pytest.raises(ImportRejected) as caught:
        transfer.import_rows(
            db_session, user.id, [], vehicles=[{"name": "X", "year": 1700}], today=TODAY
        )
    [error] = caught.value.errors
    assert (error.row_number, error.column) == (1, "vehicles: year")
    assert list_vehicles(db_session, user.id) == []


def test_export_archive_unknown_user(db_session):
    with pytest.raises(NotFoundError):
        transfer.export_archive(db_session, 987654321)


def test_archive_holds_the_expenses_canonical(db_session):
    user = _account_with_history(db_session)
    van = next(v for v in list_vehicles(db_session, user.id) if v.name == "=Van")
    expenses.create_expense(
        db_session,
        user.id,
        ExpenseCreate(
            vehicle_id=van.id,
            date=dt.date(2024, 1, 2),
            category="insurance",
            amount=Decimal("612.3456"),
            description="=Yearly insurance",
            vendor="HUK",
            odometer_km=Decimal("10001.5"),
            coverage_from=dt.date(2024, 1, 1),
            coverage_to=dt.date(2024, 12, 31),
        ),
        today=TODAY,
    )
    expenses.create_expense(
        db_session,
        user.id,
        ExpenseCreate(
            vehicle_id=van.id,
            date=dt.date(2023, 12, 1),
            category="parking",
            amount=Decimal("3"),
            description="Car park",
        ),
        today=TODAY,
    )
    member = _members(transfer.export_archive(db_session, user.id, now=NOW))["expenses.csv"]
    assert member.splitlines() == [
        "vehicle,date,category,description,amount,currency,odometer_km,vendor,notes,"
        "coverage_from,coverage_to",
        "'=Van,2023-12-01,parking,Car park,3.00,USD,,,,,",
        "'=Van,2024-01-02,insurance,'=Yearly insurance,612.3456,USD,10001.5,HUK,,"
        "2024-01-01,2024-12-31",
    ]
    # Still our archive: it reads back, fill-ups and vehicles as before.
    parsed = parse_archive(transfer.export_archive(db_session, user.id, now=NOW))
    assert parsed.errors == [] and len(parsed.rows) == 5
