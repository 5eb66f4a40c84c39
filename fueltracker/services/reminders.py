"""Reminders of one user: create, edit, delete, mark done, list; and the odometer readings
their status is worked out of (fueltracker/reminder_rules.py does the maths).

Writes take the user's write locks first (services/locks.py: the user's row, then the
vehicles involved in ascending id) and bump the user's data revision in the same
transaction. Another user's reminder or vehicle is NotFoundError, exactly like a missing
one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fueltracker.clock import local_today
from fueltracker.db import user_scoped
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.models import FuelEntry, Reminder, User, Vehicle
from fueltracker.schemas import ReminderCreate, ReminderDone, ReminderRead, ReminderUpdate
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.revision import bump_revision
from fueltracker.validation import Reading


def _owned(session: Session, user_id: int, reminder_id: int) -> Reminder:
    # Freshly read: called once the locks are held.
    reminder = session.scalar(
        select(Reminder)
        .where(Reminder.id == reminder_id, Reminder.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if reminder is None:
        raise NotFoundError("Reminder")
    return reminder


def _check_not_future(user: User, field: str, date: dt.date | None, today: dt.date | None) -> None:
    today = today or local_today(user.timezone)
    if date is not None and date > today:
        raise ValidationError(
            field, f"Date {date.isoformat()} is in the future (today is {today.isoformat()})"
        )


@user_scoped
def create_reminder(
    session: Session, user_id: int, data: ReminderCreate, *, today: dt.date | None = None
) -> ReminderRead:
    """Add a reminder to one of the user's vehicles. `today` defaults to the user's local
    date (their timezone); tests pass it explicitly."""
    user = lock_user(session, user_id)
    lock_vehicles(session, user_id, [data.vehicle_id])
    _check_not_future(user, "last_done_on", data.last_done_on, today)
    reminder = Reminder(user_id=user_id, **data.model_dump())
    session.add(reminder)
    session.flush()
    bump_revision(session, user_id)
    return ReminderRead.model_validate(reminder)


@user_scoped
def update_reminder(
    session: Session,
    user_id: int,
    reminder_id: int,
    data: ReminderUpdate,
    *,
    today: dt.date | None = None,
) -> ReminderRead:
    """Change a reminder (every field, as the edit form shows them; it may move to another
    of the user's vehicles)."""
    user = lock_user(session, user_id)
    reminder = _owned(session, user_id, reminder_id)
    lock_vehicles(session, user_id, [reminder.vehicle_id, data.vehicle_id])
    _check_not_future(user, "last_done_on", data.last_done_on, today)
    for key, value in data.model_dump().items():
        setattr(reminder, key, value)
    session.flush()
    bump_revision(session, user_id)
    return ReminderRead.model_validate(reminder)


@user_scoped
def mark_done(
    session: Session,
    user_id: int,
    reminder_id: int,
    done: ReminderDone,
    *,
    today: dt.date | None = None,
) -> ReminderRead:
    """Record that the reminder's job was done on `done.on` at `done.odometer_km`: the next
    one is due an interval later. A reminder by distance needs the odometer (without it
    the next due reading would be unknown)."""
    user = lock_user(session, user_id)
    reminder = _owned(session, user_id, reminder_id)
    lock_vehicles(session, user_id, [reminder.vehicle_id])
    _check_not_future(user, "on", done.on, today)
    if reminder.interval_km is not None and done.odometer_km is None:
        raise ValidationError("odometer_km", "Odometer is required: this reminder counts distance")
    reminder.last_done_on = done.on
    reminder.last_done_odometer_km = done.odometer_km
    session.flush()
    bump_revision(session, user_id)
    return ReminderRead.model_validate(reminder)


@user_scoped
def delete_reminder(session: Session, user_id: int, reminder_id: int) -> ReminderRead:
    """Delete a reminder; returns what was deleted."""
    lock_user(session, user_id)
    reminder = _owned(session, user_id, reminder_id)
    deleted = ReminderRead.model_validate(reminder)
    session.delete(reminder)
    session.flush()
    bump_revision(session, user_id)
    return deleted


@user_scoped
def get_reminder(session: Session, user_id: int, reminder_id: int) -> ReminderRead:
    """One of the user's reminders; another user's id is NotFoundError like a missing one."""
    return ReminderRead.model_validate(_owned(session, user_id, reminder_id))


@user_scoped
def list_reminders(
    session: Session, user_id: int, vehicle_id: int | None = None
) -> list[ReminderRead]:
    """The user's reminders (of one vehicle if given), by vehicle, then title, then id."""
    query = select(Reminder).where(Reminder.user_id == user_id)
    if vehicle_id is not None:
        query = query.where(Reminder.vehicle_id == vehicle_id)
    query = query.order_by(Reminder.vehicle_id, func.lower(Reminder.title), Reminder.id)
    return [ReminderRead.model_validate(r) for r in session.scalars(query)]


@user_scoped
def odometer_readings(
    session: Session, user_id: int, since: dt.date, until: dt.date
) -> dict[int, list[Reading]]:
    """Per vehicle of the user, what a reminder's status needs of its fill-ups
    (reminder_rules.due_state): every reading dated from `since` to `until`, and the
    vehicle's latest, highest reading (also when it is older), by date then odometer. A vehicle
    without fill-ups is absent."""
    readings: dict[int, set[Reading]] = defaultdict(set)
    recent = select(FuelEntry.vehicle_id, FuelEntry.date, FuelEntry.odometer_km).where(
        FuelEntry.user_id == user_id, FuelEntry.date >= since, FuelEntry.date <= until
    )
    for row in session.execute(recent):
        readings[row.vehicle_id].add(Reading(row.date, row.odometer_km))
    # The latest reading is the highest (a vehicle's odometer grows with the date: section
    # 5.2 of docs/domain.md); one index lookup per vehicle (ix_fuel_entries_vehicle_date),
    # not a scan of the whole history.
    for vehicle_id in session.scalars(select(Vehicle.id).where(Vehicle.user_id == user_id)):
        latest = session.execute(
            select(FuelEntry.date, FuelEntry.odometer_km)
            .where(FuelEntry.user_id == user_id, FuelEntry.vehicle_id == vehicle_id)
            .order_by(FuelEntry.date.desc(), FuelEntry.odometer_km.desc())
            .limit(1)
        ).one_or_none()
        if latest is not None:
            readings[vehicle_id].add(Reading(latest.date, latest.odometer_km))
    return {
        vehicle_id: sorted(found, key=lambda r: (r.date, r.odometer_km))
        for vehicle_id, found in readings.items()
    }
