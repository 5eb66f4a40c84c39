"""Our native CSV export (formats.md): canonical units, one file for every vehicle.

Pure: a derived frame (metrics.add_derived) in, CSV text out. Stored values are written
with the shortest decimal that reads back to the same number, so export -> import -> export
gives the same file.
"""

from __future__ import annotations

import csv
import io
import math

import pandas as pd

from fueltracker.csvsafe import neutralise

NATIVE_COLUMNS = (
    "vehicle", "date", "odometer_km", "volume_l", "total_amount", "currency",
    "unit_price_per_l", "is_full", "missed_previous", "station", "brand", "grade", "notes",
    "distance_km", "consumption_l_per_100km", "cost_per_km",
)
VEHICLE_COLUMNS = ("name", "make", "model", "year", "fuel_type", "tank_capacity_l", "is_active")


def format_number(value: float | None, decimals: int | None = None, min_decimals: int = 0) -> str:
    """Dot decimal, no thousands separator, no exponent; '' for a missing value.

    `decimals` rounds derived figures; stored figures keep every digit they have.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if decimals is not None:
        value = round(float(value), decimals)
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{float(value):.9f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(min_decimals, "0")
    return f"{whole}.{fraction}" if fraction else whole


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return neutralise(str(value))


def native_csv(derived: pd.DataFrame, currency: str) -> str:
    """The user's fill-ups, oldest first per vehicle, as our native CSV."""
    ordered = derived.sort_values(["vehicle_name", "date", "odometer_km"], kind="stable")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NATIVE_COLUMNS)
    for row in ordered.itertuples(index=False):
        writer.writerow([
            _text(row.vehicle_name),
            row.date.strftime("%Y-%m-%d"),
            format_number(row.odometer_km),
            format_number(row.volume_l),
            format_number(row.total_amount, min_decimals=2),
            currency,
            format_number(row.unit_price_per_l, 4),
            "true" if row.is_full else "false",
            "true" if row.missed_previous else "false",
            _text(row.station),
            _text(row.brand),
            _text(row.grade),
            _text(row.notes),
            format_number(row.distance_km, 3),
            format_number(row.consumption_l_per_100km, 4),
            format_number(row.cost_per_km, 4),
        ])
    return buffer.getvalue()


def vehicles_csv(vehicles: list[dict]) -> str:
    """The companion vehicles file (name, make, model, year, fuel type, tank, active)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(VEHICLE_COLUMNS)
    for vehicle in vehicles:
        writer.writerow([
            _text(vehicle["name"]), _text(vehicle.get("make")), _text(vehicle.get("model")),
            "" if vehicle.get("year") is None else str(vehicle["year"]),
            _text(vehicle.get("fuel_type")),
            "" if vehicle.get("tank_capacity_l") is None
            else format_number(float(vehicle["tank_capacity_l"])),
            "true" if vehicle.get("is_active", True) else "false",
        ])
    return buffer.getvalue()
