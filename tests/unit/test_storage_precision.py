"""Values are rounded to what their NUMERIC column stores before they are validated, and
text fields refuse control characters (models.to_storage, schemas): what passes the schema
is what PostgreSQL will store, so no check passes a value the database then refuses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from fueltracker import csvsafe, metrics
from fueltracker.errors import ValidationError
from fueltracker.export import native_csv
from fueltracker.importers.native import parse_native
from fueltracker.models import (
    MONEY_QUANTUM,
    ODOMETER_QUANTUM,
    TANK_QUANTUM,
    VOLUME_QUANTUM,
    FuelEntry,
    Vehicle,
    storage_quantum,
    to_storage,
)
from fueltracker.schemas import FillupCreate, ProfileUpdate, UserCreate, VehicleCreate, parse


def _frame(notes: str, station: str) -> pd.DataFrame:
    """One fill-up as the derived frame the exports read."""
    return metrics.add_derived(
        pd.DataFrame(
            [
                {
                    "entry_id": 1,
                    "vehicle_id": 1,
                    "vehicle_name": "Golf",
                    "date": "2024-03-01",
                    "odometer_km": 1000.0,
                    "volume_l": 40.0,
                    "total_amount": 70.0,
                    "is_full": True,
                    "missed_previous": False,
                    "station": station,
                    "brand": None,
                    "grade": None,
                    "notes": notes,
                }
            ]
        )
    )


BASE = {
    "vehicle_id": 1,
    "date": dt.date(2024, 3, 1),
    "odometer_km": Decimal("1000"),
    "volume_l": Decimal("40"),
    "total_amount": Decimal("70"),
}


def test_quanta_are_read_from_the_columns():
    assert (ODOMETER_QUANTUM, VOLUME_QUANTUM, MONEY_QUANTUM, TANK_QUANTUM) == (
        Decimal("0.000001"),
        Decimal("0.000000001"),
        Decimal("0.0001"),
        Decimal("0.001"),
    )
    assert storage_quantum(FuelEntry.odometer_km) == Decimal(1).scaleb(
        -FuelEntry.__table__.c.odometer_km.type.scale
    )


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("1000.0000001", "1000.000000"),
        ("1000.0000005", "1000.000001"),  # half away from zero, as PostgreSQL rounds NUMERIC
        ("999999999.9999999", "1000000000.000000"),
        ("1E+40", "1E+40"),  # too many digits for the column: left to the bounds
    ],
)
def test_to_storage_rounds_like_postgresql(value, stored):
    assert str(to_storage(Decimal(value), FuelEntry.odometer_km)) == stored


def test_a_volume_below_the_columns_scale_is_refused_not_stored_as_zero():
    with pytest.raises(ValidationError) as caught:
        parse(FillupCreate, **BASE | {"volume_l": Decimal("0.0000000001")})
    assert caught.value.field == "volume_l"


def test_a_reading_just_under_the_limit_that_rounds_over_it_is_refused():
    with pytest.raises(ValidationError) as caught:
        parse(FillupCreate, **BASE | {"odometer_km": Decimal("999999999.9999999")})
    assert caught.value.field == "odometer_km"


def test_amounts_are_stored_values_after_parsing():
    data = parse(
        FillupCreate,
        **BASE
        | {
            "odometer_km": Decimal("1000.0000002"),
            "volume_l": Decimal("40.0000000004"),
            "total_amount": Decimal("70.00005"),
        },
    )
    assert (data.odometer_km, data.volume_l, data.total_amount) == (
        Decimal("1000.000000"),
        Decimal("40.000000000"),
        Decimal("70.0001"),
    )
    tank = parse(VehicleCreate, name="Golf", tank_capacity_l=Decimal("50.0004")).tank_capacity_l
    assert tank == Decimal("50.000")


@pytest.mark.parametrize("field", ["station", "brand", "grade", "notes"])
@pytest.mark.parametrize("bad", ["a\x00b", "\x1b[31mred", "x\x7f", "x\x85"])
def test_control_characters_in_fillup_text_are_a_field_error(field, bad):
    with pytest.raises(ValidationError) as caught:
        parse(FillupCreate, **BASE | {field: bad})
    assert caught.value.field == field
    assert "control character" in caught.value.reason


@pytest.mark.parametrize("field", ["station", "brand", "grade"])
@pytest.mark.parametrize("text", ["\tShell", "Shell\r", "\nShell", "Sh\tell"])
def test_one_line_fields_refuse_tabs_and_line_breaks_instead_of_dropping_them(field, text):
    with pytest.raises(ValidationError) as caught:
        parse(FillupCreate, **BASE | {field: text})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "schema,fields,field",
    [
        (VehicleCreate, {"name": "Go\x00lf"}, "name"),
        (VehicleCreate, {"name": "Golf", "make": "V\x00W"}, "make"),
        (VehicleCreate, {"name": "Golf", "fuel_type": "Die\x08sel"}, "fuel_type"),
        (ProfileUpdate, {"display_name": "Ann\x00"}, "display_name"),
        (ProfileUpdate, {"display_name": "Ann", "email": "a@b\x00.c"}, "email"),
        (
            UserCreate,
            {"username": "anna", "display_name": "A\x1bnna", "password": "correct horse battery"},
            "display_name",
        ),
    ],
)
def test_control_characters_in_other_text_fields(schema, fields, field):
    with pytest.raises(ValidationError) as caught:
        parse(schema, **fields)
    assert caught.value.field == field


@pytest.mark.parametrize(
    "notes", ["\tindented", "\nfirst line empty", "two\nlines\n", "tab\tinside"]
)
def test_notes_keep_tabs_and_line_breaks_even_leading_ones(notes):
    assert parse(FillupCreate, **BASE | {"notes": notes}).notes == notes


def test_notes_store_every_line_break_as_lf():
    """A bare CR would end the row of a CSV export, so line breaks are stored as LF."""
    assert parse(FillupCreate, **BASE | {"notes": "\ra\r\nb\rc"}).notes == "\na\nb\nc"


def test_blank_text_is_none_and_spaces_around_are_dropped():
    data = parse(FillupCreate, **BASE | {"station": "  Shell ", "notes": "  \n "})
    assert (data.station, data.notes) == ("Shell", None)


@pytest.mark.parametrize(
    "typed", ["\t=cmd|' /C calc'!A0", "\r+1", "\n@SUM(A1)", "\tplain", "'\ttwice", "\r\n-2"]
)
def test_leading_tab_cr_lf_survive_export_and_import(typed):
    """A note starting with a tab or a line break comes back from our CSV as it was
    stored (the export neutralises it like the other formula prefixes; the import keeps
    it instead of stripping it)."""
    stored = parse(FillupCreate, **BASE | {"notes": typed}).notes
    assert stored[0] in "\t\n'"
    text = native_csv(_frame(stored, '=HYPERLINK("x")'), "EUR")
    parsed = parse_native(text)
    [row], errors = parsed.rows, parsed.errors
    assert errors == []
    assert row.notes == stored
    assert row.station == '=HYPERLINK("x")'
    assert parse(FillupCreate, **BASE | {"notes": row.notes}).notes == stored


@pytest.mark.parametrize("text", ["\tx", "\rx", "=x", "+x", "-x", "@x", "'=x", "''\tx"])
def test_neutralise_then_restore_is_exact(text):
    assert csvsafe.unneutralise(csvsafe.neutralise(text)) == text
    assert csvsafe.neutralise(text).startswith("'")


def test_vehicle_tank_column_quantum_matches_the_table():
    assert Vehicle.__table__.c.tank_capacity_l.type.scale == 3


def test_bound_messages_show_the_number_not_its_repr():
    """The storage rounding runs before pydantic's bound, which then names the bound as
    repr ("Decimal('2000')"): the message a user reads says 2000."""
    import datetime as dt

    from fueltracker.errors import ValidationError
    from fueltracker.schemas import FillupCreate, parse

    with pytest.raises(ValidationError) as caught:
        parse(
            FillupCreate,
            vehicle_id=1,
            date=dt.date(2024, 1, 1),
            odometer_km=1,
            volume_l="2000.5",
            total_amount=1,
        )
    assert caught.value.reason == "Volume (litres): Input should be less than or equal to 2000"
