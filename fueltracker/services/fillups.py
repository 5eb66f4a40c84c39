"""Fill-ups of one user: create, update, delete, list (keyset pages) and the analysis load.

Writes lock the vehicle row, so two saves for one vehicle are checked one after the other,
then validate the odometer against the two neighbouring fill-ups (validation.py) and bump
the user's data revision in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import Select, and_, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker import metrics
from fueltracker.db import user_scoped
from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.models import FuelEntry, User, Vehicle
from fueltracker.schemas import FillupCreate, FillupRead, FillupUpdate
from fueltracker.services.users import bump_revision, local_today
from fueltracker.validation import Reading, future_date_problem, odometer_conflict

PAGE_SIZE = 25


@dataclass(frozen=True)
class Cursor:
    """Position after the last row of a history page (newest-first order)."""

    date: dt.date
    odometer_km: Decimal
    entry_id: int


@dataclass(frozen=True)
class Page:
    """One page of fill-ups and the cursor of the next page (None on the last one)."""

    rows: list[FillupRead]
    next_cursor: Cursor | None


def _owned_vehicle(session: Session, user_id: int, vehicle_id: int) -> Vehicle:
    vehicle = session.scalar(
        select(Vehicle)
        .where(Vehicle.id == vehicle_id, Vehicle.user_id == user_id)
        .with_for_update()
    )
    if vehicle is None:
        raise NotFoundError("Vehicle")
    return vehicle


def _owned_entry(session: Session, user_id: int, entry_id: int) -> FuelEntry:
    entry = session.scalar(
        select(FuelEntry).where(FuelEntry.id == entry_id, FuelEntry.user_id == user_id)
    )
    if entry is None:
        raise NotFoundError("Fill-up")
    return entry


def _neighbour(session: Session, user_id: int, data: FillupCreate, exclude_id: int | None,
               before: bool) -> Reading | None:
    key = tuple_(FuelEntry.date, FuelEntry.odometer_km)
    here = tuple_(data.date, data.odometer_km)
    query = select(FuelEntry.date, FuelEntry.odometer_km).where(
        FuelEntry.user_id == user_id, FuelEntry.vehicle_id == data.vehicle_id
    )
    if exclude_id is not None:
        query = query.where(FuelEntry.id != exclude_id)
    if before:
        query = query.where(key < here).order_by(FuelEntry.date.desc(),
                                                  FuelEntry.odometer_km.desc())
    else:
        query = query.where(key > here).order_by(FuelEntry.date, FuelEntry.odometer_km)
    row = session.execute(query.limit(1)).one_or_none()
    return Reading(row.date, row.odometer_km) if row else None


def _validate(session: Session, user_id: int, data: FillupCreate, exclude_id: int | None,
              today: dt.date | None) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    _owned_vehicle(session, user_id, data.vehicle_id)
    problem = future_date_problem(data.date, today or local_today(user.timezone))
    if problem:
        raise ValidationError("date", problem)
    duplicate = select(FuelEntry.id).where(
        FuelEntry.user_id == user_id,
        FuelEntry.vehicle_id == data.vehicle_id,
        FuelEntry.date == data.date,
        FuelEntry.odometer_km == data.odometer_km,
    )
    if exclude_id is not None:
        duplicate = duplicate.where(FuelEntry.id != exclude_id)
    if session.scalar(duplicate) is not None:
        raise DuplicateError(
            "odometer_km",
            f"A fill-up with this odometer reading on {data.date.isoformat()} already exists",
        )
    conflict = odometer_conflict(
        data.date,
        data.odometer_km,
        _neighbour(session, user_id, data, exclude_id, before=True),
        _neighbour(session, user_id, data, exclude_id, before=False),
        user.distance_unit,
    )
    if conflict:
        raise ValidationError("odometer_km", conflict)


def _flush(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # lost a race with a concurrent identical save
        raise DuplicateError("odometer_km", "This fill-up already exists") from exc


@user_scoped
def create_fillup(session: Session, user_id: int, data: FillupCreate, *,
                  today: dt.date | None = None) -> FillupRead:
    """Store a fill-up after validating it against the vehicle's other fill-ups.

    `today` defaults to the user's local date (their timezone); tests pass it explicitly.
    """
    _validate(session, user_id, data, None, today)
    entry = FuelEntry(user_id=user_id, **data.model_dump())
    session.add(entry)
    _flush(session)
    bump_revision(session, user_id)
    return FillupRead.model_validate(entry)


@user_scoped
def update_fillup(session: Session, user_id: int, entry_id: int, data: FillupUpdate, *,
                  today: dt.date | None = None) -> FillupRead:
    """Correct a fill-up (same checks as a new one, against both neighbours)."""
    entry = _owned_entry(session, user_id, entry_id)
    _validate(session, user_id, data, entry_id, today)
    for key, value in data.model_dump().items():
        setattr(entry, key, value)
    _flush(session)
    bump_revision(session, user_id)
    return FillupRead.model_validate(entry)


@user_scoped
def delete_fillup(session: Session, user_id: int, entry_id: int) -> FillupRead:
    """Delete a fill-up; returns what was deleted (so the page can offer undo)."""
    entry = _owned_entry(session, user_id, entry_id)
    deleted = FillupRead.model_validate(entry)
    session.delete(entry)
    session.flush()
    bump_revision(session, user_id)
    return deleted


@user_scoped
def get_fillup(session: Session, user_id: int, entry_id: int) -> FillupRead:
    """One of the user's fill-ups; another user's id is NotFoundError like a missing one."""
    return FillupRead.model_validate(_owned_entry(session, user_id, entry_id))


@user_scoped
def list_fillups(session: Session, user_id: int, *, vehicle_ids: list[int] | None = None,
                 after: Cursor | None = None, limit: int = PAGE_SIZE) -> Page:
    """A page of fill-ups, newest first, continuing after `after` (keyset, no OFFSET)."""
    query: Select = select(FuelEntry).where(FuelEntry.user_id == user_id)
    if vehicle_ids:
        query = query.where(FuelEntry.vehicle_id.in_(vehicle_ids))
    if after is not None:
        query = query.where(
            or_(
                FuelEntry.date < after.date,
                and_(FuelEntry.date == after.date,
                     or_(FuelEntry.odometer_km < after.odometer_km,
                         and_(FuelEntry.odometer_km == after.odometer_km,
                              FuelEntry.id < after.entry_id))),
            )
        )
    query = query.order_by(
        FuelEntry.date.desc(), FuelEntry.odometer_km.desc(), FuelEntry.id.desc()
    ).limit(limit + 1)
    entries = list(session.scalars(query))
    rows = [FillupRead.model_validate(e) for e in entries[:limit]]
    next_cursor = None
    if len(entries) > limit:
        last = rows[-1]
        next_cursor = Cursor(last.date, last.odometer_km, last.id)
    return Page(rows, next_cursor)


@user_scoped
def load_entries_frame(session: Session, user_id: int) -> pd.DataFrame:
    """All of the user's fill-ups as the entries frame of metrics.py (floats for analysis)."""
    rows = session.execute(
        select(
            FuelEntry.id.label("entry_id"),
            FuelEntry.vehicle_id,
            Vehicle.name.label("vehicle_name"),
            FuelEntry.date,
            FuelEntry.odometer_km,
            FuelEntry.volume_l,
            FuelEntry.total_amount,
            FuelEntry.is_full,
            FuelEntry.missed_previous,
            FuelEntry.station,
            FuelEntry.brand,
            FuelEntry.grade,
            FuelEntry.notes,
        )
        .join(Vehicle, and_(Vehicle.id == FuelEntry.vehicle_id, Vehicle.user_id == user_id))
        .where(FuelEntry.user_id == user_id)
    ).all()
    if not rows:
        return metrics.empty_entries_frame()
    frame = pd.DataFrame(rows, columns=list(metrics.ENTRY_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    for column in ("odometer_km", "volume_l", "total_amount"):
        frame[column] = frame[column].astype("float64")
    for column in ("is_full", "missed_previous"):
        frame[column] = frame[column].astype(bool)
    return frame
