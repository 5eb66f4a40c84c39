"""Expenses against the real database: the service's writes and filters, the table's own
checks (composite foreign key, coverage period), and the cascades of a vehicle's and an
account's deletion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fueltracker.db import APP_ROLE
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.schemas import ExpenseCreate, ExpenseUpdate, parse
from fueltracker.services import expenses, revision, vehicles
from fueltracker.services.expenses import ExpenseFilter
from tests.factories import TODAY, make_user, make_vehicle


def expense(
    vehicle_id: int, date: str, category: str, amount: str, description: str = "x", **fields: object
) -> ExpenseCreate:
    return ExpenseCreate(
        vehicle_id=vehicle_id,
        date=dt.date.fromisoformat(date),
        category=category,
        amount=Decimal(amount),
        description=description,
        **fields,
    )


def add(session, user, data):
    return expenses.create_expense(session, user.id, data, today=TODAY)


def test_create_get_update_delete_restore(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user, "Golf")
    before = revision.data_revision(db_session, user.id)
    saved = add(
        db_session,
        user,
        expense(
            golf.id,
            "2024-03-01",
            "insurance",
            "600.00",
            "Yearly insurance",
            vendor="HUK",
            coverage_from=dt.date(2024, 1, 1),
            coverage_to=dt.date(2024, 12, 31),
        ),
    )
    assert revision.data_revision(db_session, user.id) == before + 1
    assert expenses.get_expense(db_session, user.id, saved.id) == saved
    assert saved.amount == Decimal("600.00") and saved.vendor == "HUK"

    changed = expenses.update_expense(
        db_session,
        user.id,
        saved.id,
        ExpenseUpdate(
            **(saved.model_dump(exclude={"id"}) | {"amount": Decimal("612.40"), "vendor": None})
        ),
        today=TODAY,
    )
    assert (changed.id, changed.amount, changed.vendor) == (saved.id, Decimal("612.40"), None)
    assert revision.data_revision(db_session, user.id) == before + 2

    gone = expenses.delete_expense(db_session, user.id, saved.id)
    assert gone == changed
    with pytest.raises(NotFoundError):
        expenses.get_expense(db_session, user.id, saved.id)
    back = expenses.restore_expense(db_session, user.id, gone, today=TODAY)
    assert back.model_dump(exclude={"id"}) == gone.model_dump(exclude={"id"})
    assert revision.data_revision(db_session, user.id) == before + 4


def test_future_date_is_refused_but_coverage_may_reach_ahead(db_session):
    user = make_user(db_session)
    golf = make_vehicle(db_session, user)
    with pytest.raises(ValidationError) as refused:
        add(db_session, user, expense(golf.id, "2024-07-01", "tax", "120"))
    assert refused.value.field == "date"
    saved = add(
        db_session,
        user,
        expense(
            golf.id,
            "2024-06-30",
            "tax",
            "120",
            coverage_from=dt.date(2024, 7, 1),
            coverage_to=dt.date(2025, 6, 30),
        ),
    )
    assert saved.coverage_to == dt.date(2025, 6, 30)


def test_another_users_ids_behave_like_missing_ones(db_session):
    owner, intruder = make_user(db_session, "owner"), make_user(db_session, "intruder")
    car = make_vehicle(db_session, owner, "Car")
    mine = make_vehicle(db_session, intruder, "Mine")
    theirs = add(db_session, owner, expense(car.id, "2024-01-10", "service", "250"))
    missing_id = theirs.id + 1000
    for expense_id in (theirs.id, missing_id):
        with pytest.raises(NotFoundError) as found:
            expenses.get_expense(db_session, intruder.id, expense_id)
        assert str(found.value) == "Expense not found"
        with pytest.raises(NotFoundError):
            expenses.delete_expense(db_session, intruder.id, expense_id)
        with pytest.raises(NotFoundError):
            expenses.update_expense(
                db_session,
                intruder.id,
                expense_id,
                ExpenseUpdate(**expense(mine.id, "2024-01-10", "other", "1").model_dump()),
                today=TODAY,
            )
    # Nor may an expense be logged on, or moved to, the owner's vehicle.
    with pytest.raises(NotFoundError) as found:
        add(db_session, intruder, expense(car.id, "2024-01-10", "fines", "30"))
    assert str(found.value) == "Vehicle not found"
    own = add(db_session, intruder, expense(mine.id, "2024-01-10", "fines", "30"))
    with pytest.raises(NotFoundError):
        expenses.update_expense(
            db_session,
            intruder.id,
            own.id,
            ExpenseUpdate(**(own.model_dump(exclude={"id"}) | {"vehicle_id": car.id})),
            today=TODAY,
        )
    assert expenses.list_expenses(db_session, intruder.id) == [own]
    assert expenses.get_expense(db_session, owner.id, theirs.id) == theirs


def test_list_filters_by_vehicle_category_and_dates_newest_first(db_session):
    user = make_user(db_session)
    golf, bike = make_vehicle(db_session, user, "Golf"), make_vehicle(db_session, user, "Bike")
    a = add(db_session, user, expense(golf.id, "2024-01-05", "service", "300"))
    b = add(db_session, user, expense(bike.id, "2024-02-10", "tyres", "180"))
    c = add(db_session, user, expense(golf.id, "2024-03-15", "parking", "4.50"))
    d = add(db_session, user, expense(golf.id, "2024-03-15", "tolls", "12.30"))
    assert expenses.list_expenses(db_session, user.id) == [d, c, b, a]
    assert expenses.list_expenses(db_session, user.id, ExpenseFilter(vehicle_ids=(golf.id,))) == [
        d,
        c,
        a,
    ]
    assert expenses.list_expenses(
        db_session, user.id, ExpenseFilter(categories=("tyres", "service"))
    ) == [b, a]
    assert expenses.list_expenses(
        db_session,
        user.id,
        ExpenseFilter(date_from=dt.date(2024, 2, 10), date_to=dt.date(2024, 3, 14)),
    ) == [b]
    assert expenses.list_expenses(
        db_session,
        user.id,
        ExpenseFilter(
            vehicle_ids=(golf.id,),
            categories=("tolls",),
            date_from=dt.date(2024, 3, 15),
            date_to=dt.date(2024, 3, 15),
        ),
    ) == [d]


def test_schema_names_the_refused_field():
    base = {
        "vehicle_id": 1,
        "date": dt.date(2024, 1, 1),
        "category": "service",
        "amount": "10",
        "description": "Oil",
    }
    cases = [
        ({"description": "   "}, "description"),
        ({"description": "two\nlines"}, "description"),
        ({"category": "snacks"}, "category"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1000000.01"}, "amount"),
        ({"odometer_km": "-5"}, "odometer_km"),
        ({"coverage_from": dt.date(2024, 1, 1)}, "coverage_to"),
        ({"coverage_to": dt.date(2024, 1, 1)}, "coverage_to"),
        (
            {"coverage_from": dt.date(2024, 2, 1), "coverage_to": dt.date(2024, 1, 31)},
            "coverage_to",
        ),
        ({"date": dt.date(1899, 12, 31)}, "date"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as refused:
            parse(ExpenseCreate, **(base | change))
        assert refused.value.field == field, change
    ok = parse(ExpenseCreate, **(base | {"category": " Tyres ", "vendor": "  ", "notes": " "}))
    assert (ok.category, ok.vendor, ok.notes) == ("tyres", None, None)


def test_table_refuses_what_the_schema_refuses(db_session):
    """The database's own checks, past the services: a half coverage period, an end before
    the start, a vehicle of another user (the composite foreign key)."""
    owner, other = make_user(db_session, "owner"), make_user(db_session, "other")
    car = make_vehicle(db_session, owner, "Car")
    theirs = make_vehicle(db_session, other, "Theirs")
    db_session.execute(text("RESET ROLE"))  # the owner's role: no policy in the way
    insert = text(
        "INSERT INTO expenses (user_id, vehicle_id, date, category, amount, "
        "description, coverage_from, coverage_to) VALUES (:u, :v, '2024-01-01', "
        ":c, 10, 'x', :f, :t)"
    )
    bad = [
        {"u": owner.id, "v": car.id, "c": "service", "f": "2024-01-01", "t": None},
        {"u": owner.id, "v": car.id, "c": "service", "f": "2024-02-01", "t": "2024-01-01"},
        {"u": owner.id, "v": car.id, "c": "snacks", "f": None, "t": None},
        {"u": owner.id, "v": theirs.id, "c": "service", "f": None, "t": None},
    ]
    for values in bad:
        with pytest.raises(IntegrityError), db_session.begin_nested():
            db_session.execute(insert, values)
    db_session.execute(insert, bad[0] | {"t": "2024-01-01"})  # a one-day period is fine
    db_session.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))


def test_vehicle_deletion_takes_its_expenses(db_session):
    user = make_user(db_session)
    golf, bike = make_vehicle(db_session, user, "Golf"), make_vehicle(db_session, user, "Bike")
    add(db_session, user, expense(golf.id, "2024-01-05", "service", "300"))
    kept = add(db_session, user, expense(bike.id, "2024-01-05", "service", "90"))
    assert vehicles.delete_vehicle(db_session, user.id, golf.id, "Golf") == 0
    assert expenses.list_expenses(db_session, user.id) == [kept]
