"""Costs and Dashboard with expenses under AppTest: the cost of ownership beside the fuel
figures, never stale after an expense is written, and nothing changed for a user without
expenses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fueltracker.db import session_scope
from fueltracker.schemas import ExpenseCreate
from fueltracker.services import expenses
from tests.app.conftest import open_page

# domain.md's worked example: 330.90 USD of fuel, odometer 10000 -> 12900 km.
GOLF = (
    ("2024-01-05", "10000", "40", "72.00"),
    ("2024-01-20", "10500", "20", "37.00", {"is_full": False}),
    ("2024-02-01", "10800", "22", "40.70"),
    ("2024-02-20", "11400", "35", "63.00"),
    ("2024-03-15", "12300", "30", "55.50", {"missed_previous": True}),
    ("2024-04-02", "12900", "33", "62.70"),
)


def log(account, vehicle_id: int, amount: str, category: str = "service", **fields) -> None:
    with session_scope() as session:
        expenses.create_expense(
            session,
            account.id,
            ExpenseCreate(
                vehicle_id=vehicle_id,
                date=dt.date(2024, 3, 1),
                category=category,
                amount=Decimal(amount),
                description="x",
                **fields,
            ),
        )


def metrics(app) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def all_time(app, key: str):
    return app.segmented_control(key=key).set_value("All time").run()


def test_costs_page_gives_the_cost_of_ownership_and_follows_every_write(
    signed_in_app, garage, account
):
    golf = garage("Golf", GOLF)
    log(account, golf.id, "290.00")
    app = all_time(open_page(signed_in_app, "costs"), "costs_period")
    assert not app.exception
    figures = metrics(app)
    assert figures["Cost of ownership (USD)"] == "620.90"  # 330.90 + 290.00
    assert figures["Ownership (USD/km)"] == "0.214"  # over 2,900 km
    assert len(app.get("plotly_chart")) == 4 + 3
    # Written elsewhere (another tab): the next run shows it, no stale cached figure.
    log(
        account,
        golf.id,
        "100.00",
        "tax",
        coverage_from=dt.date(2024, 1, 1),
        coverage_to=dt.date(2024, 12, 31),
    )
    app = app.run()
    # All time ends today: the whole year 2024 of the tax lies inside it.
    assert metrics(app)["Cost of ownership (USD)"] == "720.90"


def test_without_expenses_the_pages_show_what_they_showed(signed_in_app, garage, account):
    golf = garage("Golf", GOLF)
    app = all_time(open_page(signed_in_app, "costs"), "costs_period")
    assert "Cost of ownership (USD)" not in metrics(app)
    assert any("No other costs in this period" in i.value for i in app.info)
    assert len(app.get("plotly_chart")) == 4
    dashboard = all_time(open_page(app, "dashboard"), "dashboard_period")
    before = metrics(dashboard)
    assert not [label for label in before if "ownership" in label.lower()]
    log(account, golf.id, "290.00")
    after = metrics(dashboard.run())
    assert after["Cost of ownership (USD)"] == "620.90"
    assert {k: v for k, v in after.items() if k in before} == before  # fuel figures unchanged
