"""Backup and restore of the whole instance: every account (with its password hash), vehicle,
fill-up, expense, import mapping and login attempt, as one gzip-compressed JSON Lines file
(CLI `backup` / `restore`; the format is described in docs/backup.md).

Why it looks like this:

- The app's engine works as `fueltracker_app`, which row-level security limits to one user.
  Backup and restore use their own engine on the configured URL without that `SET ROLE`,
  and `SET row_security = off` in their transaction: PostgreSQL then raises an error
  instead of silently hiding rows when the login is bound by the policies (FORCE ROW LEVEL
  SECURITY binds even the tables' owner), so a backup can never be quietly partial. The
  login must be a superuser or have BYPASSRLS (the embedded login is a superuser; the
  docker compose stack has `fueltracker_backup`, given as FUELTRACKER_BACKUP_DATABASE_URL);
  `check_privileges` says so in plain words first.
- One point in time: every table is read in a single `REPEATABLE READ READ ONLY`
  transaction (one snapshot, taken by its first statement), while the app keeps writing;
  it takes only ACCESS SHARE locks, which block no read or write of the app. Rows are
  streamed table by table with a server-side cursor and written as they come, so memory
  does not grow with the instance.
- The tables are those of `Base.metadata` in foreign-key order (backed_up_tables), so a new
  model is backed up without touching this file; tables of the database that are no model
  must be listed in EXCLUDED_TABLES with a reason (a test compares both lists with the
  database). Values are encoded by column type (`codec_for`), losslessly; a column type
  without a codec stops the backup rather than writing something that would not come back.
- The file records the Alembic revision of its schema. Restore accepts only the code's own
  head revision: to restore an older file, restore it with the Fuel Tracker version that
  wrote it, then upgrade (`python -m fueltracker migrate`).
- Restore runs in ONE transaction on an empty, migrated database: it locks the tables,
  checks that every backed-up table is empty, COPYs batches keeping the original ids (for
  a million fill-ups 45 s, against 198 s with batched INSERTs; docs/backup.md),
  verifies the row counts and the SHA-256 of the file before committing, then moves every
  id sequence past the restored ids. Any error rolls everything back: nothing is ever
  half-restored. (A database without any schema is first migrated to head; that happens
  before, in its own transaction, and leaves an empty instance if the restore then fails.)
- The file is written to a temporary file beside the target, with mode 0600 (it holds
  password hashes), fsynced and then renamed: a crash never leaves a truncated backup under
  the final name, and an existing file is only replaced with `force`.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    create_engine,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.types import JSON, TypeEngine

from fueltracker import models  # noqa: F401  (registers every table in Base.metadata)
from fueltracker.db import Base
from fueltracker.errors import FuelTrackerError

FORMAT_NAME = "fueltracker-backup"
FORMAT_VERSION = 1
# Rows fetched per round trip when reading, and inserted per statement when restoring.
BATCH_ROWS = 2000

# Tables of the database left out of the file, and why: those that are no model, and
# model tables deliberately not backed up.
EXCLUDED_TABLES = {
    "alembic_version": "the schema revision, recorded in the header as schema_revision; "
    "the target gets its own from the migrations",
    "api_tokens": "credentials: a restored instance starts with no API token working, so "
    "a copy of a backup never carries access; owners make new tokens on the "
    "Account page after a restore",
}


class BackupError(FuelTrackerError):
    """A backup or restore was refused or failed; nothing was written (message says why)."""


# --------------------------------------------------------------------------- pure format


@dataclass(frozen=True)
class Codec:
    """How one column type's values become JSON and come back, exactly."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _encode_decimal(value: Decimal) -> str:
    # Fixed-point text keeps the scale (12.500 stays 12.500); JSON numbers would be floats.
    return format(value, "f")


