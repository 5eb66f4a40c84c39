"""What the Expenses page shows of a user's expenses, in their units (pure): category labels,
the history table and the label of one expense. Values come as stored (schemas.ExpenseRead:
km, the account's currency); nothing here reads a database or draws anything."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from fueltracker import units
from fueltracker.schemas import ExpenseRead
from fueltracker.views import Preferences

CATEGORY_LABELS: dict[str, str] = {
    "service": "Service",
    "repair": "Repair",
    "tyres": "Tyres",
    "insurance": "Insurance",
    "tax": "Tax",
    "parking": "Parking",
    "tolls": "Tolls",
    "cleaning": "Cleaning",
    "fines": "Fines",
    "accessories": "Accessories",
    "other": "Other",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_LABELS)


def category_label(category: str) -> str:
    """A category as a user reads it ("tyres" -> "Tyres")."""
    return CATEGORY_LABELS.get(category, category.capitalize())


def amount_column(user: Preferences) -> str:
    """The amount column's name, with the currency: "Amount (EUR)"."""
    return f"Amount ({user.currency})"


def odometer_column(user: Preferences) -> str:
    """The odometer column's name, with the distance unit: "Odometer (km)"."""
    return f"Odometer ({units.distance_label(user.distance_unit)})"


def coverage_text(expense: ExpenseRead) -> str:
    """The coverage period as "2026-01-01 – 2026-12-31"; '' without one."""
    if expense.coverage_from is None or expense.coverage_to is None:
        return ""
    return f"{expense.coverage_from.isoformat()} – {expense.coverage_to.isoformat()}"


def expense_table(
    rows: Sequence[ExpenseRead], names: Mapping[int, str], user: Preferences
) -> pd.DataFrame:
    """The expense history as a table, one row per expense (indexed by its id) in the order
    given: the amount as a number in the user's currency, the odometer in their distance
    unit (whole units, empty when not given), the category as a label."""
    amount, odometer = amount_column(user), odometer_column(user)
    # The amount before the description: on a phone the first columns are what shows.
    columns = [
        "Date",
        "Vehicle",
        "Category",
        amount,
        "Description",
        odometer,
        "Vendor",
        "Coverage",
        "Notes",
    ]
    records = [
        {
            "Date": row.date,
            "Vehicle": names.get(row.vehicle_id, ""),
            "Category": category_label(row.category),
            "Description": row.description,
            amount: float(row.amount),
            odometer: (
                None
                if row.odometer_km is None
                else round(float(units.km_to_distance(row.odometer_km, user.distance_unit)))
            ),
            "Vendor": row.vendor or "",
            "Coverage": coverage_text(row),
            "Notes": row.notes or "",
        }
        for row in rows
    ]
    table = pd.DataFrame.from_records(
        records, columns=columns, index=pd.Index([row.id for row in rows], dtype="int64")
    )
    table[odometer] = table[odometer].astype("Float64")
    return table


def expense_label(expense: ExpenseRead, names: Mapping[int, str], user: Preferences) -> str:
    """One expense in a list to pick from: "2026-02-10 · Golf · Tyres · 480.00 EUR"."""
    return (
        f"{expense.date.isoformat()} · {names.get(expense.vehicle_id, '')} · "
        f"{category_label(expense.category)} · "
        f"{units.format_money(expense.amount, user.currency)}"
    )
