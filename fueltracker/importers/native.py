"""Parser of our own native CSV export (formats.md); derived columns are ignored.

Also reads back the "download all my data" ZIP (export.data_archive): its fill-ups and
its vehicles file. Like every parser it returns an ImportedFile and never raises; cells
are read with importers.common, in the strict form our own files are written in (ISO
dates, a dot decimal without grouping, true/false).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from fueltracker.csvsafe import unneutralise
from fueltracker.errors import RowError, ValidationError
from fueltracker.export import ARCHIVE_FILLUPS, ARCHIVE_VEHICLES
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    NATIVE_FLAGS,
    CellError,
    ImportedFile,
    VehicleFields,
    file_error,
    is_zip,
    parse_bool,
    parse_exact_decimal,
    parse_iso_date,
)
from fueltracker.schemas import VehicleCreate, parse

FORMAT = "native"
# Our files are always in the canonical units.
UNITS = {"distance": "km", "volume": "L"}
REQUIRED_COLUMNS = ("vehicle", "date", "odometer_km", "volume_l", "total_amount")
# export.user_units_csv names its price column price_per_<unit>; the native file says
# unit_price_per_l. For a km + litres user that is the only header difference, and that
# file's figures are rounded, so it must not pass for a native file.
_DISPLAY_PRICE_COLUMNS = ("price_per_l", "price_per_gal_us", "price_per_gal_uk")
# A CSV record as csv.DictReader gives it: a cell is None where the row is short.
Record = Mapping[str, str | None]
# Archive guards: one member larger than this (uncompressed) is refused, whatever the
# archive claims, so a small upload cannot expand into gigabytes (zip bomb).
MAX_ARCHIVE_MEMBER_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100


def looks_native(header: list[str]) -> bool:
    """True when a header row is ours (detection for the CLI and the import page)."""
    names = {name.strip().lower() for name in header}
    return set(REQUIRED_COLUMNS) <= names


def parse_native_file(data: bytes) -> ImportedFile:
    """Our native CSV or our data ZIP, told apart by the ZIP signature (the registry's
    "native" format: the Import page and the CLI take either)."""
    return parse_archive(data) if is_zip(data) else parse_native(data)


def parse_native(data: bytes | str) -> ImportedFile:
    """Read a native CSV (text, or UTF-8 bytes); the good rows and an error for every bad one."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _ours(file_error(FORMAT, "not a text file (binary data or not UTF-8)"))
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            return _ours(
                file_error(
                    FORMAT, "required column missing from the header", column=", ".join(missing)
                )
            )
        if "unit_price_per_l" not in header and any(c in header for c in _DISPLAY_PRICE_COLUMNS):
            return _ours(
                file_error(
                    FORMAT,
                    "this is the 'in my units' export, rounded for "
                    "spreadsheets; import the native CSV or the data archive "
                    "instead",
                )
            )
        reader.fieldnames = header
        for number, record in enumerate(reader, start=1):
            try:
                rows.append(_row(number, record))
            except CellError as exc:
                errors.append(RowError(number, exc.column, exc.reason))
    except csv.Error as exc:  # e.g. a bare CR in an unquoted cell, an endless field
        return _ours(file_error(FORMAT, f"not a readable CSV file (line {_line(reader)}: {exc})"))
    return _ours(ImportedFile(format=FORMAT, rows=rows, errors=errors))


def _line(reader: csv.DictReader[str]) -> int:
    # The lines read so far: 0 while the header itself fails, which is line 1 to a person.
    return max(reader.line_num, 1)


def _ours(parsed: ImportedFile) -> ImportedFile:
    return replace(parsed, units=dict(UNITS))


def _cell(record: Record, column: str) -> str:
    value = record.get(column)
    return "" if value is None else value.strip()


def _text(record: Record, column: str) -> str | None:
    value = record.get(column)
    if value is None or not value.strip():
        return None
    # Spaces only: a tab or line break at either end is part of the text (the schema
    # keeps it in notes and refuses it elsewhere), never dropped silently.
    return unneutralise(value.strip(" "))


def _decimal(record: Record, column: str) -> Decimal:
    return parse_exact_decimal(_cell(record, column), column)


def _flag(record: Record, column: str, default: bool) -> bool:
    return parse_bool(_cell(record, column), column, default, words=NATIVE_FLAGS)


def _row(number: int, record: Record) -> ParsedRow:
    vehicle = _text(record, "vehicle")
    if not vehicle:
        raise CellError("vehicle", "a vehicle name is required")
    date = parse_iso_date(_cell(record, "date"), "date")
    return ParsedRow(
        row_number=number,
        vehicle=vehicle,
        date=date,
        odometer_km=_decimal(record, "odometer_km"),
        volume_l=_decimal(record, "volume_l"),
        total_amount=_decimal(record, "total_amount"),
        is_full=_flag(record, "is_full", True),
        missed_previous=_flag(record, "missed_previous", False),
        station=_text(record, "station"),
        brand=_text(record, "brand"),
        grade=_text(record, "grade"),
        notes=_text(record, "notes"),
        currency=_cell(record, "currency").upper() or None,
    )


