"""ORM models (SQLAlchemy 2 typed mapping): users, vehicles, fill-ups, expenses, reminders
and API tokens.

Storage is canonical: kilometres, litres and money in the user's currency, all NUMERIC.
Scales keep what a user typed in other units exact enough to come back as typed
(12.345 US gal is 46.730908473 L at 9 places).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column, relationship

from fueltracker.db import Base

ODOMETER_KM = Numeric(15, 6)
VOLUME_L = Numeric(16, 9)
MONEY = Numeric(14, 4)


def _created_at() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def _updated_at() -> Mapped[dt.datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class User(Base):
    """An account with its display preferences, data revision and session revocation mark."""

    __tablename__ = "users"
    __table_args__ = (
        # Usernames are compared case-insensitively: "Anna" and "anna" are one account.
        Index("uq_users_username_lower", func.lower(text("username")), unique=True),
        CheckConstraint("char_length(username) BETWEEN 3 AND 64", name="username_length"),
        CheckConstraint("distance_unit IN ('km', 'mi')", name="distance_unit"),
        CheckConstraint("volume_unit IN ('L', 'gal_us', 'gal_uk')", name="volume_unit"),
        CheckConstraint(
            "consumption_unit IN ('L/100km', 'km/L', 'mpg_us', 'mpg_uk')", name="consumption_unit"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="USD")
    distance_unit: Mapped[str] = mapped_column(String(2), nullable=False, server_default="km")
    volume_unit: Mapped[str] = mapped_column(String(6), nullable=False, server_default="L")
    consumption_unit: Mapped[str] = mapped_column(
        String(8), nullable=False, server_default="L/100km"
    )
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, server_default="UTC")
    # Bumped in the same transaction as every write to the user's data: the cache key.
    data_revision: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # Re-auth cookies issued before this instant are rejected (sign-out everywhere). The
    # wall clock, not the transaction start: a cookie of a deleted account with the same
    # name must be older than the new account even within one transaction.
    sessions_valid_after: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()

    vehicles: Mapped[list[Vehicle]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class Vehicle(Base):
    """A car, motorbike, van or other vehicle of one user; archived vehicles keep their
    history."""

    __tablename__ = "vehicles"
    __table_args__ = (
        Index("uq_vehicles_user_id_name_lower", "user_id", func.lower(text("name")), unique=True),
        # Target of the fill-ups' composite foreign key: a fill-up cannot point at a vehicle
        # of another user even if the application forgot to check.
        UniqueConstraint("id", "user_id"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("year IS NULL OR year BETWEEN 1885 AND 2100", name="year_range"),
        CheckConstraint(
            "tank_capacity_l IS NULL OR (tank_capacity_l > 0 AND tank_capacity_l <= 2000)",
            name="tank_capacity",
        ),
        CheckConstraint("kind IN ('car', 'motorbike', 'van', 'other')", name="kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    make: Mapped[str | None] = mapped_column(String(50))
    model: Mapped[str | None] = mapped_column(String(50))
    year: Mapped[int | None] = mapped_column(SmallInteger)
    fuel_type: Mapped[str | None] = mapped_column(String(30))
    tank_capacity_l: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))
    # What it is (car, motorbike, van or pickup, other): the icon it is shown with.
    kind: Mapped[str] = mapped_column(String(10), nullable=False, server_default="car")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()

    user: Mapped[User] = relationship(back_populates="vehicles")


class FuelEntry(Base):
    """One fill-up. `user_id` is redundant with the vehicle's on purpose: every query filters
    on it, and it makes the table shardable by user."""

    __tablename__ = "fuel_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            ondelete="CASCADE",
            name="fk_fuel_entries_vehicle_user",
        ),
        UniqueConstraint("vehicle_id", "date", "odometer_km"),
        Index("ix_fuel_entries_vehicle_date", "vehicle_id", text("date DESC")),
        Index("ix_fuel_entries_user_date", "user_id", text("date DESC"), text("odometer_km DESC")),
        CheckConstraint("volume_l > 0 AND volume_l <= 2000", name="volume_range"),
        CheckConstraint("total_amount >= 0 AND total_amount <= 100000", name="amount_range"),
        CheckConstraint("odometer_km >= 0", name="odometer_non_negative"),
        CheckConstraint("date >= DATE '1900-01-01'", name="date_min"),
        CheckConstraint("notes IS NULL OR char_length(notes) <= 500", name="notes_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    vehicle_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    odometer_km: Mapped[Decimal] = mapped_column(ODOMETER_KM, nullable=False)
    volume_l: Mapped[Decimal] = mapped_column(VOLUME_L, nullable=False)
    total_amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    station: Mapped[str | None] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(50))
    grade: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(String(500))
    is_full: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    missed_previous: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()


class LoginAttempt(Base):
    """One password check (sign-in, or the current password of a password change or an
    account deletion), by the username typed (normalised), known account or not, and the
    client it came from: the throttle counts recent failures here, so it holds across
    reruns, processes and replicas."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_attempted_at", "username_key", "attempted_at"),
        Index("ix_login_attempts_attempted_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    username_key: Mapped[str] = mapped_column(String(64), nullable=False)
    # The client's address (an IPv6 one as its /64), security.client_key; '' if unknown.
    client_key: Mapped[str] = mapped_column(String(64), nullable=False, server_default="")
    attempted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)


