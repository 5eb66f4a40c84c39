"""Vehicle use cases against the real database, always scoped by user."""

import pytest

from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.schemas import VehicleUpdate
from fueltracker.services import history, vehicles
from fueltracker.services.revision import data_revision
from tests.factories import add, fillup, make_user, make_vehicle


def test_create_list_and_duplicate_name(db_session):
    user = make_user(db_session)
    make_vehicle(db_session, user, "Golf", make="VW")
    with pytest.raises(DuplicateError) as caught:
        make_vehicle(db_session, user, "golf")
    assert caught.value.field == "name"
    other = make_user(db_session, "bob")
    make_vehicle(db_session, other, "Golf")  # names are unique per user only
    assert [v.name for v in vehicles.list_vehicles(db_session, user.id)] == ["Golf"]


def test_rename_update_archive(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user, "Golf")
    renamed = vehicles.update_vehicle(db_session, user.id, golf.id, VehicleUpdate(name="Golf VII"))
    assert renamed.name == "Golf VII"
    updated = vehicles.update_vehicle(
        db_session, user.id, golf.id, VehicleUpdate(name="Golf VII", year=2019, fuel_type="Petrol")
    )
    assert (updated.year, updated.fuel_type) == (2019, "Petrol")
    archived = vehicles.set_vehicle_active(db_session, user.id, golf.id, False)
    assert not archived.is_active
    assert vehicles.list_vehicles(db_session, user.id, include_archived=False) == []


def test_delete_needs_exact_name_and_takes_history(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user, "Golf")
    add(db_session, user, fillup(golf, "2024-01-01", "1000", "40", "70"))
    with pytest.raises(ValidationError):
        vehicles.delete_vehicle(db_session, user.id, golf.id, "golf")
    assert vehicles.delete_vehicle(db_session, user.id, golf.id, "Golf") == 1
    assert history.list_fillups(db_session, user.id).rows == []


def test_another_users_vehicle_is_not_found(db_session):
    owner = make_user(db_session, "owner")
    intruder = make_user(db_session, "intruder")
    golf = make_vehicle(db_session, owner, "Golf")
    for action in (
        lambda: vehicles.get_vehicle(db_session, intruder.id, golf.id),
        lambda: vehicles.update_vehicle(
            db_session, intruder.id, golf.id, VehicleUpdate(name="Mine")
        ),
        lambda: vehicles.set_vehicle_active(db_session, intruder.id, golf.id, False),
        lambda: vehicles.delete_vehicle(db_session, intruder.id, golf.id, "Golf"),
    ):
        with pytest.raises(NotFoundError) as caught:
            action()
        assert str(caught.value) == "Vehicle not found"
    missing = vehicles.get_vehicle
    with pytest.raises(NotFoundError) as caught:
        missing(db_session, intruder.id, 999_999_999)
    assert str(caught.value) == "Vehicle not found"


def test_writes_bump_the_data_revision(db_session):
    user = make_user(db_session)
    before = data_revision(db_session, user.id)
    make_vehicle(db_session, user)
    assert data_revision(db_session, user.id) == before + 1
