"""Every page with a signed-in account: empty states, data, forms and their error paths."""

from fueltracker.db import session_scope
from fueltracker.services import history
from tests.app.conftest import open_page, revision, shown
from tests.factories import preferences_of

TWO_FULL_TANKS = (("2024-01-01", "10000", "40", "72"), ("2024-01-20", "10800", "42", "77.7"))


def test_dashboard_empty_state(signed_in_app):
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception
    assert "No fill-ups yet" in app.info[0].value


def test_dashboard_with_data(signed_in_app, garage):
    garage("Golf", TWO_FULL_TANKS)
    app = open_page(signed_in_app, "dashboard")
    app.segmented_control(key="dashboard_period").set_value("All time").run()
    assert not app.exception
    figures = {m.label: m.value for m in app.metric}
    assert figures["Avg L/100 km"] == "5.25"
    assert figures["Spent (USD)"] == "149.70"
    assert figures["Avg USD/L"] == "1.826"  # average price: 149.70 / 82 L
    assert len(app.get("plotly_chart")) == 2


def test_log_fillup_needs_a_vehicle(signed_in_app):
    app = open_page(signed_in_app, "log_fillup")
    assert "Add a vehicle first" in app.info[0].value


def _fill(app, odometer, volume, total):
    app.number_input(key="fillup_0_odometer").set_value(odometer)
    app.number_input(key="fillup_0_volume").set_value(volume)
    app.number_input(key="fillup_0_total").set_value(total)
    return _submit(app)


def _submit(app):
    submit = [b for b in app.button if b.label in ("Save fill-up", "Save changes")][0]
    return submit.click().run()


def test_log_fillup_saves_and_reports_consumption(signed_in_app, garage, account):
    garage("Golf", TWO_FULL_TANKS[:1])
    app = open_page(signed_in_app, "log_fillup")
    before = revision(account.id)
    _fill(app, 10800.0, 42.0, 77.7)
    assert not app.exception
    assert "5.25 L/100 km" in app.success[0].value
    assert revision(account.id) == before + 1
    assert app.number_input(key="fillup_1_odometer").value is None  # fresh form


def test_log_partial_fillup_is_deferred(signed_in_app, garage):
    garage("Golf", TWO_FULL_TANKS[:1])
    app = open_page(signed_in_app, "log_fillup")
    app.toggle(key="fillup_0_full").set_value(False)
    _fill(app, 10300.0, 15.0, 27.0)
    assert "Partial fill-up" in app.success[0].value


def test_log_fillup_validation_error_keeps_input(signed_in_app, garage):
    garage("Golf", TWO_FULL_TANKS)
    app = open_page(signed_in_app, "log_fillup")
    _fill(app, 9000.0, 30.0, 50.0)
    assert not app.exception
    messages = [shown(e.value) for e in app.error]
    assert messages == ["Odometer 9,000 km must be greater than 10,800 km recorded on 2024-01-20"]
    assert app.number_input(key="fillup_0_odometer").value == 9000.0
    assert app.number_input(key="fillup_0_volume").value == 30.0


def test_log_fillup_in_us_units(signed_in_app, garage, account):
    from fueltracker.services import users

    with session_scope() as session:
        users.set_preferences(
            session,
            account.id,
            preferences_of(
                account, distance_unit="mi", volume_unit="gal_us", consumption_unit="mpg_us"
            ),
        )
    garage("Truck")
    app = open_page(signed_in_app, "log_fillup")
    assert app.number_input(key="fillup_0_volume").label == "Volume (US gal)"
    _fill(app, 1000.0, 12.345, 40.0)
    with session_scope() as session:
        [row] = history.list_fillups(session, account.id).rows
    assert str(row.odometer_km) == "1609.344000"
    assert round(float(row.volume_l) / 3.785411784, 3) == 12.345


def test_history_lists_derived_values_and_pages(signed_in_app, garage):
    entries = tuple(
        (f"2024-01-{day:02d}", str(10000 + day * 500), "30", "50") for day in range(1, 31)
    )
    garage("Golf", entries)
    app = open_page(signed_in_app, "history")
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 25
    assert table.iloc[0]["Date"].isoformat() == "2024-01-30"
    assert table.iloc[0]["Consumption (L/100 km)"] == 6.0  # 30 L / 500 km
    app.button(key="older").click().run()
    assert len(app.dataframe[0].value) == 5
    assert any(c.value.startswith("Page 2 ·") for c in app.caption)
    app.button(key="newer").click().run()
    assert len(app.dataframe[0].value) == 25


def test_history_empty_state(signed_in_app):
    app = open_page(signed_in_app, "history")
    assert "No fill-ups yet" in app.info[0].value


def test_vehicles_add_and_duplicate(signed_in_app, garage):
    garage("Golf")
    app = open_page(signed_in_app, "vehicles")
    assert not app.exception
    app.text_input(key="new_vehicle_0_name").input("golf")
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    assert any("already have a vehicle named" in e.value for e in app.error)
    app.text_input(key="new_vehicle_0_name").input("V-Strom")
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    assert not app.exception
    assert app.success[0].value == r"Added V\-Strom."  # markdown-escaped: shown literally


