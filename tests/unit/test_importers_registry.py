"""The import formats' one table: what the Import page offers is what the CLI reads (but
the column-mapped generic CSV), every format parses to an ImportedFile of its own name,
detection names registry formats, and what a file leaves open is a structured need."""

import argparse
import io
import zipfile

import pytest

from fueltracker.__main__ import build_parser
from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow, registry
from fueltracker.importers.common import DATE_ORDER, DECIMAL_MARK, ImportedFile
from fueltracker.importers.detect import DETECTED_FORMATS as DETECTED
from fueltracker.importers.detect import detect_format
from tests.factories import WORKED_EXAMPLE_CSV
from tests.unit.test_importers_drivvo import ENGLISH
from tests.unit.test_importers_fuelio import LOG_HEADER, ROWS, VEHICLE
from tests.unit.test_importers_fuelly import METRIC
from tests.unit.test_importers_lubelogger import HEADER as LUBELOGGER_HEADER
from tests.unit.test_importers_lubelogger import US

GENERIC = "Day,Km,Litres,Paid\n2024-01-05,10000,40,72.00\n2024-01-20,10800,42,77.70\n"
GENERIC_MAPPING = {"date": "Day", "odometer": "Km", "volume": "Litres", "total": "Paid"}


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fillups.csv", text)
    return buffer.getvalue()


# A good file of each format, with what the user chose for it.
SAMPLES = {
    registry.FUELLY: (METRIC.encode(), registry.Choices()),
    registry.FUELIO: ((VEHICLE + LOG_HEADER + ROWS).encode(), registry.Choices()),
    registry.LUBELOGGER: (US.encode(), registry.Choices(vehicle="Truck", distance_unit="mi")),
    registry.DRIVVO: (ENGLISH.encode(), registry.Choices(vehicle="Car")),
    registry.NATIVE: (WORKED_EXAMPLE_CSV.encode(), registry.Choices()),
    registry.GENERIC: (GENERIC.encode(), registry.Choices(mapping=GENERIC_MAPPING)),
}


def _cli_format_choices() -> list[str]:
    """The --format choices of `python -m fueltracker import`, as argparse holds them."""
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return next(a for a in commands.choices["import"]._actions if a.dest == "format").choices


def test_the_page_and_the_cli_offer_the_same_formats_but_column_mapping():
    page = [fmt.name for fmt in registry.FORMATS]
    assert page == ["fuelly", "fuelio", "lubelogger", "drivvo", "native", "generic"]
    cli = _cli_format_choices()
    # Ours first, as the command has always listed them; the page's order otherwise.
    assert cli == ["native", "fuelly", "fuelio", "lubelogger", "drivvo"]
    # Every format the page offers the CLI reads, except those whose columns only the
    # page can map; and the CLI reads nothing the page does not offer.
    assert set(cli) == {fmt.name for fmt in registry.FORMATS if not fmt.maps_columns}
    assert set(page) - set(cli) == {"generic"}
    for name in page:
        args = ["import", "someone", "file.csv", "--format", name]
        if name in cli:
            assert build_parser().parse_args(args).format == name
        else:
            with pytest.raises(SystemExit):
                build_parser().parse_args(args)


def test_what_each_format_asks_matches_formats_md():
    """formats.md §6.4: units asked of LubeLogger, Drivvo and any CSV; the vehicle always
    asked of LubeLogger and Drivvo; Fuelio holds one vehicle that it usually names."""

    def having(flag):
        return {fmt.name for fmt in registry.FORMATS if getattr(fmt, flag)}

    assert having("asks_units") == {"lubelogger", "drivvo", "generic"}
    assert having("asks_vehicle") == {"lubelogger", "drivvo"}
    assert having("one_vehicle") == {"fuelio", "lubelogger", "drivvo"}
    assert having("maps_columns") == {"generic"}
    assert having("restores_vehicles") == {"native"}
    assert [fmt.label for fmt in registry.FORMATS] == [
        "Fuelly",
        "Fuelio",
        "LubeLogger",
        "Drivvo",
        "Fuel Tracker CSV or ZIP",
        "Generic CSV (map the columns)",
    ]
    with pytest.raises(KeyError):
        registry.get("excel")


