"""The preview and the import agree, by construction and under fuzzing: every row the
preview marks new is imported, every row it marks as an error is not, and nothing in
between raises — not even values finer than the columns' scale, control characters or
vehicle names that differ only in letter case (issue 13, item 3)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fueltracker.errors import ImportRejected
from fueltracker.importers.native import parse_native
from fueltracker.models import FuelEntry, Vehicle, to_storage
from fueltracker.services import transfer
from tests.factories import TODAY, add, fillup, make_user, make_vehicle

HEADER = [
    "vehicle",
    "date",
    "odometer_km",
    "volume_l",
    "total_amount",
    "is_full",
    "missed_previous",
    "station",
    "brand",
    "grade",
    "notes",
]

# Values at the edges: finer than the column's scale, rounding over a bound, the readings
# already stored (10000 on 2024-02-01), text the database or a spreadsheet would choke on.
VEHICLES = ["Golf", "golf", "GOLF ", "Bike", "Élan", "élan", "x" * 101, "Go\x00lf", ""]
DATES = [
    "2024-02-01",
    "2024-03-01",
    "2024-03-01",
    "2024-04-01",
    "2030-01-01",
    "1899-12-31",
    "2024-02-30",
]
ODOMETERS = [
    "10000",
    "10000.0000001",
    "1000.0000001",
    "1000.0000002",
    "12000",
    "999999999.9999999",
    "999999999.0000004",
    "-0.0000001",
    "-1",
    "1e40",
    "abc",
    "",
]
VOLUMES = [
    "40",
    "40.0000000004",
    "0.0000000001",
    "0.0000000005",
    "0",
    "2000.0000000004",
    "2000.0000000005",
    "-3",
    "NaN",
]
AMOUNTS = ["70", "100000.00004", "100000.00005", "-0.00004", "-0.00005", "1E+3"]
TEXTS = [
    None,
    "",
    "Shell",
    '=HYPERLINK("x")',
    "\tTab",
    "a\x00b",
    "\x1b[31m",
    "é" * 101,
    "x" * 21,
    "line\nbreak",
    "\r\nCRLF",
]

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(VEHICLES),
        st.sampled_from(DATES),
        st.one_of(
            st.sampled_from(ODOMETERS), st.decimals(min_value=0, max_value=20000, places=7).map(str)
        ),
        st.sampled_from(VOLUMES),
        st.sampled_from(AMOUNTS),
        st.sampled_from(["true", "false", "maybe"]),
        st.sampled_from(["", "true"]),
        st.sampled_from(TEXTS),
        st.sampled_from(TEXTS),
        st.sampled_from(TEXTS),
        st.sampled_from(TEXTS),
    ),
    min_size=1,
    max_size=12,
)


def _csv(records: list[tuple]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([["" if cell is None else cell for cell in record] for record in records])
    return buffer.getvalue()


def _stored_rows(session, user_id: int) -> set[tuple]:
    return set(
        session.execute(
            select(
                func.lower(Vehicle.name), FuelEntry.date, FuelEntry.odometer_km, FuelEntry.volume_l
            )
            .join(Vehicle, Vehicle.id == FuelEntry.vehicle_id)
            .where(FuelEntry.user_id == user_id)
        ).all()
    )


@pytest.fixture
def account(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user, "Golf")
    add(db_session, user, fillup(golf, "2024-02-01", "10000", "40", "70"))
    return user


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=rows_strategy)
def test_what_the_preview_calls_new_is_imported_and_nothing_raises(db_session, account, records):
    parsed = parse_native(_csv(records))
    rows, parse_errors = parsed.rows, parsed.errors
    savepoint = db_session.begin_nested()
    try:
        before = _stored_rows(db_session, account.id)
        preview = transfer.preview_rows(db_session, account.id, rows, today=TODAY)
        new = [item.row for item in preview.rows if item.status == transfer.NEW]
        # The Import page's "import the valid rows": every row but the errors.
        good = [item.row for item in preview.rows if item.status != transfer.ERROR]
        result = transfer.import_rows(db_session, account.id, good, today=TODAY)
        assert result.imported == len(new)
        assert result.duplicates == preview.count(transfer.DUPLICATE)
        added = _stored_rows(db_session, account.id) - before
        assert len(added) == len(new)
        # Each new row stored with its values rounded as the preview judged them.
        lower = transfer._name_keys(db_session, [row.vehicle.strip() for row in new])
        assert added == {
            (
                lower[row.vehicle.strip()],
                row.date,
                to_storage(row.odometer_km, FuelEntry.odometer_km),
                to_storage(row.volume_l, FuelEntry.volume_l),
            )
            for row in new
        }
    finally:
        savepoint.rollback()
    if not parse_errors and preview.count(transfer.ERROR) == 0:
        # The CLI imports all rows or none: a clean preview means a clean import.
        savepoint = db_session.begin_nested()
        try:
            assert transfer.import_rows(db_session, account.id, rows, today=TODAY).imported == len(
                new
            )
        finally:
            savepoint.rollback()


FINER_THAN_STORED = _csv(
    [
        ("Golf", "2024-03-01", "10500", "0.0000000001", "1", "true", "", None, None, None, None),
        ("Golf", "2024-03-02", "11000.0000001", "40", "70", "true", "", None, None, None, None),
        ("Golf", "2024-03-02", "11000.0000002", "40", "70", "true", "", None, None, None, None),
        ("Golf", "2024-03-03", "11500", "40", "70", "true", "", "Sh\x00ell", None, None, None),
        ("golf", "2024-03-04", "12000", "40", "70", "true", "", None, None, None, None),
        ("GOLF", "2024-03-04", "12000", "40", "70", "true", "", None, None, None, None),
    ]
)


def test_values_finer_than_the_columns_are_judged_as_stored(db_session, account):
    parsed = parse_native(FINER_THAN_STORED)
    rows, errors = parsed.rows, parsed.errors
    assert errors == []
    preview = transfer.preview_rows(db_session, account.id, rows, today=TODAY)
    status = {
        item.row.row_number: (item.status, item.error and item.error.column)
        for item in preview.rows
    }
    assert status == {
        1: ("error", "volume_l"),  # rounds to 0 L
        2: ("new", None),
        3: ("duplicate", None),  # 11000.000000 twice: one fill-up
        4: ("error", "station"),  # NUL
        5: ("new", None),
        6: ("duplicate", None),
    }  # golf = GOLF: one vehicle
    good = [item.row for item in preview.rows if item.status != transfer.ERROR]
    result = transfer.import_rows(db_session, account.id, good, today=TODAY)
    assert (result.imported, result.duplicates) == (2, 2)
    with pytest.raises(ImportRejected) as caught:
        transfer.import_rows(db_session, account.id, rows, today=TODAY)
    assert {e.row_number for e in caught.value.errors} == {1, 4}


def test_a_vehicle_name_the_import_cannot_create_is_a_row_error(db_session, account):
    parsed = parse_native(
        _csv(
            [
                ("x" * 101, "2024-03-01", "100", "40", "70", "true", "", None, None, None, None),
                ("Ca\x00r", "2024-03-01", "100", "40", "70", "true", "", None, None, None, None),
            ]
        )
    )
    rows, _ = parsed.rows, parsed.errors
    preview = transfer.preview_rows(db_session, account.id, rows, today=TODAY)
    assert [(item.status, item.error.column) for item in preview.rows] == [
        ("error", "vehicle"),
        ("error", "vehicle"),
    ]
    assert preview.vehicles_created == []


def test_cli_import_of_nul_and_finer_values_is_a_clean_refusal(database_url, tmp_path, unique_name):
    """No traceback from the CLI: each bad row named, exit status 1, nothing stored."""
    run = [sys.executable, "-m", "fueltracker"]
    subprocess.run(
        [*run, "create-user", unique_name, "--password-stdin"],
        input="correct horse battery\n",
        text=True,
        check=True,
        capture_output=True,
    )
    path = tmp_path / "bad.csv"
    path.write_text(FINER_THAN_STORED)
    done = subprocess.run(
        [*run, "import", unique_name, str(path)], text=True, capture_output=True, timeout=120
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr
    assert "row 1: volume_l" in done.stderr and "row 4: station" in done.stderr
    assert "control characters" in done.stderr
    done = subprocess.run(
        [*run, "export", unique_name], text=True, capture_output=True, timeout=120, check=True
    )
    assert done.stdout.count("\n") == 1  # the header only: nothing was imported


def test_reading_differing_beyond_the_scale_is_refused_as_a_duplicate_when_saved(
    db_session, account
):
    """The fill-up service compares stored values too (the form path)."""
    from fueltracker.errors import DuplicateError

    golf = next(v for v in db_session.scalars(select(Vehicle).where(Vehicle.user_id == account.id)))
    with pytest.raises(DuplicateError):
        add(db_session, account, fillup(golf, "2024-02-01", "10000.0000004", "40", "70"))
    assert Decimal("10000.0000004") != Decimal("10000")
