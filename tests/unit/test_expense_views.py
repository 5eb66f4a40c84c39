"""Pure parts of the Expenses page: the bounds of its fields as shown, its table, and the
two expense files (the archive's canonical one, the filter's in the user's units)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from fueltracker import bounds, export
from fueltracker.expense_views import CATEGORIES, expense_label, expense_table
from fueltracker.schemas import ExpenseCategory, ExpenseRead, UserRead

D = dt.date
TODAY = D(2026, 3, 1)


def user(**changes: str) -> UserRead:
    values = {
        "id": 1,
        "username": "anna",
        "display_name": "Anna",
        "email": None,
        "currency": "EUR",
        "distance_unit": "km",
        "volume_unit": "L",
        "consumption_unit": "L/100km",
        "timezone": "UTC",
        "data_revision": 0,
    }
    return UserRead(**(values | changes))


def row(
    expense_id: int,
    vehicle_id: int,
    date: str,
    category: ExpenseCategory,
    amount: str,
    **fields: object,
) -> ExpenseRead:
    values: dict[str, object] = {
        "description": "x",
        "odometer_km": None,
        "vendor": None,
        "notes": None,
        "coverage_from": None,
        "coverage_to": None,
    }
    return ExpenseRead(
        id=expense_id,
        vehicle_id=vehicle_id,
        date=D.fromisoformat(date),
        category=category,
        amount=Decimal(amount),
        **(values | fields),
    )


def problems(**fields: object) -> dict[str, str]:
    values: dict[str, object] = {
        "date": TODAY,
        "today": TODAY,
        "amount": Decimal(10),
        "odometer": None,
        "coverage_from": None,
        "coverage_to": None,
    }
    found = bounds.expense_problems(user(distance_unit="mi"), **(values | fields))
    return {p.field: p.message for p in found}


def test_categories_are_the_designs_in_its_order():
    assert CATEGORIES == (
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
    assert set(ExpenseCategory.__args__) == set(CATEGORIES)


def test_bounds_name_the_field_and_the_unit():
    assert problems() == {}
    assert problems(amount=None) == {"amount": "Amount is required"}
    assert problems(amount=Decimal("-0.01")) == {"amount": "Amount must be at least 0 EUR"}
    assert problems(amount=Decimal("1000000.01")) == {
        "amount": "Amount must be at most 1,000,000 EUR"
    }
    assert problems(odometer=Decimal(-1)) == {"odometer_km": "Odometer must be at least 0 mi"}
    assert problems(date=D(2026, 3, 2))["date"]
    assert problems(coverage_from=D(2026, 1, 1)) == {
        "coverage_to": "Give both ends of the coverage period, or neither"
    }
    assert problems(coverage_to=D(2026, 1, 1)) == {
        "coverage_from": "Give both ends of the coverage period, or neither"
    }
    assert problems(coverage_from=D(2026, 2, 1), coverage_to=D(2026, 1, 31)) == {
        "coverage_to": "Coverage must not end before it starts"
    }
    assert problems(coverage_from=D(2026, 1, 1), coverage_to=D(2026, 1, 1)) == {}


def test_table_in_the_users_units():
    rows = [
        row(7, 1, "2026-02-10", "tyres", "480.00", odometer_km=Decimal("16093.44")),
        row(
            3,
            2,
            "2026-01-01",
            "insurance",
            "600.0050",
            vendor="HUK",
            coverage_from=D(2026, 1, 1),
            coverage_to=D(2026, 12, 31),
        ),
    ]
    table = expense_table(rows, {1: "Golf", 2: "Bike"}, user(distance_unit="mi"))
    assert list(table.index) == [7, 3]
    assert list(table["Category"]) == ["Tyres", "Insurance"]
    assert list(table["Amount (EUR)"]) == [480.0, 600.005]
    assert table["Odometer (mi)"].iloc[0] == 10000
    assert table["Odometer (mi)"].isna().iloc[1]
    assert list(table["Coverage"]) == ["", "2026-01-01 – 2026-12-31"]
    assert expense_label(rows[0], {1: "Golf"}, user()) == "2026-02-10 · Golf · Tyres · 480.00 EUR"


def test_canonical_file_keeps_every_stored_digit_oldest_first_per_vehicle():
    rows = [
        row(
            2,
            1,
            "2026-02-10",
            "tyres",
            "480.0000",
            description="+Winter tyres",
            odometer_km=Decimal("12345.600000"),
        ),
        row(
            1,
            1,
            "2026-01-01",
            "insurance",
            "600.1234",
            notes="a\nb",
            coverage_from=D(2026, 1, 1),
            coverage_to=D(2026, 12, 31),
        ),
    ]
    text = export.expenses_csv(rows, {1: "Golf"}, "EUR")
    records = list(csv.DictReader(io.StringIO(text)))
    assert tuple(records[0]) == export.EXPENSE_COLUMNS
    assert [r["date"] for r in records] == ["2026-01-01", "2026-02-10"]
    assert (records[0]["amount"], records[0]["coverage_to"], records[0]["notes"]) == (
        "600.1234",
        "2026-12-31",
        "a\nb",
    )
    assert (records[1]["amount"], records[1]["odometer_km"], records[1]["description"]) == (
        "480.00",
        "12345.6",
        "'+Winter tyres",
    )


def test_user_units_file_is_rounded_as_shown_in_the_rows_order():
    rows = [
        row(2, 1, "2026-02-10", "tyres", "480.005", odometer_km=Decimal("16093.44")),
        row(1, 1, "2026-01-01", "tax", "99"),
    ]
    text = export.user_units_expenses_csv(
        rows, {1: "Golf"}, user(distance_unit="mi", currency="JPY")
    )
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["date"] for r in records] == ["2026-02-10", "2026-01-01"]
    assert (records[0]["amount"], records[0]["currency"], records[0]["odometer_mi"]) == (
        "480",
        "JPY",
        "10000.0",
    )
    assert records[1]["odometer_mi"] == ""
