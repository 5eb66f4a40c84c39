"""Pydantic models at the boundary: what a page or the CLI hands to a service, and gets back.

Values here are canonical (km, litres, money in the account's currency); conversion from
the user's units happens in the UI before a schema is built.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, get_args
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from fueltracker.errors import ValidationError
from fueltracker.models import (
    Expense,
    FuelEntry,
    NumericAttribute,
    Vehicle,
    to_storage,
)
from fueltracker.passwords import password_problem

M = TypeVar("M", bound=BaseModel)

DistanceUnit = Literal["km", "mi"]
VolumeUnit = Literal["L", "gal_us", "gal_uk"]
ConsumptionUnit = Literal["L/100km", "km/L", "mpg_us", "mpg_uk"]
VehicleKind = Literal["car", "motorbike", "van", "other"]
VEHICLE_KINDS: tuple[str, ...] = get_args(VehicleKind)
ExpenseCategory = Literal[
    "service",
    "repair",
    "tyres",
    "insurance",
    "tax",
    "parking",
    "tolls",
    "cleaning",
    "fines",
    "accessories",
    "other",
]

# Domain bounds (domain.md), canonical units; the forms check the same ones in the user's
# units before anything is built (fueltracker/bounds.py), so a field names its own bound.
FIRST_DATE = dt.date(1900, 1, 1)
MAX_ODOMETER_KM = Decimal("999999999")
MAX_VOLUME_L = Decimal(2000)
MAX_TOTAL_AMOUNT = Decimal(100000)
MAX_TANK_CAPACITY_L = Decimal(2000)
# An expense may be a year's insurance or a big repair, also in currencies with small units
# (JPY, HUF): ten times a fill-up's bound.
MAX_EXPENSE_AMOUNT = Decimal(1000000)
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
        reason = _bound_message(first) or first["msg"].removeprefix("Value error, ")
        label = FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
        raise ValidationError(field, f"{label}: {reason}") from exc


# pydantic's comparison errors: (its ctx key, the words). Where a validator runs before the
# bound (schemas' storage rounding), pydantic gives the bound as repr, "Decimal('2000')".
_BOUND_WORDS = {
    "less_than_equal": ("le", "less than or equal to"),
    "less_than": ("lt", "less than"),
    "greater_than_equal": ("ge", "greater than or equal to"),
    "greater_than": ("gt", "greater than"),
}


def _bound_message(error: Any) -> str | None:
    words = _BOUND_WORDS.get(error.get("type", ""))
    context = error.get("ctx") or {}
    if words is None or words[0] not in context:
        return None
    bound = str(context[words[0]])
    decimal_repr = re.fullmatch(r"Decimal\('(.*)'\)", bound)
    return f"Input should be {words[1]} {decimal_repr.group(1) if decimal_repr else bound}"


# Field names as a user reads them; bounds in messages are canonical (km, litres).
FIELD_LABELS = {
    "odometer_km": "Odometer (km)",
    "volume_l": "Volume (litres)",
    "total_amount": "Total paid",
    "tank_capacity_l": "Tank capacity (litres)",
    "display_name": "Name",
    "amount": "Amount",
    "coverage_to": "Coverage to",
    "coverage_from": "Coverage from",
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


# Control characters (Unicode category Cc: C0, DEL, C1). PostgreSQL refuses NUL in text;
# the others forge log lines, break CSV cells and terminals. A one-line field takes none,
# notes keep their line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_NOTES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_problem(value: str, pattern: re.Pattern[str]) -> None:
    found = pattern.search(value)
    if found:
        raise ValueError(f"must not contain control characters (found U+{ord(found.group()):04X})")


def _one_line(value: object) -> object:
    """A one-line text field: refused with a control character in it (a tab or line break
    too, wherever it stands: stripping it silently would save something else than typed),
    otherwise stripped, and None when blank."""
    if isinstance(value, str):
        _control_problem(value, _CONTROL)
    return _blank_to_none(value)


def _multi_line(value: object) -> object:
    """Notes: line breaks and tabs are text (also leading ones: they come back from an
    export as they were), other control characters are refused; a line break is stored as
    LF (CRLF and a lone CR too: a bare CR would end the row of a CSV export); only spaces
    around the text are dropped, and a note of nothing but white space is None."""
    if not isinstance(value, str):
        return value
    _control_problem(value, _CONTROL_IN_NOTES)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip(" ") if value.strip() else None


def _stored(attribute: NumericAttribute) -> AfterValidator:
    """Round a number to what `attribute`'s column stores, before the bounds are checked,
    so a value that only fits before rounding (0.0000000001 L) is refused here, not by the
    database, and duplicates are compared as they will be stored."""
    return AfterValidator(lambda value: to_storage(value, attribute))


# Optional email: blank means none; only its shape is checked (no mail is ever sent).
Email = Annotated[
    Annotated[str, StringConstraints(max_length=254)] | None,
    BeforeValidator(_one_line),
    AfterValidator(_check_email),
]
# A display name: one line of text.
DisplayName = Annotated[
    str,
    BeforeValidator(_one_line),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
]


class _Model(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)


class UserCreate(BaseModel):
    """A new account. The password is checked here but never stored or logged as typed."""

    model_config = ConfigDict(frozen=True)

    username: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$"
        ),
    ]
    display_name: DisplayName
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

    currency: Annotated[
        str,
        BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
        StringConstraints(pattern=r"^[A-Z]{3}$"),
    ]
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

    display_name: DisplayName
    email: Email = None


class VehicleCreate(_Model):
    """A new vehicle; only the name is required."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    make: Annotated[str | None, StringConstraints(max_length=50)] = None
    model: Annotated[str | None, StringConstraints(max_length=50)] = None
    year: Annotated[int | None, Field(ge=FIRST_VEHICLE_YEAR, le=LAST_VEHICLE_YEAR)] = None
    fuel_type: Annotated[str | None, StringConstraints(max_length=30)] = None
    tank_capacity_l: (
        Annotated[Decimal, _stored(Vehicle.tank_capacity_l), Field(gt=0, le=MAX_TANK_CAPACITY_L)]
        | None
    ) = None
    # Files without it (older archives, other apps' vehicles) give None: a car, as before.
    kind: Annotated[
        VehicleKind,
        BeforeValidator(
            lambda v: (
                "car"
                if v is None or (isinstance(v, str) and not v.strip())
                else v.strip().lower()
                if isinstance(v, str)
                else v
            )
        ),
    ] = "car"

    @field_validator("name", mode="before")
    @classmethod
    def _name_one_line(cls, value: object) -> object:
        if isinstance(value, str):
            _control_problem(value, _CONTROL)
        return value

    @field_validator("make", "model", "fuel_type", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _one_line(value)


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


# Reminders (docs/domain.md, "Reminders"): bounds of their intervals and due-soon margins.
MAX_INTERVAL_KM = Decimal(10_000_000)
MAX_INTERVAL_MONTHS = 1200
MAX_DUE_SOON_DAYS = 3650
DEFAULT_DUE_SOON_KM = Decimal(1000)
DEFAULT_DUE_SOON_DAYS = 30
# Reminders' distances are NUMERIC(15, 6) like a fill-up's odometer: rounded the same way.
_REMINDER_KM = _stored(FuelEntry.odometer_km)


class ReminderCreate(_Model):
    """A new reminder in canonical units: an interval by distance, by time or both
    (whichever comes first), when it was last done (either may be unknown), and how early
    it counts as due soon. Whether the last-done date lies in the user's future is the
    service's check (it knows the user's today)."""

    vehicle_id: int
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    interval_km: Annotated[Decimal, _REMINDER_KM, Field(gt=0, le=MAX_INTERVAL_KM)] | None = None
    interval_months: Annotated[
        int | None, Field(ge=1, le=MAX_INTERVAL_MONTHS, validate_default=True)
    ] = None
    due_soon_km: Annotated[Decimal, _REMINDER_KM, Field(ge=0, le=MAX_INTERVAL_KM)] = (
        DEFAULT_DUE_SOON_KM
    )
    due_soon_days: Annotated[int, Field(ge=0, le=MAX_DUE_SOON_DAYS)] = DEFAULT_DUE_SOON_DAYS
    last_done_on: dt.date | None = None
    last_done_odometer_km: (
        Annotated[Decimal, _REMINDER_KM, Field(ge=0, le=MAX_ODOMETER_KM)] | None
    ) = None

    @field_validator("title", mode="before")
    @classmethod
    def _title_one_line(cls, value: object) -> object:
        if isinstance(value, str):
            _control_problem(value, _CONTROL)
        return value

    @field_validator("interval_months")
    @classmethod
    def _some_interval(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Runs after interval_km (declared before it); a refused interval_km is reported
        # on its own, so only "neither given" is this one's business.
        if value is None and "interval_km" in info.data and info.data["interval_km"] is None:
            raise ValueError("give a distance, a number of months, or both")
        return value

    @field_validator("last_done_on")
    @classmethod
    def _not_ancient(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value < FIRST_DATE:
            raise ValueError(f"must not be before {FIRST_DATE.isoformat()}")
        return value

    @field_validator("interval_km", "due_soon_km", "last_done_odometer_km")
    @classmethod
    def _finite(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not value.is_finite():
            raise ValueError("must be a number")
        return value


class ReminderUpdate(ReminderCreate):
    """The editable fields of a reminder (all of them, as the edit form shows them)."""


class ReminderRead(_Model):
    """A stored reminder, canonical units."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    vehicle_id: int
    title: str
    interval_km: Decimal | None
    interval_months: int | None
    due_soon_km: Decimal
    due_soon_days: int
    last_done_on: dt.date | None
    last_done_odometer_km: Decimal | None


class ReminderDone(_Model):
    """A reminder's job done on a date, at an odometer reading (may be unknown for a
    reminder by time only: the service says when it is needed)."""

    on: dt.date
    odometer_km: Annotated[Decimal, _REMINDER_KM, Field(ge=0, le=MAX_ODOMETER_KM)] | None = None

    @field_validator("on")
    @classmethod
    def _not_ancient(cls, value: dt.date) -> dt.date:
        if value < FIRST_DATE:
            raise ValueError(f"must not be before {FIRST_DATE.isoformat()}")
        return value


class FillupCreate(_Model):
    """A fill-up in canonical units. Bounds are domain.md's; the odometer's consistency with
    the vehicle's other fill-ups is the service's job (it needs the database)."""

    vehicle_id: int
    date: dt.date
    odometer_km: Annotated[Decimal, _stored(FuelEntry.odometer_km), Field(ge=0, le=MAX_ODOMETER_KM)]
    volume_l: Annotated[Decimal, _stored(FuelEntry.volume_l), Field(gt=0, le=MAX_VOLUME_L)]
    total_amount: Annotated[
        Decimal, _stored(FuelEntry.total_amount), Field(ge=0, le=MAX_TOTAL_AMOUNT)
    ]
    is_full: bool = True
    missed_previous: bool = False
    station: Annotated[str | None, StringConstraints(max_length=100)] = None
    brand: Annotated[str | None, StringConstraints(max_length=50)] = None
    grade: Annotated[str | None, StringConstraints(max_length=20)] = None
    notes: Annotated[str | None, StringConstraints(strip_whitespace=False, max_length=500)] = None

    @field_validator("station", "brand", "grade", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _one_line(value)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: object) -> object:
        return _multi_line(value)

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


TokenScope = Literal["read", "read+write"]
TOKEN_SCOPES: tuple[str, ...] = get_args(TokenScope)


class TokenCreate(_Model):
    """A new API token: a name to recognise it by, what it may do, and optionally the last
    day (the account's local date) it works."""

    name: Annotated[
        str,
        BeforeValidator(_one_line),
        StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    ]
    scope: TokenScope = "read"
    expires_on: dt.date | None = None


class TokenRead(_Model):
    """An API token as its owner's list shows it: never the secret, only its prefix."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    name: str
    scope: TokenScope
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ExpenseCreate(_Model):
    """An expense in canonical units (odometer in km, amount in the account's currency).
    A coverage period has both ends or none, the first not after the last; the amount is
    then spread over it (fueltracker/costs.py)."""

    vehicle_id: int
    date: dt.date
    category: ExpenseCategory
    amount: Annotated[Decimal, _stored(Expense.amount), Field(ge=0, le=MAX_EXPENSE_AMOUNT)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    odometer_km: (
        Annotated[Decimal, _stored(FuelEntry.odometer_km), Field(ge=0, le=MAX_ODOMETER_KM)] | None
    ) = None
    vendor: Annotated[str | None, StringConstraints(max_length=100)] = None
    notes: Annotated[str | None, StringConstraints(strip_whitespace=False, max_length=500)] = None
    coverage_from: dt.date | None = None
    # Validated also when not given: a start without an end is refused by its name.
    coverage_to: dt.date | None = Field(default=None, validate_default=True)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> object:
        # Required: blank is None, which the str type refuses ("Input should be a string").
        if isinstance(value, str) and not value.strip():
            raise ValueError("is required")
        return _one_line(value)

    @field_validator("vendor", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _one_line(value)

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, value: object) -> object:
        return _multi_line(value)

    @field_validator("date", "coverage_from", "coverage_to")
    @classmethod
    def _not_ancient(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value < FIRST_DATE:
            raise ValueError(f"must not be before {FIRST_DATE.isoformat()}")
        return value

    @field_validator("amount", "odometer_km")
    @classmethod
    def _finite(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not value.is_finite():
            raise ValueError("must be a number")
        return value

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("coverage_to")
    @classmethod
    def _coverage(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("coverage_from")
        if "coverage_from" not in info.data:
            return value  # coverage_from was refused: its own message says why
        if (start is None) != (value is None):
            raise ValueError("give both ends of the coverage period, or neither")
        if start is not None and value is not None and value < start:
            raise ValueError("must not be before the coverage start")
        return value


class ExpenseUpdate(ExpenseCreate):
    """A corrected expense: every field, as the edit form holds them."""


class ExpenseRead(_Model):
    """A stored expense, canonical units."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    vehicle_id: int
    date: dt.date
    category: ExpenseCategory
    amount: Decimal
    description: str
    odometer_km: Decimal | None
    vendor: str | None
    notes: str | None
    coverage_from: dt.date | None
    coverage_to: dt.date | None