class ImportMapping(Base):
    """A generic CSV's column mapping, remembered per user for files with the same header."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("user_id", "header_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    # sha256 of the normalised header: headers can be long, the key must not be.
    header_key: Mapped[str] = mapped_column(String(64), nullable=False)
    mapping: Mapped[dict] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[dt.datetime] = _updated_at()


class ApiToken(Base):
    """A personal access token of the JSON API (fueltracker/api): stored only as the
    SHA-256 of its secret, with a short visible prefix to tell tokens apart in a list.
    Revoked tokens keep their row (revoked_at) so the list and the log can name them; the
    account's deletion takes every token with it (foreign key cascade)."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scope IN ('read', 'read+write')", name="scope"),
        CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)
    # The token's first characters (e.g. "ft_Ab12Cd34"): shown in the list, never enough
    # to use it.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    # Hex SHA-256 of the whole token: the only copy of the secret the database holds.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = _created_at()
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The rate limit's fixed window (the minute it started) and the requests counted in
    # it: in the token's row, so every process and replica counts against the same number.
    rate_window: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rate_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


# The categories of an expense (design: energy-and-costs.md, "Running costs"), in the order
# the forms offer them.
EXPENSE_CATEGORIES = (
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
)


class Expense(Base):
    """One running cost of a vehicle other than energy (a service, insurance, a toll...).
    With a coverage period (both ends, inclusive) its amount is spread evenly per day over
    that period in per-month and per-distance figures (fueltracker/costs.py); without one
    it counts on its date. `user_id` is redundant with the vehicle's, as for fill-ups: the
    composite foreign key keeps an expense on a vehicle of its own user."""

    __tablename__ = "expenses"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            ondelete="CASCADE",
            name="fk_expenses_vehicle_user",
        ),
        Index("ix_expenses_user_date", "user_id", text("date DESC"), text("id DESC")),
        Index("ix_expenses_vehicle_date", "vehicle_id", "date"),
        CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in EXPENSE_CATEGORIES) + ")",
            name="category",
        ),
        CheckConstraint("amount >= 0 AND amount <= 1000000", name="amount_range"),
        CheckConstraint("odometer_km IS NULL OR odometer_km >= 0", name="odometer_non_negative"),
        CheckConstraint("date >= DATE '1900-01-01'", name="date_min"),
        CheckConstraint("char_length(description) BETWEEN 1 AND 200", name="description_length"),
        CheckConstraint("notes IS NULL OR char_length(notes) <= 500", name="notes_length"),
        CheckConstraint(
            "(coverage_from IS NULL) = (coverage_to IS NULL)", name="coverage_both_or_neither"
        ),
        CheckConstraint(
            "coverage_from IS NULL OR coverage_from <= coverage_to", name="coverage_order"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    vehicle_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    odometer_km: Mapped[Decimal | None] = mapped_column(ODOMETER_KM)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    vendor: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(500))
    coverage_from: Mapped[dt.date | None] = mapped_column(Date)
    coverage_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()


