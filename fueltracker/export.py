"""Our native CSV export (formats.md): canonical units, one file for every vehicle.

Pure: a derived frame (metrics.add_derived) in, CSV text out. Stored values are written
with the shortest decimal that reads back to the same number, so export -> import -> export
gives the same file.

Also here, just as pure: the "in my units" CSV for spreadsheets (user_units_csv) and the
"download all my data" ZIP (data_archive) holding the native files and the account.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import SupportsFloat

import pandas as pd

from fueltracker import entry, units
from fueltracker.csvsafe import neutralise
from fueltracker.schemas import ExpenseRead, UserRead

NATIVE_COLUMNS = (
    "vehicle",
    "date",
    "odometer_km",
    "volume_l",
    "total_amount",
    "currency",
    "unit_price_per_l",
    "is_full",
    "missed_previous",
    "station",
    "brand",
    "grade",
    "notes",
    "distance_km",
    "consumption_l_per_100km",
    "cost_per_km",
)
# kind came last (issue 12): files written before it still read, the column simply absent.
VEHICLE_COLUMNS = (
    "name",
    "make",
    "model",
    "year",
    "fuel_type",
    "tank_capacity_l",
    "is_active",
    "kind",
)


def csv_number(value: float | None, decimals: int | None = None, min_decimals: int = 0) -> str:
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


def _days(derived: pd.DataFrame) -> list[str]:
    """The date column (datetime64 in a frame of metrics.add_derived) as YYYY-MM-DD."""
    return list(derived["date"].dt.strftime("%Y-%m-%d"))


def native_csv(derived: pd.DataFrame, currency: str) -> str:
    """The user's fill-ups, oldest first per vehicle, as our native CSV."""
    ordered = derived.sort_values(["vehicle_name", "date", "odometer_km"], kind="stable")
    # The number columns as floats (add_derived's dtype; NaN where missing), read as such
    # rather than through the row tuples, whose cells pandas types as any scalar at all.
    odometer, volume, amount, price, distance, consumption, cost = (
        ordered[name].to_numpy(dtype="float64")
        for name in (
            "odometer_km",
            "volume_l",
            "total_amount",
            "unit_price_per_l",
            "distance_km",
            "consumption_l_per_100km",
            "cost_per_km",
        )
    )
    days = _days(ordered)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(NATIVE_COLUMNS)
    for i, row in enumerate(ordered.itertuples(index=False)):
        writer.writerow(
            [
                _text(row.vehicle_name),
                days[i],
                csv_number(odometer[i]),
                csv_number(volume[i]),
                csv_number(amount[i], min_decimals=2),
                currency,
                csv_number(price[i], 4),
                "true" if row.is_full else "false",
                "true" if row.missed_previous else "false",
                _text(row.station),
                _text(row.brand),
                _text(row.grade),
                _text(row.notes),
                csv_number(distance[i], 3),
                csv_number(consumption[i], 4),
                csv_number(cost[i], 4),
            ]
        )
    return buffer.getvalue()


def _tank(value: object) -> str:
    """A vehicle's tank capacity (a Decimal from VehicleRead, or None) as csv_number writes
    it."""
    if value is None:
        return ""
    if not isinstance(value, SupportsFloat):
        raise TypeError(f"tank_capacity_l must be a number, not {type(value).__name__}")
    return csv_number(float(value))


