"""Parser of Fuelio's backup file `vehicle-N-sync.csv` (formats.md, "Fuelio").

A sectioned file, every cell quoted: `"## Vehicle"` then its header and one row,
`"## Log"` then its header and the fill-ups, then other sections (costs, stations,
categories) that are skipped. The units are in the Log header names (`Odo (mi)`,
`Fuel (litres)`, `mpg (optional)`) and the header is trusted over the vehicle row's
codes. `Price (optional)` is the total paid, `VolumePrice` the unit price.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    EACH_ROW,
    VEHICLE,
    CellError,
    ImportedFile,
    VehicleFields,
    cell,
    consumption_l_per_100km,
    decode,
    file_error,
    header_key,
    infer_conventions,
    money,
    odometer_km,
    parse_bool,
    parse_date,
    parse_decimal,
    quantized,
    read_csv,
    text_or_none,
    total_from_unit_price,
    volume_l,
)
from fueltracker.models import TANK_QUANTUM

FORMAT = "fuelio"
VEHICLE_SECTION = "## vehicle"
LOG_SECTION = "## log"
# Unit names in Fuelio's column headers -> unit codes of units.py.
DISTANCE_UNIT_NAMES = {"km": "km", "mi": "mi", "miles": "mi"}
VOLUME_UNIT_NAMES = {
    "litres": "L",
    "liters": "L",
    "l": "L",
    "us gallons": "gal_us",
    "gal (us)": "gal_us",
    "imp gallons": "gal_uk",
    "imperial gallons": "gal_uk",
    "uk gallons": "gal_uk",
    "gal (uk)": "gal_uk",
}
# Fuelio's FuelType codes, mapped loosely by their hundreds (110 petrol, 201 diesel,
# 401 LPG are the ones seen); anything else is left unknown rather than guessed.
FUEL_TYPE_BY_HUNDREDS = {1: "petrol", 2: "diesel", 4: "LPG"}
_UNIT_IN_NAME = re.compile(r"\(([^)]*)\)")


def looks_fuelio(records: list[list[str]]) -> bool:
    """True when parsed CSV records hold Fuelio's `## Log` section marker (detection)."""
    return any(record and header_key(record[0]) == LOG_SECTION for record in records)


