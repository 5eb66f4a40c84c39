"""The Reminders page and the Dashboard's reminders, with a signed-in account (AppTest)."""

import datetime as dt
from decimal import Decimal

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.schemas import ReminderCreate
from fueltracker.services import fillups, reminders, users
from tests.app.conftest import open_page, revision, shown
from tests.factories import fillup, make_vehicle, preferences_of

TODAY = local_today("UTC")  # the accounts' timezone


def _days_ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


# 50 km a day over the last 60 days, last reading today: 43,000 km.
STEADY = (
    (_days_ago(60), "40000", "40", "70"),
    (_days_ago(30), "41500", "40", "70"),
    (_days_ago(0), "43000", "40", "70"),
)


def _garage(account, name="Golf", entries=()):
    """A committed vehicle with fill-ups dated relative to the real today (the factories'
    `add` checks dates against a fixed 2024 day)."""
    with session_scope() as session:
        vehicle = make_vehicle(session, account, name)
        for entry in entries:
            fillups.create_fillup(session, account.id, fillup(vehicle, *entry), today=TODAY)
    return vehicle


def _add(account, vehicle, **fields):
    values = {"vehicle_id": vehicle.id, "title": "Oil change"} | fields
    with session_scope() as session:
        return reminders.create_reminder(session, account.id, ReminderCreate(**values))


def _stored(account):
    with session_scope() as session:
        return reminders.list_reminders(session, account.id)


def _texts(app):
    return [shown(m.value) for m in app.markdown]


def test_needs_a_vehicle(signed_in_app):
    app = open_page(signed_in_app, "reminders")
    assert not app.exception
    assert "Add a vehicle under **Vehicles** first" in app.info[0].value


def test_add_a_reminder_as_typed(signed_in_app, account):
    golf = _garage(account, "Golf", STEADY)
    app = open_page(signed_in_app, "reminders")
    before = revision(account.id)
    help_text = shown(app.number_input(key="new_reminder_0_last_done_odometer").help)
    assert help_text == "Latest readings: Golf 43,000 km"
    app.text_input(key="new_reminder_0_title").set_value("Oil change")
    app.number_input(key="new_reminder_0_interval_km").set_value(15000.0)
    app.number_input(key="new_reminder_0_interval_months").set_value(12)
    app.date_input(key="new_reminder_0_last_done_on").set_value(TODAY - dt.timedelta(days=100))
    app.number_input(key="new_reminder_0_last_done_odometer").set_value(28500.0)
    app.button(key="FormSubmitter:new_reminder_0-Add reminder").click().run()
    assert not app.exception
    assert shown(app.success[0].value) == "Added Oil change."
    [saved] = _stored(account)
    assert (saved.vehicle_id, saved.interval_km, saved.interval_months) == (
        golf.id,
        Decimal(15000),
        12,
    )
    assert (saved.due_soon_km, saved.due_soon_days) == (Decimal(1000), 30)
    assert (saved.last_done_on, saved.last_done_odometer_km) == (
        TODAY - dt.timedelta(days=100),
        Decimal(28500),
    )
    assert revision(account.id) == before + 1
    # Due at 43,500 km, 500 km to go: due soon, with the estimated date (10 days at 50/day).
    texts = _texts(app)
    assert any("Due soon" in t for t in texts)
    estimate = (TODAY + dt.timedelta(days=10)).isoformat()
    assert f"Due at 43,500 km (500 km to go), estimated around {estimate} at 50 km a day" in texts


def test_a_refused_form_saves_nothing_and_keeps_what_was_typed(signed_in_app, account):
    _garage(account)
    app = open_page(signed_in_app, "reminders")
    app.text_input(key="new_reminder_0_title").set_value("Tyres")
    app.number_input(key="new_reminder_0_due_soon_km").set_value(-5.0)
    app.button(key="FormSubmitter:new_reminder_0-Add reminder").click().run()
    assert not app.exception
    messages = [shown(e.value) for e in app.error]
    assert messages == [
        "Give a distance, a number of months, or both",
        "Due-soon distance must be 0 to 10,000,000 km",
    ]
    assert app.text_input(key="new_reminder_0_title").value == "Tyres"
    assert app.number_input(key="new_reminder_0_due_soon_km").value == -5.0
    assert _stored(account) == []
    # A future last-done date is named at its field.
    app.number_input(key="new_reminder_0_interval_months").set_value(12)
    app.number_input(key="new_reminder_0_due_soon_km").set_value(1000.0)
    app.date_input(key="new_reminder_0_last_done_on").set_value(TODAY + dt.timedelta(days=1))
    app.button(key="FormSubmitter:new_reminder_0-Add reminder").click().run()
    assert [shown(e.value) for e in app.error] == [
        f"Date {(TODAY + dt.timedelta(days=1)).isoformat()} is in the future (today is "
        f"{TODAY.isoformat()})"
    ]
    assert _stored(account) == []


