"""Parser of our own native CSV export (formats.md); derived columns are ignored.

Also reads back the "download all my data" ZIP (export.data_archive): its fill-ups and
its vehicles file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal, InvalidOperation

from fueltracker.csvsafe import restore
from fueltracker.errors import RowError, ValidationError
from fueltracker.export import ARCHIVE_FILLUPS, ARCHIVE_VEHICLES
from fueltracker.importers import ParsedRow
from fueltracker.schemas import VehicleCreate, parse

REQUIRED_COLUMNS = ("vehicle", "date", "odometer_km", "volume_l", "total_amount")
# export.user_units_csv names its price column price_per_<unit>; the native file says
# unit_price_per_l. For a km + litres user that is the only header difference, and that
# file's figures are rounded, so it must not pass for a native file.
_DISPLAY_PRICE_COLUMNS = ("price_per_l", "price_per_gal_us", "price_per_gal_uk")
# Archive guards: one member larger than this (uncompressed) is refused, whatever the
# archive claims, so a small upload cannot expand into gigabytes (zip bomb).
MAX_ARCHIVE_MEMBER_BYTES = 20 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 100
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


def looks_native(header: list[str]) -> bool:
    """True when a header row is ours (detection for the CLI and the import page)."""
    names = {name.strip().lower() for name in header}
    return set(REQUIRED_COLUMNS) <= names


def parse_native(text: str) -> tuple[list[ParsedRow], list[RowError]]:
    """Read a native CSV; returns the good rows and an error for every bad one."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return [], [RowError(0, ", ".join(missing), "required column missing from the header")]
    if "unit_price_per_l" not in header and any(c in header for c in _DISPLAY_PRICE_COLUMNS):
        return [], [RowError(0, "file", "this is the 'in my units' export, rounded for "
                             "spreadsheets; import the native CSV or the data archive instead")]
    reader.fieldnames = header
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    try:
        for number, record in enumerate(reader, start=1):
            try:
                rows.append(_row(number, record))
            except _CellError as exc:
                errors.append(RowError(number, exc.column, exc.reason))
    except csv.Error as exc:  # e.g. a bare CR in an unquoted cell, an endless field
        return [], [RowError(0, "file", f"not a readable CSV file (line {reader.line_num}: "
                                        f"{exc})")]
    return rows, errors


class _CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def _cell(record: dict, column: str) -> str:
    value = record.get(column)
    return "" if value is None else value.strip()


def _text(record: dict, column: str) -> str | None:
    value = record.get(column)
    if value is None or not value.strip():
        return None
    # Spaces only: a tab or line break at either end is part of the text (the schema
    # keeps it in notes and refuses it elsewhere), never dropped silently.
    return restore(value.strip(" "))


def _decimal(record: dict, column: str) -> Decimal:
    raw = _cell(record, column)
    if not raw:
        raise _CellError(column, "a number is required")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _CellError(column, f"'{raw}' is not a number (use a dot for decimals)") from None
    if not value.is_finite():
        raise _CellError(column, f"'{raw}' is not a number")
    return value


def _flag(record: dict, column: str, default: bool) -> bool:
    raw = _cell(record, column).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise _CellError(column, f"'{raw}' is not true or false")


def _row(number: int, record: dict) -> ParsedRow:
    vehicle = _text(record, "vehicle")
    if not vehicle:
        raise _CellError("vehicle", "a vehicle name is required")
    raw_date = _cell(record, "date")
    try:
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        raise _CellError("date", f"'{raw_date}' is not a date like 2024-03-01") from None
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


