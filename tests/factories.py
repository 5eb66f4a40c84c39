"""Small builders of users, vehicles and fill-ups for the database tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from fueltracker.schemas import (
    FillupCreate,
    PreferencesUpdate,
    UserCreate,
    UserRead,
    VehicleCreate,
    VehicleRead,
)
from fueltracker.services import fillups, users, vehicles

PASSWORD = "correct horse battery"
TODAY = dt.date(2024, 6, 30)


def make_user(session: Session, username: str = "alice", **preferences: str) -> UserRead:
    """A registered user with the given preferences."""
    user = users.register_user(
        session, UserCreate(username=username, display_name=username.title(), password=PASSWORD)
    )
    if preferences:
        user = users.set_preferences(session, user.id, preferences_of(user, **preferences))
    return user


def preferences_of(user: UserRead, **changes: str) -> PreferencesUpdate:
    """The user's preferences with some changed."""
    fields = PreferencesUpdate.model_fields
    return PreferencesUpdate(**(user.model_dump(include=set(fields)) | changes))


def make_vehicle(
    session: Session, user: UserRead, name: str = "Golf", **fields: object
) -> VehicleRead:
    """A vehicle of `user`."""
    return vehicles.create_vehicle(session, user.id, VehicleCreate(name=name, **fields))


def fillup(
    vehicle: VehicleRead, date: str, odometer_km: str, volume_l: str, amount: str, **flags: object
) -> FillupCreate:
    """A fill-up schema for `vehicle` (values as text, canonical units)."""
    return FillupCreate(
        vehicle_id=vehicle.id,
        date=dt.date.fromisoformat(date),
        odometer_km=Decimal(odometer_km),
        volume_l=Decimal(volume_l),
        total_amount=Decimal(amount),
        **flags,
    )


def add(session: Session, user: UserRead, data: FillupCreate):
    """Store a fill-up for `user` with a fixed 'today'."""
    return fillups.create_fillup(session, user.id, data, today=TODAY)


WORKED_EXAMPLE = (
    # date, odometer, litres, amount, is_full, missed_previous (domain.md's table)
    ("2024-01-05", "10000", "40", "72.00", True, False),
    ("2024-01-20", "10500", "20", "37.00", False, False),
    ("2024-02-01", "10800", "22", "40.70", True, False),
    ("2024-02-20", "11400", "35", "63.00", True, False),
    ("2024-03-15", "12300", "30", "55.50", True, True),
    ("2024-04-02", "12900", "33", "62.70", True, False),
)

WORKED_EXAMPLE_CSV = (
    "vehicle,date,odometer_km,volume_l,total_amount,is_full,missed_previous\n"
) + "".join(
    f"Example car,{d},{o},{v},{a},{str(f).lower()},{str(m).lower()}\n"
    for d, o, v, a, f, m in WORKED_EXAMPLE
)