@pytest.mark.parametrize("fmt", registry.FORMATS, ids=lambda fmt: fmt.name)
def test_every_format_parses_to_an_imported_file_of_its_name(fmt):
    data, choices = SAMPLES[fmt.name]
    parsed = fmt.parse(data, choices)
    assert isinstance(parsed, ImportedFile) and parsed.format == fmt.name
    assert parsed.errors == [] and parsed.needs == frozenset()
    assert parsed.rows and all(isinstance(row, ParsedRow) for row in parsed.rows)
    assert parsed.units["distance"] in ("km", "mi")
    for garbage in (b"", b"\x89PNG\r\n\x1a\n\x00", b"a,b\n1,2\n", "\ufeffx;y\n".encode()):
        refused = fmt.parse(garbage, choices)
        assert isinstance(refused, ImportedFile) and refused.format == fmt.name
        assert refused.rows == [] and all(isinstance(e, RowError) for e in refused.errors)


def test_our_zip_is_the_native_format():
    parsed = registry.get(registry.NATIVE).parse(_zip(WORKED_EXAMPLE_CSV), registry.Choices())
    assert (parsed.format, len(parsed.rows), parsed.errors) == ("native", 6, [])


def test_detection_names_registry_formats():
    assert {registry.detected(name).name for name in DETECTED} == {
        "native",
        "fuelly",
        "fuelio",
        "lubelogger",
        "drivvo",
    }
    assert registry.detected("native_zip") is registry.get("native")
    assert registry.detected(None) is None
    for name, (data, _) in SAMPLES.items():
        found = registry.detected(detect_format(data))
        assert (found.name if found else "generic") == name
    assert registry.detected(detect_format(_zip(WORKED_EXAMPLE_CSV))).name == "native"


def test_a_file_that_cannot_tell_needs_the_answer_and_choices_give_it():
    ambiguous = LUBELOGGER_HEADER + '01/02/2024,1000,"1,509",70,0,True,False,,,\n'
    lubelogger = registry.get(registry.LUBELOGGER)
    asked = lubelogger.parse(ambiguous.encode(), registry.Choices(vehicle="Golf"))
    assert asked.needs == {DECIMAL_MARK, DATE_ORDER}
    assert [e.row_number for e in asked.errors] == [0, 0] and asked.rows == []
    answered = lubelogger.parse(
        ambiguous.encode(), registry.Choices(vehicle="Golf", decimal_comma=False, day_first=True)
    )
    assert (answered.needs, answered.errors, len(answered.rows)) == (frozenset(), [], 1)
    # Fuelly never asks: an undecided date order is month first, or what the user says.
    fuelly = registry.get(registry.FUELLY)
    undecided = METRIC.replace("2021-01-02,2021", "01/02/2021,2021")
    month_first = fuelly.parse(undecided.encode(), registry.Choices())
    assert month_first.needs == frozenset() and month_first.rows[0].date.month == 1
    day_first = fuelly.parse(undecided.encode(), registry.Choices(day_first=True))
    assert day_first.rows[0].date.month == 2


def test_generic_rows_without_a_vehicle_column_carry_no_name():
    """The page then names their vehicle; a mapped vehicle column's blanks get one."""
    generic = registry.get(registry.GENERIC)
    unnamed = generic.parse(GENERIC.encode(), registry.Choices(mapping=GENERIC_MAPPING))
    assert {row.vehicle for row in unnamed.rows} == {""}
    with_column = GENERIC.replace("Paid\n", "Paid,Car\n").replace("72.00\n", "72.00,Golf\n")
    named = generic.parse(
        with_column.encode(), registry.Choices(mapping=GENERIC_MAPPING | {"vehicle": "Car"})
    )
    assert [row.vehicle for row in named.rows] == ["Golf", "Imported vehicle"]