class Reminder(Base):
    """A recurring job on one vehicle ("Oil change every 15,000 km or 12 months"): an
    interval by distance, by time or both (whichever comes first), when it was last done,
    and how early it counts as due soon (docs/domain.md, "Reminders"). The composite foreign
    key keeps it on a vehicle of its own user, as for fill-ups."""

    __tablename__ = "reminders"
    __table_args__ = (
        ForeignKeyConstraint(
            ["vehicle_id", "user_id"],
            ["vehicles.id", "vehicles.user_id"],
            ondelete="CASCADE",
            name="fk_reminders_vehicle_user",
        ),
        Index("ix_reminders_user_vehicle", "user_id", "vehicle_id"),
        CheckConstraint("char_length(title) BETWEEN 1 AND 100", name="title_length"),
        CheckConstraint(
            "interval_km IS NOT NULL OR interval_months IS NOT NULL", name="some_interval"
        ),
        CheckConstraint(
            "interval_km IS NULL OR (interval_km > 0 AND interval_km <= 10000000)",
            name="interval_km_range",
        ),
        CheckConstraint(
            "interval_months IS NULL OR interval_months BETWEEN 1 AND 1200",
            name="interval_months_range",
        ),
        CheckConstraint("due_soon_km >= 0 AND due_soon_km <= 10000000", name="due_soon_km_range"),
        CheckConstraint("due_soon_days BETWEEN 0 AND 3650", name="due_soon_days_range"),
        CheckConstraint(
            "last_done_on IS NULL OR last_done_on >= DATE '1900-01-01'", name="last_done_on_min"
        ),
        CheckConstraint(
            "last_done_odometer_km IS NULL OR last_done_odometer_km >= 0",
            name="last_done_odometer_non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    vehicle_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    title: Mapped[str] = mapped_column(String(100), nullable=False)
    interval_km: Mapped[Decimal | None] = mapped_column(ODOMETER_KM)
    interval_months: Mapped[int | None] = mapped_column(SmallInteger)
    due_soon_km: Mapped[Decimal] = mapped_column(ODOMETER_KM, nullable=False, server_default="1000")
    due_soon_days: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="30")
    last_done_on: Mapped[dt.date | None] = mapped_column(Date)
    last_done_odometer_km: Mapped[Decimal | None] = mapped_column(ODOMETER_KM)
    created_at: Mapped[dt.datetime] = _created_at()
    updated_at: Mapped[dt.datetime] = _updated_at()


# A NUMERIC column of these models (FuelEntry.odometer_km, Vehicle.tank_capacity_l...).
NumericAttribute = QueryableAttribute[Decimal] | QueryableAttribute[Decimal | None]


def storage_quantum(attribute: NumericAttribute) -> Decimal:
    """The smallest step a NUMERIC column of these models stores (e.g. 0.000001 for
    FuelEntry.odometer_km): its scale, read from the column, so no copy can drift."""
    return Decimal(1).scaleb(-attribute.type.scale)


def to_storage(value: Decimal, attribute: NumericAttribute) -> Decimal:
    """`value` rounded as PostgreSQL stores it in `attribute`'s NUMERIC column (half away
    from zero), so what is validated and compared is what will be stored. A value with more
    integer digits than the column holds, or not finite, comes back unchanged: the
    schema's bounds reject it (rounding it could not make it fit)."""
    numeric = attribute.type
    if not value.is_finite() or value.adjusted() >= numeric.precision - numeric.scale:
        return value
    return value.quantize(storage_quantum(attribute), rounding=ROUND_HALF_UP)


# The storage steps of the fill-up and vehicle amounts, for code that rounds before it
# builds a schema (forms, importers).
ODOMETER_QUANTUM = storage_quantum(FuelEntry.odometer_km)
VOLUME_QUANTUM = storage_quantum(FuelEntry.volume_l)
MONEY_QUANTUM = storage_quantum(FuelEntry.total_amount)
TANK_QUANTUM = storage_quantum(Vehicle.tank_capacity_l)
