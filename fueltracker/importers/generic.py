"""Generic CSV importer (formats.md, "Generic CSV"): any file with a header, read through a
column mapping the user chose (field -> column name).

Pure: bytes in, ImportedFile out; never raises. The file carries no units, so the caller
gives them; the date order and decimal mark are given or inferred from the whole file
(common.infer_conventions: the result needs them when the file cannot tell).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    CellError,
    ImportedFile,
    VehicleFields,
    cell,
    data_records,
    decode,
    file_error,
    header_key,
    infer_conventions,
    money,
    odometer_km,
    parse_bool,
    parse_date,
    parse_decimal,
    read_csv,
    sniff_delimiter,
    text_or_none,
    total_from_unit_price,
    volume_l,
)

FORMAT = "generic"
# Every field a column can be mapped to, in the order the page asks for them.
FIELDS = (
    "date",
    "odometer",
    "volume",
    "total",
    "unit_price",
    "full",
    "missed",
    "station",
    "brand",
    "grade",
    "notes",
    "vehicle",
)
REQUIRED_FIELDS = ("date", "odometer", "volume")
NUMBER_FIELDS = ("odometer", "volume", "total", "unit_price")
# Storage limits of the text fields (FillupCreate): longer text is cut, not rejected.
TEXT_LIMITS = {"station": 100, "brand": 50, "grade": 20, "notes": 500}
DEFAULT_VEHICLE = "Imported vehicle"


def read_header(data: bytes | str) -> list[str] | None:
    """The file's header names (as written, stripped), or None when it is not a text CSV."""
    text = decode(data)
    if text is None:
        return None
    records = read_csv(text, sniff_delimiter(text))
    if not records or not any(records[0]):
        return None
    return records[0]


def guess_mapping(header: list[str]) -> dict[str, str]:
    """A first mapping from header names that say what they hold (the user corrects it)."""
    hints = {
        "date": ("date", "day", "fuelup_date", "data"),
        "odometer": ("odometer", "odo", "mileage", "odometer_km"),
        "volume": ("volume", "litres", "liters", "fuel", "gallons", "volume_l", "quantity"),
        "total": ("total", "cost", "total_amount", "amount", "total cost", "paid"),
        "unit_price": ("price", "unit price", "price per unit", "unit_price", "unit_price_per_l"),
        "full": ("full", "is_full", "full tank", "isfilltofull"),
        "missed": ("missed", "missed_previous", "missedfuelup", "missed_fuelup"),
        "station": ("station", "gas station", "location"),
        "brand": ("brand",),
        "grade": ("grade", "fuel type", "fueltype"),
        "notes": ("notes", "note", "comment", "comments"),
        "vehicle": ("vehicle", "car", "car_name", "vehicle name"),
    }
    keys = {header_key(name): name for name in reversed(header)}
    mapping: dict[str, str] = {}
    for field, names in hints.items():
        found = next((keys[name] for name in names if name in keys), None)
        if found is not None and found not in mapping.values():
            mapping[field] = found
    return mapping