def fuel_type_name(code: str) -> str | None:
    """A Fuelio FuelType (or Tank1Type) code as a fuel type name, or None."""
    try:
        number = int(float(code))
    except (ValueError, OverflowError):
        return None
    return FUEL_TYPE_BY_HUNDREDS.get(number // 100) if number > 0 else None


def _sections(records: list[list[str]]) -> dict[str, list[list[str]]]:
    """Records grouped by their `## Name` marker (lower case); the first one wins."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for record in records:
        if record and record[0].startswith("##"):
            key = header_key(record[0])
            current = [] if key in sections else sections.setdefault(key, [])
            continue
        if current is not None:
            current.append(record)
    return sections


def _unit(name: str) -> str:
    match = _UNIT_IN_NAME.search(name)
    return header_key(match.group(1)) if match else ""


def parse_fuelio(data: bytes | str, *, vehicle: str | None = None) -> ImportedFile:
    """Read a Fuelio backup. Never raises: every problem is a RowError.

    `vehicle` replaces the vehicle row's name for every fill-up. A backup naming no vehicle,
    read without `vehicle`, needs VEHICLE: its rows and its vehicle's details carry the
    name "" for the caller to replace.
    """
    text = decode(data)
    if text is None:
        return file_error(FORMAT, "not a text file (binary data or not UTF-8)")
    records = read_csv(text)
    if records is None:
        return file_error(FORMAT, "not a Fuelio backup: not CSV")
    sections = _sections(records)
    log = sections.get(LOG_SECTION)
    if not log:
        return file_error(FORMAT, 'not a Fuelio backup: no "## Log" section with a header')
    layout = _log_layout(log[0])
    if isinstance(layout, ImportedFile):
        return layout
    column = layout.column
    economy = _consumption_column(column, layout.distance_unit, layout.volume_unit)
    found_units = {"distance": layout.distance_unit, "volume": layout.volume_unit}
    if economy:
        found_units["consumption"] = economy[1]

    vehicle_info = _vehicle(sections.get(VEHICLE_SECTION), layout.volume_unit)
    # "" when neither the caller nor the file names it: the caller names it (VEHICLE).
    name = (vehicle or "").strip() or vehicle_info.get("name") or ""
    vehicle_info["name"] = name

    date_format = vehicle_info.pop("_date_format", "")
    body = [(number, record) for number, record in enumerate(log[1:], start=1) if any(record)]
    # The vehicle row's own date setting wins; else the column, and a date it leaves
    # undecided is an error of its row.
    written = {"dd": True, "mm": False}.get(date_format.lower()[:2])
    day_first = infer_conventions(
        dates=(cell(r, column["data"]) for _, r in body),
        day_first=written,
        undecided_dates=EACH_ROW,
    ).day_first

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    consumption: dict[int, float] = {}
    if not name:  # the question of the VEHICLE need, for a caller that cannot ask
        errors.append(RowError(0, "Name", "the file names no vehicle; choose one"))
    for number, record in body:

        def get(key: str, record: list[str] = record) -> str:  # bound to this row
            return cell(record, column.get(key))

        try:
            rows.append(_log_row(number, get, name, day_first, layout))
        except CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
            continue
        figure = _economy(get, economy) if economy else None
        if figure is not None:
            consumption[number] = figure
    if "fuel_type" not in vehicle_info:
        codes = [cell(r, column.get("fueltype")) for _, r in body]
        vehicle_info["fuel_type"] = next(filter(None, map(fuel_type_name, codes)), None)
    return ImportedFile(
        format=FORMAT,
        rows=rows,
        errors=errors,
        vehicles=[vehicle_info],
        units=found_units,
        source_consumption=consumption,
        needs=frozenset() if name else frozenset({VEHICLE}),
    )


@dataclass(frozen=True)
class _LogLayout:
    """What the Log header says: where each column is (by its name before " ("), the Odo and
    Fuel columns' names as the file writes them (for errors), and their units."""

    column: dict[str, int]
    odo_name: str
    fuel_name: str
    distance_unit: str
    volume_unit: str


def _log_layout(names: list[str]) -> _LogLayout | ImportedFile:
    """The Log header read, or the file's error when it lacks a column or names no unit."""
    header = [header_key(name) for name in names]
    column: dict[str, int] = {}
    for index, name in enumerate(header):
        base = name.split(" (")[0]
        column.setdefault(base, index)
    odo_index = column.get("odo")
    fuel_index = column.get("fuel")
    if odo_index is None or fuel_index is None or "data" not in column:
        return file_error(
            FORMAT, "not a Fuelio backup: the Log header lacks Data, Odo or Fuel", column="## Log"
        )
    distance_unit = DISTANCE_UNIT_NAMES.get(_unit(header[odo_index]))
    volume_unit = VOLUME_UNIT_NAMES.get(_unit(header[fuel_index]))
    if distance_unit is None or volume_unit is None:
        return file_error(
            FORMAT,
            f"unknown units in the Log header: '{names[odo_index]}', '{names[fuel_index]}'",
            column="## Log",
        )
    return _LogLayout(column, names[odo_index], names[fuel_index], distance_unit, volume_unit)


def _log_row(
    number: int, get: Callable[[str], str], name: str, day_first: bool | None, layout: _LogLayout
) -> ParsedRow:
    """One fill-up of the Log section; CellError names the file's column."""
    volume = parse_decimal(get("fuel"), layout.fuel_name)
    total = parse_decimal(get("price"), "Price (optional)", required=False)
    unit_price = parse_decimal(get("volumeprice"), "VolumePrice", required=False)
    if not total and unit_price:
        # Older backups leave the total blank and keep only the unit price.
        total = total_from_unit_price(unit_price, volume, "VolumePrice")
    return ParsedRow(
        row_number=number,
        vehicle=name,
        date=parse_date(get("data"), "Data", day_first=day_first),
        odometer_km=odometer_km(
            parse_decimal(get("odo"), layout.odo_name), layout.distance_unit, layout.odo_name
        ),
        volume_l=volume_l(volume, layout.volume_unit, layout.fuel_name),
        total_amount=money(total or Decimal(0), "Price (optional)"),
        is_full=parse_bool(get("full"), "Full", True),
        missed_previous=parse_bool(get("missed"), "Missed", False),
        station=text_or_none(get("city"), 100),
        notes=text_or_none(get("notes")),
    )


def _economy(get: Callable[[str], str], economy: tuple[str, str]) -> float | None:
    """Fuelio's own consumption figure of a row as L/100km; a bad or zero one is no figure
    (only compared, never stored)."""
    name, unit = economy
    try:
        return consumption_l_per_100km(parse_decimal(get(name), name, required=False), unit)
    except CellError:
        return None


def _consumption_column(
    column: dict[str, int], distance_unit: str, volume_unit: str
) -> tuple[str, str] | None:
    """Fuelio's own consumption column and its unit code, when the Log has one."""
    if "l/100km" in column:
        return "l/100km", "L/100km"
    if "km/l" in column:
        return "km/l", "km/L"
    if "mpg" in column:
        # Assumption: the header does not say which gallon. US gallons give US mpg; a
        # vehicle in miles fuelled in litres or imperial gallons is British, so UK mpg.
        return "mpg", "mpg_us" if volume_unit == "gal_us" else "mpg_uk"
    return None


def _vehicle(section: list[list[str]] | None, volume_unit: str) -> VehicleFields:
    """The vehicle row as VehicleCreate's fields (plus the date format, popped later)."""
    if not section or len(section) < 2:
        return {}
    header = [header_key(name) for name in section[0]]
    record = next((r for r in section[1:] if any(r)), [])

    def get(key: str) -> str:
        return cell(record, header.index(key)) if key in header else ""

    info: VehicleFields = {
        "name": text_or_none(get("name"), 100) or "",
        "make": text_or_none(get("make"), 50),
        "model": text_or_none(get("model"), 50),
        "_date_format": get("importcsvdateformat"),
    }
    year = get("year")
    info["year"] = int(year) if year.isdecimal() and 1885 <= int(year) <= 2100 else None
    fuel_type = fuel_type_name(get("tank1type"))
    if fuel_type:
        info["fuel_type"] = fuel_type
    try:
        tank = parse_decimal(get("tank1capacity"), "Tank1Capacity", required=False)
        if tank and 0 < tank <= 2000:
            info["tank_capacity_l"] = quantized(
                volume_l(tank, volume_unit, "Tank1Capacity"), TANK_QUANTUM, "Tank1Capacity"
            )
    except CellError:
        pass  # a vehicle detail, not a fill-up: leave it out rather than reject the file
    return info