def test_mark_done_defaults_to_today_and_the_latest_reading(signed_in_app, account):
    golf = _garage(account, "Golf", STEADY)
    oil = _add(
        account,
        golf,
        interval_km=Decimal(15000),
        last_done_on=TODAY.replace(year=2020),
        last_done_odometer_km=Decimal(20000),
    )
    app = open_page(signed_in_app, "reminders")
    assert any("Overdue" in t for t in _texts(app))
    assert app.date_input(key=f"reminder_{oil.id}_done_on").value == TODAY
    assert app.number_input(key=f"reminder_{oil.id}_done_odometer").value == 43000.0
    app.button(key=f"FormSubmitter:reminder_{oil.id}_done-Mark done").click().run()
    assert not app.exception
    [done] = _stored(account)
    assert (done.last_done_on, done.last_done_odometer_km) == (TODAY, Decimal(43000))
    texts = _texts(app)
    assert not any("Overdue" in t for t in texts) and any(
        ":green-badge" in m.value for m in app.markdown
    )


def test_edit_in_miles_keeps_what_was_not_changed(signed_in_app, account):
    with session_scope() as session:
        users.set_preferences(session, account.id, preferences_of(account, distance_unit="mi"))
    golf = _garage(account)
    oil = _add(account, golf, interval_km=Decimal(15000), due_soon_km=Decimal(1000))
    app = open_page(signed_in_app, "reminders")
    key = f"reminder_{oil.id}_edit"
    assert app.number_input(key=f"{key}_interval_km").value == 9320.6  # 15,000 km in mi
    app.text_input(key=f"{key}_title").set_value("Oil and filter")
    app.button(key=f"FormSubmitter:{key}-Save changes").click().run()
    assert not app.exception
    [saved] = _stored(account)
    assert (saved.title, saved.interval_km, saved.due_soon_km) == (
        "Oil and filter",
        Decimal(15000),
        Decimal(1000),
    )  # not 9,320.6 mi = 15,000.02 km
    app.number_input(key=f"{key}_interval_km").set_value(5000.0)
    app.button(key=f"FormSubmitter:{key}-Save changes").click().run()
    assert _stored(account)[0].interval_km == Decimal("8046.72")  # 5,000 mi


def test_titles_are_shown_as_typed(signed_in_app, account):
    golf = _garage(account)
    _add(
        account,
        golf,
        title="**Oil** [click](http://evil.example)",
        interval_months=12,
        last_done_on=TODAY,
    )
    app = open_page(signed_in_app, "reminders")
    bold = [m.value for m in app.markdown if "Oil" in m.value][0]
    assert bold.startswith("**\\*\\*Oil\\*\\*")  # our bold around the escaped title
    assert "](http" not in bold


def test_delete(signed_in_app, account):
    golf = _garage(account)
    oil = _add(account, golf, interval_months=12)
    app = open_page(signed_in_app, "reminders")
    app.button(key=f"delete_reminder_{oil.id}").click().run()
    assert not app.exception
    assert shown(app.success[0].value) == "Deleted Oil change."
    assert _stored(account) == []


def test_calendar_download_is_offered_when_a_date_is_known(signed_in_app, account):
    golf = _garage(account)
    _add(account, golf, interval_months=12)  # never done: no date
    app = open_page(signed_in_app, "reminders")
    assert app.get("download_button")[0].proto.disabled
    assert "1 reminder without a date yet left out" in app.caption[0].value
    _add(account, golf, title="Inspection", interval_months=24, last_done_on=TODAY)
    app.run()
    assert not app.get("download_button")[0].proto.disabled
    assert app.caption[0].value.startswith("1 all-day event")


def test_dashboard_lists_only_what_needs_attention(signed_in_app, account):
    golf = _garage(account, "Golf", STEADY)
    _add(account, golf, title="Inspection", interval_months=24, last_done_on=TODAY)  # ok
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception
    assert not any("Inspection" in t for t in _texts(app))
    _add(account, golf, interval_km=Decimal(15000), last_done_odometer_km=Decimal(27500))
    app.run()
    texts = _texts(app)
    assert "**Oil change** · Golf — Was due at 42,500 km (500 km ago)" in texts
    assert not any("Inspection" in t for t in texts)
    assert any("Overdue" in m.value for m in app.markdown)
    assert [link.proto.label for link in app.get("page_link")] == ["Open Reminders"]
