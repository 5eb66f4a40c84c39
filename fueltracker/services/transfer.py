"""Export and import of a user's fill-ups in our native CSV format (formats.md).

Import writes every row or none: vehicles missing from the account are created by name,
rows already present (same vehicle, date, odometer and volume) are skipped, so importing
the same file twice adds nothing, and every row is validated like a fill-up typed in the form.

preview_rows runs the very same checks without writing and says, row by row, what an
import would do (new, already present, error with its reason), for the Import page.

The "download all my data" archive (export.data_archive) is built here from the database;
its re-import is import_rows with the archive's vehicles (importers.native.parse_archive).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from fueltracker import metrics
from fueltracker.clock import local_today
from fueltracker.db import user_scoped
from fueltracker.errors import ImportRejected, NotFoundError, RowError, ValidationError
from fueltracker.export import (
    data_archive,
    expenses_csv,
    native_csv,
    reminders_csv,
    vehicles_csv,
)
from fueltracker.importers import ParsedRow
from fueltracker.models import FuelEntry, User, Vehicle, to_storage
from fueltracker.schemas import FillupCreate, VehicleCreate, parse
from fueltracker.services.expenses import list_expenses
from fueltracker.services.history import load_entries_frame
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.reminders import list_reminders
from fueltracker.services.revision import bump_revision
from fueltracker.services.users import get_user
from fueltracker.services.vehicles import (
    create_vehicle,
    list_vehicles,
    set_vehicle_active,
)
from fueltracker.validation import Reading, future_date_problem, odometer_conflict


@dataclass
class ImportResult:
    """What an import did."""

    imported: int = 0
    duplicates: int = 0
    vehicles_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@user_scoped
def export_native(session: Session, user_id: int) -> str:
    """All of the user's fill-ups, every vehicle, as native CSV text."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    derived = metrics.add_derived(load_entries_frame(session, user_id))
    return native_csv(derived, user.currency)


@user_scoped
def export_archive(session: Session, user_id: int, *, now: dt.datetime | None = None) -> bytes:
    """All of the user's data as the ZIP of export.data_archive: fill-ups (native CSV),
    vehicles with their details, expenses (canonical), reminders, and the account (identity
    and preferences, no password).

    `now` (default: the clock) is the archive's exported_at; it is written in UTC.
    """
    account = get_user(session, user_id)  # NotFoundError for an unknown id
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    # UserRead carries no hash; data_archive also keeps only its own list of keys.
    record = account.model_dump() | {"exported_at": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}
    listed = list_vehicles(session, user_id)
    vehicles = [v.model_dump() for v in listed]
    names = {v.id: v.name for v in listed}
    expenses = expenses_csv(list_expenses(session, user_id), names, account.currency)
    reminders = [r.model_dump() for r in list_reminders(session, user_id)]
    return data_archive(
        export_native(session, user_id),
        vehicles_csv(vehicles),
        record,
        expenses_csv=expenses,
        reminders_csv=reminders_csv(reminders, names),
    )


# Statuses of a previewed row (preview_rows).
NEW = "new"
DUPLICATE = "duplicate"
ERROR = "error"


@dataclass(frozen=True)
class PreviewRow:
    """One parsed row and what an import would do with it: NEW, DUPLICATE or ERROR."""

    row: ParsedRow
    status: str
    error: RowError | None = None


