"""The backup file format without a database: value codecs, table order, and the reader's
checks (header, order, counts, checksum, truncation) on hand-made streams."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import Column, DateTime, Integer, Interval, LargeBinary, MetaData, Table
from sqlalchemy.dialects.postgresql import ARRAY

from fueltracker import backup
from fueltracker.models import FuelEntry, ImportMapping, User

ENTRY_ROW = {
    "id": 7,
    "user_id": 1,
    "vehicle_id": 2,
    "date": dt.date(1999, 12, 31),
    "odometer_km": Decimal("123456.789012"),
    "volume_l": Decimal("0E-9"),
    "total_amount": Decimal("12.5000"),
    "station": "Süd «ö»",
    "brand": None,
    "grade": None,
    "notes": 'two\nlines "quoted"',
    "is_full": False,
    "missed_previous": True,
    "created_at": dt.datetime(
        2024, 3, 31, 2, 30, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))
    ),
    "updated_at": dt.datetime(2024, 3, 31, 0, 30, 0, 123456, tzinfo=dt.UTC),
}


def test_every_model_column_has_a_codec():
    for table in backup.backed_up_tables():
        assert list(backup.table_codecs(table)) == [c.name for c in table.columns]


def test_fill_up_row_round_trips_exactly():
    codecs = backup.table_codecs(FuelEntry.__table__)
    encoded = backup.encode_row(codecs, ENTRY_ROW)
    through_json = json.loads(backup.dump_line(encoded))
    assert through_json["odometer_km"] == "123456.789012"
    assert through_json["volume_l"] == "0.000000000"  # fixed point, scale kept
    assert through_json["total_amount"] == "12.5000"
    assert through_json["created_at"] == "2024-03-31T00:30:00.123456+00:00"  # in UTC
    decoded = backup.decode_row(codecs, through_json)
    assert decoded == ENTRY_ROW
    for name in ("odometer_km", "volume_l", "total_amount"):
        assert str(decoded[name]) == str(ENTRY_ROW[name])  # the same digits, not only value
    assert decoded["created_at"].utcoffset() == dt.timedelta(0)


def test_json_and_bytes_and_naive_timestamps_round_trip():
    table = Table(
        "t",
        MetaData(),
        Column("blob", LargeBinary),
        Column("seen", DateTime(timezone=False)),
        Column("mapping", ImportMapping.__table__.c.mapping.type),
    )
    codecs = backup.table_codecs(table)
    row = {
        "blob": bytes(range(256)),
        "seen": dt.datetime(2020, 2, 29, 23, 59, 59),
        "mapping": {"Betrag €": "total_amount", "nested": [1, 2.5, None, True]},
    }
    assert (
        backup.decode_row(codecs, json.loads(backup.dump_line(backup.encode_row(codecs, row))))
        == row
    )


def test_naive_value_in_a_time_zone_column_is_refused():
    codecs = backup.table_codecs(User.__table__)
    with pytest.raises(backup.BackupError, match="without an offset"):
        codecs["created_at"].encode(dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("column_type", [Interval(), ARRAY(Integer())])
def test_a_column_type_without_codec_stops_the_backup(column_type):
    table = Table("future", MetaData(), Column("value", column_type))
    with pytest.raises(backup.BackupError, match="future.value: no backup encoding"):
        backup.table_codecs(table)


def test_decode_refuses_other_columns():
    codecs = backup.table_codecs(ImportMapping.__table__)
    row = {
        "id": 1,
        "user_id": 1,
        "header_key": "k",
        "mapping": {},
        "updated_at": "2024-01-01T00:00:00+00:00",
    }
    assert backup.decode_row(codecs, row)["id"] == 1
    with pytest.raises(backup.BackupError, match=r"missing \['mapping'\]"):
        backup.decode_row(codecs, {k: v for k, v in row.items() if k != "mapping"})
    with pytest.raises(backup.BackupError, match=r"unexpected \['extra'\]"):
        backup.decode_row(codecs, row | {"extra": 1})


def test_tables_come_parents_first_in_a_stable_order():
    names = [table.name for table in backup.backed_up_tables()]
    assert names == [
        "users",
        "vehicles",
        "fuel_entries",
        "login_attempts",
        "import_mappings",
        "expenses",
        "reminders",
    ]
    position = {name: index for index, name in enumerate(names)}
    for table in backup.backed_up_tables():
        for key in table.foreign_keys:
            assert position[key.column.table.name] < position[table.name]


# ----------------------------------------------------------------- the reader, on made streams

USER = {
    "id": 1,
    "username": "anna",
    "display_name": "Anna",
    "email": None,
    "password_hash": "$2b$12$abc",
    "currency": "EUR",
    "distance_unit": "km",
    "volume_unit": "L",
    "consumption_unit": "L/100km",
    "timezone": "UTC",
    "data_revision": 3,
    "sessions_valid_after": "2024-01-01T00:00:00+00:00",
    "created_at": "2024-01-01T00:00:00+00:00",
    "updated_at": "2024-01-01T00:00:00+00:00",
}
VEHICLE = {
    "id": 2,
    "user_id": 1,
    "name": "Golf",
    "make": None,
    "model": None,
    "year": None,
    "fuel_type": None,
    "tank_capacity_l": "50.000",
    "kind": "motorbike",
    "is_active": True,
    "created_at": "2024-01-01T00:00:00+00:00",
    "updated_at": "2024-01-01T00:00:00+00:00",
}


def made_stream(
    rows: list[tuple[str, dict]],
    *,
    counts: dict[str, int] | None = None,
    revision: str | None = None,
    footer: bool = True,
    change=lambda lines: lines,
) -> io.BytesIO:
    tables = {t.name: 0 for t in backup.backed_up_tables()}
    for name, _ in rows:
        tables[name] += 1
    header = backup.dump_line(
        {
            "format": backup.FORMAT_NAME,
            "version": backup.FORMAT_VERSION,
            "schema_revision": revision or backup.code_head_revision(),
            "created_at": "2024-01-01T00:00:00+00:00",
            "tables": counts or tables,
        }
    )
    lines = [header] + [backup.dump_line({"table": n, "row": r}) for n, r in rows]
    digest = hashlib.sha256(b"".join(lines)).hexdigest()
    if footer:
        lines.append(
            backup.dump_line({"end": backup.FORMAT_NAME, "rows": len(rows), "sha256": digest})
        )
    return io.BytesIO(b"".join(change(lines)))


def read_all(stream: io.BytesIO) -> list[tuple[str, list[dict]]]:
    _, batches = backup.iter_restore_batches(stream)
    return [(table.name, batch) for table, batch in batches]


def test_reader_yields_decoded_batches_of_a_valid_stream():
    read = read_all(made_stream([("users", USER), ("vehicles", VEHICLE)]))
    assert [name for name, _ in read] == ["users", "vehicles"]
    assert read[1][1][0]["tank_capacity_l"] == Decimal("50.000")
    assert read[0][1][0]["created_at"] == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_reader_batches_large_tables():
    users = [
        ("users", USER | {"id": n, "username": f"user{n}"}) for n in range(1, backup.BATCH_ROWS + 2)
    ]
    sizes = [len(batch) for _, batch in read_all(made_stream(users))]
    assert sizes == [backup.BATCH_ROWS, 1]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: made_stream([("users", USER)], footer=False), "truncated"),
        (
            lambda: made_stream(
                [("users", USER), ("users", USER | {"id": 5, "username": "bob"})],
                change=lambda lines: [lines[0], lines[2], lines[1], lines[3]],
            ),
            "checksum does not match",
        ),
        (
            lambda: made_stream([("vehicles", VEHICLE), ("users", USER)]),
            "users rows after vehicles",
        ),
        # Every table of the schema counted, users wrongly (the list follows the models).
        (
            lambda: made_stream(
                [("users", USER)],
                counts={t.name: 2 if t.name == "users" else 0 for t in backup.backed_up_tables()},
            ),
            "row counts",
        ),
        (
            lambda: made_stream([("users", USER)], change=lambda lines: [*lines, b'{"more":1}\n']),
            "data after the final line",
        ),
        (
            lambda: made_stream([("users", USER)], revision="0001"),
            "restore it with the Fuel Tracker version whose newest migration is 0001",
        ),
        (
            lambda: made_stream([("users", USER | {"created_at": "yesterday"})]),
            "a value of users is invalid",
        ),
        (
            lambda: made_stream(
                [("users", USER)],
                change=lambda lines: [lines[0], b'{"table":"secrets","row":{}}\n'],
            ),
            "not a row of a known table",
        ),
        (
            lambda: made_stream([("users", USER)], change=lambda lines: [lines[0], b"{oops\n"]),
            "line 2 is not valid JSON",
        ),
        (lambda: io.BytesIO(b""), "empty"),
    ],
    ids=[
        "no-footer",
        "reordered",
        "children-first",
        "header-counts",
        "trailing-data",
        "old-revision",
        "bad-value",
        "unknown-table",
        "bad-json",
        "empty",
    ],
)
def test_reader_refuses_damaged_streams(make, message):
    with pytest.raises(backup.BackupError, match=message):
        read_all(make())
