"""Pure exports: the "in my units" CSV, the data archive and reading the archive back."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import pandas as pd
import pytest

from fueltracker import metrics
from fueltracker.export import (
    ARCHIVE_README_TEXT,
    data_archive,
    native_csv,
    user_units_columns,
    user_units_csv,
    vehicles_csv,
)
from fueltracker.importers.native import (
    MAX_ARCHIVE_MEMBER_BYTES,
    parse_archive,
    parse_native,
    parse_vehicles,
)
from fueltracker.schemas import UserRead

# domain.md's worked example: date, odometer km, litres, amount, full, missed
WORKED = (
    ("2024-01-05", 10000, 40, 72.00, True, False),
    ("2024-01-20", 10500, 20, 37.00, False, False),
    ("2024-02-01", 10800, 22, 40.70, True, False),
    ("2024-02-20", 11400, 35, 63.00, True, False),
    ("2024-03-15", 12300, 30, 55.50, True, True),
    ("2024-04-02", 12900, 33, 62.70, True, False),
)

ACCOUNT = {
    "username": "bob",
    "display_name": "Bob",
    "email": "bob@example.com",
    "currency": "USD",
    "distance_unit": "mi",
    "volume_unit": "gal_us",
    "consumption_unit": "mpg_us",
    "timezone": "America/Chicago",
    "exported_at": "2024-06-30T12:00:00Z",
}


def _user(**changes) -> UserRead:
    fields = {
        "id": 1,
        "username": "bob",
        "display_name": "Bob",
        "email": None,
        "currency": "USD",
        "distance_unit": "mi",
        "volume_unit": "gal_us",
        "consumption_unit": "mpg_us",
        "timezone": "UTC",
        "data_revision": 0,
    }
    return UserRead(**(fields | changes))


def _derived(station=None, notes=None, vehicle="Example car") -> pd.DataFrame:
    n = len(WORKED)
    frame = pd.DataFrame(
        {
            "entry_id": range(1, n + 1),
            "vehicle_id": [7] * n,
            "vehicle_name": [vehicle] * n,
            "date": pd.to_datetime([w[0] for w in WORKED]),
            "odometer_km": [float(w[1]) for w in WORKED],
            "volume_l": [float(w[2]) for w in WORKED],
            "total_amount": [w[3] for w in WORKED],
            "is_full": [w[4] for w in WORKED],
            "missed_previous": [w[5] for w in WORKED],
            "station": [station] * n,
            "brand": [None] * n,
            "grade": [None] * n,
            "notes": [notes] * n,
        }
    )
    return metrics.add_derived(frame)


def _records(text):
    return list(csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- user units


def test_user_units_header_for_a_us_user():
    text = user_units_csv(_derived(), _user())
    assert text.splitlines()[0] == (
        "vehicle,date,odometer_mi,volume_gal_us,total_amount,currency,price_per_gal_us,"
        "is_full,missed_previous,station,brand,grade,notes,distance_mi,consumption_mpg_us,"
        "cost_per_mi"
    )


@pytest.mark.parametrize(
    ("prefs", "columns"),
    [
        (
            {"distance_unit": "km", "volume_unit": "L", "consumption_unit": "L/100km"},
            (
                "odometer_km",
                "volume_l",
                "price_per_l",
                "distance_km",
                "consumption_l_per_100km",
                "cost_per_km",
            ),
        ),
        (
            {"distance_unit": "km", "volume_unit": "L", "consumption_unit": "km/L"},
            (
                "odometer_km",
                "volume_l",
                "price_per_l",
                "distance_km",
                "consumption_km_per_l",
                "cost_per_km",
            ),
        ),
        (
            {"distance_unit": "mi", "volume_unit": "gal_uk", "consumption_unit": "mpg_uk"},
            (
                "odometer_mi",
                "volume_gal_uk",
                "price_per_gal_uk",
                "distance_mi",
                "consumption_mpg_uk",
                "cost_per_mi",
            ),
        ),
    ],
)
def test_user_units_column_names(prefs, columns):
    header = user_units_columns(_user(**prefs))
    assert tuple(name for name in header if name in columns) == columns


def test_user_units_worked_example_row_for_a_us_user():
    records = _records(user_units_csv(_derived(), _user()))
    assert len(records) == 6
    third = records[2]  # 10800 km, 22 L, 40.70: closes the 42 L / 800 km segment (5.25 L/100km)
    assert third["odometer_mi"] == "6710.8"  # 10800 / 1.609344
    assert third["volume_gal_us"] == "5.812"  # 22 / 3.785411784
    assert third["total_amount"] == "40.70"
    assert third["currency"] == "USD"
    assert third["price_per_gal_us"] == "7.003"  # 1.85 per L x 3.785411784, as shown
    assert third["distance_mi"] == "186.4"  # 300 km
    assert third["consumption_mpg_us"] == "44.80"  # 235.2145833 / 5.25
    assert third["cost_per_mi"] == "0.156"  # 77.70 / 800 km x 1.609344, as shown
    assert (third["is_full"], third["missed_previous"]) == ("true", "false")
    assert [r["consumption_mpg_us"] for r in records] == ["", "", "44.80", "40.32", "", "42.77"]
    assert records[0]["odometer_mi"] == "6213.7" and records[0]["distance_mi"] == ""


def test_user_units_in_metric_units_match_the_native_figures():
    user = _user(distance_unit="km", volume_unit="L", consumption_unit="km/L", currency="EUR")
    third = _records(user_units_csv(_derived(), user))[2]
    assert (third["odometer_km"], third["volume_l"], third["price_per_l"]) == (
        "10800.0",
        "22.000",
        "1.850",
    )
    assert third["consumption_km_per_l"] == "19.05" and third["currency"] == "EUR"


def test_user_units_price_as_shown_for_a_currency_without_minor_units():
    user = _user(distance_unit="km", volume_unit="L", consumption_unit="L/100km", currency="JPY")
    third = _records(user_units_csv(_derived(), user))[2]
    assert (third["total_amount"], third["price_per_l"]) == ("41", "1.9")  # 40.70, 1.85
    assert third["cost_per_km"] == "0.097"  # 77.70 / 800 km


def test_user_units_same_rows_as_native():
    derived = _derived()
    native = _records(native_csv(derived, "USD"))
    mine = _records(user_units_csv(derived, _user()))
    assert [(r["vehicle"], r["date"], r["total_amount"]) for r in native] == [
        (r["vehicle"], r["date"], r["total_amount"]) for r in mine
    ]


def test_user_units_text_cells_neutralised():
    derived = _derived(station="@SUM(A1)", notes="-5% off", vehicle="=HYPERLINK(x)")
    record = _records(user_units_csv(derived, _user()))[0]
    assert (record["vehicle"], record["station"], record["notes"]) == (
        "'=HYPERLINK(x)",
        "'@SUM(A1)",
        "'-5% off",
    )
    assert record["brand"] == ""


def test_user_units_empty_frame_is_a_header():
    text = user_units_csv(metrics.add_derived(metrics.empty_entries_frame()), _user())
    assert text == ",".join(user_units_columns(_user())) + "\n"


def test_user_units_file_is_refused_by_the_native_importer():
    user = _user(distance_unit="km", volume_unit="L", consumption_unit="L/100km")
    parsed = parse_native(user_units_csv(_derived(), user))
    rows, errors = parsed.rows, parsed.errors
    assert rows == [] and errors[0].column == "file" and "in my units" in errors[0].reason


# --------------------------------------------------------------------------- archive


FILLUPS = native_csv(_derived(station="=cmd"), "USD")
VEHICLES = vehicles_csv(
    [
        {
            "name": "=Van",
            "make": "Ford",
            "model": "Transit",
            "year": 2019,
            "fuel_type": "diesel",
            "tank_capacity_l": Decimal("80.000"),
            "is_active": True,
            "kind": "van",
        },
        {
            "name": "Old",
            "make": None,
            "model": None,
            "year": None,
            "fuel_type": None,
            "tank_capacity_l": None,
            "is_active": False,
        },
    ]
)


def _archive(**account_changes) -> bytes:
    return data_archive(FILLUPS, VEHICLES, ACCOUNT | account_changes)


def _zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_archive_members_and_content():
    data = _archive()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["fillups.csv", "vehicles.csv", "account.json", "README.txt"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
        assert archive.read("fillups.csv").decode() == FILLUPS
        assert archive.read("vehicles.csv").decode() == VEHICLES
        assert json.loads(archive.read("account.json")) == ACCOUNT
        assert archive.read("README.txt").decode() == ARCHIVE_README_TEXT
    assert "canonical" in ARCHIVE_README_TEXT and "import" in ARCHIVE_README_TEXT


def test_archive_is_deterministic():
    assert _archive() == _archive()


def test_archive_never_holds_a_password():
    data = _archive(password_hash="$2b$12$secret", password="hunter2")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        account = json.loads(archive.read("account.json"))
        assert set(account) == set(ACCOUNT)
        for name in archive.namelist():
            text = archive.read(name).decode().lower()
            assert "hunter2" not in text and "$2b$" not in text
            if name != "README.txt":  # the README says the password is not included
                assert "password" not in text


def test_parse_archive_round_trip():
    parsed = parse_archive(_archive())
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert errors == []
    assert len(rows) == 6 and rows[0].station == "=cmd"
    assert rows[2].volume_l == Decimal(22) and rows[2].total_amount == Decimal("40.70")
    # Issue 12 added the vehicle's kind to the file (a vehicle without one is a car).
    assert vehicles == [
        {
            "name": "=Van",
            "make": "Ford",
            "model": "Transit",
            "year": 2019,
            "fuel_type": "diesel",
            "tank_capacity_l": Decimal(80),
            "kind": "van",
            "is_active": True,
        },
        {
            "name": "Old",
            "make": None,
            "model": None,
            "year": None,
            "fuel_type": None,
            "tank_capacity_l": None,
            "kind": "car",
            "is_active": False,
        },
    ]


def test_vehicles_file_names_the_kind_last():
    assert VEHICLES.splitlines()[:2] == [
        "name,make,model,year,fuel_type,tank_capacity_l,is_active,kind",
        "'=Van,Ford,Transit,2019,diesel,80,true,van",
    ]


def test_a_tank_capacity_is_written_as_the_number_it_is():
    tanks = [
        {"name": "A", "tank_capacity_l": Decimal("45.250")},
        {"name": "B", "tank_capacity_l": 45.25},
        {"name": "C", "tank_capacity_l": None},
    ]
    rows = list(csv.DictReader(io.StringIO(vehicles_csv(tanks))))
    assert [row["tank_capacity_l"] for row in rows] == ["45.25", "45.25", ""]
    with pytest.raises(TypeError, match="tank_capacity_l"):
        vehicles_csv([{"name": "D", "tank_capacity_l": "45 litres"}])


def test_an_older_vehicles_file_without_kind_still_imports_as_cars():
    older = (
        "name,make,model,year,fuel_type,tank_capacity_l,is_active\n"
        "V-Strom,Suzuki,DL650,2016,petrol,20,true\n"
    )
    parsed = parse_archive(_zip({"fillups.csv": FILLUPS, "vehicles.csv": older}))
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert (len(rows), errors) == (6, [])
    assert [(v["name"], v["kind"]) for v in vehicles] == [("V-Strom", "car")]


def test_an_unknown_kind_is_an_error_of_its_row():
    text = "name,kind\nBoat,boat\n"
    vehicles, errors = parse_vehicles(text)
    assert vehicles == []
    [error] = errors
    assert (error.row_number, error.column) == (1, "kind")


def test_parse_archive_without_vehicles_file():
    parsed = parse_archive(_zip({"fillups.csv": FILLUPS}))
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert (len(rows), errors, vehicles) == (6, [], [])


def _archive_error(data: bytes) -> str:
    parsed = parse_archive(data)
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert rows == [] and vehicles == []
    [error] = errors
    assert (error.row_number, error.column) == (0, "file")
    return error.reason


def test_parse_archive_not_a_zip():
    assert _archive_error(FILLUPS.encode()) == "not a ZIP archive"
    assert _archive_error(b"") == "not a ZIP archive"


def test_parse_archive_missing_fillups():
    assert "no fillups.csv" in _archive_error(_zip({"vehicles.csv": VEHICLES}))


@pytest.mark.parametrize(
    "name", ["../fillups.csv", "/etc/passwd", "a/../../b.csv", "..\\evil.csv", "C:/evil.csv"]
)
def test_parse_archive_refuses_unsafe_names(name):
    data = _zip({"fillups.csv": FILLUPS, name: "x"})
    assert "unsafe file name" in _archive_error(data)


def test_parse_archive_refuses_an_oversized_member():
    # 20 MB of one byte deflates to a few kB: the zip-bomb shape.
    bomb = _zip({"fillups.csv": b"a" * (MAX_ARCHIVE_MEMBER_BYTES + 1)})
    assert len(bomb) < 100_000
    assert "too large" in _archive_error(bomb)


def test_parse_archive_refuses_a_member_lying_about_its_size():
    data = bytearray(_zip({"fillups.csv": FILLUPS + "x" * 5000}))
    # Shrink the declared uncompressed size in both headers: reading must still stop.
    real = len(FILLUPS) + 5000
    small = (10).to_bytes(4, "little")
    data = bytes(data).replace(real.to_bytes(4, "little"), small)
    reason = _archive_error(data)
    assert "cannot be read" in reason or "too large" in reason


def test_parse_archive_refuses_non_utf8():
    assert "not UTF-8" in _archive_error(_zip({"fillups.csv": "vehicle,date\nÉ".encode("latin-1")}))


def test_parse_archive_row_errors_name_their_file():
    bad_vehicles = (
        "name,year,tank_capacity_l,is_active\nA,nineteen,,true\nB,2020,-1,\nC,,,\nc,,,\nD,,,maybe\n"
    )
    parsed = parse_archive(_zip({"fillups.csv": FILLUPS, "vehicles.csv": bad_vehicles}))
    rows, errors, vehicles = parsed.rows, parsed.errors, parsed.vehicles
    assert len(rows) == 6 and [v["name"] for v in vehicles] == ["C"]
    assert [(e.row_number, e.column) for e in errors] == [
        (1, "vehicles.csv: year"),
        (2, "vehicles.csv: tank_capacity_l"),
        (4, "vehicles.csv: name"),
        (5, "vehicles.csv: is_active"),
    ]
    assert "appears twice" in errors[2].reason


def test_parse_vehicles_restores_text_and_defaults():
    vehicles, errors = parse_vehicles("name,make\n'=Van,'+Make\nCar,\n")
    assert errors == []
    assert [(v["name"], v["make"], v["is_active"]) for v in vehicles] == [
        ("=Van", "+Make", True),
        ("Car", None, True),
    ]
    _, errors = parse_vehicles("make\nFord\n")
    assert errors[0].reason == "required column missing from the header"