def parse_archive(data: bytes) -> tuple[list[ParsedRow], list[RowError], list[dict]]:
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
        return [], [RowError(0, "file", str(exc))], []
    rows, errors = parse_native(members[ARCHIVE_FILLUPS])
    vehicles: list[dict] = []
    if ARCHIVE_VEHICLES in members:
        vehicles, vehicle_errors = parse_vehicles(members[ARCHIVE_VEHICLES])
        errors += [RowError(e.row_number, f"{ARCHIVE_VEHICLES}: {e.column}", e.reason)
                   for e in vehicle_errors]
    return rows, errors, vehicles


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
            raise _ArchiveError(f"the archive holds {len(infos)} files; ours holds 4")
        for info in infos:
            # Nothing is extracted, but a name like this means the file is not ours and
            # was made to escape a folder when unpacked: refuse it outright.
            name = info.filename.replace("\\", "/")
            if name.startswith("/") or ".." in name or (len(name) > 1 and name[1] == ":"):
                raise _ArchiveError(f"unsafe file name in the archive: {info.filename!r}")
            if info.file_size > MAX_ARCHIVE_MEMBER_BYTES:
                raise _ArchiveError(f"{info.filename} is too large "
                                    f"(over {MAX_ARCHIVE_MEMBER_BYTES // (1024 * 1024)} MB)")
        names = {info.filename for info in infos}
        if ARCHIVE_FILLUPS not in names:
            raise _ArchiveError(f"the archive has no {ARCHIVE_FILLUPS}")
        return {name: _read_member(archive, name)
                for name in (ARCHIVE_FILLUPS, ARCHIVE_VEHICLES) if name in names}


def _read_member(archive: zipfile.ZipFile, name: str) -> str:
    # The declared size can lie: read at most one byte past the limit, whatever it says.
    try:
        with archive.open(name) as member:
            raw = member.read(MAX_ARCHIVE_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise _ArchiveError(f"{name} cannot be read ({exc})") from None
    if len(raw) > MAX_ARCHIVE_MEMBER_BYTES:
        raise _ArchiveError(f"{name} is too large "
                            f"(over {MAX_ARCHIVE_MEMBER_BYTES // (1024 * 1024)} MB)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _ArchiveError(f"{name} is not UTF-8 text") from None


def parse_vehicles(text: str) -> tuple[list[dict], list[RowError]]:
    """Read the vehicles file (name,make,model,year,fuel_type,tank_capacity_l,is_active,kind).

    Returns a dict per good row (VehicleCreate's fields, validated, plus `is_active`) and an
    error for every bad one; only `name` is a required column (a file written before `kind`
    existed has its vehicles read as cars). Text cells are restored (csvsafe.restore); a
    name repeated in the file (any letter case) is an error.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "name" not in header:
        return [], [RowError(0, "name", "required column missing from the header")]
    reader.fieldnames = header
    vehicles: list[dict] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    try:
        for number, record in enumerate(reader, start=1):
            try:
                vehicle = _vehicle(record)
            except _CellError as exc:
                errors.append(RowError(number, exc.column, exc.reason))
                continue
            if vehicle["name"].lower() in seen:
                errors.append(RowError(number, "name", f"'{vehicle['name']}' appears twice"))
                continue
            seen.add(vehicle["name"].lower())
            vehicles.append(vehicle)
    except csv.Error as exc:
        return [], [RowError(0, "file", f"not a readable CSV file (line {reader.line_num}: "
                                        f"{exc})")]
    return vehicles, errors


def _vehicle(record: dict) -> dict:
    raw_year = _cell(record, "year")
    try:
        year = int(raw_year) if raw_year else None
    except ValueError:
        raise _CellError("year", f"'{raw_year}' is not a year") from None
    tank = _decimal(record, "tank_capacity_l") if _cell(record, "tank_capacity_l") else None
    try:
        data = parse(VehicleCreate, name=_text(record, "name") or "",
                     make=_text(record, "make"), model=_text(record, "model"), year=year,
                     fuel_type=_text(record, "fuel_type"), tank_capacity_l=tank,
                     kind=_text(record, "kind"))
    except ValidationError as exc:
        raise _CellError(exc.field, exc.reason) from None
    return data.model_dump() | {"is_active": _flag(record, "is_active", True)}
