"""Pydantic models at the boundary: what a page or the CLI hands to a service, and gets back.

Values here are canonical (km, litres, money in the account's currency); conversion from
the user's units happens in the UI before a schema is built.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar, get_args
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from fueltracker.errors import ValidationError
from fueltracker.passwords import password_problem

M = TypeVar("M", bound=BaseModel)

DistanceUnit = Literal["km", "mi"]
VolumeUnit = Literal["L", "gal_us", "gal_uk"]
ConsumptionUnit = Literal["L/100km", "km/L", "mpg_us", "mpg_uk"]
VehicleKind = Literal["car", "motorbike", "van", "other"]
VEHICLE_KINDS: tuple[str, ...] = get_args(VehicleKind)

# Domain bounds (domain.md), canonical units; the forms check the same ones in the user's
# units before anything is built (fueltracker/bounds.py), so a field names its own bound.
FIRST_DATE = dt.date(1900, 1, 1)
MAX_ODOMETER_KM = Decimal("999999999")
MAX_VOLUME_L = Decimal(2000)
MAX_TOTAL_AMOUNT = Decimal(100000)
MAX_TANK_CAPACITY_L = Decimal(2000)
FIRST_VEHICLE_YEAR = 1885
LAST_VEHICLE_YEAR = 2100


def parse(schema: type[M], /, **values: object) -> M:
    """Build `schema`, turning pydantic's first complaint into our typed ValidationError
    (field name + a sentence a user understands)."""
    try:
        return schema(**values)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "value"
        reason = first["msg"].removeprefix("Value error, ")
        label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
        raise ValidationError(field, f"{label}: {reason}") from exc


# Field names as a user reads them; bounds in messages are canonical (km, litres).
FIELD_LABELS = {
    "odometer_km": "Odometer (km)",
    "volume_l": "Volume (litres)",
    "total_amount": "Total paid",
    "tank_capacity_l": "Tank capacity (litres)",
    "display_name": "Name",
}


def _check_email(value: str | None) -> str | None:
    if value is not None and ("@" not in value or value.startswith("@") or value.endswith("@")):
        raise ValueError("must look like name@example.com")
    return value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# Optional email: blank means none; only its shape is checked (no mail is ever sent).
Email = Annotated[Annotated[str, StringConstraints(max_length=254)] | None,
                  BeforeValidator(_blank_to_none), AfterValidator(_check_email)]


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
    email: Email = None
    # Spaces are part of a password: no stripping.
    password: str = Field(repr=False)

    @field_validator("password")
    @classmethod
    def _password_policy(cls, value: str, info: ValidationInfo) -> str:
        problem = password_problem(value, info.data.get("username"))
        if problem:
            raise ValueError(problem)
        return value


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


class PreferencesUpdate(_Model):
    """Display preferences of an account (domain.md's defaults live in the database)."""

    currency: Annotated[str, BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
                        StringConstraints(pattern=r"^[A-Z]{3}$")]
    distance_unit: DistanceUnit
    volume_unit: VolumeUnit
    consumption_unit: ConsumptionUnit
    timezone: str

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"'{value}' is not an IANA timezone such as Europe/Berlin")
        return value


class ProfileUpdate(_Model):
    """The name shown in the app and the optional email address."""

    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=100)]
    email: Email = None


class VehicleCreate(_Model):
    """A new vehicle; only the name is required."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    make: Annotated[str | None, StringConstraints(max_length=50)] = None
    model: Annotated[str | None, StringConstraints(max_length=50)] = None
    year: Annotated[int | None, Field(ge=FIRST_VEHICLE_YEAR, le=LAST_VEHICLE_YEAR)] = None
    fuel_type: Annotated[str | None, StringConstraints(max_length=30)] = None
    tank_capacity_l: Annotated[Decimal | None, Field(gt=0, le=MAX_TANK_CAPACITY_L,
                                                     decimal_places=3)] = None
    # Files without it (older archives, other apps' vehicles) give None: a car, as before.
    kind: Annotated[VehicleKind, BeforeValidator(
        lambda v: "car" if v is None or (isinstance(v, str) and not v.strip())
        else v.strip().lower() if isinstance(v, str) else v)] = "car"

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
    kind: VehicleKind
    is_active: bool


class FillupCreate(_Model):
    """A fill-up in canonical units. Bounds are domain.md's; the odometer's consistency with
    the vehicle's other fill-ups is the service's job (it needs the database)."""

    vehicle_id: int
    date: dt.date
    odometer_km: Annotated[Decimal, Field(ge=0, le=MAX_ODOMETER_KM)]
    volume_l: Annotated[Decimal, Field(gt=0, le=MAX_VOLUME_L)]
    total_amount: Annotated[Decimal, Field(ge=0, le=MAX_TOTAL_AMOUNT)]
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
        if value < FIRST_DATE:
            raise ValueError(f"must not be before {FIRST_DATE.isoformat()}")
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