def test_vehicles_archive(signed_in_app, garage):
    golf = garage("Golf")
    app = open_page(signed_in_app, "vehicles")
    app.button(key=f"archive_{golf.id}").click().run()
    assert not app.exception
    app = open_page(signed_in_app, "log_fillup")
    assert "Add a vehicle first" in app.info[0].value


def test_vehicles_delete_names_what_went_in_the_right_number(signed_in_app, garage):
    golf = garage("Golf", (("2024-01-01", "10000", "40", "72"),))
    app = open_page(signed_in_app, "vehicles")
    delete = app.button(key=f"delete_{golf.id}")
    assert delete.label == ":red[:material/delete_forever: Delete vehicle and history]"
    assert delete.proto.type != "primary"  # the app's green says "go ahead"
    app.text_input(key=f"confirm_delete_{golf.id}").input("Golf").run()
    app.button(key=f"delete_{golf.id}").click().run()
    assert not app.exception
    assert app.success[0].value == "Deleted Golf and 1 fill-up, with its expenses."


def test_unexpected_error_shows_reference_not_traceback(signed_in_app, garage, monkeypatch, caplog):
    from fueltracker.services import history as history_service

    garage("Golf", TWO_FULL_TANKS)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(history_service, "load_entries_frame", broken)
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception  # no traceback element reaches the browser
    [message] = [e.value for e in app.error]
    assert message.startswith("Something went wrong — reference ")
    assert "database on fire" not in message
    reference = message.split("reference ")[1][:8]
    assert any(r.correlation_id == reference and r.exc_info for r in caplog.records)


def test_tank_capacity_in_users_volume_unit(signed_in_app, account):
    with session_scope() as session:
        from fueltracker.services import users, vehicles

        users.set_preferences(session, account.id, preferences_of(account, volume_unit="gal_uk"))
    app = open_page(signed_in_app, "vehicles")
    app.text_input(key="new_vehicle_0_name").input("Land Rover")
    tank = app.number_input(key="new_vehicle_0_tank")
    assert tank.label == "Tank capacity (UK gal)"
    tank.set_value(20.0)
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    with session_scope() as session:
        [vehicle] = vehicles.list_vehicles(session, account.id)
    assert str(vehicle.tank_capacity_l) == "90.922"  # 20 × 4.54609 L


def test_petrol_is_gasoline_for_a_us_user_and_stored_as_petrol(signed_in_app, account):
    from fueltracker.services import users, vehicles

    with session_scope() as session:
        users.set_preferences(
            session,
            account.id,
            preferences_of(
                account, distance_unit="mi", volume_unit="gal_us", consumption_unit="mpg_us"
            ),
        )
    app = open_page(signed_in_app, "vehicles")
    app.text_input(key="new_vehicle_0_name").input("Civic")
    fuel = app.selectbox(key="new_vehicle_0_fuel")
    assert fuel.format_func("Petrol") == "Gasoline"
    fuel.set_value("Petrol")
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    with session_scope() as session:
        [civic] = vehicles.list_vehicles(session, account.id)
    assert civic.fuel_type == "Petrol"  # the canonical name; only the label is American


def test_a_motorbike_is_shown_as_a_motorbike(signed_in_app, garage, account):
    """Issue 12, item 10: every vehicle had a car's icon; vehicles now have a kind."""
    from fueltracker.services import vehicles

    garage("Golf")
    app = open_page(signed_in_app, "vehicles")
    kind = app.button_group(key="new_vehicle_0_kind")
    assert kind.value == "car"  # the default, shown selected
    assert kind.format_func("motorbike") == ":material/two_wheeler: Motorbike"
    app.text_input(key="new_vehicle_0_name").input("V-Strom")
    kind.set_value("motorbike")
    app = [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    assert not app.exception
    with session_scope() as session:
        kinds = {v.name: v.kind for v in vehicles.list_vehicles(session, account.id)}
    assert kinds == {"Golf": "car", "V-Strom": "motorbike"}
    icons = {e.label: e.icon for e in app.expander}
    assert icons["Golf"] == ":material/directions_car:"
    assert icons["V\\-Strom"] == ":material/two_wheeler:"  # the label is markdown-escaped


def test_editing_a_vehicle_saves_what_its_fields_show(signed_in_app, garage, account):
    """The edit form's save goes through save_vehicle's update path: a new name and year
    are saved; the tank, still showing what the form showed of it (50 L is 10.998 UK gal),
    keeps its stored litres rather than 10.998 UK gal = 49.997 L."""
    from fueltracker.services import users, vehicles

    with session_scope() as session:
        users.set_preferences(session, account.id, preferences_of(account, volume_unit="gal_uk"))
    golf = garage("Golf", tank_capacity_l="50")
    app = open_page(signed_in_app, "vehicles")
    assert app.number_input(key=f"vehicle_{golf.id}_tank").value == 10.998
    app.text_input(key=f"vehicle_{golf.id}_name").input("Golf GTI")
    app.number_input(key=f"vehicle_{golf.id}_year").set_value(2019)
    app = [b for b in app.button if b.label == "Save changes"][0].click().run()
    assert not app.exception
    assert app.success[0].value == "Saved Golf GTI."
    with session_scope() as session:
        [saved] = vehicles.list_vehicles(session, account.id)
    assert (saved.id, saved.name, saved.year) == (golf.id, "Golf GTI", 2019)
    assert str(saved.tank_capacity_l) == "50.000"
