"""The Expenses page under AppTest: log an expense, refusals under their field with nothing
saved, edit, delete with undo, filters and the CSV of what they show, and only the
signed-in user's expenses.

AppTest cannot click a dataframe row: the tests choose the expense with the page's
"Expense to edit" selectbox (the table's selection writes into the same selectbox).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.schemas import ExpenseCreate
from fueltracker.services import expenses, users
from fueltracker.ui import expenses as expenses_ui
from tests.app.conftest import open_page, revision, shown
from tests.factories import make_user, make_vehicle, preferences_of


def form(app, number: int = 0) -> str:
    """The key prefix of the new-expense form (a fresh one after each save)."""
    return f"expense_{number}"


def submit(app, label: str = "Save expense"):
    [button] = [b for b in app.button if b.label == label]
    return button.click().run()


def stored(account) -> list:
    with session_scope() as session:
        return expenses.list_expenses(session, account.id)


def log(app, *, category: str, amount: float, description: str, number: int = 0, **details):
    key = form(app, number)
    app.selectbox(key=f"{key}_category").set_value(category)
    app.number_input(key=f"{key}_amount").set_value(amount)
    app.text_input(key=f"{key}_description").input(description)
    for name, value in details.items():
        widget = {
            "odometer": app.number_input,
            "vendor": app.text_input,
            "coverage_from": app.date_input,
            "coverage_to": app.date_input,
            "notes": app.text_area,
            "date": app.date_input,
        }[name]
        widget(key=f"{key}_{name}").set_value(value)
    return submit(app)


@pytest.fixture
def page(signed_in_app, garage):
    garage("Golf")
    app = open_page(signed_in_app, "expenses")
    assert not app.exception
    return app


def test_logging_an_expense_saves_what_the_fields_show(page, account):
    before = revision(account.id)
    app = log(
        page,
        category="insurance",
        amount=600.0,
        description="Yearly insurance",
        date=dt.date(2024, 1, 2),
        odometer=12345.0,
        vendor="HUK",
        coverage_from=dt.date(2024, 1, 1),
        coverage_to=dt.date(2024, 12, 31),
    )
    assert not app.exception
    assert "Saved" in app.success[0].value
    [saved] = stored(account)
    assert (saved.category, saved.amount, saved.description, saved.vendor) == (
        "insurance",
        Decimal("600"),
        "Yearly insurance",
        "HUK",
    )
    assert (saved.date, saved.odometer_km) == (dt.date(2024, 1, 2), Decimal("12345"))
    assert (saved.coverage_from, saved.coverage_to) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert revision(account.id) == before + 1
    table = app.dataframe[0].value
    assert list(table["Description"]) == ["Yearly insurance"]
    assert list(table["Amount (USD)"]) == [600.0]
    assert list(table["Coverage"]) == ["2024-01-01 – 2024-12-31"]
    # A fresh, empty form for the next one.
    assert app.number_input(key=f"{form(app, 1)}_amount").value is None


@pytest.mark.parametrize(
    ("details", "field_key", "message"),
    [
        ({"amount": -5.0}, "amount", "Amount must be at least 0 USD"),
        ({"amount": 1000000.5}, "amount", "Amount must be at most 1,000,000 USD"),
        ({"coverage_from": dt.date(2024, 1, 1)}, "coverage_to", "both ends"),
        (
            {"coverage_from": dt.date(2024, 2, 1), "coverage_to": dt.date(2024, 1, 1)},
            "coverage_to",
            "must not end before it starts",
        ),
        ({"description": "   "}, "description", "Description: is required"),
        ({"date": dt.date(2999, 1, 1)}, "date", "future"),
    ],
)
def test_a_refused_field_saves_nothing_and_keeps_what_was_typed(
    page, account, details, field_key, message
):
    values = {"category": "service", "amount": 99.0, "description": "Oil"} | details
    extra = {k: v for k, v in values.items() if k not in ("category", "amount", "description")}
    app = log(
        page,
        category=values["category"],
        amount=values["amount"],
        description=values["description"],
        **extra,
    )
    assert not app.exception
    assert stored(account) == []
    assert any(message in shown(e.value) for e in app.error), [e.value for e in app.error]
    assert app.number_input(key=f"{form(app)}_amount").value == values["amount"]
    assert app.selectbox(key=f"{form(app)}_category").value == "service"


def test_a_category_must_be_chosen(page, account):
    key = form(page)
    page.number_input(key=f"{key}_amount").set_value(10.0)
    page.text_input(key=f"{key}_description").input("Wash")
    app = submit(page)
    assert stored(account) == []
    assert "Choose a category" in [shown(e.value) for e in app.error]


def add_expense(
    account, vehicle_id: int, date: str, category: str, amount: str, description: str = "x"
) -> None:
    with session_scope() as session:
        expenses.create_expense(
            session,
            account.id,
            ExpenseCreate(
                vehicle_id=vehicle_id,
                date=dt.date.fromisoformat(date),
                category=category,
                amount=Decimal(amount),
                description=description,
            ),
        )


@pytest.fixture
def listed(signed_in_app, garage, account):
    golf, bike = garage("Golf"), garage("Bike", kind="motorbike")
    add_expense(account, golf.id, "2024-01-05", "service", "300", "Inspection")
    add_expense(account, bike.id, "2024-02-10", "tyres", "180.5", "Rear tyre")
    add_expense(account, golf.id, "2024-03-15", "parking", "4.5", '=HYPERLINK("x")')
    app = open_page(signed_in_app, "expenses")
    assert not app.exception
    return app


def test_edit_saves_the_change_and_keeps_the_rest(listed, account):
    app = listed.selectbox(key=expenses_ui.PICK_KEY).select_index(1).run()  # the tyre
    tyre = next(e for e in stored(account) if e.category == "tyres")
    key = f"expense_edit_{tyre.id}"
    assert app.number_input(key=f"{key}_amount").value == 180.5
    app.number_input(key=f"{key}_amount").set_value(190.0)
    app = submit(app, "Save changes")
    assert not app.exception
    assert "Changes saved" in app.success[0].value
    again = next(e for e in stored(account) if e.id == tyre.id)
    assert again.model_dump() == tyre.model_dump() | {"amount": Decimal("190")}


def test_delete_asks_then_undo_brings_it_back(listed, account):
    app = listed.selectbox(key=expenses_ui.PICK_KEY).select_index(0).run()  # parking
    app = app.button(key="expense_delete").click().run()
    assert "Delete this expense" in app.warning[0].value
    assert len(stored(account)) == 3  # asked, not yet deleted
    app = app.button(key="expense_delete_confirm").click().run()
    assert not app.exception
    assert sorted(e.category for e in stored(account)) == ["service", "tyres"]
    assert "Deleted" in app.info[0].value
    app = app.button(key="expenses_undo_button").click().run()
    assert not app.exception
    assert "Restored" in app.success[0].value
    assert sorted(e.category for e in stored(account)) == ["parking", "service", "tyres"]
    assert len(app.dataframe[0].value) == 3


@pytest.fixture
def made_files(monkeypatch) -> dict[str, Callable[[], bytes]]:
    """File name -> the callable that makes it, for every deferred download drawn."""
    files: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **options):
        files[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return files


def test_filters_narrow_the_table_and_the_file_holds_what_they_show(
    signed_in_app, garage, account, made_files
):
    with session_scope() as session:
        user = users.set_preferences(
            session, account.id, preferences_of(account, distance_unit="mi", currency="EUR")
        )
    golf = garage("Golf")
    with session_scope() as session:
        expenses.create_expense(
            session,
            account.id,
            ExpenseCreate(
                vehicle_id=golf.id,
                date=dt.date(2024, 1, 5),
                category="service",
                amount=Decimal("300.125"),
                description="=cmd|' /C calc'!A0",
                odometer_km=Decimal("16093.44"),
            ),
        )
    add_expense(account, golf.id, "2024-03-15", "parking", "4.5", "Station car park")
    app = open_page(signed_in_app, "expenses")
    assert len(app.dataframe[0].value) == 2
    app = app.multiselect(key="expenses_categories").set_value(["service"]).run()
    assert list(app.dataframe[0].value["Category"]) == ["Service"]
    assert list(app.dataframe[0].value["Odometer (mi)"]) == [10000]
    button = app.download_button(key="expenses_csv")
    assert button.label == "Download 1 expense (CSV)"
    today = local_today(user.timezone).isoformat()
    data = made_files[f"fueltracker-{user.username}-expenses-filtered-{today}.csv"]()
    [row] = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert (row["amount"], row["currency"], row["odometer_mi"]) == ("300.13", "EUR", "10000.0")
    assert row["description"].startswith("'=")  # no formula in a spreadsheet
    assert "odometer_km" not in row


def test_only_the_signed_in_users_expenses_show(signed_in_app, garage, account, unique_name):
    mine = garage("Golf")
    add_expense(account, mine.id, "2024-01-05", "tax", "90", "Mine")
    with session_scope() as session:
        other = make_user(session, unique_name + "-other")
        theirs = make_vehicle(session, other, "Theirs")
        expenses.create_expense(
            session,
            other.id,
            ExpenseCreate(
                vehicle_id=theirs.id,
                date=dt.date(2024, 1, 6),
                category="fines",
                amount=Decimal("50"),
                description="Theirs",
            ),
        )
    app = open_page(signed_in_app, "expenses")
    assert list(app.dataframe[0].value["Description"]) == ["Mine"]


def test_without_a_vehicle_the_page_says_what_to_do(signed_in_app):
    app = open_page(signed_in_app, "expenses")
    assert not app.exception
    assert "Add a vehicle first" in app.info[0].value