def vehicles_csv(vehicles: Sequence[Mapping[str, object]]) -> str:
    """The companion vehicles file (name, make, model, year, fuel type, tank, active, kind)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(VEHICLE_COLUMNS)
    for vehicle in vehicles:
        writer.writerow(
            [
                _text(vehicle["name"]),
                _text(vehicle.get("make")),
                _text(vehicle.get("model")),
                "" if vehicle.get("year") is None else str(vehicle["year"]),
                _text(vehicle.get("fuel_type")),
                _tank(vehicle.get("tank_capacity_l")),
                "true" if vehicle.get("is_active", True) else "false",
                vehicle.get("kind") or "car",
            ]
        )
    return buffer.getvalue()


REMINDER_COLUMNS = (
    "vehicle",
    "title",
    "interval_km",
    "interval_months",
    "due_soon_km",
    "due_soon_days",
    "last_done_on",
    "last_done_odometer_km",
)


def _canonical(value: object) -> str:
    """A stored Decimal (or int) in full, without exponent or trailing zeros; "" for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def reminders_csv(
    reminders: Sequence[Mapping[str, object]], vehicle_names: Mapping[int, str]
) -> str:
    """The archive's reminders file: each reminder with its vehicle's name, canonical units
    (km, months, days), dates as YYYY-MM-DD; an unknown value is empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REMINDER_COLUMNS)
    for reminder in reminders:
        vehicle_id = reminder["vehicle_id"]
        done_on = reminder.get("last_done_on")
        writer.writerow(
            [
                _text(vehicle_names.get(vehicle_id, "") if isinstance(vehicle_id, int) else ""),
                _text(reminder["title"]),
                _canonical(reminder.get("interval_km")),
                _canonical(reminder.get("interval_months")),
                _canonical(reminder.get("due_soon_km")),
                _canonical(reminder.get("due_soon_days")),
                done_on.isoformat() if isinstance(done_on, dt.date) else "",
                _canonical(reminder.get("last_done_odometer_km")),
            ]
        )
    return buffer.getvalue()


# Unit codes (units.py) -> the suffix in a column name: lower case, no '/' or spaces.
DISTANCE_SUFFIX = {"km": "km", "mi": "mi"}
VOLUME_SUFFIX = {"L": "l", "gal_us": "gal_us", "gal_uk": "gal_uk"}
CONSUMPTION_SUFFIX = {
    "L/100km": "l_per_100km",
    "km/L": "km_per_l",
    "mpg_us": "mpg_us",
    "mpg_uk": "mpg_uk",
}


def user_units_columns(user: UserRead) -> tuple[str, ...]:
    """Header of user_units_csv for this user's preferences (unit in every number column)."""
    d = DISTANCE_SUFFIX[user.distance_unit]
    v = VOLUME_SUFFIX[user.volume_unit]
    c = CONSUMPTION_SUFFIX[user.consumption_unit]
    return (
        "vehicle",
        "date",
        f"odometer_{d}",
        f"volume_{v}",
        "total_amount",
        "currency",
        f"price_per_{v}",
        "is_full",
        "missed_previous",
        "station",
        "brand",
        "grade",
        "notes",
        f"distance_{d}",
        f"consumption_{c}",
        f"cost_per_{d}",
    )


# As History and the Dashboard show a cost per distance.
COST_PER_DISTANCE_DECIMALS = 3


def _display(value: object, decimals: int) -> str:
    """A figure rounded for reading, fixed decimals, no thousands separator; '' if missing.

    units.format_number does the rounding (half away from zero, no "-0.00"), the same
    rounding as the dashboard's figures, rather than a second rule here.
    """
    text = units.format_number(value, decimals)
    return "" if text == units.EMPTY_PLACEHOLDER else text.replace(",", "")


def user_units_csv(derived: pd.DataFrame, user: UserRead) -> str:
    """The rows of native_csv in the user's preferred units, for reading in a spreadsheet:
    the one-click download of the sidebar and of History.

    Same rows and order as native_csv; every number is converted with units.py (exact
    factors) and rounded as the app shows it: odometer and distance to 0.1 and volume to
    0.001 as the fill-up form takes them, the unit price as the form shows it (3 decimals,
    1 for a currency without minor units), consumption 2 and cost per distance 3 decimals
    as History and the Dashboard show them, amounts to the currency's minor units. Each
    number column names its unit (`odometer_mi`, `volume_gal_us`, `consumption_mpg_us`,
    `cost_per_mi`, ...). Text cells are neutralised like the native file.

    Not meant for re-import: the figures are rounded, so importing them would not restore
    the stored values. The native export (or the data archive) is the file to import;
    importers.native.parse_native refuses this one.
    """
    d_unit, v_unit, c_unit = user.distance_unit, user.volume_unit, user.consumption_unit
    ordered = derived.sort_values(["vehicle_name", "date", "odometer_km"], kind="stable")
    # Whole columns at once: the converters take a Series and keep NaN as NaN.
    odometer = units.km_to_distance(ordered["odometer_km"], d_unit).to_numpy()
    volume = units.l_to_volume(ordered["volume_l"], v_unit).to_numpy()
    price = units.price_per_l_to_unit(ordered["unit_price_per_l"], v_unit).to_numpy()
    distance = units.km_to_distance(ordered["distance_km"], d_unit).to_numpy()
    consumption = units.consumption_from_l_per_100km(
        ordered["consumption_l_per_100km"], c_unit
    ).to_numpy()
    cost = units.cost_per_km_to_unit(ordered["cost_per_km"], d_unit).to_numpy()
    money_decimals = units.currency_decimals(user.currency)
    price_decimals = entry.price_decimals(user.currency)
    days = _days(ordered)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(user_units_columns(user))
    for i, row in enumerate(ordered.itertuples(index=False)):
        writer.writerow(
            [
                _text(row.vehicle_name),
                days[i],
                _display(odometer[i], 1),
                _display(volume[i], 3),
                _display(row.total_amount, money_decimals),
                user.currency,
                _display(price[i], price_decimals),
                "true" if row.is_full else "false",
                "true" if row.missed_previous else "false",
                _text(row.station),
                _text(row.brand),
                _text(row.grade),
                _text(row.notes),
                _display(distance[i], 1),
                _display(consumption[i], 2),
                _display(cost[i], COST_PER_DISTANCE_DECIMALS),
            ]
        )
    return buffer.getvalue()


