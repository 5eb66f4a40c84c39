"""Pydantic models at the boundary: what a page or the CLI hands to a service, and gets back.

Values here are canonical (km, litres, money in the account's currency); conversion from
the user's units happens in the UI before a schema is built.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic import ValidationError as PydanticValidationError

from fueltracker.errors import ValidationError

M = TypeVar("M", bound=BaseModel)

DistanceUnit = Literal["km", "mi"]
VolumeUnit = Literal["L", "gal_us", "gal_uk"]
ConsumptionUnit = Literal["L/100km", "km/L", "mpg_us", "mpg_uk"]

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 64
MAX_PASSWORD_BYTES = 72  # bcrypt's limit: bcrypt 5 raises above it



def parse(schema: type[M], /, **values: object) -> M:
    """Build `schema`, turning pydantic's first complaint into our typed ValidationError
    (field name + a sentence a user understands)."""
    try:
        return schema(**values)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "value"
        reason = first["msg"].removeprefix("Value error, ")
        label = field.replace("_", " ").capitalize()
        raise ValidationError(field, f"{label}: {reason}") from exc


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)


class UserCreate(BaseModel):
    """A new account. The password is checked here but never stored or logged as typed."""

    model_config = ConfigDict(frozen=True)

    username: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=64,
                          pattern=r"^[A-Za-z0-9_.\-]+$"),
    ]
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=100)]
    email: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=254)] = None
    # Spaces are part of a password: no stripping.
    password: str = Field(repr=False)

    @field_validator("email", mode="before")
    @classmethod
    def _empty_email(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("email")
    @classmethod
    def _email_shape(cls, value: str | None) -> str | None:
        if value is not None and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("must look like name@example.com")
        return value

    @field_validator("password")
    @classmethod
    def _password_policy(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(problem)
        return value


def password_problem(password: str) -> str | None:
    """Why `password` is unacceptable, or None. Length rules only: no composition rules."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"must be at most {MAX_PASSWORD_CHARS} characters"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"must be at most {MAX_PASSWORD_BYTES} bytes (fewer accented or emoji characters)"
    return None


class UserRead(_Model):
    """An account as the UI sees it: identity and display preferences, never the hash."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    username: str
    display_name: str
    email: str | None
    currency: str
    distance_unit: DistanceUnit
    volume_unit: VolumeUnit
    consumption_unit: ConsumptionUnit
    timezone: str
    data_revision: int


class VehicleCreate(_Model):
    """A new vehicle; only the name is required."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    make: Annotated[str | None, StringConstraints(max_length=50)] = None
    model: Annotated[str | None, StringConstraints(max_length=50)] = None
    year: Annotated[int | None, Field(ge=1885, le=2100)] = None
    fuel_type: Annotated[str | None, StringConstraints(max_length=30)] = None
    tank_capacity_l: Annotated[Decimal | None, Field(gt=0, le=2000, decimal_places=3)] = None

    @field_validator("make", "model", "fuel_type", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class VehicleUpdate(VehicleCreate):
    """The editable fields of a vehicle (all of them, as the edit form shows them)."""


class VehicleRead(_Model):
    """A vehicle as listed to its owner."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    name: str
    make: str | None
    model: str | None
    year: int | None
    fuel_type: str | None
    tank_capacity_l: Decimal | None
    is_active: bool


class FillupCreate(_Model):
    """A fill-up in canonical units. Bounds are domain.md's; the odometer's consistency with
    the vehicle's other fill-ups is the service's job (it needs the database)."""

    vehicle_id: int
    date: dt.date
    odometer_km: Annotated[Decimal, Field(ge=0, le=Decimal("999999999"))]
    volume_l: Annotated[Decimal, Field(gt=0, le=2000)]
    total_amount: Annotated[Decimal, Field(ge=0, le=100000)]
    is_full: bool = True
    missed_previous: bool = False
    station: Annotated[str | None, StringConstraints(max_length=100)] = None
    brand: Annotated[str | None, StringConstraints(max_length=50)] = None
    grade: Annotated[str | None, StringConstraints(max_length=20)] = None
    notes: Annotated[str | None, StringConstraints(max_length=500)] = None

    @field_validator("station", "brand", "grade", "notes", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("date")
    @classmethod
    def _not_ancient(cls, value: dt.date) -> dt.date:
        if value < dt.date(1900, 1, 1):
            raise ValueError("must not be before 1900-01-01")
        return value

    @field_validator("odometer_km", "volume_l", "total_amount")
    @classmethod
    def _finite(cls, value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("must be a number")
        return value


class FillupUpdate(FillupCreate):
    """A corrected fill-up: every field, as the edit form holds them."""


class FillupRead(_Model):
    """A stored fill-up, canonical units."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    vehicle_id: int
    date: dt.date
    odometer_km: Decimal
    volume_l: Decimal
    total_amount: Decimal
    is_full: bool
    missed_previous: bool
    station: str | None
    brand: str | None
    grade: str | None
    notes: str | None
