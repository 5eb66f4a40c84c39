"""Vehicles of one user: create, edit, archive/reactivate, delete with history. Every write
takes the user's write locks first (services/locks.py: the user's row, then the vehicle)."""

from __future__ import annotations

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker.db import user_scoped
from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.models import FuelEntry, Vehicle
from fueltracker.schemas import VehicleCreate, VehicleRead, VehicleUpdate
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.revision import bump_revision


def _owned(session: Session, user_id: int, vehicle_id: int) -> Vehicle:
    vehicle = session.scalar(
        select(Vehicle).where(Vehicle.id == vehicle_id, Vehicle.user_id == user_id)
    )
    if vehicle is None:
        raise NotFoundError("Vehicle")
    return vehicle


def _locked(session: Session, user_id: int, vehicle_id: int) -> Vehicle:
    """The user's vehicle, with the write locks of the user and of that vehicle taken."""
    lock_user(session, user_id)
    return lock_vehicles(session, user_id, [vehicle_id])[vehicle_id]


def _check_name_free(session: Session, user_id: int, name: str, except_id: int | None) -> None:
    query = select(Vehicle.id).where(
        # lower() on both sides, as the unique index compares names.
        Vehicle.user_id == user_id,
        func.lower(Vehicle.name) == func.lower(name),
    )
    if except_id is not None:
        query = query.where(Vehicle.id != except_id)
    if session.scalar(query) is not None:
        raise DuplicateError("name", f"You already have a vehicle named '{name}'")


def _flush(session: Session, name: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent request took the name first
        raise DuplicateError("name", f"You already have a vehicle named '{name}'") from exc


@user_scoped
def create_vehicle(session: Session, user_id: int, data: VehicleCreate) -> VehicleRead:
    """Add a vehicle; names are unique per user, compared case-insensitively."""
    lock_user(session, user_id)  # a concurrent import creating the same name waits
    _check_name_free(session, user_id, data.name, None)
    vehicle = Vehicle(user_id=user_id, **data.model_dump())
    session.add(vehicle)
    _flush(session, data.name)
    bump_revision(session, user_id)
    return VehicleRead.model_validate(vehicle)


@user_scoped
def get_vehicle(session: Session, user_id: int, vehicle_id: int) -> VehicleRead:
    """One of the user's vehicles; another user's id is NotFoundError like a missing one."""
    return VehicleRead.model_validate(_owned(session, user_id, vehicle_id))


@user_scoped
def list_vehicles(
    session: Session, user_id: int, *, include_archived: bool = True
) -> list[VehicleRead]:
    """The user's vehicles, active ones first, then by name."""
    query = select(Vehicle).where(Vehicle.user_id == user_id)
    if not include_archived:
        query = query.where(Vehicle.is_active.is_(True))
    query = query.order_by(Vehicle.is_active.desc(), func.lower(Vehicle.name))
    return [VehicleRead.model_validate(v) for v in session.scalars(query)]


@user_scoped
def update_vehicle(
    session: Session, user_id: int, vehicle_id: int, data: VehicleUpdate
) -> VehicleRead:
    """Change a vehicle's name and details."""
    vehicle = _locked(session, user_id, vehicle_id)
    _check_name_free(session, user_id, data.name, vehicle_id)
    for key, value in data.model_dump().items():
        setattr(vehicle, key, value)
    _flush(session, data.name)
    bump_revision(session, user_id)
    return VehicleRead.model_validate(vehicle)


@user_scoped
def set_vehicle_active(
    session: Session, user_id: int, vehicle_id: int, active: bool
) -> VehicleRead:
    """Archive (False) or reactivate (True) a vehicle; its history stays either way."""
    vehicle = _locked(session, user_id, vehicle_id)
    vehicle.is_active = active
    session.flush()
    bump_revision(session, user_id)
    return VehicleRead.model_validate(vehicle)


@user_scoped
def delete_vehicle(session: Session, user_id: int, vehicle_id: int, confirm_name: str) -> int:
    """Delete a vehicle and all its fill-ups once the user typed its exact name; its
    expenses go with it (the database cascades them).

    Returns the number of fill-ups deleted with it.
    """
    # Locked: a fill-up saved concurrently for this vehicle is either committed before (and
    # deleted here with the others) or waits and then finds the vehicle gone (NotFoundError).
    vehicle = _locked(session, user_id, vehicle_id)
    if confirm_name.strip() != vehicle.name:
        raise ValidationError("confirm_name", f"Type '{vehicle.name}' exactly to confirm")
    result = session.execute(
        delete(FuelEntry).where(FuelEntry.user_id == user_id, FuelEntry.vehicle_id == vehicle_id)
    )
    # A DELETE without RETURNING gives the cursor's result (its rowcount); Session.execute
    # is typed for every statement, so it promises only a Result.
    assert isinstance(result, CursorResult)
    deleted = result.rowcount
    session.delete(vehicle)
    session.flush()
    bump_revision(session, user_id)
    return deleted or 0
