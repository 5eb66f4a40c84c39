"""The import formats: one table read by the Import page and by the CLI (formats.md §6.4).

Each ImportFormat names a format, labels it for the page, parses a file with what the
user chose (Choices: the page's widgets, the CLI's options) and says what it asks the
user: units, a vehicle, a column mapping. What a particular file leaves open (its decimal
mark, date order, or the vehicle a Fuelio backup does not name) is not a property of the
format but of the parse result: ImportedFile.needs.

Detection (detect.py) names these formats; `detected` turns its answer into one. Adding a
format is a parser module, a row in FORMATS, and a rule in detect.py.

Pure: no Streamlit, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fueltracker.importers.common import ImportedFile
from fueltracker.importers.drivvo import parse_drivvo
from fueltracker.importers.fuelio import parse_fuelio
from fueltracker.importers.fuelly import parse_fuelly
from fueltracker.importers.generic import DEFAULT_VEHICLE, parse_generic
from fueltracker.importers.lubelogger import parse_lubelogger
from fueltracker.importers.native import parse_native_file

NATIVE = "native"
FUELLY = "fuelly"
FUELIO = "fuelio"
LUBELOGGER = "lubelogger"
DRIVVO = "drivvo"
GENERIC = "generic"
# What detect_format calls our data ZIP: the native format, read as an archive.
NATIVE_ZIP = "native_zip"


@dataclass(frozen=True)
class Choices:
    """What the user says about a file that the file does not say itself.

    `vehicle` names the vehicle of a one-vehicle file (and replaces the name a Fuelio
    backup gives); formats whose rows name their vehicles ignore it (the CLI then sends
    every row to that existing vehicle instead). `distance_unit` / `volume_unit` are the
    units of a file that has none. `decimal_comma` / `day_first` answer DECIMAL_MARK /
    DATE_ORDER (None: inferred from the file). `mapping` is the generic CSV's field ->
    column name.
    """

    vehicle: str | None = None
    distance_unit: str = "km"
    volume_unit: str = "L"
    decimal_comma: bool | None = None
    day_first: bool | None = None
    mapping: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportFormat:
    """One format the importers read, and what it asks of the user.

    `parse(data, choices)` never raises: problems are RowErrors of its ImportedFile.
    `asks_units`: the file does not say its units (page: two selects; CLI:
    --distance-unit/--volume-unit). `one_vehicle`: the file holds one vehicle's fill-ups,
    so a vehicle the user gives names that vehicle (Choices.vehicle). `asks_vehicle`: the
    file never names it, so the user always does (page: the vehicle picker; CLI:
    --vehicle required). `maps_columns`: the user maps the file's columns, which only the
    page can do, so the CLI does not offer the format. `restores_vehicles`: the file's
    vehicles are account content of their own (our data ZIP: archived ones too), created
    whichever vehicle the rows go to. `detected_as`: the names detect_format gives it.
    """

    name: str
    label: str
    parse: Callable[[bytes, Choices], ImportedFile]
    asks_units: bool = False
    one_vehicle: bool = False
    asks_vehicle: bool = False
    maps_columns: bool = False
    restores_vehicles: bool = False
    detected_as: tuple[str, ...] = ()


def _native(data: bytes, choices: Choices) -> ImportedFile:
    return parse_native_file(data)  # km, litres, ISO dates, its own vehicles: nothing asked


def _fuelly(data: bytes, choices: Choices) -> ImportedFile:
    return parse_fuelly(data, day_first=choices.day_first)


def _fuelio(data: bytes, choices: Choices) -> ImportedFile:
    return parse_fuelio(data, vehicle=choices.vehicle)


def _lubelogger(data: bytes, choices: Choices) -> ImportedFile:
    return parse_lubelogger(
        data,
        vehicle=choices.vehicle or "",
        distance_unit=choices.distance_unit,
        volume_unit=choices.volume_unit,
        decimal_comma=choices.decimal_comma,
        day_first=choices.day_first,
    )


def _drivvo(data: bytes, choices: Choices) -> ImportedFile:
    return parse_drivvo(
        data,
        vehicle=choices.vehicle or "",
        distance_unit=choices.distance_unit,
        volume_unit=choices.volume_unit,
        decimal_comma=choices.decimal_comma,
        day_first=choices.day_first,
    )


def _generic(data: bytes, choices: Choices) -> ImportedFile:
    vehicle = choices.vehicle
    if vehicle is None:
        # Without a vehicle column the rows carry no name and the user names their
        # vehicle; with one, its blank cells go to a vehicle of their own.
        vehicle = DEFAULT_VEHICLE if "vehicle" in choices.mapping else ""
    return parse_generic(
        data,
        choices.mapping,
        distance_unit=choices.distance_unit,
        volume_unit=choices.volume_unit,
        day_first=choices.day_first,
        decimal_comma=choices.decimal_comma,
        vehicle=vehicle,
    )


# In the order the Import page offers them: other apps, ours, then any CSV.
FORMATS: tuple[ImportFormat, ...] = (
    ImportFormat(FUELLY, "Fuelly", _fuelly, detected_as=(FUELLY,)),
    ImportFormat(FUELIO, "Fuelio", _fuelio, one_vehicle=True, detected_as=(FUELIO,)),
    ImportFormat(
        LUBELOGGER,
        "LubeLogger",
        _lubelogger,
        asks_units=True,
        one_vehicle=True,
        asks_vehicle=True,
        detected_as=(LUBELOGGER,),
    ),
    ImportFormat(
        DRIVVO,
        "Drivvo",
        _drivvo,
        asks_units=True,
        one_vehicle=True,
        asks_vehicle=True,
        detected_as=(DRIVVO,),
    ),
    ImportFormat(
        NATIVE,
        "Fuel Tracker CSV or ZIP",
        _native,
        restores_vehicles=True,
        detected_as=(NATIVE, NATIVE_ZIP),
    ),
    ImportFormat(
        GENERIC, "Generic CSV (map the columns)", _generic, asks_units=True, maps_columns=True
    ),
)
_BY_NAME = {fmt.name: fmt for fmt in FORMATS}
_BY_DETECTION = {detected: fmt for fmt in FORMATS for detected in fmt.detected_as}


def get(name: str) -> ImportFormat:
    """The format of this name; KeyError for a name that is none."""
    return _BY_NAME[name]


def detected(detection: str | None) -> ImportFormat | None:
    """The format detect_format's answer stands for (None: not recognised)."""
    return _BY_DETECTION.get(detection) if detection else None


def cli_formats() -> tuple[ImportFormat, ...]:
    """The formats `python -m fueltracker import --format` reads: all but those whose
    columns the user maps (only the page can ask that), ours first."""
    readable = [fmt for fmt in FORMATS if not fmt.maps_columns]
    return tuple(sorted(readable, key=lambda fmt: fmt.name != NATIVE))