def parse_generic(
    data: bytes | str,
    mapping: dict[str, str],
    *,
    distance_unit: str = "km",
    volume_unit: str = "L",
    day_first: bool | None = None,
    decimal_comma: bool | None = None,
    vehicle: str = DEFAULT_VEHICLE,
) -> ImportedFile:
    """Read any CSV through `mapping` (field name -> header name; FIELDS lists the fields).

    Required: date, odometer, volume and one of total or unit_price (the total is then
    unit price × volume, to the cent). Numbers are in `distance_unit`/`volume_unit`.
    Rows without a vehicle column (or a blank one) go to `vehicle`. Never raises: a bad
    mapping or file is a row-0 error, a bad cell an error of its row.
    """
    found_units = {"distance": distance_unit, "volume": volume_unit}
    if distance_unit not in ("km", "mi") or volume_unit not in ("L", "gal_us", "gal_uk"):
        return file_error(FORMAT, f"unknown units {distance_unit!r}/{volume_unit!r}", "units")
    mapping = {field: name for field, name in mapping.items() if name}
    unknown_fields = sorted(set(mapping) - set(FIELDS))
    if unknown_fields:
        return file_error(FORMAT, f"unknown field {', '.join(unknown_fields)}", "mapping")
    missing = [field for field in REQUIRED_FIELDS if field not in mapping]
    if "total" not in mapping and "unit_price" not in mapping:
        missing.append("total or unit_price")
    if missing:
        return file_error(FORMAT, f"choose the column of: {', '.join(missing)}", "mapping")
    text = decode(data)
    if text is None:
        return file_error(FORMAT, "not a text file (binary data or not UTF-8)")
    records = read_csv(text, sniff_delimiter(text))
    if not records or not any(records[0]):
        return file_error(FORMAT, "the file is empty or not CSV")
    index = {header_key(name): position for position, name in reversed(list(enumerate(records[0])))}
    absent = [name for name in mapping.values() if header_key(name) not in index]
    if absent:
        return file_error(FORMAT, f"no column {', '.join(absent)} in the file's header", "mapping")
    column = {field: index[header_key(name)] for field, name in mapping.items()}
    body = data_records(records[1:])

    conventions = infer_conventions(
        numbers=(
            cell(r, column.get(field))
            for _, r in body
            for field in NUMBER_FIELDS
            if field in column
        ),
        dates=(cell(r, column["date"]) for _, r in body),
        decimal_comma=decimal_comma,
        day_first=day_first,
        date_column=mapping["date"],
    )
    # decimal_comma is None only with a DECIMAL_MARK need (infer_conventions): the second
    # test never decides, it tells the type checker the mark is known below.
    if conventions.needs or conventions.decimal_comma is None:
        return ImportedFile(
            format=FORMAT,
            errors=list(conventions.errors),
            units=found_units,
            needs=conventions.needs,
        )
    decimal_comma, day_first = conventions.decimal_comma, conventions.day_first

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    vehicles: dict[str, VehicleFields] = {}
    for number, record in body:

        def get(field: str, record: list[str] = record) -> str:  # bound to this row
            return cell(record, column.get(field))

        try:
            row = _row(
                number, get, mapping, distance_unit, volume_unit, decimal_comma, day_first, vehicle
            )
        except CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
            continue
        rows.append(row)
        vehicles.setdefault(row.vehicle, {"name": row.vehicle})
    return ImportedFile(
        format=FORMAT, rows=rows, errors=errors, vehicles=list(vehicles.values()), units=found_units
    )


def _row(
    number: int,
    get: Callable[[str], str],
    mapping: dict[str, str],
    distance_unit: str,
    volume_unit: str,
    decimal_comma: bool,
    day_first: bool | None,
    vehicle: str,
) -> ParsedRow:
    """One data row as a ParsedRow; CellError names the file's column, not our field."""

    def number_of(field: str) -> Decimal:
        return parse_decimal(get(field), mapping.get(field, field), decimal_comma=decimal_comma)

    def optional_number_of(field: str) -> Decimal | None:
        return parse_decimal(
            get(field), mapping.get(field, field), decimal_comma=decimal_comma, required=False
        )

    volume = number_of("volume")
    total = optional_number_of("total") if "total" in mapping else None
    if total is not None:
        total_amount = money(total, mapping["total"])
    else:
        unit_price = optional_number_of("unit_price") if "unit_price" in mapping else None
        if unit_price is None:
            column = mapping.get("total") or mapping["unit_price"]
            raise CellError(column, "a total or a unit price is required")
        # A unit price is per unit of the file's volume, so it multiplies that volume.
        total_amount = total_from_unit_price(unit_price, volume, mapping["unit_price"])
    flags = {
        field: parse_bool(get(field), mapping.get(field, field), default)
        for field, default in (("full", True), ("missed", False))
    }
    texts = {field: text_or_none(get(field), TEXT_LIMITS[field]) for field in TEXT_LIMITS}
    return ParsedRow(
        row_number=number,
        vehicle=text_or_none(get("vehicle"), 100) or vehicle,
        date=parse_date(get("date"), mapping["date"], day_first=day_first),
        odometer_km=odometer_km(number_of("odometer"), distance_unit, mapping["odometer"]),
        volume_l=volume_l(volume, volume_unit, mapping["volume"]),
        total_amount=total_amount,
        is_full=flags["full"],
        missed_previous=flags["missed"],
        **texts,
    )
