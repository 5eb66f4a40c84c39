"""Parser of our own native CSV export (formats.md); derived columns are ignored."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from fueltracker.csvsafe import restore
from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow

REQUIRED_COLUMNS = ("vehicle", "date", "odometer_km", "volume_l", "total_amount")
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
    reader.fieldnames = header
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    for number, record in enumerate(reader, start=1):
        try:
            rows.append(_row(number, record))
        except _CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
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
    return restore(value.strip())


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