def _encode_aware(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise BackupError("a timestamp with time zone came back without an offset")
    # UTC, so the file does not depend on the server's TimeZone setting.
    return value.astimezone(dt.UTC).isoformat()


def _encode_naive(value: dt.datetime) -> str:
    return value.isoformat()


def _encode_bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _decode_bytes(value: str) -> bytes:
    return base64.b64decode(value.encode("ascii"), validate=True)


def codec_for(column_type: TypeEngine) -> Codec:
    """The codec of a column type; BackupError for a type this format does not know yet."""
    # Order matters: subclasses before their bases (Boolean, Date and DateTime are no
    # Integer/String, but JSONB is a JSON, and every integer type is an Integer).
    if isinstance(column_type, JSON):
        return Codec(_same, _same)
    if isinstance(column_type, DateTime):
        if column_type.timezone:
            return Codec(_encode_aware, dt.datetime.fromisoformat)
        return Codec(_encode_naive, dt.datetime.fromisoformat)
    if isinstance(column_type, Date):
        return Codec(dt.date.isoformat, dt.date.fromisoformat)
    if isinstance(column_type, Numeric) and column_type.asdecimal:
        return Codec(_encode_decimal, Decimal)
    if isinstance(column_type, LargeBinary):
        return Codec(_encode_bytes, _decode_bytes)
    if isinstance(column_type, (Boolean, Integer, String)):
        return Codec(_same, _same)
    raise BackupError(
        f"no backup encoding for column type {column_type!r}: "
        "add one to fueltracker/backup.py (codec_for)"
    )


def table_codecs(table: Table) -> dict[str, Codec]:
    """Codec of every column of `table`, in column order."""
    codecs = {}
    for column in table.columns:
        try:
            codecs[column.name] = codec_for(column.type)
        except BackupError as exc:
            raise BackupError(f"{table.name}.{column.name}: {exc}") from exc
    return codecs


def encode_row(codecs: dict[str, Codec], row: dict[str, Any]) -> dict[str, Any]:
    """A database row as JSON-ready values (None stays null)."""
    return values_encoder(codecs)([row[name] for name in codecs])


def values_encoder(codecs: dict[str, Codec]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function turning a row's values, in column order, into the JSON-ready row: the
    backup's inner loop (a million rows), so identity codecs are skipped."""
    steps = [
        (name, None if codec.encode is _same else codec.encode) for name, codec in codecs.items()
    ]

    def encode(values: Sequence[Any]) -> dict[str, Any]:
        return {
            name: value if encoder is None or value is None else encoder(value)
            for (name, encoder), value in zip(steps, values, strict=True)
        }

    return encode


def decode_row(codecs: dict[str, Codec], row: dict[str, Any]) -> dict[str, Any]:
    """A row of the file as database values; the columns must be exactly the table's."""
    if row.keys() != codecs.keys():  # compared as sets, without building any
        missing, extra = set(codecs) - set(row), set(row) - set(codecs)
        raise BackupError(
            f"row columns differ from the table's (missing {sorted(missing)}, "
            f"unexpected {sorted(extra)})"
        )
    return {
        name: value if value is None or codec.decode is _same else codec.decode(value)
        for name, codec in codecs.items()
        for value in (row[name],)
    }


def dump_line(record: dict[str, Any]) -> bytes:
    """One JSON Lines line (UTF-8, compact, newline-terminated)."""
    return (
        json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    ).encode("utf-8")


def backed_up_tables() -> list[Table]:
    """Every model table, parents before children, ties in declaration order: the order of
    the file and of restore. (`MetaData.sorted_tables` breaks ties differently from one
    process to the next, and a file should not depend on hash seeds.)"""
    remaining = [
        table for table in Base.metadata.tables.values() if table.name not in EXCLUDED_TABLES
    ]
    ordered: list[Table] = []
    while remaining:
        placed = {table.name for table in ordered}
        ready = next(
            (
                table
                for table in remaining
                if all(
                    key.column.table is table or key.column.table.name in placed
                    for key in table.foreign_keys
                )
            ),
            None,
        )
        if ready is None:
            raise BackupError(
                "the tables' foreign keys form a cycle: teach backup.py to defer constraints"
            )
        ordered.append(ready)
        remaining.remove(ready)
    return ordered


# --------------------------------------------------------------------------- database


def owner_engine(url: str) -> Engine:
    """An engine on `url` as the login itself (no SET ROLE to the app role), one connection
    per use: backup and restore are one-off commands, not a pool's worth of work."""
    return create_engine(url, hide_parameters=True, poolclass=NullPool)


def code_head_revision() -> str:
    """The newest Alembic revision this code knows."""
    from alembic.script import ScriptDirectory

    from fueltracker.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise BackupError("the code has no migrations")
    return head


def database_revision(connection: Connection) -> str | None:
    """The database's Alembic revision, None when it has no schema yet."""
    if connection.scalar(text("SELECT to_regclass('alembic_version')")) is None:
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def check_privileges(connection: Connection) -> None:
    """Refuse a login that row-level security binds: it would see a part of the data."""
    allowed = connection.scalar(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    )
    if not allowed:
        raise BackupError(
            "the database login must be a superuser or have BYPASSRLS to see every "
            "account (row-level security binds it otherwise); set "
            "FUELTRACKER_BACKUP_DATABASE_URL to such a login, e.g. fueltracker_backup of "
            "docker compose"
        )


def _bypass_row_security(connection: Connection) -> None:
    # With row_security off, a query that a policy would filter fails instead of returning
    # fewer rows: a partial backup or restore is impossible.
    connection.execute(text("SET LOCAL row_security = off"))


def _explain(exc: DBAPIError) -> BackupError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return BackupError(f"database error: {reason}")


@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote or a restore loaded: rows per table, and the schema revision."""

    tables: dict[str, int]
    schema_revision: str

    @property
    def rows(self) -> int:
        """Rows of every table together."""
        return sum(self.tables.values())

    def describe(self) -> str:
        """The counts in one line, e.g. '3 users, 4 vehicles, ...'."""
        return ", ".join(f"{count} {name}" for name, count in self.tables.items())


def iter_backup_lines(engine: Engine, *, now: dt.datetime | None = None) -> Iterator[bytes]:
    """The backup file's lines (uncompressed), read in one REPEATABLE READ READ ONLY
    transaction that stays open while the caller consumes them: a single snapshot."""
    tables = backed_up_tables()
    codecs = {table.name: table_codecs(table) for table in tables}
    head = code_head_revision()
    try:
        connection = engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    except DBAPIError as exc:
        raise _explain(exc) from exc
    try:
        with connection.begin():
            check_privileges(connection)
            revision = database_revision(connection)
            if revision != head:
                raise BackupError(
                    f"the database is at schema revision {revision or 'none'}, this code at "
                    f"{head}: run `python -m fueltracker migrate` (or back up with the "
                    "Fuel Tracker version that matches the database)"
                )
            _bypass_row_security(connection)
            # The snapshot was taken by this transaction's first statement: every count
            # and row below comes from it, whatever other connections commit meanwhile.
            counts = {
                table.name: connection.scalar(select(func.count()).select_from(table))
                for table in tables
            }
            digest = hashlib.sha256()
            header = dump_line(
                {
                    "format": FORMAT_NAME,
                    "version": FORMAT_VERSION,
                    "schema_revision": revision,
                    "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(),
                    "tables": counts,
                }
            )
            digest.update(header)
            yield header
            total = 0
            for table in tables:
                result = connection.execution_options(yield_per=BATCH_ROWS).execute(
                    select(table).order_by(*table.primary_key.columns)
                )
                written = 0
                encode = values_encoder(codecs[table.name])
                for row in result:  # values in table.columns order, as select(table) asks
                    line = dump_line({"table": table.name, "row": encode(row)})
                    digest.update(line)
                    written += 1
                    yield line
                if written != counts[table.name]:  # cannot happen within one snapshot
                    raise BackupError(
                        f"{table.name}: counted {counts[table.name]} rows, read {written}"
                    )
                total += written
            yield dump_line({"end": FORMAT_NAME, "rows": total, "sha256": digest.hexdigest()})
    except DBAPIError as exc:
        raise _explain(exc) from exc
    finally:
        connection.close()


def write_backup(
    engine: Engine, stream: IO[bytes], *, now: dt.datetime | None = None
) -> BackupSummary:
    """Write a gzip-compressed backup of the instance to a binary stream."""
    header: dict[str, Any] | None = None
    pending: list[bytes] = []
    with gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=6, mtime=0) as gz:
        for line in iter_backup_lines(engine, now=now):
            if header is None:
                header = json.loads(line)
            pending.append(line)
            if len(pending) >= BATCH_ROWS:  # one compressor call per batch, not per line
                gz.write(b"".join(pending))
                pending.clear()
        gz.write(b"".join(pending))
    assert header is not None  # the generator yields the header first or raises
    return BackupSummary(header["tables"], header["schema_revision"])


def backup_to_file(url: str, path: Path, *, force: bool = False) -> BackupSummary:
    """Back up the instance at `url` to `path` atomically, mode 0600; refuses to replace an
    existing file unless `force`."""
    path = Path(path)
    if path.exists() and not force:
        raise BackupError(f"{path} already exists (pass --force to replace it)")
    if not path.parent.is_dir():
        raise BackupError(f"folder {path.parent} does not exist")
    # mkstemp creates the file with mode 0600, before a single byte is written to it.
    handle, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )
    temp = Path(temp_name)
    engine = owner_engine(url)
    try:
        with os.fdopen(handle, "wb") as stream:
            summary = write_backup(engine, stream)
            stream.flush()
            os.fsync(stream.fileno())
        _publish(temp, path, force=force)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    _fsync_dir(path.parent)
    return summary


def backup_to_stream(url: str, stream: IO[bytes]) -> BackupSummary:
    """Back up the instance at `url` to an open binary stream (e.g. standard output, for
    `docker compose exec -T app ... > file`); the caller protects what it is written to."""
    engine = owner_engine(url)
    try:
        summary = write_backup(engine, stream)
        stream.flush()
        return summary
    finally:
        engine.dispose()


def _publish(temp: Path, path: Path, *, force: bool) -> None:
    if force:
        os.replace(temp, path)
        return
    try:
        # A hard link never replaces: a file created meanwhile under that name is kept.
        os.link(temp, path)
    except FileExistsError as exc:
        raise BackupError(f"{path} already exists (pass --force to replace it)") from exc
    except OSError:  # a file system without hard links
        if path.exists():
            raise BackupError(f"{path} already exists (pass --force to replace it)") from None
        os.replace(temp, path)
        return
    temp.unlink()


def _fsync_dir(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform can open a folder; the rename is done either way
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --------------------------------------------------------------------------- reading


def _parse(line: bytes, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"line {number} is not valid JSON: the file is damaged") from exc
    if not isinstance(record, dict):
        raise BackupError(f"line {number} is not a JSON object: the file is damaged")
    return record


def read_backup_header(line: bytes) -> dict[str, Any]:
    """The checked header line; BackupError for another file, format version or schema."""
    header = _parse(line, 1)
    if header.get("format") != FORMAT_NAME:
        raise BackupError("this is not a Fuel Tracker backup file")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {header.get('version')!r} is not supported "
            f"by this Fuel Tracker (it reads version {FORMAT_VERSION})"
        )
    head = code_head_revision()
    revision = header.get("schema_revision")
    if revision != head:
        raise BackupError(
            f"the backup has schema revision {revision}, this Fuel Tracker {head}: restore it "
            f"with the Fuel Tracker version whose newest migration is {revision}, then run "
            "`python -m fueltracker migrate` with this version"
        )
    expected = [table.name for table in backed_up_tables()]
    tables = header.get("tables")
    if (
        not isinstance(tables, dict)
        or sorted(tables) != sorted(expected)
        or not all(isinstance(count, int) and count >= 0 for count in tables.values())
    ):
        raise BackupError("the header's table list does not match this schema: the file is damaged")
    return header


def _lines(stream: Iterable[bytes]) -> Iterator[bytes]:
    try:
        yield from stream
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise BackupError(f"the file is truncated or not gzip-compressed ({exc})") from exc


@dataclass
class _Batches:
    """Rows of the file grouped into insert batches, checked against the header as read."""

    header: dict[str, Any]
    lines: Iterator[bytes]
    digest: Any
    counts: dict[str, int]

    def __iter__(self) -> Iterator[Batch]:
        # The file's own order (its header's), which put parents before children.
        order = {name: index for index, name in enumerate(self.header["tables"])}
        tables = {table.name: table for table in backed_up_tables()}
        codecs = {name: table_codecs(table) for name, table in tables.items()}
        current = ""  # the table of the rows in `batch` (no table is named "")
        batch: list[dict[str, Any]] = []
        number = 1
        for line in self.lines:
            number += 1
            record = _parse(line, number)
            if "end" in record:
                if batch:
                    yield tables[current], batch
                self._finish(record, number)
                return
            self.digest.update(line)
            name, row = record.get("table"), record.get("row")
            if name not in tables or not isinstance(row, dict):
                raise BackupError(f"line {number} is not a row of a known table")
            if name != current:
                if current and order[name] < order[current]:
                    raise BackupError(f"line {number}: {name} rows after {current} rows")
                if batch:
                    yield tables[current], batch
                    batch = []
                current = name
            try:
                batch.append(decode_row(codecs[name], row))
            except (ValueError, TypeError) as exc:
                raise BackupError(f"line {number}: a value of {name} is invalid ({exc})") from exc
            except BackupError as exc:
                raise BackupError(f"line {number}: {name}: {exc}") from exc
            self.counts[name] += 1
            if len(batch) >= BATCH_ROWS:
                yield tables[name], batch
                batch = []
        raise BackupError("the file ends before its final line: it is truncated")

    def _finish(self, footer: dict[str, Any], number: int) -> None:
        if footer.get("sha256") != self.digest.hexdigest():
            raise BackupError("the checksum does not match: the file was changed or damaged")
        if self.counts != self.header["tables"] or footer.get("rows") != sum(self.counts.values()):
            raise BackupError(
                f"row counts {self.counts} differ from the header's "
                f"{self.header['tables']}: the file is damaged"
            )
        for extra in self.lines:
            if extra.strip():
                raise BackupError(
                    f"data after the final line (line {number + 1}): the file is damaged"
                )


Batch = tuple[Table, list[dict[str, Any]]]


def iter_restore_batches(stream: Iterable[bytes]) -> tuple[dict[str, Any], Iterable[Batch]]:
    """The checked header of an uncompressed backup stream and its rows in insert batches.
    The batches raise BackupError at the end if the checksum, the counts or the file's end
    are wrong, so a caller inserting them in one transaction must roll back on that error."""
    lines = _lines(stream)
    try:
        first = next(lines)
    except StopIteration:
        raise BackupError("the file is empty") from None
    header = read_backup_header(first)
    digest = hashlib.sha256(first)
    counts = {table.name: 0 for table in backed_up_tables()}
    return header, _Batches(header, lines, digest, counts)


# --------------------------------------------------------------------------- restore


def _prepare_target(engine: Engine) -> None:
    """Migrate a database without schema; refuse one at another revision."""
    head = code_head_revision()
    with engine.connect() as connection:
        revision = database_revision(connection)
        check_privileges(connection)
    if revision is None:
        from fueltracker.migrate import upgrade_to_head

        upgrade_to_head(engine.url.render_as_string(hide_password=False))
    elif revision != head:
        raise BackupError(
            f"the target database is at schema revision {revision}, this Fuel Tracker at "
            f"{head}: restore into a new database, or migrate this one first (it must be "
            "empty either way)"
        )


def restore(engine: Engine, stream: Iterable[bytes]) -> BackupSummary:
    """Load an uncompressed backup stream into the empty instance of `engine`, in one
    transaction; BackupError (and nothing written) when the target holds data or the file
    is damaged, of another schema or truncated."""
    header, batches = iter_restore_batches(stream)
    tables = backed_up_tables()
    names = ", ".join(table.name for table in tables)
    try:
        _prepare_target(engine)
        with engine.begin() as connection:
            _bypass_row_security(connection)
            # EXCLUSIVE: a running app can still read but not write until the commit, so
            # nothing slips in between the emptiness check and the inserts.
            connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
            filled = [
                table.name for table in tables if connection.scalar(select(select(table).exists()))
            ]
            if filled:
                raise BackupError(
                    "the target instance is not empty (rows in: "
                    f"{', '.join(filled)}); restore only into an empty "
                    "database, nothing was changed"
                )
            for table, batch in batches:
                _copy_rows(connection, table, batch)
            for table in tables:
                _move_sequences(connection, table)
    except DBAPIError as exc:
        raise _explain(exc) from exc
    except psycopg.Error as exc:  # raised by COPY, which runs on the driver's own cursor
        raise BackupError(
            f"database error: {str(exc).strip().splitlines()[0]}; nothing was restored"
        ) from exc
    return BackupSummary(dict(header["tables"]), header["schema_revision"])


def _copy_rows(connection: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    """Insert a batch with COPY, in the connection's transaction (several times faster than
    INSERT for a large instance; the values are already Python objects psycopg adapts)."""
    names = [column.name for column in table.columns]
    as_json = {column.name for column in table.columns if isinstance(column.type, JSON)}
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in batch:
                copy.write_row(
                    [
                        Jsonb(row[name]) if name in as_json and row[name] is not None else row[name]
                        for name in names
                    ]
                )
    finally:
        cursor.close()


def _move_sequences(connection: Connection, table: Table) -> None:
    """Make the next generated id of every serial column follow the restored ones."""
    for column in table.primary_key.columns:
        if not isinstance(column.type, Integer):
            continue
        # is_called false with max + 1: the next value is max + 1, and 1 for an empty
        # table (setval cannot go below the sequence's minimum of 1).
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'(SELECT coalesce(max("{column.name}"), 0) + 1 FROM "{table.name}"), false)'
            ),
            {"table": table.name, "column": column.name},
        )


def restore_from_file(url: str, path: Path | None) -> BackupSummary:
    """Restore the gzip-compressed backup at `path` (None: standard input) into `url`."""
    engine = owner_engine(url)
    try:
        if path is None:
            with gzip.GzipFile(fileobj=sys.stdin.buffer, mode="rb") as gz:
                return restore(engine, gz)
        if not Path(path).is_file():
            raise BackupError(f"{path} does not exist")
        with gzip.open(path, "rb") as gz:
            return restore(engine, gz)
    finally:
        engine.dispose()
