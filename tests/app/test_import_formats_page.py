"""The Import page reads its formats and questions from the importers' registry: it
offers every format of the table, and asks what a parse result says the file left open."""

from decimal import Decimal

from fueltracker.db import session_scope
from fueltracker.importers import registry
from fueltracker.services import vehicles
from tests.app.conftest import open_page
from tests.app.test_import_page import FUELLY, _click, _count, _metrics, _upload
from tests.unit.test_importers_fuelio import LOG_HEADER, ROWS
from tests.unit.test_importers_fuelio import VEHICLE as FUELIO_VEHICLE


def test_the_format_select_offers_every_registry_format(signed_in_app):
    app = _upload(open_page(signed_in_app, "import_file"), FUELLY.encode())
    assert not app.exception
    select = app.selectbox(key="import_opt_format")
    assert select.options == [fmt.label for fmt in registry.FORMATS]
    assert select.value == "fuelly"


def test_a_fuelio_backup_naming_no_vehicle_asks_for_one(signed_in_app, account, garage):
    """It once stopped at "Name: the file names no vehicle; choose one" with nothing to
    choose (only the CLI's --vehicle could import it): the page now offers the vehicle
    picker of LubeLogger and Drivvo, and a new vehicle keeps the backup's details."""
    garage("Golf")
    unnamed = (FUELIO_VEHICLE.replace('"Diesel van"', '""') + LOG_HEADER + ROWS).encode()
    app = _upload(open_page(signed_in_app, "import_file"), unnamed)
    assert not app.exception
    assert app.selectbox(key="import_opt_format").value == "fuelio"
    assert not app.error
    picker = app.selectbox(key="import_opt_vehicle_one")
    assert picker.options == ["Golf", "A new vehicle"]
    assert _metrics(app) == {"New": "3", "Already present": "0", "Errors": "0"}
    assert set(app.dataframe[0].value["Vehicle"]) == {"Golf"}

    app = picker.set_value("A new vehicle").run()
    assert not app.metric  # no preview until the new vehicle has a name
    app.text_input(key="import_opt_vehicle_new_name").input("Van")
    app = app.run()
    assert _metrics(app) == {"New": "3", "Already present": "0", "Errors": "0"}
    app = _click(app, "Import 3 fill-ups")
    assert "Imported 3 fill-ups" in app.success[0].value
    assert "Created vehicles: Van" in app.success[0].value
    with session_scope() as session:
        van = next(v for v in vehicles.list_vehicles(session, account.id) if v.name == "Van")
    assert (van.make, van.model, van.year, van.fuel_type) == ("Ford", "Transit", 2015, "diesel")
    assert van.tank_capacity_l == Decimal("75.708")
    assert _count(account) == 3
