"""Domain bounds checked on the values a form's fields show, in the user's units (pure).

The forms give Streamlit's number and date inputs no bounds of their own: with bounds, the
browser refuses an out-of-range value and silently keeps the last accepted one, which the
script then saves while the field still shows the refused value. (Date inputs get the
widest dates they can hold, ANY_DATE below: without any, Streamlit makes up ten years
either side of the default.) So every value the user sees reaches Python, and is checked
here against domain.md's bounds (schemas.py holds them in canonical units), with a message
that names the field, the bound and its unit. Nothing is saved while one of them stands.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from fueltracker import units
from fueltracker.entry import (
    FIELD_ODOMETER,
    FIELD_PRICE,
    FIELD_TOTAL,
    FIELD_VOLUME,
    FieldMessage,
)
from fueltracker.schemas import (
    FIRST_VEHICLE_YEAR,
    LAST_VEHICLE_YEAR,
    MAX_EXPENSE_AMOUNT,
    MAX_ODOMETER_KM,
    MAX_TANK_CAPACITY_L,
    MAX_TOTAL_AMOUNT,
    MAX_VOLUME_L,
    UserRead,
)
from fueltracker.validation import future_date_problem

# The widest dates a date input holds: as good as no bounds, so the browser never refuses
# (and silently replaces) a date the field shows. The checks here name the real bounds.
ANY_DATE = (dt.date.min, dt.date.max)
FIELD_DATE = "date"
FIELD_YEAR = "year"
FIELD_TANK = "tank_capacity_l"
# Decimals a bound is shown with in the user's unit (rounded down, so the value shown is
# itself accepted): whole odometer readings, volumes as a pump shows them.
_ODOMETER_DECIMALS = 0
_VOLUME_DECIMALS = 3


def _bound(value: Decimal, decimals: int) -> str:
    quantum = Decimal(1).scaleb(-decimals)
    return units.format_number(value.quantize(quantum, rounding=ROUND_DOWN), decimals)


def fillup_problems(
    user: UserRead,
    *,
    date: dt.date | None,
    today: dt.date,
    odometer: Decimal | None,
    volume: Decimal | None,
    unit_price: Decimal | None,
    total: Decimal | None,
) -> list[FieldMessage]:
    """What is wrong with a fill-up's fields as shown, in form order; empty when nothing is.

    Values are in the user's units (odometer in their distance unit, volume in their
    volume unit, price per that unit, total in their currency). An empty amount is not a
    problem here: which two of volume, price and total are needed is entry.complete_amounts'
    business, and the odometer's absence is told at save time.
    """
    found = (
        _date_problem(date, today),
        _odometer_problem(odometer, user),
        _volume_problem(volume, user),
        _price_problem(unit_price, user),
        _total_problem(total, user),
    )
    return [problem for problem in found if problem is not None]


def _date_problem(date: dt.date | None, today: dt.date) -> FieldMessage | None:
    if date is None:
        return FieldMessage(FIELD_DATE, "Date is required")
    reason = future_date_problem(date, today)
    return FieldMessage(FIELD_DATE, reason) if reason else None


def _odometer_problem(odometer: Decimal | None, user: UserRead) -> FieldMessage | None:
    if odometer is None:
        return None
    d_label = units.distance_label(user.distance_unit)
    most = units.km_to_distance(MAX_ODOMETER_KM, user.distance_unit)
    if odometer < 0:
        return FieldMessage(FIELD_ODOMETER, f"Odometer must be at least 0 {d_label}")
    if units.distance_to_km(odometer, user.distance_unit) > MAX_ODOMETER_KM:
        return FieldMessage(
            FIELD_ODOMETER, f"Odometer must be at most {_bound(most, _ODOMETER_DECIMALS)} {d_label}"
        )
    return None


def _volume_problem(volume: Decimal | None, user: UserRead) -> FieldMessage | None:
    if volume is None:
        return None
    v_label = units.volume_label(user.volume_unit)
    most = units.l_to_volume(MAX_VOLUME_L, user.volume_unit)
    if volume <= 0:
        return FieldMessage(FIELD_VOLUME, f"Volume must be more than 0 {v_label}")
    if units.volume_to_l(volume, user.volume_unit) > MAX_VOLUME_L:
        return FieldMessage(
            FIELD_VOLUME, f"Volume must be at most {_bound(most, _VOLUME_DECIMALS)} {v_label}"
        )
    return None


def _price_problem(unit_price: Decimal | None, user: UserRead) -> FieldMessage | None:
    if unit_price is not None and unit_price < 0:
        p_label = units.price_per_volume_label(user.currency, user.volume_unit)
        return FieldMessage(FIELD_PRICE, f"Price must be at least 0 {p_label}")
    return None


def _total_problem(total: Decimal | None, user: UserRead) -> FieldMessage | None:
    if total is None:
        return None
    if total < 0:
        return FieldMessage(FIELD_TOTAL, f"Total paid must be at least 0 {user.currency}")
    if total > MAX_TOTAL_AMOUNT:
        return FieldMessage(
            FIELD_TOTAL,
            f"Total paid must be at most {units.format_number(MAX_TOTAL_AMOUNT, 0)} "
            f"{user.currency}",
        )
    return None


def vehicle_problems(
    user: UserRead, *, year: int | None, tank_capacity: Decimal | None
) -> list[FieldMessage]:
    """What is wrong with a vehicle's year and tank capacity (in the user's volume unit)
    as shown; both may be empty."""
    problems: list[FieldMessage] = []
    if year is not None and not FIRST_VEHICLE_YEAR <= year <= LAST_VEHICLE_YEAR:
        problems.append(
            FieldMessage(
                FIELD_YEAR, f"Year must be between {FIRST_VEHICLE_YEAR} and {LAST_VEHICLE_YEAR}"
            )
        )
    if tank_capacity is not None:
        v_label = units.volume_label(user.volume_unit)
        if tank_capacity <= 0:
            problems.append(
                FieldMessage(
                    FIELD_TANK, f"Tank capacity must be more than 0 {v_label} (or leave it empty)"
                )
            )
        elif units.volume_to_l(tank_capacity, user.volume_unit) > MAX_TANK_CAPACITY_L:
            most = units.l_to_volume(MAX_TANK_CAPACITY_L, user.volume_unit)
            problems.append(
                FieldMessage(
                    FIELD_TANK,
                    f"Tank capacity must be at most {_bound(most, _VOLUME_DECIMALS)} {v_label}",
                )
            )
    return problems


FIELD_AMOUNT = "amount"
FIELD_EXPENSE_ODOMETER = "odometer_km"
FIELD_COVERAGE_FROM = "coverage_from"
FIELD_COVERAGE_TO = "coverage_to"


def expense_problems(
    user: UserRead,
    *,
    date: dt.date | None,
    today: dt.date,
    amount: Decimal | None,
    odometer: Decimal | None,
    coverage_from: dt.date | None,
    coverage_to: dt.date | None,
) -> list[FieldMessage]:
    """What is wrong with an expense's fields as shown (amount in the user's currency, the
    optional odometer in their distance unit), in form order; empty when nothing is. The
    description's and the category's checks are the schema's (schemas.ExpenseCreate)."""
    problems: list[FieldMessage] = []
    date_problem = _date_problem(date, today)
    if date_problem is not None:
        problems.append(date_problem)
    if amount is None:
        problems.append(FieldMessage(FIELD_AMOUNT, "Amount is required"))
    elif amount < 0:
        problems.append(FieldMessage(FIELD_AMOUNT, f"Amount must be at least 0 {user.currency}"))
    elif amount > MAX_EXPENSE_AMOUNT:
        problems.append(
            FieldMessage(
                FIELD_AMOUNT,
                f"Amount must be at most "
                f"{units.format_number(MAX_EXPENSE_AMOUNT, 0)} {user.currency}",
            )
        )
    odometer_problem = _odometer_problem(odometer, user)  # its field: FIELD_EXPENSE_ODOMETER
    if odometer_problem is not None:
        problems.append(odometer_problem)
    if (coverage_from is None) != (coverage_to is None):
        missing = FIELD_COVERAGE_TO if coverage_to is None else FIELD_COVERAGE_FROM
        problems.append(FieldMessage(missing, "Give both ends of the coverage period, or neither"))
    elif coverage_from is not None and coverage_to is not None and coverage_to < coverage_from:
        problems.append(FieldMessage(FIELD_COVERAGE_TO, "Coverage must not end before it starts"))
    return problems