ARCHIVE_FILLUPS = "fillups.csv"
ARCHIVE_VEHICLES = "vehicles.csv"
ARCHIVE_EXPENSES = "expenses.csv"
ARCHIVE_ACCOUNT = "account.json"
ARCHIVE_README = "README.txt"
ARCHIVE_REMINDERS = "reminders.csv"
# What account.json holds, in this order: identity and preferences, never the password hash
# (only these keys are ever written, whatever the caller's dict holds).
ACCOUNT_FIELDS = (
    "username",
    "display_name",
    "email",
    "currency",
    "distance_unit",
    "volume_unit",
    "consumption_unit",
    "timezone",
    "exported_at",
)

ARCHIVE_README_TEXT = """\
Fuel Tracker - all your data

fillups.csv   every fill-up of every vehicle, oldest first per vehicle (Fuel Tracker's
              native CSV). Values are canonical: kilometres, litres, amounts in your
              account's currency. unit_price_per_l and the last three columns
              (distance_km, consumption_l_per_100km, cost_per_km) are computed, and
              recomputed on import.
vehicles.csv  your vehicles with their details: name, make, model, year, fuel type,
              tank capacity in litres, is_active (false = archived), kind (car,
              motorbike, van or other).
expenses.csv  your other running costs (service, repairs, insurance, tax, parking...),
              oldest first per vehicle: vehicle, date, category, description, amount
              and currency, odometer_km (empty when not given), vendor, notes, and the
              period a cost covers (coverage_from, coverage_to, both or neither).
              Canonical like fillups.csv. Importing this ZIP does not bring expenses
              back yet: keep the file for your records.
reminders.csv your reminders (vehicle, title, interval in km and/or months, the due-soon
              margins in km and days, when each was last done and at which odometer
              in km). It is for your records: importing the archive does not bring
              reminders back.
account.json  your account: username, display name, email, currency, preferred units,
              timezone, and when this archive was made (exported_at, UTC).
              Your password is not in this archive.

Text cells starting with = + - @, a tab or a carriage return carry a leading ' so that
a spreadsheet never runs them as formulas; Fuel Tracker removes it again on import.

To restore, import this ZIP file into Fuel Tracker: vehicles missing from the account
are created with their details, then the fill-ups are imported (all of them or none).
Fill-ups already present are skipped, so importing the same archive twice adds nothing.
fillups.csv alone can be imported too (vehicles are then created by name only), also
from the command line: python -m fueltracker import <username> fillups.csv
account.json is for your records: an import does not change your preferences.
"""


def _zip_time(exported_at: object) -> tuple[int, int, int, int, int, int]:
    # Member timestamps come from exported_at, not the clock, so the same input always
    # gives the same bytes. ZIP cannot store dates before 1980.
    try:
        moment = (
            dt.datetime.fromisoformat(exported_at)
            if isinstance(exported_at, str) and exported_at
            else None
        )
    except ValueError:
        moment = None
    if moment is None or moment.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return moment.timetuple()[:6]


