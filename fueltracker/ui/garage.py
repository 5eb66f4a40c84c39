"""Vehicle actions of the Vehicles page (archive, reactivate, delete) over the service."""

from __future__ import annotations

from fueltracker.schemas import UserRead
from fueltracker.services import vehicles
from fueltracker.ui import context


def set_active(user: UserRead, vehicle_id: int, active: bool) -> None:
    """Archive or reactivate one of the user's vehicles."""
    with context.session() as db:
        vehicles.set_vehicle_active(db, user.id, vehicle_id, active)


def delete(user: UserRead, vehicle_id: int, confirm_name: str) -> int:
    """Delete a vehicle with its fill-ups; returns how many fill-ups went with it."""
    with context.session() as db:
        return vehicles.delete_vehicle(db, user.id, vehicle_id, confirm_name)
