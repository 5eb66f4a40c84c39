"""Fill-ups of one user: create, update, delete, list (keyset pages, filtered in SQL) and the
analysis load.

Writes first take the user's write locks (locks.lock_user, then the vehicles involved in
ascending id: the lock order of services/locks.py), so two saves of one user are checked
one after the other; then they validate the odometer against the two neighbouring fill-ups
(validation.py), read inside the locked transaction, and bump the user's data revision in
the same transaction. A save that lost a race therefore fails like a sequential one would:
DuplicateError or ValidationError on odometer_km, never an inconsistent history.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Dialect,
    Double,
    Select,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fueltracker import metrics
from fueltracker.clock import local_today
from fueltracker.db import user_scoped
from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.models import FuelEntry, User, Vehicle
from fueltracker.schemas import FillupCreate, FillupRead, FillupUpdate
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.revision import bump_revision
from fueltracker.validation import Reading, future_date_problem, odometer_conflict

PAGE_SIZE = 25
# The unique constraint behind DuplicateError (models.FuelEntry, migration 0001).
_UNIQUE_READING = "uq_fuel_entries_vehicle_id_date_odometer_km"
# The escape character of the text search's LIKE pattern (see _like_pattern).
_LIKE_ESCAPE = "\\"


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


def _owned_entry(session: Session, user_id: int, entry_id: int) -> FuelEntry:
    # Freshly read: called once the locks are held, so what an earlier statement of this
    # session loaded cannot stand in for what another session committed meanwhile.
    entry = session.scalar(
        select(FuelEntry).where(FuelEntry.id == entry_id, FuelEntry.user_id == user_id)
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


def _validate(session: Session, user: User, data: FillupCreate, exclude_id: int | None,
              today: dt.date | None) -> None:
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
def create_fillup(session: Session, user_id: int, data: FillupCreate, *,
                  today: dt.date | None = None) -> FillupRead:
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
def update_fillup(session: Session, user_id: int, entry_id: int, data: FillupUpdate, *,
                  today: dt.date | None = None) -> FillupRead:
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


@dataclass(frozen=True)
class HistoryFilter:
    """What the history shows; every field narrows (they combine with AND). Empty = all.

    Frozen and hashable: the UI keys its page cursors and caches by it.
    """

    vehicle_ids: tuple[int, ...] = ()
    date_from: dt.date | None = None  # inclusive
    date_to: dt.date | None = None  # inclusive
    stations: tuple[str, ...] = ()  # exact stored values (the UI offers filter_options)
    brands: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    partial_only: bool = False  # only fill-ups that did not fill the tank
    missed_only: bool = False  # only fill-ups flagged missed_previous
    text: str = ""  # case-insensitive substring of station or notes, taken literally

    def is_empty(self) -> bool:
        """True when nothing is filtered out."""
        return self == HistoryFilter()


@dataclass(frozen=True)
class FilterOptions:
    """The distinct station, brand and grade values of a user's fill-ups, sorted."""

    stations: list[str] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)


