"""Backup and restore of the whole instance, on fresh databases of the test server: seeded
through the services, backed up (CLI and function), restored into another fresh database,
compared table by table, row by row; refusals leave the target untouched."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import create_engine, delete, func, inspect, select, text
from sqlalchemy.engine import make_url

from fueltracker import backup
from fueltracker.db import make_engine, session_scope
from fueltracker.migrate import upgrade_to_head
from fueltracker.models import FuelEntry, User
from fueltracker.schemas import ExpenseCreate, ReminderCreate, UserCreate
from fueltracker.services import expenses, fillups, mappings, reminders, users, vehicles
from tests.conftest import ROOT
from tests.factories import (
    PASSWORD,
    TODAY,
    WORKED_EXAMPLE,
    add,
    fillup,
    make_user,
    make_vehicle,
)

UNICODE_NAME = 'Zoë Ångström-Øre 🚗 "quoted" \\ back'
NOTES = "line one\nline two — «ünïcödé» 'quotes' {\"json\": [1]}"
MAPPING = {
    "Datum": "date",
    "Kilometerstand": "odometer_km",
    "Liter": "volume_l",
    "Betrag €": "total_amount",
}


def libpq(url: str) -> str:
    """A libpq URI for psycopg from an SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="module")
def new_database(database_url: str) -> Iterator[Callable[..., str]]:
    """Make empty databases on the test server (migrated unless asked not to); all are
    dropped at the end of the module."""
    created: list[str] = []
    admin = libpq(
        make_url(database_url).set(database="postgres").render_as_string(hide_password=False)
    )

    def make(migrated: bool = True) -> str:
        name = f"ft_backup_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
        if migrated:
            upgrade_to_head(url)
        return url

    yield make
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str) -> dict[str, int]:
    """Several accounts with vehicles, fill-ups (partial, missed, long decimals, unicode),
    an import mapping and login attempts, written through the services as the app does."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            anna = make_user(
                session,
                "anna",
                distance_unit="mi",
                volume_unit="gal_us",
                consumption_unit="mpg_us",
                currency="EUR",
                timezone="Europe/Berlin",
            )
            bob = make_user(session, "Bob.Builder")
            zoe = users.register_user(
                session,
                UserCreate(
                    username="zoe_2",
                    display_name=UNICODE_NAME,
                    email="zoe@example.org",
                    password="  spaces count too  ",
                ),
            )
            golf = make_vehicle(
                session,
                anna,
                "Golf",
                make="VW",
                year=2019,
                tank_capacity_l=Decimal("50.125"),
                fuel_type="E10",
            )
            old = make_vehicle(session, anna, "Käfer ⚙")
            for d, o, v, a, full, missed in WORKED_EXAMPLE:
                add(session, anna, fillup(golf, d, o, v, a, is_full=full, missed_previous=missed))
            add(
                session,
                anna,
                fillup(
                    old,
                    "1999-12-31",
                    "123456.789012",
                    "46.730908473",
                    "1234.5678",
                    station="Tankstelle Süd",
                    brand="Aral",
                    grade="Super Plus",
                    notes=NOTES,
                ),
            )
            gone = add(
                session, anna, fillup(old, "2000-01-02", "123999.000001", "0.000000001", "0.0001")
            )
            vehicles.set_vehicle_active(session, anna.id, old.id, False)
            truck = make_vehicle(session, bob, "Truck", kind="van")
            add(session, bob, fillup(truck, "2024-05-01", "0", "99.999999999", "0"))
            # A gap in the ids: restore must keep ids, not renumber.
            fillups.delete_fillup(session, anna.id, gone.id)
            mappings.remember_mapping(session, bob.id, list(MAPPING), MAPPING)
            # Expenses: one with a coverage period, every optional field and unicode notes;
            # one bare; one deleted (a gap in the ids again).
            expenses.create_expense(
                session,
                anna.id,
                ExpenseCreate(
                    vehicle_id=golf.id,
                    date=dt.date(2024, 1, 3),
                    category="insurance",
                    amount=Decimal("612.3456"),
                    description="Versicherung 2024 «Vollkasko»",
                    odometer_km=Decimal("10123.456789"),
                    vendor="HUK-Coburg",
                    notes=NOTES,
                    coverage_from=dt.date(2024, 1, 1),
                    coverage_to=dt.date(2024, 12, 31),
                ),
                today=TODAY,
            )
            dropped = expenses.create_expense(
                session,
                bob.id,
                ExpenseCreate(
                    vehicle_id=truck.id,
                    date=dt.date(2024, 5, 2),
                    category="fines",
                    amount=Decimal("35"),
                    description="Parking ticket",
                ),
                today=TODAY,
            )
            expenses.create_expense(
                session,
                bob.id,
                ExpenseCreate(
                    vehicle_id=truck.id,
                    date=dt.date(2024, 5, 3),
                    category="tolls",
                    amount=Decimal("0"),
                    description="Free bridge",
                ),
                today=TODAY,
            )
            expenses.delete_expense(session, bob.id, dropped.id)
            for owner, vehicle, fields in (
                (
                    anna,
                    golf,
                    {
                        "title": 'Ölwechsel ⚙ "quoted"',
                        "interval_km": Decimal("24140.16"),
                        "interval_months": 12,
                        "due_soon_km": Decimal("1609.344"),
                        "due_soon_days": 45,
                        "last_done_on": dt.date(2024, 1, 5),
                        "last_done_odometer_km": Decimal("10000.123456"),
                    },
                ),
                (anna, old, {"title": "Deleted", "interval_months": 1}),
                (bob, truck, {"title": "Inspection", "interval_months": 6}),
            ):
                made = reminders.create_reminder(
                    session, owner.id, ReminderCreate(vehicle_id=vehicle.id, **fields), today=TODAY
                )
            # A gap in the reminders' ids too.
            reminders.delete_reminder(session, anna.id, made.id - 1)
        with session_scope(engine) as session:
            assert users.sign_in(session, "anna", PASSWORD).user is not None
        with session_scope(engine) as session:
            assert users.sign_in(session, "bob.builder", "a wrong password!").user is None
        return {"anna": anna.id, "bob": bob.id, "zoe": zoe.id}
    finally:
        engine.dispose()


def table_rows(url: str) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every backed-up table, ordered by primary key, as exact reprs
    (Decimal('1.500') and Decimal('1.5') differ here), read as the owner."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TIME ZONE 'UTC'"))
            return {
                table.name: [
                    tuple(repr(value) for value in row)
                    for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in backup.backed_up_tables()
            }
    finally:
        engine.dispose()


def cli(*args: str, database_url: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"FUELTRACKER_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "fueltracker", *args],
        check=False,
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def source(new_database) -> tuple[str, dict[str, int]]:
    """A seeded instance and its account ids (not modified by the tests)."""
    url = new_database()
    return url, seed(url)


@pytest.fixture(scope="module")
def backup_file(source, tmp_path_factory) -> bytes:
    """A backup of the source instance written by the CLI (its bytes)."""
    url, _ = source
    path = tmp_path_factory.mktemp("backup") / "instance.jsonl.gz"
    result = cli("backup", "-o", str(path), database_url=url)
    assert result.returncode == 0, result.stderr
    return path.read_bytes()


def lines_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines()]


def test_cli_round_trip_restores_every_row_and_accounts_work(source, new_database, tmp_path):
    url, ids = source
    path = tmp_path / "fueltracker.jsonl.gz"
    made = cli("backup", "-o", str(path), database_url=url)
    assert made.returncode == 0, made.stderr
    assert (
        "Backed up 3 users, 3 vehicles, 8 fuel_entries, 2 login_attempts, "
        "1 import_mappings, 2 expenses, 2 reminders (schema revision"
    ) in made.stdout.decode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name != path.name]  # no temp file left

    target = new_database(migrated=False)  # restore migrates a database without schema
    restored = cli("restore", str(path), database_url=target)
    assert restored.returncode == 0, restored.stderr
    assert "Restored 3 users" in restored.stdout.decode()

    before, after = table_rows(url), table_rows(target)
    for name in before:
        assert len(before[name]) == len(after[name]) > 0, name
        assert before[name] == after[name], name

    engine = make_engine(target)
    try:
        with session_scope(engine) as session:
            signed_in = users.sign_in(session, "ANNA", PASSWORD).user
            assert signed_in is not None and signed_in.id == ids["anna"]
            assert signed_in.distance_unit == "mi" and signed_in.timezone == "Europe/Berlin"
        with session_scope(engine) as session:
            zoe = users.sign_in(session, "zoe_2", "  spaces count too  ").user
            assert zoe is not None and zoe.display_name == UNICODE_NAME
        with session_scope(engine) as session:
            assert users.sign_in(session, "zoe_2", "spaces count too").user is None
        with session_scope(engine) as session:
            assert mappings.recall_mapping(session, ids["bob"], list(MAPPING)) == MAPPING
            # New rows after a restore get fresh ids: the sequences moved past the old ones.
            newcomer = make_user(session, "newcomer")
            garage = make_vehicle(session, newcomer, "New car")
            entry = add(session, newcomer, fillup(garage, "2024-06-01", "10", "20", "30"))
        for table, new_id in (
            ("users", newcomer.id),
            ("vehicles", garage.id),
            ("fuel_entries", entry.id),
        ):
            highest = max(int(row[0]) for row in before[table])
            assert new_id == highest + 1, table
    finally:
        engine.dispose()


def test_every_database_table_is_backed_up_or_excluded_with_a_reason(source):
    url, _ = source
    engine = create_engine(url)
    try:
        in_database = set(inspect(engine).get_table_names(schema="public"))
    finally:
        engine.dispose()
    backed_up = {table.name for table in backup.backed_up_tables()}
    assert in_database == backed_up | set(backup.EXCLUDED_TABLES)
    assert not backed_up & set(backup.EXCLUDED_TABLES)
    assert all(reason.strip() for reason in backup.EXCLUDED_TABLES.values())


def test_file_format(backup_file, source):
    _, ids = source
    header, *rows, footer = lines_of(backup_file)
    assert header["format"] == "fueltracker-backup" and header["version"] == 1
    assert header["schema_revision"] == backup.code_head_revision()
    assert dt.datetime.fromisoformat(header["created_at"]).tzinfo is not None
    assert list(header["tables"]) == [t.name for t in backup.backed_up_tables()]
    assert sum(header["tables"].values()) == len(rows) == footer["rows"]
    anna = next(r["row"] for r in rows if r["table"] == "users" and r["row"]["id"] == ids["anna"])
    assert anna["password_hash"].startswith("$2") and anna["username"] == "anna"
    assert anna["created_at"].endswith("+00:00")
    long_one = next(
        r["row"] for r in rows if r["table"] == "fuel_entries" and r["row"]["notes"] == NOTES
    )
    assert (long_one["odometer_km"], long_one["volume_l"], long_one["total_amount"]) == (
        "123456.789012",
        "46.730908473",
        "1234.5678",
    )
    assert long_one["date"] == "1999-12-31"
    mapping = next(r["row"] for r in rows if r["table"] == "import_mappings")
    assert mapping["mapping"] == MAPPING


def test_restore_refuses_a_non_empty_instance_and_changes_nothing(
    backup_file, new_database, tmp_path
):
    target = new_database()
    seed_engine = make_engine(target)
    try:
        with session_scope(seed_engine) as session:
            make_user(session, "already_here")
    finally:
        seed_engine.dispose()
    before = table_rows(target)
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(backup_file)
    result = cli("restore", str(path), database_url=target)
    assert result.returncode == 1
    assert "not empty (rows in: users" in result.stderr.decode()
    assert table_rows(target) == before


def _rewrite(data: bytes, change: Callable[[list[bytes]], list[bytes]]) -> bytes:
    lines = gzip.decompress(data).splitlines(keepends=True)
    return gzip.compress(b"".join(change(lines)))


def _tamper_value(lines: list[bytes]) -> list[bytes]:
    index = next(i for i, line in enumerate(lines) if line.startswith(b'{"table":"fuel_entries"'))
    record = json.loads(lines[index])
    record["row"]["total_amount"] = "0.0000"
    lines[index] = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    return lines


def _tamper_header(lines: list[bytes]) -> list[bytes]:
    header = json.loads(lines[0])
    header["schema_revision"] = "0004"
    return [json.dumps(header).encode() + b"\n", *lines[1:]]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: _rewrite(data, _tamper_value), "checksum does not match"),
        (lambda data: _rewrite(data, lambda lines: lines[:-1]), "truncated"),
        (
            lambda data: _rewrite(data, lambda lines: lines[:-2] + lines[-1:]),
            "checksum does not match",
        ),
        (lambda data: data[: len(data) * 2 // 3], "truncated"),
        (lambda data: _rewrite(data, _tamper_header), "restore it with the Fuel Tracker version"),
        (lambda data: gzip.compress(b'{"hello": "world"}\n'), "not a Fuel Tracker backup"),
        (lambda data: b"plain text, not gzip\n", "not gzip"),
    ],
    ids=[
        "value-changed",
        "footer-missing",
        "row-missing",
        "gzip-cut",
        "other-revision",
        "foreign-json",
        "not-gzip",
    ],
)
def test_restore_rejects_a_damaged_file_and_writes_nothing(
    backup_file, new_database, tmp_path, damage, message
):
    target = new_database()
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(damage(backup_file))
    result = cli("restore", str(path), database_url=target)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr.decode()
    assert all(rows == [] for rows in table_rows(target).values())


def _resealed(lines: list[bytes]) -> list[bytes]:
    """The lines with header counts and footer checksum made to match them again."""
    header, rows = json.loads(lines[0]), lines[1:-1]
    header["tables"] = dict.fromkeys(header["tables"], 0)
    for line in rows:
        header["tables"][json.loads(line)["table"]] += 1
    body = [backup.dump_line(header), *rows]
    digest = hashlib.sha256(b"".join(body)).hexdigest()
    return [
        *body,
        backup.dump_line({"end": backup.FORMAT_NAME, "rows": len(rows), "sha256": digest}),
    ]


def test_a_row_the_database_rejects_rolls_the_whole_restore_back(
    backup_file, new_database, tmp_path
):
    # A well-formed file whose last fill-up repeats the first one's id: every other row
    # goes in first, then the duplicate key aborts the transaction.
    def duplicate_first_entry(lines: list[bytes]) -> list[bytes]:
        first = next(line for line in lines if line.startswith(b'{"table":"fuel_entries"'))
        last = max(i for i, line in enumerate(lines) if line.startswith(b'{"table":"fuel_entries"'))
        return _resealed([*lines[: last + 1], first, *lines[last + 1 :]])

    target = new_database()
    path = tmp_path / "duplicate.jsonl.gz"
    path.write_bytes(_rewrite(backup_file, duplicate_first_entry))
    result = cli("restore", str(path), database_url=target)
    assert result.returncode == 1
    assert "duplicate key value" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    assert all(rows == [] for rows in table_rows(target).values())


def test_backup_does_not_replace_a_file_unless_forced(source, tmp_path):
    url, _ = source
    path = tmp_path / "existing.jsonl.gz"
    path.write_bytes(b"precious")
    refused = cli("backup", "-o", str(path), database_url=url)
    assert refused.returncode == 1 and "already exists" in refused.stderr.decode()
    assert path.read_bytes() == b"precious"
    forced = cli("backup", "-o", str(path), "--force", database_url=url)
    assert forced.returncode == 0, forced.stderr
    assert lines_of(path.read_bytes())[0]["format"] == "fueltracker-backup"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_backup_to_stdout_and_restore_from_stdin(source, new_database):
    url, _ = source
    made = cli("backup", "-o", "-", database_url=url)
    assert made.returncode == 0, made.stderr
    assert b"Backed up 3 users" in made.stderr
    assert b'"security backup"' in made.stderr  # the log line did not land in the backup
    assert lines_of(made.stdout)[0]["format"] == "fueltracker-backup"
    target = new_database()
    restored = cli("restore", "-", database_url=target, stdin=made.stdout)
    assert restored.returncode == 0, restored.stderr
    assert table_rows(target) == table_rows(url)


def test_backup_is_one_snapshot_while_another_connection_commits(new_database):
    url = new_database()
    ids = seed(url)
    engine = backup.owner_engine(url)
    writer = create_engine(url, hide_parameters=True)
    try:
        lines = backup.iter_backup_lines(engine)
        header = json.loads(next(lines))
        first_row = next(lines)  # the snapshot is in use, a cursor is open on users
        # Another connection changes every table the backup has not finished yet.
        with writer.begin() as conn:
            conn.execute(text("SET LOCAL row_security = off"))
            late_id = conn.scalar(
                User.__table__.insert()
                .values(username="late_comer", display_name="Late", password_hash="x")
                .returning(User.id)
            )
            deleted = conn.scalar(select(func.max(FuelEntry.id)))
            conn.execute(delete(FuelEntry).where(FuelEntry.id == deleted))
            conn.execute(text("DELETE FROM login_attempts"))
        rest = list(lines)
    finally:
        engine.dispose()
    records = [json.loads(line) for line in [first_row, *rest]]
    footer, rows = records[-1], records[:-1]
    counted: dict[str, int] = {}
    for record in rows:
        counted[record["table"]] = counted.get(record["table"], 0) + 1
    assert counted == header["tables"] and footer["rows"] == len(rows)
    user_ids = {r["row"]["id"] for r in rows if r["table"] == "users"}
    assert user_ids == set(ids.values()) and late_id not in user_ids
    assert deleted in {r["row"]["id"] for r in rows if r["table"] == "fuel_entries"}
    assert counted["login_attempts"] == 2

    # The same lines, compressed, restore: the checksum covers exactly what was read.
    target = backup.owner_engine(new_database())
    try:
        summary = backup.restore(
            target,
            io.BytesIO(
                b"".join(
                    [
                        json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
                        + b"\n",
                        first_row,
                        *rest,
                    ]
                )
            ),
        )
    finally:
        target.dispose()
        writer.dispose()
    assert summary.tables == header["tables"]


def test_backup_refuses_a_login_bound_by_row_level_security(source):
    url, _ = source
    role = f"ft_nobypass_{uuid.uuid4().hex[:8]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
        bound = backup.owner_engine(
            make_url(url).set(username=role).render_as_string(hide_password=False)
        )
        with pytest.raises(backup.BackupError, match="superuser or have BYPASSRLS"):
            backup.write_backup(bound, io.BytesIO())
        bound.dispose()
    finally:
        with owner.connect() as conn:
            conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        owner.dispose()


def test_restore_refuses_a_target_at_another_revision(backup_file, new_database, tmp_path):
    target = new_database(migrated=False)
    upgrade_to_head_minus_one(target)
    path = tmp_path / "b.jsonl.gz"
    path.write_bytes(backup_file)
    result = cli("restore", str(path), database_url=target)
    assert result.returncode == 1
    assert "target database is at schema revision" in result.stderr.decode()


def upgrade_to_head_minus_one(url: str) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from fueltracker.migrate import alembic_config

    config = alembic_config(url)
    previous = (
        ScriptDirectory.from_config(config).get_revision(backup.code_head_revision()).down_revision
    )
    command.upgrade(config, previous)


def test_a_restored_decimal_keeps_its_exact_value(source, backup_file, new_database):
    target = new_database()
    restoring = backup.owner_engine(target)
    with gzip.open(io.BytesIO(backup_file)) as stream:
        backup.restore(restoring, stream)
    restoring.dispose()
    engine = create_engine(target)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET LOCAL row_security = off"))
            volumes = set(conn.scalars(select(FuelEntry.volume_l)))
    finally:
        engine.dispose()
    assert Decimal("46.730908473") in volumes and Decimal("99.999999999") in volumes
    assert {str(v) for v in volumes} >= {"46.730908473", "99.999999999", "40.000000000"}
