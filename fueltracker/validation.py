"""Pure checks of a fill-up against its vehicle's other fill-ups (no database here).

A vehicle's fill-ups sorted by (date, odometer) must have strictly increasing odometers:
every fill-up on an earlier date has a smaller reading, every one on a later date a larger
one. So a new or edited fill-up only has to be compared with its two neighbours in that order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from fueltracker import units


@dataclass(frozen=True)
class Reading:
    """A stored odometer reading of a vehicle: when and how far (its place in the
    vehicle's history). The one type for it: the checks here, the services reading
    neighbours and the entry form's hints (entry.py) all pass it."""

    date: dt.date
    odometer_km: Decimal


def odometer_conflict(
    date: dt.date,
    odometer_km: Decimal,
    previous: Reading | None,
    following: Reading | None,
    distance_unit: str = "km",
) -> str | None:
    """The reason `odometer_km` on `date` contradicts its neighbours, or None when it fits.

    `previous` / `following` are the nearest fill-ups before / after (date, odometer).
    Equal date and odometer is a duplicate, reported by the caller, not here.
    """
    if previous is not None and previous.odometer_km >= odometer_km and previous.date != date:
        return (
            f"Odometer {_km(odometer_km, distance_unit)} must be greater than "
            f"{_km(previous.odometer_km, distance_unit)} recorded on {previous.date.isoformat()}"
        )
    if following is not None and following.odometer_km <= odometer_km and following.date != date:
        return (
            f"Odometer {_km(odometer_km, distance_unit)} must be less than "
            f"{_km(following.odometer_km, distance_unit)} recorded on {following.date.isoformat()}"
        )
    return None


def _km(value_km: Decimal, distance_unit: str) -> str:
    shown = units.km_to_distance(value_km, distance_unit)
    decimals = 0 if shown == shown.to_integral_value() else 1
    return f"{units.format_number(shown, decimals)} {units.distance_label(distance_unit)}"


def future_date_problem(date: dt.date, today: dt.date) -> str | None:
    """Why `date` is unacceptable as a fill-up date given the user's local `today`, or None."""
    if date > today:
        return f"Date {date.isoformat()} is in the future (today is {today.isoformat()})"
    if date < dt.date(1900, 1, 1):
        return "Date must not be before 1900-01-01"
    return None
