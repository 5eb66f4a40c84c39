"""Parser of LubeLogger's fuel tab export (formats.md, "LubeLogger").

Header `Date,Odometer,FuelConsumed,Cost,FuelEconomy,IsFillToFull,MissedFuelUp,Notes,Tags`,
possibly followed by `extrafield_<Name>` columns (ignored). One vehicle per file: the
user names it. The file carries no units (the user says which), and its dates and
numbers follow the exporting server's locale, so the decimal mark and the day/month
order are inferred from the whole file (or given by the caller).
"""

from __future__ import annotations

from collections.abc import Callable

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    CellError,
    ImportedFile,
    cell,
    consumption_l_per_100km,
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
    volume_l,
)

FORMAT = "lubelogger"
REQUIRED_COLUMNS = ("date", "odometer", "fuelconsumed", "cost")
NUMBER_COLUMNS = ("odometer", "fuelconsumed", "cost", "fueleconomy")
# LubeLogger's economy follows its unit settings: MPG (miles, US gallons), L/100km
# (km, litres) or the "British" mode (miles, litres, shown as UK mpg).
ECONOMY_UNIT_BY_UNITS = {
    ("km", "L"): "L/100km",
    ("mi", "gal_us"): "mpg_us",
    ("mi", "L"): "mpg_uk",
    ("mi", "gal_uk"): "mpg_uk",
}


def looks_lubelogger(header: list[str]) -> bool:
    """True when a header row is LubeLogger's fuel export (detection)."""
    names = {header_key(name) for name in header}
    return {"date", "odometer", "fuelconsumed", "isfilltofull"} <= names


def parse_lubelogger(
    data: bytes | str,
    *,
    vehicle: str = "",
    distance_unit: str = "km",
    volume_unit: str = "L",
    decimal_comma: bool | None = None,
    day_first: bool | None = None,
) -> ImportedFile:
    """Read a LubeLogger fuel export for `vehicle`. Never raises: problems are RowErrors.

    `decimal_comma` and `day_first` default to what the whole file shows; when it cannot
    tell, the result needs DECIMAL_MARK / DATE_ORDER (each with its row-0 error).
    """
    found_units = {"distance": distance_unit, "volume": volume_unit}
    economy_unit = ECONOMY_UNIT_BY_UNITS.get((distance_unit, volume_unit))
    if economy_unit:
        found_units["consumption"] = economy_unit
    if distance_unit not in ("km", "mi") or volume_unit not in ("L", "gal_us", "gal_uk"):
        return file_error(FORMAT, f"unknown units {distance_unit!r}/{volume_unit!r}", "units")
    text = decode(data)
    if text is None:
        return file_error(FORMAT, "not a text file (binary data or not UTF-8)")
    records = read_csv(text, sniff_delimiter(text))
    if not records:
        return file_error(FORMAT, "not a LubeLogger file: the file is empty or not CSV")
    header = [header_key(name) for name in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return file_error(
            FORMAT,
            f"not a LubeLogger fuel export: no {', '.join(missing)} column",
            column=", ".join(missing),
        )
    column = {name: index for index, name in reversed(list(enumerate(header)))}
    body = data_records(records[1:])

    conventions = infer_conventions(
        numbers=(cell(r, column.get(name)) for _, r in body for name in NUMBER_COLUMNS),
        dates=(cell(r, column["date"]) for _, r in body),
        decimal_comma=decimal_comma,
        day_first=day_first,
        date_column="Date",
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
    consumption: dict[int, float] = {}
    for number, record in body:

        def get(key: str, record: list[str] = record) -> str:  # bound to this row
            return cell(record, column.get(key))

        try:
            rows.append(
                _row(number, get, name, day_first, decimal_comma, distance_unit, volume_unit)
            )
        except CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
            continue
        figure = _economy(get("fueleconomy"), economy_unit, decimal_comma) if economy_unit else None
        if figure is not None:
            consumption[number] = figure
    return ImportedFile(
        format=FORMAT,
        rows=rows,
        errors=errors,
        vehicles=[{"name": name}] if name else [],
        units=found_units,
        source_consumption=consumption,
    )


def _row(
    number: int,
    get: Callable[[str], str],
    name: str,
    day_first: bool | None,
    decimal_comma: bool,
    distance_unit: str,
    volume_unit: str,
) -> ParsedRow:
    """One fill-up; CellError names the file's column."""
    return ParsedRow(
        row_number=number,
        vehicle=name,
        date=parse_date(get("date"), "Date", day_first=day_first),
        odometer_km=odometer_km(
            parse_decimal(get("odometer"), "Odometer", decimal_comma=decimal_comma),
            distance_unit,
            "Odometer",
        ),
        volume_l=volume_l(
            parse_decimal(get("fuelconsumed"), "FuelConsumed", decimal_comma=decimal_comma),
            volume_unit,
            "FuelConsumed",
        ),
        total_amount=money(parse_decimal(get("cost"), "Cost", decimal_comma=decimal_comma), "Cost"),
        is_full=parse_bool(get("isfilltofull"), "IsFillToFull", True),
        missed_previous=parse_bool(get("missedfuelup"), "MissedFuelUp", False),
        notes=text_or_none(get("notes")),
    )


def _economy(raw: str, economy_unit: str, decimal_comma: bool) -> float | None:
    """LubeLogger's own figure as L/100km; a bad or zero one is no figure (only compared,
    never stored)."""
    try:
        return consumption_l_per_100km(
            parse_decimal(raw, "FuelEconomy", required=False, decimal_comma=decimal_comma),
            economy_unit,
        )
    except CellError:
        return None
