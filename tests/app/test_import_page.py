"""The Import page under AppTest: upload, detected format and override, preview with
counts and per-row errors, the all-or-none write, and a second import adding nothing."""

from pathlib import Path

import pytest

from fueltracker.db import session_scope
from fueltracker.services import history, vehicles
from tests.app.conftest import open_page, sign_in_state

FUELLY = (
    "car_name,model,l/100km,odometer,km,litres,price,city_percentage,fuelup_date,"
    "date_added,tags,notes,missed_fuelup,partial_fuelup,latitude,longitude,brand\n"
    "Golf,VW,0,10000,0,40,1.80,50,2024-01-05,,,,0,0,,,\n"
    "Golf,VW,5.25,10800,800,42,1.85,50,2024-01-20,,,,0,0,,,\n"
    "Golf,VW,0,11600,800,0,1.85,50,2024-02-10,,,,0,0,,,\n"
    "Golf,VW,0,12400,800,40,1.85,50,2024-03-01,,,,0,0,,,\n"
)
GENERIC = "Day,Km,Litres,Paid\n2024-01-05,10000,40,72.00\n2024-01-20,10800,42,77.70\n"


def _upload(app, data: bytes, name: str = "export.csv"):
    app.file_uploader[0].set_value((name, data, "text/csv"))
    return app.run()


def _metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def _click(app, label_start: str):
    [button] = [b for b in app.button if b.label.startswith(label_start)]
    return button.click().run()


def _count(account) -> int:
    with session_scope() as session:
        return len(history.load_entries_frame(session, account.id))


@pytest.fixture
def import_page(signed_in_app):
    app = open_page(signed_in_app, "import_file")
    assert not app.exception
    assert app.title[0].value == "Import fill-ups"
    return app


def test_preview_errors_then_import_valid_rows_then_nothing_twice(import_page, account, caplog):
    caplog.set_level("INFO")
    app = _upload(import_page, FUELLY.encode())
    assert not app.exception
    assert any("Fuelly" in c.value for c in app.caption)
    assert app.selectbox(key="import_opt_format").value == "fuelly"
    assert _metrics(app) == {"New": "3", "Already present": "0", "Errors": "1"}
    table = app.dataframe[0].value
    status = dict(zip(table["Row"], table["Status"], strict=True))
    assert status[1] == "new"
    assert status[3].startswith("error: volume_l:")
    assert _count(account) == 0  # the preview wrote nothing
    assert not [b for b in app.button if b.label.startswith("Import 3 fill-ups")]
    app = _click(app, "Import the 3 valid rows")
    assert not app.exception
    assert "Imported 3 fill-ups; skipped 0 already present; rejected 1" in app.success[0].value
    assert "Created vehicles: Golf" in app.success[0].value
    assert _count(account) == 3
    [event] = [
        r.security for r in caplog.records if getattr(r, "security", {}).get("event") == "import"
    ]
    assert (event["format"], event["rows"]) == ("fuelly", 3)

    # The same file again: the vehicle maps to the existing Golf, every row already present.
    app = _upload(app, FUELLY.encode())
    assert app.selectbox(key="import_opt_vehicle_0").value == "Golf"
    assert _metrics(app) == {"New": "0", "Already present": "3", "Errors": "1"}
    table = app.dataframe[0].value
    assert list(table["Status"][:2]) == ["already present", "already present"]
    assert app.button(key="import_valid").disabled
    assert _count(account) == 3


def test_clean_file_imports_in_one_click_into_an_existing_vehicle(import_page, account, garage):
    garage("My car")
    app = _upload(import_page, FUELLY.replace("11600,800,0,", "11600,800,41,").encode())
    assert _metrics(app) == {"New": "4", "Already present": "0", "Errors": "0"}
    app.selectbox(key="import_opt_vehicle_0").set_value("My car")
    app = _click(app.run(), "Import 4 fill-ups")
    assert "Imported 4 fill-ups" in app.success[0].value
    with session_scope() as session:
        names = [v.name for v in vehicles.list_vehicles(session, account.id)]
    assert names == ["My car"]


