"""What the API reads and writes, in canonical units (km, litres, amounts in the account's
currency), next to the service schemas it maps to (fueltracker/schemas.py).

Every amount, volume and distance is a decimal *string* in JSON ("40.5", never 40.5: a
JSON number is a binary float to most clients), without exponent and without trailing
zeros. Requests may send them as strings (exact) or numbers. Request bodies refuse unknown
fields (a typo is an error, not silently nothing).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from fueltracker.reminder_rules import Status as ReminderStatus
from fueltracker.schemas import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_DUE_SOON_KM,
    ExpenseCategory,
    TokenScope,
    VehicleKind,
)


def plain_decimal(value: Decimal) -> str:
    """`value` as text without exponent or trailing zeros: Decimal("40.000") -> "40"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


Amount = Annotated[Decimal, PlainSerializer(plain_decimal, return_type=str, when_used="json")]

ConsumptionStatus = Literal["ok", "deferred", "first", "missed", "no_anchor"]

# The ids of the database's rows are BIGINT: a larger number is no id of anything (a 422,
# not a query that overflows).
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryIds = Annotated[
    list[RowId] | None, Query(description="vehicle id; repeat for several (default all)")
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(BaseModel):
    """The token's account: who it is and its display preferences (the API itself always
    speaks canonical units; these are for a client that wants to show what the app shows)."""

    id: int
    username: str
    display_name: str
    email: str | None
    currency: str
    distance_unit: str
    volume_unit: str
    consumption_unit: str
    timezone: str
    token_scope: TokenScope


class VehicleOut(BaseModel):
    """A vehicle."""

    id: int
    name: str
    make: str | None
    model: str | None
    year: int | None
    fuel_type: str | None
    tank_capacity_l: Amount | None
    kind: VehicleKind
    is_active: bool


class VehicleIn(_In):
    """A new vehicle: only the name is required."""

    name: str
    make: str | None = None
    model: str | None = None
    year: int | None = None
    fuel_type: str | None = None
    tank_capacity_l: Decimal | None = None
    kind: VehicleKind = "car"


class VehiclePatch(_In):
    """The fields to change (the others stay); `is_active: false` archives it."""

    name: str | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    fuel_type: str | None = None
    tank_capacity_l: Decimal | None = None
    kind: VehicleKind | None = None
    is_active: bool | None = None


class FillupOut(BaseModel):
    """A fill-up with the values the History page derives from the whole history:
    `price_per_l`, `distance_km` since the vehicle's previous fill-up, and on a full tank
    closing a measured segment `consumption_l_per_100km` and `cost_per_km`;
    `consumption_status` says why they are absent (`deferred`: a partial fill-up, its fuel
    counts at the next full one; `first`, `missed`, `no_anchor`: nothing to measure from)."""

    id: int
    vehicle_id: int
    date: dt.date
    odometer_km: Amount
    volume_l: Amount
    total_amount: Amount
    price_per_l: Amount | None
    is_full: bool
    missed_previous: bool
    station: str | None
    brand: str | None
    grade: str | None
    notes: str | None
    distance_km: Amount | None
    consumption_l_per_100km: Amount | None
    cost_per_km: Amount | None
    consumption_status: ConsumptionStatus


class FillupPage(BaseModel):
    """A page of fill-ups, newest first; `next` is the cursor of the following page (null on
    the last one): pass it back as `cursor` with the same filters."""

    data: list[FillupOut]
    next: str | None


class FillupIn(_In):
    """A new fill-up. Of `volume_l`, `price_per_l` and `total_amount` send any two (the
    third is worked out as the Log fill-up form does) or all three (they must agree to the
    cent)."""

    vehicle_id: RowId
    date: dt.date
    odometer_km: Decimal
    volume_l: Decimal | None = None
    price_per_l: Decimal | None = None
    total_amount: Decimal | None = None
    is_full: bool = True
    missed_previous: bool = False
    station: str | None = None
    brand: str | None = None
    grade: str | None = None
    notes: str | None = None


class FillupPatch(_In):
    """The fields to change (the others stay). Amounts: send two of volume, price and total
    to replace both; one alone replaces it and keeps the stored volume (a price) or the
    other stored amount (a volume keeps the total, a total keeps the volume)."""

    vehicle_id: RowId | None = None
    date: dt.date | None = None
    odometer_km: Decimal | None = None
    volume_l: Decimal | None = None
    price_per_l: Decimal | None = None
    total_amount: Decimal | None = None
    is_full: bool | None = None
    missed_previous: bool | None = None
    station: str | None = None
    brand: str | None = None
    grade: str | None = None
    notes: str | None = None


class UserPatch(_In):
    """The account fields to change (the others stay)."""

    display_name: str | None = None
    email: str | None = None
    currency: str | None = None
    distance_unit: str | None = None
    volume_unit: str | None = None
    consumption_unit: str | None = None
    timezone: str | None = None


class AccountDelete(_In):
    """What deleting the account asks: its password."""

    password: str


class ExpenseOut(BaseModel):
    """An expense: what was paid for a vehicle, when, in which category; a coverage period
    (both ends inclusive) spreads its amount per day on the Costs page and in /stats."""

    id: int
    vehicle_id: int
    date: dt.date
    category: ExpenseCategory
    amount: Amount
    description: str
    odometer_km: Amount | None
    vendor: str | None
    notes: str | None
    coverage_from: dt.date | None
    coverage_to: dt.date | None


class ExpenseList(BaseModel):
    """Expenses, newest first (date, then the latest saved), at most `limit`; `more` is true
    when older ones matching the filters were left out (ask again with `to` set to the
    last row's date, and skip the ids you already have)."""

    data: list[ExpenseOut]
    more: bool


class ExpenseIn(_In):
    """A new expense. `coverage_from` and `coverage_to`: both or neither."""

    vehicle_id: RowId
    date: dt.date
    category: ExpenseCategory
    amount: Decimal
    description: str
    odometer_km: Decimal | None = None
    vendor: str | None = None
    notes: str | None = None
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None


class ExpensePatch(_In):
    """The fields to change (the others stay); `null` clears an optional one."""

    vehicle_id: RowId | None = None
    date: dt.date | None = None
    category: ExpenseCategory | None = None
    amount: Decimal | None = None
    description: str | None = None
    odometer_km: Decimal | None = None
    vendor: str | None = None
    notes: str | None = None
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None


class ReminderDue(BaseModel):
    """A reminder's state today (the account's timezone), as the Reminders page shows it
    (reminder_rules.due_state). `status` is the more urgent of `time_status` and
    `distance_status` (each null when that part has no due point; `unknown`: never done,
    no due point at all). `due_on`/`days_left`: the time part; `due_odometer_km`/`km_left`
    against `current_odometer_km` (the vehicle's highest known reading): the distance
    part. `estimated_on`: the day the distance part is expected at `km_per_day` (the
    last 90 days' readings), null without an estimate; `next_due_on` is the earlier of
    `due_on` and `estimated_on`, and `next_due_estimated` says it is the estimate."""

    status: ReminderStatus
    time_status: ReminderStatus | None
    distance_status: ReminderStatus | None
    due_on: dt.date | None
    days_left: int | None
    due_odometer_km: Amount | None
    km_left: Amount | None
    current_odometer_km: Amount | None
    km_per_day: Amount | None
    estimated_on: dt.date | None
    next_due_on: dt.date | None
    next_due_estimated: bool


class ReminderOut(BaseModel):
    """A reminder (intervals by distance and/or time, whichever comes first) and its state
    today in `due`."""

    id: int
    vehicle_id: int
    title: str
    interval_km: Amount | None
    interval_months: int | None
    due_soon_km: Amount
    due_soon_days: int
    last_done_on: dt.date | None
    last_done_odometer_km: Amount | None
    due: ReminderDue


class ReminderIn(_In):
    """A new reminder: a distance, a number of months, or both; `due_soon_km` and
    `due_soon_days`: how early it counts as due soon."""

    vehicle_id: RowId
    title: str
    interval_km: Decimal | None = None
    interval_months: int | None = None
    due_soon_km: Decimal = DEFAULT_DUE_SOON_KM
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    last_done_on: dt.date | None = None
    last_done_odometer_km: Decimal | None = None


class ReminderPatch(_In):
    """The fields to change (the others stay); `null` clears an interval or a last-done
    value (at least one interval must remain)."""

    vehicle_id: RowId | None = None
    title: str | None = None
    interval_km: Decimal | None = None
    interval_months: int | None = None
    due_soon_km: Decimal | None = None
    due_soon_days: int | None = None
    last_done_on: dt.date | None = None
    last_done_odometer_km: Decimal | None = None


class ReminderDoneIn(_In):
    """The reminder's job done on `on`, at `odometer_km` (required for a reminder by
    distance): as "Mark done" on the Reminders page."""

    on: dt.date
    odometer_km: Decimal | None = None
