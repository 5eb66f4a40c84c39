"""Fill-up writes of one user: create, update, delete (and get one). The history's queries
(pages, counts, filters, the analysis load) are in services/history.py.

Writes first take the user's write locks (locks.lock_user, then the vehicles involved in
ascending id: the lock order of services/locks.py), so two saves of one user are checked
one after the other; then they validate the odometer against the two neighbouring fill-ups
(validation.py), read inside the locked transaction, and bump the user's data revision in
the same transaction. A save that lost a race therefore fails like a sequential one would:
DuplicateError or ValidationError on odometer_km, never an inconsistent history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker.clock import local_today
from fueltracker.db import user_scoped
from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.models import FuelEntry, User
from fueltracker.schemas import FillupCreate, FillupRead, FillupUpdate
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.revision import bump_revision
from fueltracker.validation import Reading, future_date_problem, odometer_conflict

# The unique constraint behind DuplicateError (models.FuelEntry, migration 0001).
_UNIQUE_READING = "uq_fuel_entries_vehicle_id_date_odometer_km"


def _owned_entry(session: Session, user_id: int, entry_id: int) -> FuelEntry:
    # Freshly read: called once the locks are held, so what an earlier statement of this
    # session loaded cannot stand in for what another session committed meanwhile.
    entry = session.scalar(
        select(FuelEntry)
        .where(FuelEntry.id == entry_id, FuelEntry.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if entry is None:
        raise NotFoundError("Fill-up")
    return entry


def _duplicate_error(date: dt.date) -> DuplicateError:
    """The error of a fill-up whose vehicle already has one with that date and odometer
    (the same words whether the check or the unique constraint caught it)."""
    return DuplicateError(
        "odometer_km",
        f"A fill-up with this odometer reading on {date.isoformat()} already exists",
    )


def _neighbour(
    session: Session, user_id: int, data: FillupCreate, exclude_id: int | None, before: bool
) -> Reading | None:
    key = tuple_(FuelEntry.date, FuelEntry.odometer_km)
    here = tuple_(data.date, data.odometer_km)
    query = select(FuelEntry.date, FuelEntry.odometer_km).where(
        FuelEntry.user_id == user_id, FuelEntry.vehicle_id == data.vehicle_id
    )
    if exclude_id is not None:
        query = query.where(FuelEntry.id != exclude_id)
    if before:
        query = query.where(key < here).order_by(
            FuelEntry.date.desc(), FuelEntry.odometer_km.desc()
        )
    else:
        query = query.where(key > here).order_by(FuelEntry.date, FuelEntry.odometer_km)
    row = session.execute(query.limit(1)).one_or_none()
    return Reading(row.date, row.odometer_km) if row else None


def _validate(
    session: Session, user: User, data: FillupCreate, exclude_id: int | None, today: dt.date | None
) -> None:
    """Check `data` against the vehicle's other fill-ups; the caller holds the locks."""
    problem = future_date_problem(data.date, today or local_today(user.timezone))
    if problem:
        raise ValidationError("date", problem)
    duplicate = select(FuelEntry.id).where(
        FuelEntry.user_id == user.id,
        FuelEntry.vehicle_id == data.vehicle_id,
        FuelEntry.date == data.date,
        FuelEntry.odometer_km == data.odometer_km,
    )
    if exclude_id is not None:
        duplicate = duplicate.where(FuelEntry.id != exclude_id)
    if session.scalar(duplicate) is not None:
        raise _duplicate_error(data.date)
    conflict = odometer_conflict(
        data.date,
        data.odometer_km,
        _neighbour(session, user.id, data, exclude_id, before=True),
        _neighbour(session, user.id, data, exclude_id, before=False),
        user.distance_unit,
    )
    if conflict:
        raise ValidationError("odometer_km", conflict)


def _flush(session: Session, date: dt.date) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # Only reachable by a writer that skipped the locks (the check above saw no such
        # row); anything but the unique reading is a real fault and stays one.
        if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) != _UNIQUE_READING:
            raise
        raise _duplicate_error(date) from exc


@user_scoped
def create_fillup(
    session: Session, user_id: int, data: FillupCreate, *, today: dt.date | None = None
) -> FillupRead:
    """Store a fill-up after validating it against the vehicle's other fill-ups.

    `today` defaults to the user's local date (their timezone); tests pass it explicitly.
    """
    user = lock_user(session, user_id)
    lock_vehicles(session, user_id, [data.vehicle_id])
    _validate(session, user, data, None, today)
    entry = FuelEntry(user_id=user_id, **data.model_dump())
    session.add(entry)
    _flush(session, data.date)
    bump_revision(session, user_id)
    return FillupRead.model_validate(entry)


@user_scoped
def update_fillup(
    session: Session,
    user_id: int,
    entry_id: int,
    data: FillupUpdate,
    *,
    today: dt.date | None = None,
) -> FillupRead:
    """Correct a fill-up (same checks as a new one, against both neighbours).

    Moving it to another vehicle locks both vehicles (ascending id, like every path).
    """
    user = lock_user(session, user_id)
    entry = _owned_entry(session, user_id, entry_id)
    lock_vehicles(session, user_id, [entry.vehicle_id, data.vehicle_id])
    _validate(session, user, data, entry_id, today)
    for key, value in data.model_dump().items():
        setattr(entry, key, value)
    _flush(session, data.date)
    bump_revision(session, user_id)
    return FillupRead.model_validate(entry)


@user_scoped
def delete_fillup(session: Session, user_id: int, entry_id: int) -> FillupRead:
    """Delete a fill-up; returns what was deleted (so the page can offer undo, which saves
    it again through create_fillup and so is validated against what happened meanwhile)."""
    lock_user(session, user_id)
    entry = _owned_entry(session, user_id, entry_id)
    lock_vehicles(session, user_id, [entry.vehicle_id])
    deleted = FillupRead.model_validate(entry)
    session.delete(entry)
    session.flush()
    bump_revision(session, user_id)
    return deleted


@user_scoped
def get_fillup(session: Session, user_id: int, entry_id: int) -> FillupRead:
    """One of the user's fill-ups; another user's id is NotFoundError like a missing one."""
    return FillupRead.model_validate(_owned_entry(session, user_id, entry_id))