def test_format_override_to_generic_with_column_mapping(import_page, account):
    app = _upload(import_page, GENERIC.encode())
    assert any("not recognised" in c.value for c in app.caption)
    assert app.selectbox(key="import_opt_format").value == "generic"
    assert app.selectbox(key="import_opt_map_date").value == "Day"
    assert app.selectbox(key="import_opt_map_odometer").value == "(none)"
    assert any("odometer" in e.value for e in app.error)
    app.selectbox(key="import_opt_map_odometer").set_value("Km")
    app = app.run()
    app.selectbox(key="import_opt_distance").set_value("mi")
    app.selectbox(key="import_opt_vehicle_one").set_value("A new vehicle")
    app = app.run()
    app.text_input(key="import_opt_vehicle_new_name").input("Van")
    app = app.run()
    assert _metrics(app)["New"] == "2"
    # 10,000 and 10,800 mi, shown in km as whole readings like History shows them.
    assert app.dataframe[0].value["Odometer (km)"].tolist() == [16093, 17381]
    # The mapping is remembered for the next file with the same header.
    assert app.session_state["import_mappings"][("Day", "Km", "Litres", "Paid")]["odometer"] == "Km"

    # Override a detected format: a Fuelly file read as a generic CSV.
    app = _upload(app, FUELLY.encode(), "fuelly.csv")
    assert app.selectbox(key="import_opt_format").value == "fuelly"
    app.selectbox(key="import_opt_format").set_value("generic")
    app = app.run()
    assert app.selectbox(key="import_opt_map_odometer").value == "odometer"
    assert app.selectbox(key="import_opt_map_vehicle").value == "car_name"


def test_ambiguous_dates_ask_for_the_order(import_page, account):
    text = (
        "Date,Odometer,FuelConsumed,Cost,FuelEconomy,IsFillToFull,MissedFuelUp,Notes,Tags\n"
        "03/04/2024,1000,40,70,0,True,False,,\n04/05/2024,1800,40,70,0,True,False,,\n"
    )
    app = _upload(import_page, text.encode())
    assert app.selectbox(key="import_opt_format").value == "lubelogger"
    assert app.radio(key="import_opt_date_order") is not None
    assert not app.metric
    app = app.radio(key="import_opt_date_order").set_value("day/month/year").run()
    app = app.selectbox(key="import_opt_vehicle_one").set_value("A new vehicle").run()
    app.text_input(key="import_opt_vehicle_new_name").input("Truck")
    app = app.run()
    assert _metrics(app)["New"] == "2"
    assert str(app.dataframe[0].value["Date"][0]) == "2024-04-03"


def test_binary_file_renamed_csv_is_rejected(import_page):
    app = _upload(import_page, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv")
    assert not app.exception
    assert any("not a CSV file" in e.value for e in app.error)
    assert not app.metric


def test_shared_fuelly_fixture_previews_23_new_rows(import_page, shared_fixtures: Path):
    data = (shared_fixtures / "fuelly_vstrom_metric.csv").read_bytes()
    app = _upload(import_page, data)
    assert _metrics(app) == {"New": "23", "Already present": "0", "Errors": "0"}


def test_header_only_file_holds_no_fillups(import_page):
    app = _upload(import_page, FUELLY.split("\n")[0].encode() + b"\n")
    assert _metrics(app) == {"New": "0", "Already present": "0", "Errors": "0"}
    assert any("holds no fill-ups" in i.value for i in app.info)


def test_generic_mapping_is_remembered_across_sessions(import_page, account, database_url):
    from streamlit.testing.v1 import AppTest

    from fueltracker.services import mappings
    from tests.app.conftest import HARNESS

    app = _upload(import_page, GENERIC.encode())
    app.selectbox(key="import_opt_map_odometer").set_value("Km")
    app = app.run()
    app.selectbox(key="import_opt_vehicle_one").set_value("A new vehicle")
    app = app.run()
    app.text_input(key="import_opt_vehicle_new_name").input("Van")
    app = _click(app.run(), "Import")
    assert "Imported 2 fill-ups" in app.success[0].value
    header = ["Day", "Km", "Litres", "Paid"]
    with session_scope() as session:
        assert mappings.recall_mapping(session, account.id, header)["odometer"] == "Km"
    # A new browser session (fresh session state) maps the same header by itself.
    later = AppTest.from_file(str(HARNESS), default_timeout=30)
    sign_in_state(later, account.id)
    later = _upload(open_page(later, "import_file"), GENERIC.encode())
    assert later.selectbox(key="import_opt_map_odometer").value == "Km"


def test_values_finer_than_storage_are_errors_in_the_preview_not_a_crash(import_page, account):
    """A volume that rounds to 0 L and two readings equal once stored: the preview says so,
    and importing the valid rows works (it once said "New 3, Errors 0", then crashed)."""
    native = (
        "vehicle,date,odometer_km,volume_l,total_amount\n"
        "Golf,2024-01-05,1000,0.0000000001,1.00\n"
        "Golf,2024-01-20,1000.0000001,40,70.00\n"
        "Golf,2024-01-20,1000.0000002,40,70.00\n"
    )
    app = _upload(import_page, native.encode())
    assert _metrics(app) == {"New": "1", "Already present": "1", "Errors": "1"}
    app = _click(app, "Import the 1 valid row")
    assert not app.exception
    assert not [e for e in app.error if "Something went wrong" in e.value]
    assert "Imported 1 fill-up; skipped 1 already present; rejected 1" in app.success[0].value
    assert _count(account) == 1