def parse_archive(data: bytes) -> ImportedFile:
    """Read our data archive (export.data_archive): fill-ups, errors, vehicles.

    Fill-ups come from fillups.csv (parse_native, row numbers of that file); vehicles from
    vehicles.csv, optional, as dicts of VehicleCreate's fields plus `is_active`, ready for
    transfer.import_rows(vehicles=...). Errors of vehicles.csv name the file in their
    column. An archive-level problem (not a ZIP, no fillups.csv, a member named with '..'
    or an absolute path, a member above MAX_ARCHIVE_MEMBER_BYTES) is one RowError(0, "file",
    reason) and nothing else is returned. Pure: nothing is extracted to disk.
    """
    try:
        members = _archive_members(data)
    except _ArchiveError as exc:
        return _ours(file_error(FORMAT, str(exc)))
    parsed = parse_native(members[ARCHIVE_FILLUPS])
    if ARCHIVE_VEHICLES not in members:
        return parsed
    vehicles, vehicle_errors = parse_vehicles(members[ARCHIVE_VEHICLES])
    return replace(
        parsed,
        vehicles=vehicles,
        errors=parsed.errors
        + [
            RowError(e.row_number, f"{ARCHIVE_VEHICLES}: {e.column}", e.reason)
            for e in vehicle_errors
        ],
    )


class _ArchiveError(Exception):
    pass


def _archive_members(data: bytes) -> dict[str, str]:
    """fillups.csv and (if present) vehicles.csv as text, after the safety checks."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise _ArchiveError("not a ZIP archive") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise _ArchiveError(f"the archive holds {len(infos)} files; ours holds 5")
        for info in infos:
            # Nothing is extracted, but a name like this means the file is not ours and
            # was made to escape a folder when unpacked: refuse it outright.
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name or (len(name) > 1 and name[1] == ":"):
                raise _ArchiveError(f"unsafe file name in the archive: {info.filename!r}")
            if info.file_size > MAX_ARCHIVE_MEMBER_BYTES:
                raise _ArchiveError(
                    f"{info.filename} is too large "
                    f"(over {MAX_ARCHIVE_MEMBER_BYTES // (1024 * 1024)} MB)"
                )
        names = {info.filename for info in infos}
        if ARCHIVE_FILLUPS not in names:
            raise _ArchiveError(f"the archive has no {ARCHIVE_FILLUPS}")
        return {
            name: _read_member(archive, name)
            for name in (ARCHIVE_FILLUPS, ARCHIVE_VEHICLES)
            if name in names
        }


def _read_member(archive: zipfile.ZipFile, name: str) -> str:
    # The declared size can lie: read at most one byte past the limit, whatever it says.
    try:
        with archive.open(name) as member:
            raw = member.read(MAX_ARCHIVE_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise _ArchiveError(f"{name} cannot be read ({exc})") from None
    if len(raw) > MAX_ARCHIVE_MEMBER_BYTES:
        raise _ArchiveError(
            f"{name} is too large (over {MAX_ARCHIVE_MEMBER_BYTES // (1024 * 1024)} MB)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _ArchiveError(f"{name} is not UTF-8 text") from None


def parse_vehicles(text: str) -> tuple[list[VehicleFields], list[RowError]]:
    """Read the vehicles file (name,make,model,year,fuel_type,tank_capacity_l,is_active,kind).

    Returns a dict per good row (VehicleCreate's fields, validated, plus `is_active`) and an
    error for every bad one; only `name` is a required column (a file written before `kind`
    existed has its vehicles read as cars). Text cells are restored (csvsafe.unneutralise); a
    name repeated in the file (any letter case) is an error.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    vehicles: list[VehicleFields] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        if "name" not in header:
            return [], [RowError(0, "name", "required column missing from the header")]
        reader.fieldnames = header
        for number, record in enumerate(reader, start=1):
            try:
                vehicle = _vehicle(record)
            except CellError as exc:
                errors.append(RowError(number, exc.column, exc.reason))
                continue
            if vehicle["name"].lower() in seen:
                errors.append(RowError(number, "name", f"'{vehicle['name']}' appears twice"))
                continue
            seen.add(vehicle["name"].lower())
            vehicles.append(vehicle)
    except csv.Error as exc:
        return [], [RowError(0, "file", f"not a readable CSV file (line {_line(reader)}: {exc})")]
    return vehicles, errors


def _vehicle(record: Record) -> VehicleFields:
    raw_year = _cell(record, "year")
    try:
        year = int(raw_year) if raw_year else None
    except ValueError:
        raise CellError("year", f"'{raw_year}' is not a year") from None
    tank = _decimal(record, "tank_capacity_l") if _cell(record, "tank_capacity_l") else None
    try:
        data = parse(
            VehicleCreate,
            name=_text(record, "name") or "",
            make=_text(record, "make"),
            model=_text(record, "model"),
            year=year,
            fuel_type=_text(record, "fuel_type"),
            tank_capacity_l=tank,
            kind=_text(record, "kind"),
        )
    except ValidationError as exc:
        raise CellError(exc.field, exc.reason) from None
    return data.model_dump() | {"is_active": _flag(record, "is_active", True)}