def _like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its %, _ and \\ taken literally."""
    escaped = (text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
               .replace("%", _LIKE_ESCAPE + "%").replace("_", _LIKE_ESCAPE + "_"))
    return f"%{escaped}%"


def _filter_conditions(user_id: int, filters: HistoryFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` (user's rows first). Every value the user typed
    travels as a bound parameter, never as SQL text."""
    conditions: list[ColumnElement[bool]] = [FuelEntry.user_id == user_id]
    if filters.vehicle_ids:
        conditions.append(FuelEntry.vehicle_id.in_(filters.vehicle_ids))
    if filters.date_from is not None:
        conditions.append(FuelEntry.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(FuelEntry.date <= filters.date_to)
    for column, values in ((FuelEntry.station, filters.stations),
                           (FuelEntry.brand, filters.brands), (FuelEntry.grade, filters.grades)):
        if values:
            conditions.append(column.in_(values))
    if filters.partial_only:
        conditions.append(FuelEntry.is_full.is_(False))
    if filters.missed_only:
        conditions.append(FuelEntry.missed_previous.is_(True))
    text = filters.text.strip()
    if text:
        pattern = _like_pattern(text)
        conditions.append(or_(FuelEntry.station.ilike(pattern, escape=_LIKE_ESCAPE),
                              FuelEntry.notes.ilike(pattern, escape=_LIKE_ESCAPE)))
    return conditions


def page_query(user_id: int, filters: HistoryFilter, after: Cursor | None, limit: int
               ) -> Select:
    """The SELECT of a history page: `limit` + 1 rows (the extra one tells whether an older
    page exists) matching `filters`, newest first, after `after`. Built here once so the
    benchmark's EXPLAIN sees exactly what list_fillups runs."""
    query: Select = select(FuelEntry).where(*_filter_conditions(user_id, filters))
    if after is not None:
        # The row comparison alone is exact, but under row-level security PostgreSQL may
        # not use it in the index: it compares numerics, and numeric_lt is not leakproof,
        # so it must wait for the policy's check and becomes a filter over every row
        # before the cursor (page 200 read 5,000 index entries). The redundant
        # `date <= cursor date` is leakproof (date_le): it becomes an index condition of
        # ix_fuel_entries_user_date (user_id, date DESC, odometer_km DESC), so the scan
        # starts at the cursor's date and the row comparison only drops that date's rows
        # already shown. See docs/performance.md.
        query = query.where(
            FuelEntry.date <= after.date,
            tuple_(FuelEntry.date, FuelEntry.odometer_km, FuelEntry.id)
            < tuple_(after.date, after.odometer_km, after.entry_id))
    # The id breaks ties: two vehicles can share a date and an odometer reading.
    return query.order_by(
        FuelEntry.date.desc(), FuelEntry.odometer_km.desc(), FuelEntry.id.desc()
    ).limit(limit + 1)


@user_scoped
def list_fillups(session: Session, user_id: int, *, vehicle_ids: list[int] | None = None,
                 after: Cursor | None = None, limit: int = PAGE_SIZE,
                 filters: HistoryFilter | None = None) -> Page:
    """A page of fill-ups matching `filters`, newest first, continuing after `after` (keyset,
    no OFFSET: page 200 costs what page 1 costs).

    `vehicle_ids` (the older way to pick vehicles) replaces `filters.vehicle_ids` when given.
    """
    filters = filters or HistoryFilter()
    if vehicle_ids:
        filters = replace(filters, vehicle_ids=tuple(vehicle_ids))
    entries = list(session.scalars(page_query(user_id, filters, after, limit)))
    rows = [FillupRead.model_validate(e) for e in entries[:limit]]
    next_cursor = None
    if len(entries) > limit:
        last = rows[-1]
        next_cursor = Cursor(last.date, last.odometer_km, last.id)
    return Page(rows, next_cursor)


@user_scoped
def count_fillups(session: Session, user_id: int, filters: HistoryFilter | None = None) -> int:
    """How many of the user's fill-ups match `filters`."""
    conditions = _filter_conditions(user_id, filters or HistoryFilter())
    return session.scalar(select(func.count()).select_from(FuelEntry).where(*conditions)) or 0


@user_scoped
def filtered_ids(session: Session, user_id: int, filters: HistoryFilter | None = None
                 ) -> list[int]:
    """The ids of every fill-up matching `filters`, newest first (for exports of a filter)."""
    query = (select(FuelEntry.id)
             .where(*_filter_conditions(user_id, filters or HistoryFilter()))
             .order_by(FuelEntry.date.desc(), FuelEntry.odometer_km.desc(), FuelEntry.id.desc()))
    return list(session.scalars(query))


@user_scoped
def filter_options(session: Session, user_id: int) -> FilterOptions:
    """The distinct stations, brands and grades the user has recorded (for the filters)."""
    def distinct(column) -> list[str]:
        return list(session.scalars(
            select(column).where(FuelEntry.user_id == user_id, column.is_not(None))
            .distinct().order_by(column)))
    return FilterOptions(distinct(FuelEntry.station), distinct(FuelEntry.brand),
                         distinct(FuelEntry.grade))


# The days since 1970-01-01 of a date (PostgreSQL: date - date is an integer): NumPy makes
# datetime64 of them at once, where 20,000 datetime.date objects took pandas milliseconds.
_DAY_NUMBER = literal_column("DATE '1970-01-01'")
_TEXT_COLUMNS = ("station", "brand", "grade", "notes")


@lru_cache(maxsize=4)
def entries_sql(dialect: Dialect) -> str:
    """load_entries_frame's SELECT as SQL text for ``dialect``, with one parameter, user_id:
    the user's fill-ups with their vehicle's name, in metrics.ENTRY_COLUMNS order, numbers
    as float8 (what the analysis computes in; PostgreSQL rounds numeric to the nearest
    double, as Python's float(Decimal) does) and dates as day numbers."""
    user_id = bindparam("user_id")
    query = (
        select(
            FuelEntry.id,
            FuelEntry.vehicle_id,
            Vehicle.name,
            (FuelEntry.date - _DAY_NUMBER).label("day_number"),
            cast(FuelEntry.odometer_km, Double),
            cast(FuelEntry.volume_l, Double),
            cast(FuelEntry.total_amount, Double),
            FuelEntry.is_full,
            FuelEntry.missed_previous,
            *(getattr(FuelEntry, name) for name in _TEXT_COLUMNS),
        )
        .join(Vehicle, and_(Vehicle.id == FuelEntry.vehicle_id, Vehicle.user_id == user_id))
        .where(FuelEntry.user_id == user_id)
    )
    return str(query.compile(dialect=dialect))


@user_scoped
def load_entries_frame(session: Session, user_id: int) -> pd.DataFrame:
    """All of the user's fill-ups as the entries frame of metrics.py (floats for analysis).

    Read through the DBAPI cursor of the session's own connection (its transaction, so
    row-level security and app.user_id apply), in PostgreSQL's binary format (no number
    parsed from text: 15 % less than the text fetch of the same rows), and built column
    by column: no SQLAlchemy Row and no Decimal per value, which made this 4x the plain
    fetch of the same rows (docs/performance.md)."""
    connection = session.connection()
    with connection.connection.cursor(binary=True) as cursor:
        cursor.execute(entries_sql(connection.dialect), {"user_id": user_id})
        rows = cursor.fetchall()
    if not rows:
        return metrics.empty_entries_frame()
    (entry_id, vehicle_id, vehicle_name, day_number, odometer_km, volume_l, total_amount,
     is_full, missed_previous, *texts) = zip(*rows, strict=True)
    frame = pd.DataFrame({
        "entry_id": np.array(entry_id, dtype="int64"),
        "vehicle_id": np.array(vehicle_id, dtype="int64"),
        "vehicle_name": pd.Series(vehicle_name),
        "date": np.array(day_number, dtype="int64").astype("datetime64[D]")
                  .astype("datetime64[ns]"),
        "odometer_km": np.array(odometer_km, dtype="float64"),
        "volume_l": np.array(volume_l, dtype="float64"),
        "total_amount": np.array(total_amount, dtype="float64"),
        "is_full": np.array(is_full, dtype=bool),
        "missed_previous": np.array(missed_previous, dtype=bool),
        # Inferred as before (text with gaps as str, a column of None only as object).
        **{name: pd.Series(values) for name, values in zip(_TEXT_COLUMNS, texts, strict=True)},
    })
    return frame.loc[:, list(metrics.ENTRY_COLUMNS)]
