"""preview_rows against the real database: it says what import_rows then does (new,
already present, error with its reason) and writes nothing."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from fueltracker.errors import ImportRejected
from fueltracker.importers import ParsedRow
from fueltracker.models import FuelEntry, Vehicle
from fueltracker.services import transfer
from tests.factories import TODAY, add, fillup, make_user, make_vehicle


def _row(number, odometer, volume="40", date="2024-03-01", vehicle="Golf", **fields):
    return ParsedRow(
        row_number=number,
        vehicle=vehicle,
        date=dt.date.fromisoformat(date),
        odometer_km=Decimal(odometer),
        volume_l=Decimal(volume),
        total_amount=Decimal(70),
        **fields,
    )


def _counts(session, user_id):
    return (
        session.scalar(
            select(func.count()).select_from(FuelEntry).where(FuelEntry.user_id == user_id)
        ),
        session.scalar(select(func.count()).select_from(Vehicle).where(Vehicle.user_id == user_id)),
    )


@pytest.fixture
def account(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user, "Golf")
    add(db_session, user, fillup(golf, "2024-02-01", "10000", "40", "70"))
    return user


ROWS = [
    _row(1, "10000", date="2024-02-01"),  # already present
    _row(2, "10500"),  # new
    _row(3, "9000", date="2024-04-01"),  # odometer goes backwards
    _row(4, "11000", volume="0", date="2024-04-02"),  # no volume
    _row(5, "12000", date="2030-01-01"),  # in the future
    _row(6, "100", vehicle="New bike"),  # a vehicle to create
]


def test_preview_statuses_and_reasons(db_session, account):
    before = _counts(db_session, account.id)
    preview = transfer.preview_rows(db_session, account.id, ROWS, today=TODAY)
    assert [item.row.row_number for item in preview.rows] == [1, 2, 3, 4, 5, 6]
    assert [item.status for item in preview.rows] == [
        "duplicate",
        "new",
        "error",
        "error",
        "error",
        "new",
    ]
    errors = {item.row.row_number: item.error for item in preview.rows if item.error}
    assert errors[3].column == "odometer_km"
    assert errors[4].column == "volume_l"
    assert errors[5].column == "date"
    assert [e.row_number for e in preview.errors] == [3, 4, 5]
    assert (preview.count("new"), preview.count("duplicate"), preview.count("error")) == (2, 1, 3)
    assert preview.vehicles_created == ["New bike"]
    assert _counts(db_session, account.id) == before  # nothing written


def test_preview_matches_import_rows(db_session, account):
    preview = transfer.preview_rows(db_session, account.id, ROWS, today=TODAY)
    with pytest.raises(ImportRejected) as rejected, db_session.begin_nested():
        transfer.import_rows(db_session, account.id, ROWS, today=TODAY)
    assert rejected.value.errors == preview.errors
    good = [item.row for item in preview.rows if item.status != "error"]
    result = transfer.import_rows(db_session, account.id, good, today=TODAY)
    assert (result.imported, result.duplicates) == (
        preview.count("new"),
        preview.count("duplicate"),
    )
    assert result.vehicles_created == preview.vehicles_created
    again = transfer.preview_rows(db_session, account.id, good, today=TODAY)
    assert {item.status for item in again.rows} == {"duplicate"}
    assert transfer.import_rows(db_session, account.id, good, today=TODAY).imported == 0


def test_preview_of_vehicles_and_within_file_duplicates(db_session, account):
    rows = [
        _row(1, "500", vehicle="Van"),
        _row(2, "500", vehicle="Van"),
        _row(3, "500", volume="41", vehicle="Van"),
    ]
    vehicles = [{"name": "Van", "make": "Ford", "is_active": False}, {"name": ""}]
    preview = transfer.preview_rows(db_session, account.id, rows, vehicles=vehicles, today=TODAY)
    assert [item.status for item in preview.rows] == ["new", "duplicate", "error"]
    assert [(e.row_number, e.column.split(":")[0]) for e in preview.errors] == [
        (2, "vehicles"),
        (3, "odometer_km"),
    ]
    assert preview.vehicles_created == ["Van"]
    fixed = [dataclasses.replace(r) for r in rows[:2]]
    result = transfer.import_rows(db_session, account.id, fixed, vehicles=vehicles[:1], today=TODAY)
    assert (result.imported, result.duplicates, result.vehicles_created) == (1, 1, ["Van"])
    van = db_session.scalar(
        select(Vehicle).where(Vehicle.user_id == account.id, Vehicle.name == "Van")
    )
    assert (van.make, van.is_active) == ("Ford", False)


def test_preview_sees_only_the_callers_rows(db_session, account):
    other = make_user(db_session, "bob")
    preview = transfer.preview_rows(db_session, other.id, ROWS[:1], today=TODAY)
    assert [item.status for item in preview.rows] == ["new"]  # Alice's Golf is not Bob's
    assert preview.vehicles_created == ["Golf"]
