"""Parser of Fuelly's web export (formats.md, "Fuelly"): one CSV, every vehicle.

Metric header: car_name, model, l/100km, odometer, km, litres, price, ... fuelup_date,
..., notes, missed_fuelup, partial_fuelup, ..., brand; the imperial one has mpg, miles,
gallons (US), and a variant writes km/l. The units come from those column names.
`price` is per unit of volume: the total is price × volume, rounded to cents. The
economy column is Fuelly's own figure (0 where it has none) and is kept only for
comparison; the distance column is derived by Fuelly, the odometer is authoritative.
"""

from __future__ import annotations

from decimal import Decimal

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.importers.common import (
    MONTH_FIRST,
    CellError,
    ImportedFile,
    VehicleFields,
    cell,
    consumption_l_per_100km,
    data_records,
    decode,
    file_error,
    header_key,
    infer_conventions,
    odometer_km,
    parse_bool,
    parse_date,
    parse_decimal,
    read_csv,
    text_or_none,
    total_from_unit_price,
    volume_l,
)
from fueltracker.models import MONEY_QUANTUM

FORMAT = "fuelly"
REQUIRED_COLUMNS = ("car_name", "odometer", "fuelup_date", "price")
# Column name -> unit code of units.py; one of each group must be in the header.
DISTANCE_COLUMNS = {"km": "km", "miles": "mi"}
VOLUME_COLUMNS = {"litres": "L", "liters": "L", "gallons": "gal_us"}
ECONOMY_COLUMNS = {"l/100km": "L/100km", "km/l": "km/L", "mpg": "mpg_us"}
NOTHING_PAID = Decimal(0).quantize(MONEY_QUANTUM)  # no price: nothing paid, as stored


def looks_fuelly(header: list[str]) -> bool:
    """True when a header row is Fuelly's (detection)."""
    names = {header_key(name) for name in header}
    return {"car_name", "odometer", "fuelup_date"} <= names


def parse_fuelly(data: bytes | str, *, day_first: bool | None = None) -> ImportedFile:
    """Read a Fuelly export. Never raises: every problem is a RowError.

    `day_first` forces the order of `a/b/yyyy` dates; by default the whole column decides
    and, when it cannot, month first (Fuelly is a US site and writes `06/06/2021 0:00`).
    """
    text = decode(data)
    if text is None:
        return file_error(FORMAT, "not a text file (binary data or not UTF-8)")
    records = read_csv(text)
    if not records:
        return file_error(FORMAT, "not a Fuelly file: the file is empty or not CSV")
    header = [header_key(name) for name in records[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return file_error(
            FORMAT, f"not a Fuelly file: no {', '.join(missing)} column", column=", ".join(missing)
        )
    column = {name: index for index, name in reversed(list(enumerate(header)))}
    distance_name = next((n for n in DISTANCE_COLUMNS if n in column), None)
    volume_name = next((n for n in VOLUME_COLUMNS if n in column), None)
    if distance_name is None or volume_name is None:
        return file_error(FORMAT, "not a Fuelly file: no km/miles or litres/gallons column")
    distance_unit = DISTANCE_COLUMNS[distance_name]
    volume_unit = VOLUME_COLUMNS[volume_name]
    economy_name = next((n for n in ECONOMY_COLUMNS if n in column), None)
    found_units = {"distance": distance_unit, "volume": volume_unit}
    if economy_name:
        found_units["consumption"] = ECONOMY_COLUMNS[economy_name]

    body = data_records(records[1:])
    # Undecided: month first, Fuelly's own order.
    day_first = infer_conventions(
        dates=(cell(r, column["fuelup_date"]) for _, r in body),
        day_first=day_first,
        undecided_dates=MONTH_FIRST,
    ).day_first

    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    consumption: dict[int, float] = {}
    vehicles: dict[str, VehicleFields] = {}
    for number, record in body:

        def get(name: str | None, record: list[str] = record) -> str:  # bound to this row
            return cell(record, column.get(name)) if name else ""

        try:
            vehicle = text_or_none(get("car_name"))
            if not vehicle:
                raise CellError("car_name", "a vehicle name is required")
            volume = parse_decimal(get(volume_name), volume_name)
            unit_price = parse_decimal(get("price"), "price", required=False)
            row = ParsedRow(
                row_number=number,
                vehicle=vehicle,
                date=parse_date(get("fuelup_date"), "fuelup_date", day_first=day_first),
                odometer_km=odometer_km(
                    parse_decimal(get("odometer"), "odometer"), distance_unit, "odometer"
                ),
                volume_l=volume_l(volume, volume_unit, volume_name),
                # Fuelly's price is per unit of volume in the file's unit; no price: 0 paid.
                total_amount=(
                    total_from_unit_price(unit_price, volume, "price")
                    if unit_price is not None
                    else NOTHING_PAID
                ),
                is_full=not parse_bool(get("partial_fuelup"), "partial_fuelup", False),
                missed_previous=parse_bool(get("missed_fuelup"), "missed_fuelup", False),
                brand=text_or_none(get("brand")),
                notes=text_or_none(get("notes")),
            )
        except CellError as exc:
            errors.append(RowError(number, exc.column, exc.reason))
            continue
        rows.append(row)
        figure = _economy(get(economy_name), economy_name)
        if figure is not None:
            consumption[number] = figure
        if vehicle not in vehicles:
            vehicles[vehicle] = {"name": vehicle, "model": text_or_none(get("model"), 50)}
    return ImportedFile(
        format=FORMAT,
        rows=rows,
        errors=errors,
        vehicles=list(vehicles.values()),
        units=found_units,
        source_consumption=consumption,
    )


def _economy(raw: str, economy_name: str | None) -> float | None:
    """Fuelly's own figure as L/100km; a bad or zero one is no figure (not a row error:
    it is only compared with ours, never stored)."""
    if economy_name is None:
        return None
    try:
        value = parse_decimal(raw, economy_name, required=False)
    except CellError:
        return None
    return consumption_l_per_100km(value, ECONOMY_COLUMNS[economy_name])
