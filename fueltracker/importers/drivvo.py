"""Parser of Drivvo's CSV export (formats.md, "Drivvo").

A sectioned file (`##Refuelling`, `##Service`, `##Expense`, `##Vehicle`, names and
headers translated into the app's language), so the refuelling section is read by
position: odometer, date (`yyyy-MM-dd HH:mm:ss`), fuel, price per unit, total cost,
volume, full tank (Yes/No or translated), ..., gas station, reason, notes. There is no
missed flag and no unit in the file: the user gives the vehicle and the units.
"""

from __future__ import annotations

import re

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    CellError,
    ImportedFile,
    cell,
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
    volume_l,
)

FORMAT = "drivvo"
# Positions in the refuelling section (0-based), per formats.md.
ODOMETER, DATE, FUEL, UNIT_PRICE, TOTAL, VOLUME, FULL = 0, 1, 2, 3, 4, 5, 6
STATION, NOTES = 17, 19  # 18, the reason of the trip, is not imported
NUMBER_POSITIONS = (ODOMETER, UNIT_PRICE, TOTAL, VOLUME)
# The refuelling section's marker in the languages seen; when none of these is in the
# file the first section is taken, as Drivvo always writes refuelling first.
REFUELLING_NAMES = frozenset(
    {
        "refuelling",
        "refueling",
        "reabastecimento",
        "abastecimento",
        "abastecimentos",
        "reabastecimiento",
        "repostaje",
        "tanken",
        "betankung",
        "ravitaillement",
        "rifornimento",
        "tankowanie",
        "заправка",
        "заправки",
    }
)
# Some Drivvo versions put a consumption such as "6,414 L/100km" where the station is
# expected; such a cell is not a station name.
_LOOKS_LIKE_CONSUMPTION = re.compile(r"^[\d.,\s]+\s*(l/100\s*km|km/l|mpg|л/100км)$", re.IGNORECASE)


def _section_name(record: list[str]) -> str | None:
    if record and record[0].startswith("#"):
        return header_key(record[0].lstrip("#"))
    return None


def looks_drivvo(records: list[list[str]]) -> bool:
    """True when the first non-blank record is a Drivvo `##Section` marker (detection)."""
    first = next((r for r in records if any(r)), [])
    return bool(first) and first[0].startswith("#") and not first[0].startswith("## ")


def _refuelling(records: list[list[str]]) -> list[list[str]] | None:
    """The records of the refuelling section (its header first), or None."""
    sections: list[tuple[str, list[list[str]]]] = []
    for record in records:
        name = _section_name(record)
        if name is not None:
            sections.append((name, []))
        elif sections:
            sections[-1][1].append(record)
    if not sections:
        return None
    for name, body in sections:
        if name in REFUELLING_NAMES:
            return body
    return sections[0][1]


def parse_drivvo(
    data: bytes | str,
    *,
    vehicle: str = "",
    distance_unit: str = "km",
    volume_unit: str = "L",
    decimal_comma: bool | None = None,
    day_first: bool | None = None,
) -> ImportedFile:
    """Read a Drivvo export for `vehicle`. Never raises: every problem is a RowError.

    `decimal_comma` and `day_first` default to what the whole section shows; when it
    cannot tell, the result needs DECIMAL_MARK / DATE_ORDER (each with its row-0 error).
    """
    found_units = {"distance": distance_unit, "volume": volume_unit}
    if distance_unit not in ("km", "mi") or volume_unit not in ("L", "gal_us", "gal_uk"):
        return file_error(FORMAT, f"unknown units {distance_unit!r}/{volume_unit!r}", "units")
    text = decode(data)
    if text is None:
        return file_error(FORMAT, "not a text file (binary data or not UTF-8)")
    records = read_csv(
        text,
        sniff_delimiter(
            "\n".join(line for line in text.splitlines() if not line.lstrip('"').startswith("#"))
        ),
    )
    section = _refuelling(records or [])
    if not section:
        return file_error(FORMAT, "not a Drivvo file: no ##Refuelling section with a header")
    body = [(number, record) for number, record in enumerate(section[1:], start=1) if any(record)]

    conventions = infer_conventions(
        numbers=(cell(r, i) for _, r in body for i in NUMBER_POSITIONS),
        dates=(cell(r, DATE) for _, r in body),
        decimal_comma=decimal_comma,
        day_first=day_first,
        date_column="date",
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
    name = vehicle.strip()

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    for number, record in body:
        try:
            volume = parse_decimal(cell(record, VOLUME), "volume", decimal_comma=decimal_comma)
            total = parse_decimal(
                cell(record, TOTAL), "total cost", required=False, decimal_comma=decimal_comma
            )
            if total is None:
                unit_price = parse_decimal(
                    cell(record, UNIT_PRICE), "price", decimal_comma=decimal_comma
                )
                total = unit_price * volume
            station = text_or_none(cell(record, STATION), 100)
            if station and _LOOKS_LIKE_CONSUMPTION.match(station):
                station = None
            rows.append(
                ParsedRow(
                    row_number=number,
                    vehicle=name,
                    date=parse_date(cell(record, DATE), "date", day_first=day_first),
                    odometer_km=odometer_km(
                        parse_decimal(
                            cell(record, ODOMETER), "odometer", decimal_comma=decimal_comma
                        ),
                        distance_unit,
                        "odometer",
                    ),
                    volume_l=volume_l(volume, volume_unit, "volume"),
                    total_amount=money(total, "total cost"),
                    is_full=parse_bool(cell(record, FULL), "full tank", True),
                    station=station,
                    grade=text_or_none(cell(record, FUEL), 20),
                    notes=text_or_none(cell(record, NOTES)),
                )
            )
        except CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
    return ImportedFile(
        format=FORMAT,
        rows=rows,
        errors=errors,
        vehicles=[{"name": name}] if name else [],
        units=found_units,
    )
