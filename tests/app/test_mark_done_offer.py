"""ui.reminders' offer, after a service expense, to mark the vehicle's due reminders done
with the expense's date and odometer (AppTest of a tiny harness page)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.schemas import ReminderCreate
from fueltracker.services import reminders
from tests.app.conftest import shown, sign_in_state
from tests.factories import make_vehicle

HARNESS = Path(__file__).resolve().parent / "mark_done_harness.py"
TODAY = local_today("UTC")
SERVICED_ON = TODAY - dt.timedelta(days=1)


@pytest.fixture
def due_reminders(account):
    """A vehicle with an overdue oil change (by time), an inspection due soon and tyres
    that are fine; another vehicle with an overdue reminder of its own."""
    with session_scope() as session:
        golf = make_vehicle(session, account, "Golf")
        other = make_vehicle(session, account, "Bike")
        made = {}
        for vehicle, title, fields in (
            (
                golf,
                "Oil change",
                {
                    "interval_km": Decimal(15000),
                    "interval_months": 12,
                    "last_done_on": TODAY.replace(year=TODAY.year - 2),
                    "last_done_odometer_km": Decimal(20000),
                },
            ),
            (
                golf,
                "Inspection",
                {
                    "interval_months": 24,
                    "last_done_on": TODAY.replace(year=TODAY.year - 2) + dt.timedelta(days=10),
                },
            ),
            (golf, "Tyres", {"interval_months": 36, "last_done_on": TODAY}),
            (
                other,
                "Chain",
                {"interval_months": 1, "last_done_on": TODAY.replace(year=TODAY.year - 1)},
            ),
        ):
            made[title] = reminders.create_reminder(
                session, account.id, ReminderCreate(vehicle_id=vehicle.id, title=title, **fields)
            )
    return golf, made


def _harness(account, vehicle_id, odometer_km):
    app = sign_in_state(AppTest.from_file(str(HARNESS), default_timeout=30), account.id)
    app.session_state["harness_vehicle_id"] = vehicle_id
    app.session_state["harness_on"] = SERVICED_ON.isoformat()
    app.session_state["harness_odometer_km"] = odometer_km
    return app.run()


def _stored(account, reminder_id):
    with session_scope() as session:
        return reminders.get_reminder(session, account.id, reminder_id)


def test_offers_the_vehicles_due_reminders_and_marks_one_done(account, due_reminders):
    golf, made = due_reminders
    app = _harness(account, golf.id, "61000")
    assert [b.key for b in app.button] == ["save_expense"]  # no offer before a save
    app.button(key="save_expense").click().run()
    assert not app.exception
    offered = [b.key for b in app.button if b.key.startswith("offer_done_")]
    oil, inspection = made["Oil change"].id, made["Inspection"].id
    assert offered == [f"offer_done_{oil}", f"offer_done_{inspection}"]  # overdue first
    app.button(key=f"offer_done_{oil}").click().run()
    assert not app.exception
    assert shown(app.success[0].value) == (f"Marked Oil change done on {SERVICED_ON.isoformat()}.")
    done = _stored(account, oil)
    assert (done.last_done_on, done.last_done_odometer_km) == (SERVICED_ON, Decimal(61000))
    # The other one is still offered, until dismissed.
    assert [b.key for b in app.button if b.key.startswith("offer_done_")] == [
        f"offer_done_{inspection}"
    ]
    app.button(key="mark_done_offer_dismiss").click().run()
    assert not [b for b in app.button if b.key.startswith("offer_done_")]
    assert _stored(account, inspection).last_done_on == made["Inspection"].last_done_on
    assert _stored(account, made["Chain"].id) == made["Chain"]  # another vehicle's: untouched


def test_without_an_odometer_a_distance_reminder_cannot_be_marked(account, due_reminders):
    golf, made = due_reminders
    app = _harness(account, golf.id, None)
    app.button(key="save_expense").click().run()
    assert app.button(key=f"offer_done_{made['Oil change'].id}").disabled
    app.button(key=f"offer_done_{made['Inspection'].id}").click().run()
    done = _stored(account, made["Inspection"].id)
    assert (done.last_done_on, done.last_done_odometer_km) == (SERVICED_ON, None)


def test_a_refusal_is_shown_once_under_the_offer(account, due_reminders):
    golf, made = due_reminders
    app = _harness(account, golf.id, "61000")
    app.session_state["harness_on"] = (TODAY + dt.timedelta(days=1)).isoformat()
    app.button(key="save_expense").click().run()
    app.button(key=f"offer_done_{made['Inspection'].id}").click().run()
    assert [shown(e.value) for e in app.error] == [
        f"Date {(TODAY + dt.timedelta(days=1)).isoformat()} is in the future (today is "
        f"{TODAY.isoformat()})"
    ]
    assert _stored(account, made["Inspection"].id) == made["Inspection"]


def test_nothing_is_offered_when_nothing_is_due(account, due_reminders):
    golf, made = due_reminders
    with session_scope() as session:
        for title in ("Oil change", "Inspection"):
            reminders.delete_reminder(session, account.id, made[title].id)
    app = _harness(account, golf.id, "61000")
    app.button(key="save_expense").click().run()
    assert not app.exception
    assert [b.key for b in app.button] == ["save_expense"]
    assert not app.markdown
