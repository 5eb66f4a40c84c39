"""Reminder use cases against the real database: always scoped by user, another user's ids
behave as missing ones, row-level security binds raw SQL, cascades with vehicle and account."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from fueltracker.db import scope_to_user
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.schemas import ReminderCreate, ReminderDone, ReminderUpdate, parse
from fueltracker.services import reminders, users, vehicles
from fueltracker.services.revision import data_revision
from fueltracker.validation import Reading
from tests.factories import PASSWORD, TODAY, add, fillup, make_user, make_vehicle


def oil_change(vehicle_id: int, **changes: object) -> ReminderCreate:
    values: dict[str, object] = {
        "vehicle_id": vehicle_id,
        "title": "Oil change",
        "interval_km": Decimal(15000),
        "interval_months": 12,
        "last_done_on": dt.date(2024, 1, 10),
        "last_done_odometer_km": Decimal(20000),
    }
    return ReminderCreate(**(values | changes))


def create(session, user, data):
    return reminders.create_reminder(session, user.id, data, today=TODAY)


def test_create_list_update_mark_done_delete(db_session):
    user = make_user(db_session)
    golf, bike = make_vehicle(db_session, user, "Golf"), make_vehicle(db_session, user, "Bike")
    oil = create(db_session, user, oil_change(golf.id))
    tyres = create(
        db_session, user, oil_change(bike.id, title="Tyres", interval_km=None, interval_months=24)
    )
    assert (oil.due_soon_km, oil.due_soon_days) == (Decimal(1000), 30)  # the defaults
    assert [r.title for r in reminders.list_reminders(db_session, user.id)] == [
        "Oil change",
        "Tyres",
    ]
    assert [r.id for r in reminders.list_reminders(db_session, user.id, bike.id)] == [tyres.id]

    moved = reminders.update_reminder(
        db_session,
        user.id,
        oil.id,
        ReminderUpdate(**(oil_change(bike.id, due_soon_km=Decimal(500)).model_dump())),
        today=TODAY,
    )
    assert (moved.vehicle_id, moved.due_soon_km) == (bike.id, Decimal(500))

    done = reminders.mark_done(
        db_session,
        user.id,
        oil.id,
        ReminderDone(on=dt.date(2024, 6, 1), odometer_km=Decimal(34000)),
        today=TODAY,
    )
    assert (done.last_done_on, done.last_done_odometer_km) == (dt.date(2024, 6, 1), Decimal(34000))
    assert reminders.get_reminder(db_session, user.id, oil.id) == done

    assert reminders.delete_reminder(db_session, user.id, tyres.id).title == "Tyres"
    assert [r.id for r in reminders.list_reminders(db_session, user.id)] == [oil.id]


def test_refusals_name_their_field(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user)
    with pytest.raises(ValidationError) as caught:
        parse(ReminderCreate, vehicle_id=golf.id, title="Oil")
    assert caught.value.field == "interval_months"
    with pytest.raises(ValidationError) as caught:
        create(db_session, user, oil_change(golf.id, last_done_on=TODAY + dt.timedelta(days=1)))
    assert caught.value.field == "last_done_on"
    oil = create(db_session, user, oil_change(golf.id))
    with pytest.raises(ValidationError) as caught:  # a distance interval needs the reading
        reminders.mark_done(db_session, user.id, oil.id, ReminderDone(on=TODAY), today=TODAY)
    assert caught.value.field == "odometer_km"
    with pytest.raises(ValidationError) as caught:
        reminders.mark_done(
            db_session,
            user.id,
            oil.id,
            ReminderDone(on=TODAY + dt.timedelta(days=1), odometer_km=Decimal(1)),
            today=TODAY,
        )
    assert caught.value.field == "on"
    # A reminder by time only is marked done without an odometer.
    check = create(db_session, user, oil_change(golf.id, interval_km=None))
    assert (
        reminders.mark_done(
            db_session, user.id, check.id, ReminderDone(on=TODAY), today=TODAY
        ).last_done_odometer_km
        is None
    )


def test_the_database_refuses_a_reminder_without_interval(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user)
    scope_to_user(db_session, user.id)
    with pytest.raises(IntegrityError, match="ck_reminders_some_interval"):
        with db_session.begin_nested():
            db_session.execute(
                text("INSERT INTO reminders (user_id, vehicle_id, title) VALUES (:u, :v, 'x')"),
                {"u": user.id, "v": golf.id},
            )


def test_another_users_ids_behave_like_missing_ones(db_session):
    owner, intruder = make_user(db_session, "owner"), make_user(db_session, "intruder")
    golf = make_vehicle(db_session, owner, "Golf")
    own_car = make_vehicle(db_session, intruder, "Mine")
    oil = create(db_session, owner, oil_change(golf.id))
    done = ReminderDone(on=TODAY, odometer_km=Decimal(30000))
    for reminder_id in (oil.id, 999_999_999):
        for action in (
            lambda reminder_id=reminder_id: reminders.get_reminder(
                db_session, intruder.id, reminder_id
            ),
            lambda reminder_id=reminder_id: reminders.update_reminder(
                db_session,
                intruder.id,
                reminder_id,
                ReminderUpdate(**oil_change(own_car.id).model_dump()),
                today=TODAY,
            ),
            lambda reminder_id=reminder_id: reminders.mark_done(
                db_session, intruder.id, reminder_id, done, today=TODAY
            ),
            lambda reminder_id=reminder_id: reminders.delete_reminder(
                db_session, intruder.id, reminder_id
            ),
        ):
            with pytest.raises(NotFoundError) as caught:
                action()
            assert str(caught.value) == "Reminder not found"
    # Nor can a reminder be put on another user's vehicle (a missing vehicle likewise).
    for vehicle_id in (golf.id, 999_999_999):
        with pytest.raises(NotFoundError, match="Vehicle not found"):
            create(db_session, intruder, oil_change(vehicle_id))
    for vehicle_id in (own_car.id, 999_999_999):
        with pytest.raises(NotFoundError, match="Vehicle not found"):
            reminders.update_reminder(
                db_session,
                owner.id,
                oil.id,
                ReminderUpdate(**oil_change(vehicle_id).model_dump()),
                today=TODAY,
            )
    assert reminders.list_reminders(db_session, intruder.id) == []
    assert reminders.get_reminder(db_session, owner.id, oil.id) == oil  # untouched


def test_row_level_security_binds_raw_sql(db_session):
    alice, bob = make_user(db_session, "alice"), make_user(db_session, "bob")
    golf = make_vehicle(db_session, alice, "Golf")
    oil = create(db_session, alice, oil_change(golf.id))
    scope_to_user(db_session, bob.id)
    assert db_session.scalar(text("SELECT count(*) FROM reminders")) == 0
    assert (
        db_session.execute(
            text("UPDATE reminders SET title = 'x' WHERE id = :r"), {"r": oil.id}
        ).rowcount
        == 0
    )
    assert db_session.execute(text("DELETE FROM reminders")).rowcount == 0
    with pytest.raises(ProgrammingError, match="row-level security"):
        with db_session.begin_nested():
            db_session.execute(
                text(
                    "INSERT INTO reminders (user_id, vehicle_id, title, interval_months) "
                    "VALUES (:a, :v, 'Sneaky', 1)"
                ),
                {"a": alice.id, "v": golf.id},
            )
    db_session.execute(text("SELECT set_config('app.user_id', '', true)"))
    assert db_session.scalar(text("SELECT count(*) FROM reminders")) == 0
    scope_to_user(db_session, alice.id)
    assert db_session.scalar(text("SELECT count(*) FROM reminders")) == 1


def test_forced_row_level_security_on_the_table(db_session):
    row = db_session.execute(
        text("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'reminders'")
    ).one()
    assert (row.relrowsecurity, row.relforcerowsecurity) == (True, True)


def test_a_reminder_cannot_point_at_another_users_vehicle_even_in_raw_sql(db_session):
    alice, bob = make_user(db_session, "alice"), make_user(db_session, "bob")
    bobs = make_vehicle(db_session, bob, "Bike")
    scope_to_user(db_session, alice.id)
    with pytest.raises(IntegrityError, match="fk_reminders_vehicle_user"):
        with db_session.begin_nested():
            db_session.execute(
                text(
                    "INSERT INTO reminders (user_id, vehicle_id, title, interval_months) "
                    "VALUES (:a, :v, 'x', 1)"
                ),
                {"a": alice.id, "v": bobs.id},
            )


def test_deleted_with_their_vehicle_and_with_the_account(db_session):
    user = make_user(db_session)
    golf, bike = make_vehicle(db_session, user, "Golf"), make_vehicle(db_session, user, "Bike")
    create(db_session, user, oil_change(golf.id))
    kept = create(db_session, user, oil_change(bike.id))
    vehicles.delete_vehicle(db_session, user.id, golf.id, "Golf")
    assert [r.id for r in reminders.list_reminders(db_session, user.id)] == [kept.id]
    users.delete_account(db_session, user.id, PASSWORD, user.username)
    db_session.execute(text("SELECT set_config('app.user_id', '', true)"))
    scope_to_user(db_session, user.id)
    assert db_session.scalar(text("SELECT count(*) FROM reminders")) == 0


def test_writes_bump_the_data_revision(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user)
    before = data_revision(db_session, user.id)
    oil = create(db_session, user, oil_change(golf.id))
    reminders.mark_done(
        db_session, user.id, oil.id, ReminderDone(on=TODAY, odometer_km=Decimal(30000)), today=TODAY
    )
    reminders.delete_reminder(db_session, user.id, oil.id)
    assert data_revision(db_session, user.id) == before + 3


def test_odometer_readings_window_and_highest(db_session):
    user, other = make_user(db_session), make_user(db_session, "bob")
    golf, bike = make_vehicle(db_session, user, "Golf"), make_vehicle(db_session, user, "Bike")
    for date, odometer in (("2023-01-01", "1000"), ("2024-05-01", "5000"), ("2024-06-20", "6000")):
        add(db_session, user, fillup(golf, date, odometer, "40", "70"))
    add(db_session, user, fillup(bike, "2022-03-01", "700", "10", "20"))
    add(
        db_session, other, fillup(make_vehicle(db_session, other, "X"), "2024-06-01", "9", "1", "2")
    )
    found = reminders.odometer_readings(db_session, user.id, dt.date(2024, 4, 1), TODAY)
    assert found == {
        golf.id: [
            Reading(dt.date(2024, 5, 1), Decimal(5000)),
            Reading(dt.date(2024, 6, 20), Decimal(6000)),
        ],
        bike.id: [Reading(dt.date(2022, 3, 1), Decimal(700))],  # only its highest
    }


def test_the_data_archive_holds_the_users_reminders_only(db_session):
    import io
    import zipfile

    from fueltracker.services import transfer

    user, other = make_user(db_session), make_user(db_session, "bob")
    golf = make_vehicle(db_session, user, "Golf")
    create(db_session, user, oil_change(golf.id, title="Oil; filter"))
    create(db_session, other, oil_change(make_vehicle(db_session, other, "Bike").id, title="Chain"))
    data = transfer.export_archive(db_session, user.id)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        lines = archive.read("reminders.csv").decode().splitlines()
    assert lines[1:] == ["Golf,Oil; filter,15000,12,1000,30,2024-01-10,20000"]


@pytest.mark.parametrize("today", [dt.date(2026, 6, 1), dt.date(2027, 2, 28)])
def test_demo_has_two_reminders_on_the_car_one_due_soon(db_session, today):
    from fueltracker.demo import DEMO_USERNAME, seed_demo
    from fueltracker.reminder_rules import READINGS_WINDOW_DAYS, due_state

    assert seed_demo(db_session, today=today)
    user_id = users.find_user_id(db_session, DEMO_USERNAME)
    found = reminders.list_reminders(db_session, user_id)
    car = [v for v in vehicles.list_vehicles(db_session, user_id) if v.kind == "car"]
    assert [r.vehicle_id for r in found] == [car[0].id] * 2
    readings = reminders.odometer_readings(
        db_session, user_id, today - dt.timedelta(days=READINGS_WINDOW_DAYS), today
    )
    states = {r.title: due_state(r, readings[r.vehicle_id], today) for r in found}
    assert {title: s.status for title, s in states.items()} == {
        "Oil change": "due_soon",
        "Inspection (TÜV)": "ok",
    }
    oil = states["Oil change"]
    assert oil.km_left is not None and 500 < oil.km_left <= 600
    assert oil.estimated_on is not None and oil.next_due_estimated  # the demo car is driven
