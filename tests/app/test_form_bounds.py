"""What the user sees is what is saved (issue 12, item 1) under AppTest: no form hands a bound
to Streamlit (the browser would then keep the last accepted value and the script save it),
so a refused value stays in its field, gets its own message naming the field and the bound,
and nothing is saved until the fields show what will be stored.

Before the fix, AppTest showed the same fault as the browser: a value outside the widget's
bounds was replaced by the widget's default (Streamlit's deserializer), then saved.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.services import users, vehicles
from fueltracker.services.history import list_fillups
from fueltracker.ui import history
from tests.app.conftest import open_page, revision, shown
from tests.app.test_log_fillup import _edit_script
from tests.factories import preferences_of

US_UNITS = {"distance_unit": "mi", "volume_unit": "gal_us", "consumption_unit": "mpg_us"}


def _us_units(account) -> None:
    with session_scope() as session:
        users.set_preferences(session, account.id, preferences_of(account, **US_UNITS))


def _save(app: AppTest) -> AppTest:
    return next(b for b in app.button if b.label in ("Save fill-up", "Save changes")).click().run()


def _stored(account) -> list:
    with session_scope() as session:
        return list_fillups(session, account.id).rows


def _errors(app: AppTest) -> list[str]:
    return [shown(e.value) for e in app.error]


def test_a_refused_volume_is_not_replaced_by_the_previous_one(signed_in_app, garage, account):
    _us_units(account)
    garage("Civic")
    app = open_page(signed_in_app, "log_fillup")
    volume = app.number_input(key="fillup_0_volume")
    assert volume.proto.has_min is False and volume.proto.has_max is False  # no widget bounds
    app.number_input(key="fillup_0_odometer").set_value(26800.0)
    app.number_input(key="fillup_0_volume").set_value(10.0)
    app.number_input(key="fillup_0_total").set_value(30.0).run()
    assert not app.error

    app.number_input(key="fillup_0_volume").set_value(-5.0).run()
    # Said at once, next to the amounts: the field shows -5, the form knows it is -5.
    assert _errors(app) == ["Volume must be more than 0 US gal"]
    assert not [m for m in app.markdown if "from volume and total" in m.value]  # not worked out
    before = revision(account.id)
    app = _save(app)
    assert not app.exception
    assert _stored(account) == []  # the earlier 10 gal was not saved in its place
    assert revision(account.id) == before
    assert _errors(app) == ["Volume must be more than 0 US gal"]
    assert app.number_input(key="fillup_0_volume").value == -5.0  # what the user typed stays

    app.number_input(key="fillup_0_volume").set_value(10.0).run()
    assert not app.error
    _save(app)
    [row] = _stored(account)
    assert row.volume_l == Decimal("37.854117840")  # 10 US gal, as the field showed


def test_a_future_date_is_refused_with_its_own_message(signed_in_app, garage, account):
    garage("Golf", (("2024-01-01", "10000", "40", "72"),))
    app = open_page(signed_in_app, "log_fillup")
    today = local_today(account.timezone)
    later = today + dt.timedelta(days=23)
    app.number_input(key="fillup_0_odometer").set_value(10500.0)
    app.number_input(key="fillup_0_volume").set_value(35.0)
    app.number_input(key="fillup_0_total").set_value(63.0)
    app.date_input(key="fillup_0_date").set_value(later).run()
    message = f"Date {later.isoformat()} is in the future (today is {today.isoformat()})"
    assert _errors(app) == [message]
    app = _save(app)
    assert not app.exception
    assert len(_stored(account)) == 1  # only the fill-up from before
    assert _errors(app) == [message]
    assert app.date_input(key="fillup_0_date").value == later

    app.date_input(key="fillup_0_date").set_value(dt.date(1899, 12, 31)).run()
    assert _errors(app) == ["Date must not be before 1900-01-01"]
    assert len(_stored(account)) == 1


def test_every_field_names_its_bound_in_the_users_units(signed_in_app, garage, account):
    _us_units(account)
    garage("Civic")
    app = open_page(signed_in_app, "log_fillup")
    app.number_input(key="fillup_0_odometer").set_value(-1.0)
    app.number_input(key="fillup_0_volume").set_value(600.0)
    app.number_input(key="fillup_0_price").set_value(-3.459)
    app.number_input(key="fillup_0_total").set_value(100000.5).run()
    assert _errors(app) == [
        "Odometer must be at least 0 mi",
        "Volume must be at most 528.344 US gal",
        "Price must be at least 0 USD/US gal",
        "Total paid must be at most 100,000 USD",
    ]
    app = _save(app)
    assert not app.warning  # no plausibility check of values that cannot be saved
    assert _stored(account) == []
    assert len(app.error) == 4


def test_the_edit_form_refuses_too_and_keeps_the_stored_fill_up(database_url, garage, account):
    garage("Golf", (("2024-01-01", "43100", "40", "72"), ("2024-01-20", "43900", "42", "77.7")))
    last = _stored(account)[0]
    app = AppTest.from_function(_edit_script, args=(account.id, last.id), default_timeout=30)
    app.run()
    form = f"edit_{last.id}"
    odometer = app.number_input(key=f"{form}_odometer")
    assert (odometer.value, odometer.proto.format) == (43900.0, "%g")  # shown as 43900
    app.number_input(key=f"{form}_volume").set_value(-5.0).run()
    assert _errors(app) == ["Volume must be more than 0 L"]
    app = _save(app)
    assert "saved_id" not in app.session_state
    assert _stored(account)[0].volume_l == Decimal("42.000000000")
    assert app.number_input(key=f"{form}_volume").value == -5.0


def test_an_unchanged_field_keeps_the_stored_value_a_rounded_one_would_move(
    database_url, garage, account
):
    """38.5 L shows as 10.171 US gal: saving a new note keeps 38.5 L, which shows as
    10.171 US gal again (what the field showed is what is stored, shown back)."""
    _us_units(account)
    garage("Civic", (("2024-01-01", "43100", "38.5", "61.2"),))
    [stored] = _stored(account)
    app = AppTest.from_function(_edit_script, args=(account.id, stored.id), default_timeout=30)
    app.run()
    form = f"edit_{stored.id}"
    assert app.number_input(key=f"{form}_volume").value == 10.171
    assert app.number_input(key=f"{form}_odometer").value == 26781.1  # 43,100 km, to a tenth
    assert app.number_input(key=f"{form}_total").value == 61.2
    app.text_area(key=f"{form}_notes").input("road trip")
    _save(app)
    assert not app.exception
    [saved] = _stored(account)
    assert (saved.notes, saved.volume_l, saved.odometer_km, saved.total_amount) == (
        "road trip",
        stored.volume_l,
        stored.odometer_km,
        stored.total_amount,
    )


def test_vehicle_year_and_tank_are_checked_as_shown(signed_in_app, account):
    _us_units(account)
    app = open_page(signed_in_app, "vehicles")
    app.text_input(key="new_vehicle_0_name").input("Civic")
    year = app.number_input(key="new_vehicle_0_year")
    assert year.proto.has_min is False and year.proto.has_max is False
    year.set_value(1800)
    app.number_input(key="new_vehicle_0_tank").set_value(0.0)
    app = next(b for b in app.button if b.label == "Save vehicle").click().run()
    assert not app.exception
    assert _errors(app) == [
        "Year must be between 1885 and 2100",
        "Tank capacity must be more than 0 US gal (or leave it empty)",
    ]
    assert app.number_input(key="new_vehicle_0_year").value == 1800
    assert app.number_input(key="new_vehicle_0_tank").value == 0.0
    with session_scope() as session:
        assert vehicles.list_vehicles(session, account.id) == []

    app.number_input(key="new_vehicle_0_year").set_value(2019)
    app.number_input(key="new_vehicle_0_tank").set_value(13.2)
    app = next(b for b in app.button if b.label == "Save vehicle").click().run()
    with session_scope() as session:
        [civic] = vehicles.list_vehicles(session, account.id)
    assert (civic.year, civic.tank_capacity_l) == (2019, Decimal("49.967"))  # 13.2 US gal


def test_history_dates_take_any_range_and_apply_once_complete(signed_in_app, garage, account):
    garage(
        "Golf",
        (
            ("2024-01-01", "10000", "40", "72"),
            ("2024-01-20", "10800", "42", "77.7"),
            ("2024-02-10", "11400", "30", "55.5"),
        ),
    )
    app = open_page(signed_in_app, "history")
    dates = app.date_input(key="history_dates")
    assert "applies as soon as both are picked" in dates.help
    dates.set_value((dt.date(2024, 1, 15),)).run()  # the first click of a range
    assert len(app.dataframe[0].value) == 3  # not applied yet
    assert any(c.value == "From 2024-01-15: now pick the last day." for c in app.caption)
    # An end after today is a fine end of a range: the browser must not keep the old one.
    end = local_today(account.timezone) + dt.timedelta(days=30)
    app.date_input(key="history_dates").set_value((dt.date(2024, 1, 15), end)).run()
    assert [d.isoformat() for d in app.dataframe[0].value["Date"]] == ["2024-02-10", "2024-01-20"]
    assert app.selectbox(key=history.PICK_KEY).value is None
