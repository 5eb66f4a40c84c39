"""Each wall alone (issue 13). Row-level security hid a service that forgot its user
filter, since every other test runs as the role it binds; here the fill-up and vehicle
services run on a connection that row-level security does not bind (the test server's
superuser), so only their own `user_id` filters keep another user's rows out. (The
policies alone are tested with raw SQL in test_row_level_security.py.) And the
odometer check's neighbour lookup is held to the *nearest* reading on each side."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.schemas import FillupUpdate, VehicleUpdate
from fueltracker.services import fillups, vehicles
from fueltracker.services.history import (
    FilterOptions,
    HistoryFilter,
    count_fillups,
    filter_options,
    filtered_ids,
    list_fillups,
    load_entries_frame,
)
from tests.factories import TODAY, add, fillup, make_user, make_vehicle


@pytest.fixture
def unbound_session(engine) -> Iterator[Session]:
    """Like db_session (rolled back at the end), but as the test login itself, which
    row-level security does not bind (a superuser or a BYPASSRLS role)."""
    connection = engine.connect()
    outer = connection.begin()
    unbound = connection.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if not unbound:
        outer.rollback()
        connection.close()
        pytest.skip("the test database login is bound by row-level security")
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def alice_and_bob(unbound_session):
    session = unbound_session
    alice, bob = make_user(session, "alice"), make_user(session, "bob")
    golf, bike = make_vehicle(session, alice, "Golf"), make_vehicle(session, bob, "Bike")
    entry = add(
        session,
        alice,
        fillup(
            golf, "2024-01-01", "1000", "40", "70", station="Shell", brand="Aral", grade="Super"
        ),
    )
    add(session, bob, fillup(bike, "2024-01-05", "500", "10", "20"))
    return alice, bob, golf, bike, entry


def test_the_session_really_sees_every_users_rows(unbound_session, alice_and_bob):
    """The premise: without the services' filters, bob's scope would show alice's rows."""
    alice, bob, *_ = alice_and_bob
    unbound_session.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": str(bob.id)})
    assert (
        unbound_session.scalar(
            text("SELECT count(*) FROM fuel_entries WHERE user_id = :a"), {"a": alice.id}
        )
        == 1
    )


def test_fillup_services_filter_by_user_without_row_level_security(unbound_session, alice_and_bob):
    session = unbound_session
    alice, bob, golf, bike, entry = alice_and_bob
    assert [r.vehicle_id for r in list_fillups(session, bob.id).rows] == [bike.id]
    assert count_fillups(session, bob.id) == 1
    assert len(filtered_ids(session, bob.id)) == 1
    assert filtered_ids(session, bob.id, HistoryFilter(text="Shell")) == []
    assert filter_options(session, bob.id) == FilterOptions()
    frame = load_entries_frame(session, bob.id)
    assert list(frame["vehicle_name"]) == ["Bike"]
    page = list_fillups(session, bob.id, filters=HistoryFilter(vehicle_ids=(golf.id,)))
    assert page.rows == []
    for action in (
        lambda: fillups.get_fillup(session, bob.id, entry.id),
        lambda: fillups.delete_fillup(session, bob.id, entry.id),
        lambda: fillups.update_fillup(
            session,
            bob.id,
            entry.id,
            FillupUpdate(**fillup(bike, "2024-01-06", "600", "5", "5").model_dump()),
            today=TODAY,
        ),
    ):
        with pytest.raises(NotFoundError):
            action()
    with pytest.raises(NotFoundError):  # a fill-up for alice's vehicle, by bob
        add(session, bob, fillup(golf, "2024-01-02", "2000", "40", "70"))
    assert fillups.get_fillup(session, alice.id, entry.id).odometer_km == 1000  # untouched


def test_vehicle_services_filter_by_user_without_row_level_security(unbound_session, alice_and_bob):
    session = unbound_session
    alice, bob, golf, bike, _ = alice_and_bob
    assert [v.name for v in vehicles.list_vehicles(session, bob.id)] == ["Bike"]
    for action in (
        lambda: vehicles.get_vehicle(session, bob.id, golf.id),
        lambda: vehicles.update_vehicle(session, bob.id, golf.id, VehicleUpdate(name="Mine")),
        lambda: vehicles.set_vehicle_active(session, bob.id, golf.id, False),
        lambda: vehicles.delete_vehicle(session, bob.id, golf.id, "Golf"),
    ):
        with pytest.raises(NotFoundError):
            action()
    # Bob may name a vehicle like alice's: names are unique per user only.
    assert make_vehicle(session, bob, "Golf").name == "Golf"
    assert vehicles.get_vehicle(session, alice.id, golf.id).name == "Golf"


# --- the neighbour lookup of the odometer check (services.fillups._neighbour) ---------------


@pytest.fixture
def history(db_session):
    """Readings of one car on four dates, and another car whose readings interleave."""
    user = make_user(db_session, "nina")
    car, van = make_vehicle(db_session, user, "Car"), make_vehicle(db_session, user, "Van")
    entries = {
        date: add(db_session, user, fillup(car, date, odometer, "40", "70"))
        for date, odometer in (
            ("2024-01-01", "1000"),
            ("2024-02-01", "2000"),
            ("2024-03-01", "3000"),
            ("2024-04-01", "4000"),
        )
    }
    for date, odometer in (("2024-01-15", "100"), ("2024-02-15", "2600"), ("2024-02-20", "9000")):
        add(db_session, user, fillup(van, date, odometer, "40", "70"))
    return user, car, entries


def _refused(session, user, data) -> str | None:
    try:
        with session.begin_nested() as savepoint:
            add(session, user, data)
            savepoint.rollback()
    except ValidationError as exc:
        return exc.reason
    return None


def test_the_previous_reading_is_the_nearest_one(db_session, history):
    user, car, _ = history
    # Between Feb 1 (2000) and Mar 1 (3000): 1500 is above Jan's 1000 but below Feb's.
    assert _refused(db_session, user, fillup(car, "2024-02-15", "1500", "40", "70")) == (
        "Odometer 1,500 km must be greater than 2,000 km recorded on 2024-02-01"
    )


def test_the_next_reading_is_the_nearest_one(db_session, history):
    user, car, _ = history
    # 3500 is below Apr's 4000 but above Mar's 3000.
    assert _refused(db_session, user, fillup(car, "2024-02-15", "3500", "40", "70")) == (
        "Odometer 3,500 km must be less than 3,000 km recorded on 2024-03-01"
    )


def test_only_the_same_vehicles_readings_are_neighbours(db_session, history):
    user, car, _ = history
    # The van's 2600 on Feb 15 would refuse 2500 for the car on Feb 18.
    assert _refused(db_session, user, fillup(car, "2024-02-18", "2500", "40", "70")) is None


def test_an_edited_fillup_is_not_its_own_neighbour(db_session, history):
    user, car, entries = history
    moved = fillup(car, "2024-02-10", "2000", "40", "70").model_dump()
    updated = fillups.update_fillup(
        db_session, user.id, entries["2024-02-01"].id, FillupUpdate(**moved), today=TODAY
    )
    assert str(updated.date) == "2024-02-10"
