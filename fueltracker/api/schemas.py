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

from fueltracker.schemas import TokenScope, VehicleKind


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