@dataclass
class Preview:
    """What import_rows would do with these rows, computed without writing anything.

    `rows` follow the input order; `errors` are every problem (vehicles' included) by row
    number; `vehicles_created` the vehicles the import would create.
    """

    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    vehicles_created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many rows have this status."""
        return sum(1 for row in self.rows if row.status == status)


@dataclass
class _Plan:
    """The checked import: vehicles to create, rows per vehicle name, each row's status."""

    vehicle_errors: list[RowError] = field(default_factory=list)
    to_create: list[tuple[VehicleCreate, bool]] = field(default_factory=list)
    groups: dict[str, list[dict]] = field(default_factory=dict)
    statuses: dict[int, tuple[str, RowError | None]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    result: ImportResult = field(default_factory=ImportResult)


def _check(
    session: Session,
    user_id: int,
    rows: list[ParsedRow],
    *,
    vehicle_name: str | None,
    today: dt.date | None,
    vehicles: list[dict] | None,
    strict: bool,
) -> _Plan:
    """Validate rows (and vehicles) against the account without writing anything.

    Shared by import_rows and preview_rows so a preview says exactly what an import does.
    `strict` (import): bad vehicles raise ImportRejected at once, and the write locks are
    taken before anything is read (the user's row, then every vehicle the rows name, in
    ascending id: the lock order of services/locks.py), so no fill-up or vehicle of this
    user can be saved between the checks and the inserts.
    """
    user = lock_user(session, user_id) if strict else _account(session, user_id)
    today = today or local_today(user.timezone)
    plan = _Plan()
    # Checked before anything is written, so a bad vehicle rejects the import like a bad row.
    vehicle_data = _parsed_vehicles(vehicles or [], plan)
    if plan.vehicle_errors and strict:
        raise ImportRejected(plan.vehicle_errors)
    plan.result.warnings += _currency_warnings(rows, user.currency)

    # A name no vehicle can have (too long, a control character) makes its rows errors
    # here, not first when the import creates the vehicle: the preview must see every
    # refusal the import would meet. Such a name never reaches a query either.
    names = {(vehicle_name or row.vehicle).strip() for row in rows}
    bad_names = {
        name: problem for name in names if (problem := _vehicle_name_problem(name)) is not None
    }
    if vehicle_name and vehicle_name.strip() in bad_names:
        raise NotFoundError(f"Vehicle '{vehicle_name}'")
    # Vehicles are matched by name as the unique index compares them (PostgreSQL's lower(),
    # which may differ from Python's outside ASCII): rows of "Golf" and "golf" are one
    # vehicle's, checked together, or two equal readings would both pass as new.
    keys = _name_keys(
        session,
        [data.name for data, _ in vehicle_data] + [name for name in names if name not in bad_names],
    )
    ids_by_key = _vehicle_ids(session, user_id, set(keys.values()))
    to_create = _plan_vehicles(vehicle_data, keys, ids_by_key, plan)
    by_vehicle = _rows_by_vehicle(rows, vehicle_name, bad_names, keys, plan)
    if strict:
        lock_vehicles(
            session, user_id, [ids_by_key[key] for key in by_vehicle if key in ids_by_key]
        )
    for key, (name, vehicle_rows) in by_vehicle.items():
        vehicle_id = ids_by_key.get(key)
        if vehicle_id is None:
            if vehicle_name:
                raise NotFoundError(f"Vehicle '{vehicle_name}'")
            if key not in to_create:
                to_create.add(key)
                plan.result.vehicles_created.append(name)
        # The vehicle id is set when writing (the vehicle may not exist yet); 0 validates.
        plan.groups[name] = _check_vehicle_rows(
            vehicle_id or 0,
            vehicle_rows,
            _stored_readings(session, user_id, vehicle_id),
            today,
            user.distance_unit,
            plan,
        )
    plan.errors = sorted(plan.errors, key=lambda e: e.row_number)
    return plan


def _account(session: Session, user_id: int) -> User:
    """The user's row, read without a lock (a preview writes nothing)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("User")
    return user


def _parsed_vehicles(vehicles: list[dict], plan: _Plan) -> list[tuple[VehicleCreate, bool]]:
    """The file's vehicles as (VehicleCreate, is_active); a refused one is an error of the
    plan, numbered from 1 in the file's order."""
    parsed = []
    for number, vehicle in enumerate(vehicles, start=1):
        try:
            fields = {key: vehicle.get(key) for key in VehicleCreate.model_fields}
            parsed.append((parse(VehicleCreate, **fields), vehicle.get("is_active", True)))
        except ValidationError as exc:
            plan.vehicle_errors.append(RowError(number, f"vehicles: {exc.field}", exc.reason))
    return parsed


def _currency_warnings(rows: list[ParsedRow], account_currency: str) -> list[str]:
    """The warning of a file whose amounts are in other currencies (never converted)."""
    others = sorted({r.currency for r in rows if r.currency and r.currency != account_currency})
    if not others:
        return []
    return [
        f"The file has amounts in {', '.join(others)} but your account uses "
        f"{account_currency}; amounts were imported as they are, not converted"
    ]


def _vehicle_ids(session: Session, user_id: int, keys: set[str]) -> dict[str, int]:
    """The user's vehicles whose lower(name) is one of `keys`, by that key."""
    if not keys:
        return {}
    return dict(
        session.execute(
            select(func.lower(Vehicle.name), Vehicle.id).where(
                Vehicle.user_id == user_id, func.lower(Vehicle.name).in_(keys)
            )
        ).all()
    )


def _plan_vehicles(
    vehicle_data: list[tuple[VehicleCreate, bool]],
    keys: dict[str, str],
    ids_by_key: dict[str, int],
    plan: _Plan,
) -> set[str]:
    """The file's vehicles the account lacks go into the plan, once per name key; returns
    the keys of every vehicle the import will create."""
    to_create: set[str] = set()
    for data, is_active in vehicle_data:
        key = keys[data.name]
        if key not in ids_by_key and key not in to_create:
            plan.to_create.append((data, is_active))
            to_create.add(key)
            plan.result.vehicles_created.append(data.name)
    return to_create


def _rows_by_vehicle(
    rows: list[ParsedRow],
    vehicle_name: str | None,
    bad_names: dict[str, str],
    keys: dict[str, str],
    plan: _Plan,
) -> dict[str, tuple[str, list[tuple[int, ParsedRow]]]]:
    """The rows (with their index in the input) by vehicle name key, with the first name
    seen for it; a row of a name no vehicle can have is an error of the plan instead."""
    by_vehicle: dict[str, tuple[str, list[tuple[int, ParsedRow]]]] = {}
    for index, row in enumerate(rows):
        name = (vehicle_name or row.vehicle).strip()
        if name in bad_names:
            error = RowError(row.row_number, "vehicle", bad_names[name])
            plan.errors.append(error)
            plan.statuses[index] = (ERROR, error)
            continue
        by_vehicle.setdefault(keys[name], (name, []))[1].append((index, row))
    return by_vehicle


def _stored_readings(
    session: Session, user_id: int, vehicle_id: int | None
) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(date, odometer, volume) of the vehicle's stored fill-ups; none for a new vehicle."""
    if vehicle_id is None:
        return []
    return [
        (day, odometer, volume)
        for day, odometer, volume in session.execute(
            select(FuelEntry.date, FuelEntry.odometer_km, FuelEntry.volume_l).where(
                FuelEntry.user_id == user_id, FuelEntry.vehicle_id == vehicle_id
            )
        )
    ]


@user_scoped
def import_rows(
    session: Session,
    user_id: int,
    rows: list[ParsedRow],
    *,
    vehicle_name: str | None = None,
    today: dt.date | None = None,
    vehicles: list[dict] | None = None,
) -> ImportResult:
    """Validate and store parsed rows in the caller's transaction: all of them or none.

    `vehicle_name` sends every row to that vehicle (one-vehicle files). `vehicles` (from
    the archive's vehicles file: VehicleCreate's fields plus `is_active`) are created with
    their details and archived state before the rows when the account has no vehicle of
    that name; vehicles already there are left as they are. Raises ImportRejected listing
    each bad row (or vehicle); nothing is written then.
    """
    plan = _check(
        session,
        user_id,
        rows,
        vehicle_name=vehicle_name,
        today=today,
        vehicles=vehicles,
        strict=True,
    )
    if plan.errors:
        raise ImportRejected(plan.errors)
    for data, is_active in plan.to_create:
        created = create_vehicle(session, user_id, data)
        if not is_active:
            set_vehicle_active(session, user_id, created.id, False)
    to_insert: list[dict] = []
    for name, accepted in plan.groups.items():
        vehicle_id = session.scalar(
            select(Vehicle.id).where(
                Vehicle.user_id == user_id, func.lower(Vehicle.name) == func.lower(name)
            )
        )
        if vehicle_id is None:
            vehicle_id = create_vehicle(session, user_id, parse(VehicleCreate, name=name)).id
        to_insert += [data | {"vehicle_id": vehicle_id, "user_id": user_id} for data in accepted]
    if to_insert:
        session.execute(insert(FuelEntry), to_insert)
        bump_revision(session, user_id)
    plan.result.imported = len(to_insert)
    return plan.result


@user_scoped
def preview_rows(
    session: Session,
    user_id: int,
    rows: list[ParsedRow],
    *,
    vehicle_name: str | None = None,
    vehicles: list[dict] | None = None,
    today: dt.date | None = None,
) -> Preview:
    """What import_rows would do with these rows, writing nothing: each row new, already
    present (duplicate) or in error with its reason, the vehicles it would create, and
    the errors of `vehicles` (numbered like import_rows does)."""
    plan = _check(
        session,
        user_id,
        rows,
        vehicle_name=vehicle_name,
        today=today,
        vehicles=vehicles,
        strict=False,
    )
    preview = Preview(
        errors=sorted(plan.vehicle_errors + plan.errors, key=lambda e: e.row_number),
        vehicles_created=plan.result.vehicles_created,
        warnings=plan.result.warnings,
    )
    for index, row in enumerate(rows):
        status, error = plan.statuses[index]
        preview.rows.append(PreviewRow(row, status, error))
    return preview


def _name_keys(session: Session, names: list[str]) -> dict[str, str]:
    """Each name with its PostgreSQL lower(): the key of uq_vehicles_user_id_name_lower."""
    distinct = sorted(set(names))
    if not distinct:
        return {}
    return dict(
        session.execute(
            text("SELECT name, lower(name) FROM unnest(CAST(:names AS text[])) AS name"),
            {"names": distinct},
        ).all()
    )


def _vehicle_name_problem(name: str) -> str | None:
    """Why a vehicle named `name` cannot be created (the reason VehicleCreate gives)."""
    try:
        parse(VehicleCreate, name=name)
    except ValidationError as exc:
        return exc.reason
    return None


def _stored(row: ParsedRow) -> tuple[tuple[dt.date, Decimal], Decimal]:
    """The row's (date, odometer) and volume as the database will store them: duplicates
    and the odometer order are decided on stored values, or two readings that differ only
    beyond the column's scale pass as different and collide in the table."""
    return (
        (row.date, to_storage(row.odometer_km, FuelEntry.odometer_km)),
        to_storage(row.volume_l, FuelEntry.volume_l),
    )


def _check_vehicle_rows(
    vehicle_id: int,
    rows: list[tuple[int, ParsedRow]],
    existing: list[tuple[dt.date, Decimal, Decimal]],
    today: dt.date,
    distance_unit: str,
    plan: _Plan,
) -> list[dict]:
    """Rows of one vehicle that can be inserted (FillupCreate dumps); records every row's
    status in the plan (by its index in the input), its errors, and counts duplicates."""
    present = {(d, o): v for d, o, v in existing}
    readings = sorted((d, o) for d, o, _ in existing)
    accepted: list[dict] = []

    def reject(index: int, error: RowError) -> None:
        plan.errors.append(error)
        plan.statuses[index] = (ERROR, error)

    for index, row in sorted(rows, key=lambda item: _stored(item[1])[0]):
        key, volume_l = _stored(row)
        if key in present:
            if present[key] == volume_l:
                plan.result.duplicates += 1
                plan.statuses[index] = (DUPLICATE, None)
            else:
                reject(
                    index,
                    RowError(
                        row.row_number,
                        "odometer_km",
                        "another fill-up with this date and odometer exists",
                    ),
                )
            continue
        try:
            data = parse(
                FillupCreate,
                vehicle_id=vehicle_id,
                date=row.date,
                odometer_km=row.odometer_km,
                volume_l=row.volume_l,
                total_amount=row.total_amount,
                is_full=row.is_full,
                missed_previous=row.missed_previous,
                station=row.station,
                brand=row.brand,
                grade=row.grade,
                notes=row.notes,
            )
        except ValidationError as exc:
            reject(index, RowError(row.row_number, exc.field, exc.reason))
            continue
        problem = future_date_problem(row.date, today)
        if problem:
            reject(index, RowError(row.row_number, "date", problem))
            continue
        position = bisect.bisect_left(readings, key)
        before = Reading(*readings[position - 1]) if position > 0 else None
        after = Reading(*readings[position]) if position < len(readings) else None
        conflict = odometer_conflict(data.date, data.odometer_km, before, after, distance_unit)
        if conflict:
            reject(index, RowError(row.row_number, "odometer_km", conflict))
            continue
        readings.insert(position, key)
        present[key] = data.volume_l
        plan.statuses[index] = (NEW, None)
        accepted.append(data.model_dump())
    return accepted