def data_archive(
    fillups_csv: str,
    vehicles_csv: str,
    account: Mapping[str, object],
    expenses_csv: str | None = None,
    *,
    reminders_csv: str | None = None,
) -> bytes:
    """The "download all my data" ZIP: fillups.csv, vehicles.csv, expenses.csv (when
    `expenses_csv` is given: expenses_csv's text), reminders.csv (likewise), account.json,
    README.txt.

    `fillups_csv` and `vehicles_csv` are native_csv's and vehicles_csv's text (and
    `reminders_csv`, when given, reminders_csv's: written after vehicles.csv); `account`
    gives ACCOUNT_FIELDS (other keys are ignored, so a stray password hash can never reach
    the file; `exported_at` is a UTC ISO timestamp chosen by the caller). Members are
    deflated, UTF-8, in a fixed order with fixed timestamps: same input, same bytes.
    importers.native.parse_archive reads it back.
    """
    record = {key: account.get(key) for key in ACCOUNT_FIELDS}
    members = (
        (ARCHIVE_FILLUPS, fillups_csv),
        (ARCHIVE_VEHICLES, vehicles_csv),
        *(((ARCHIVE_EXPENSES, expenses_csv),) if expenses_csv is not None else ()),
        *(((ARCHIVE_REMINDERS, reminders_csv),) if reminders_csv is not None else ()),
        (ARCHIVE_ACCOUNT, json.dumps(record, indent=2, ensure_ascii=False) + "\n"),
        (ARCHIVE_README, ARCHIVE_README_TEXT),
    )
    stamp = _zip_time(record["exported_at"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # a plain readable file when unpacked
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# ----- Expenses ----------------------------------------------------------------------------

# The canonical expenses file of the data archive (formats.md): odometer in km, amounts in
# the account's currency at full stored precision.
EXPENSE_COLUMNS = (
    "vehicle",
    "date",
    "category",
    "description",
    "amount",
    "currency",
    "odometer_km",
    "vendor",
    "notes",
    "coverage_from",
    "coverage_to",
)


def _decimal(value: Decimal | None, min_decimals: int = 0) -> str:
    """A stored Decimal with every digit it has, trailing zeros dropped down to
    `min_decimals`; '' when missing."""
    if value is None:
        return ""
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(min_decimals, "0")
    return f"{whole}.{fraction}" if fraction else whole


def _date(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def _expense_order(rows: Sequence[ExpenseRead], names: Mapping[int, str]) -> list[ExpenseRead]:
    """Oldest first per vehicle (by name), as the fill-ups files are."""
    return sorted(rows, key=lambda r: (names.get(r.vehicle_id, ""), r.date, r.id))


def expenses_csv(rows: Sequence[ExpenseRead], names: Mapping[int, str], currency: str) -> str:
    """The user's expenses as the archive's canonical expenses.csv (EXPENSE_COLUMNS)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPENSE_COLUMNS)
    for row in _expense_order(rows, names):
        writer.writerow(
            [
                _text(names.get(row.vehicle_id, "")),
                row.date.isoformat(),
                row.category,
                _text(row.description),
                _decimal(row.amount, 2),
                currency,
                _decimal(row.odometer_km),
                _text(row.vendor),
                _text(row.notes),
                _date(row.coverage_from),
                _date(row.coverage_to),
            ]
        )
    return buffer.getvalue()


def user_units_expense_columns(user: UserRead) -> tuple[str, ...]:
    """Header of user_units_expenses_csv: the odometer names the user's distance unit."""
    d = DISTANCE_SUFFIX[user.distance_unit]
    return (
        "vehicle",
        "date",
        "category",
        "description",
        "amount",
        "currency",
        f"odometer_{d}",
        "vendor",
        "notes",
        "coverage_from",
        "coverage_to",
    )


def user_units_expenses_csv(
    rows: Sequence[ExpenseRead], names: Mapping[int, str], user: UserRead
) -> str:
    """Expenses as the Expenses page shows them, for a spreadsheet: newest first as listed
    (the rows' own order), amounts rounded to the currency's minor units, the odometer in
    the user's distance unit to 0.1; text cells neutralised."""
    money = units.currency_decimals(user.currency)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(user_units_expense_columns(user))
    for row in rows:
        odometer = (
            None
            if row.odometer_km is None
            else units.km_to_distance(row.odometer_km, user.distance_unit)
        )
        writer.writerow(
            [
                _text(names.get(row.vehicle_id, "")),
                row.date.isoformat(),
                row.category,
                _text(row.description),
                _display(row.amount, money),
                user.currency,
                "" if odometer is None else _display(odometer, 1),
                _text(row.vendor),
                _text(row.notes),
                _date(row.coverage_from),
                _date(row.coverage_to),
            ]
        )
    return buffer.getvalue()
