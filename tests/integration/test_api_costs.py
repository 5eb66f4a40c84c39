"""Expenses, reminders and the running costs in /stats through the JSON API, against the
real database, mounted under /api/v1 as the server mounts it: every route, who may call
it, the one error shape. Fixtures as tests/integration/test_api.py builds them (Alice and
Bob each with a Golf and domain.md's three fill-ups of 2024)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from fueltracker.api.app import PREFIX, create_api
from fueltracker.clock import local_today
from fueltracker.logging_setup import configure_logging
from tests.integration.test_api import CURSOR_SECRET, Account, _account, _error

MISSING = 10**12


@pytest.fixture
def client(database_url):
    configure_logging()
    app = Starlette(routes=[Mount(PREFIX, app=create_api(cursor_secret=CURSOR_SECRET))])
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def alice(database_url) -> Account:
    return _account(f"a{uuid.uuid4().hex[:12]}")


@pytest.fixture
def bob(database_url) -> Account:
    return _account(f"b{uuid.uuid4().hex[:12]}")


def _today(account: Account) -> dt.date:
    return local_today(account.user.timezone)


TYRES = {
    "date": "2024-02-10",
    "category": "tyres",
    "amount": "480.00",
    "description": "Winter tyres",
}
INSURANCE = {
    "date": "2023-12-20",
    "category": "insurance",
    "amount": "600",
    "description": "Insurance 2024",
    "vendor": "HUK",
    "coverage_from": "2024-01-01",
    "coverage_to": "2024-12-31",
}


def _expense(client, account: Account, body: dict, vehicle_id: int | None = None) -> dict:
    response = client.post(
        f"{PREFIX}/expenses",
        headers=account.auth,
        json={"vehicle_id": vehicle_id or account.vehicle_id} | body,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


OIL = {
    "title": "Oil change",
    "interval_km": "15000",
    "interval_months": 12,
    "last_done_on": "2024-01-05",
    "last_done_odometer_km": "10000",
}


def _reminder(client, account: Account, body: dict) -> dict:
    response = client.post(
        f"{PREFIX}/reminders", headers=account.auth, json={"vehicle_id": account.vehicle_id} | body
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


# --------------------------------------------------------------------------- expenses


def test_expenses_crud(client, alice):
    tyres = _expense(client, alice, TYRES)
    assert {k: v for k, v in tyres.items() if k != "id"} == {
        "vehicle_id": alice.vehicle_id,
        "date": "2024-02-10",
        "category": "tyres",
        "amount": "480",  # a decimal string, without trailing zeros
        "description": "Winter tyres",
        "odometer_km": None,
        "vendor": None,
        "notes": None,
        "coverage_from": None,
        "coverage_to": None,
    }
    created = client.post(
        f"{PREFIX}/expenses",
        headers=alice.auth,
        json={"vehicle_id": alice.vehicle_id} | INSURANCE | {"odometer_km": 10500.5},
    )
    assert created.status_code == 201
    insurance = created.json()
    assert created.headers["Location"] == f"expenses/{insurance['id']}"
    assert (insurance["odometer_km"], insurance["coverage_to"]) == ("10500.5", "2024-12-31")

    one = client.get(f"{PREFIX}/expenses/{tyres['id']}", headers=alice.read_auth)
    assert one.status_code == 200 and one.json() == tyres

    changed = client.patch(
        f"{PREFIX}/expenses/{insurance['id']}",
        headers=alice.auth,
        json={"amount": "612.40", "vendor": None, "notes": "incl. breakdown cover"},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["amount"], changed.json()["vendor"], changed.json()["notes"]) == (
        "612.4",
        None,
        "incl. breakdown cover",
    )
    # Fields not sent are kept.
    assert changed.json()["coverage_from"] == "2024-01-01"
    assert changed.json()["description"] == "Insurance 2024"
    # Clearing the coverage period takes both ends.
    cleared = client.patch(
        f"{PREFIX}/expenses/{insurance['id']}",
        headers=alice.auth,
        json={"coverage_from": None, "coverage_to": None},
    ).json()
    assert (cleared["coverage_from"], cleared["coverage_to"]) == (None, None)

    deleted = client.delete(f"{PREFIX}/expenses/{tyres['id']}", headers=alice.auth)
    assert deleted.status_code == 204 and deleted.content == b""
    _error(client.get(f"{PREFIX}/expenses/{tyres['id']}", headers=alice.auth), 404, "not_found")
    _error(client.delete(f"{PREFIX}/expenses/{tyres['id']}", headers=alice.auth), 404, "not_found")
    listed = client.get(f"{PREFIX}/expenses", headers=alice.auth).json()
    assert [e["id"] for e in listed["data"]] == [insurance["id"]]


def test_expense_list_filters_order_and_limit(client, alice):
    bike = client.post(
        f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "Bike", "kind": "motorbike"}
    ).json()
    tyres = _expense(client, alice, TYRES)
    insurance = _expense(client, alice, INSURANCE)
    parking = _expense(
        client,
        alice,
        {"date": "2024-02-10", "category": "parking", "amount": "3", "description": "Garage"},
        vehicle_id=bike["id"],
    )

    def ids(**params: object) -> list[int]:
        response = client.get(f"{PREFIX}/expenses", params=params, headers=alice.read_auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    # Newest first: by date, then the latest saved of a day first.
    assert ids() == [parking["id"], tyres["id"], insurance["id"]]
    assert ids(vehicle=bike["id"]) == [parking["id"]]
    assert ids(vehicle=[bike["id"], alice.vehicle_id]) == ids()
    assert ids(category=["tyres", "insurance"]) == [tyres["id"], insurance["id"]]
    assert ids(**{"from": "2024-01-01"}) == [parking["id"], tyres["id"]]
    assert ids(to="2024-02-09") == [insurance["id"]]
    assert ids(**{"from": "2024-02-10", "to": "2024-02-10", "category": "tyres"}) == [tyres["id"]]
    page = client.get(f"{PREFIX}/expenses", params={"limit": 2}, headers=alice.auth).json()
    assert ([row["id"] for row in page["data"]], page["more"]) == (
        [parking["id"], tyres["id"]],
        True,
    )
    whole = client.get(f"{PREFIX}/expenses", params={"limit": 3}, headers=alice.auth).json()
    assert whole["more"] is False and len(whole["data"]) == 3
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"category": "fuel"}, "category"),
        ({"from": "last week"}, "from"),
        ({"vehicle": "golf"}, "vehicle"),
    ):
        _error(
            client.get(f"{PREFIX}/expenses", params=params, headers=alice.auth),
            422,
            "validation_error",
            field,
        )


def test_expense_refusals_name_their_field(client, alice):
    tomorrow = (_today(alice) + dt.timedelta(days=1)).isoformat()
    base = {"vehicle_id": alice.vehicle_id} | TYRES
    for changes, field in (
        ({"colour": "red"}, "colour"),  # an unknown field
        ({"amount": "abc"}, "amount"),  # a wrong type
        ({"amount": [1]}, "amount"),
        ({"vehicle_id": "golf"}, "vehicle_id"),
        ({"date": "10/02/2024"}, "date"),
        ({"category": "fuel"}, "category"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1000001"}, "amount"),
        ({"description": "  "}, "description"),
        ({"date": tomorrow}, "date"),  # paid in the future
        ({"coverage_from": "2024-01-01"}, "coverage_to"),  # one end only
        ({"coverage_from": "2024-12-31", "coverage_to": "2024-01-01"}, "coverage_to"),
    ):
        response = client.post(f"{PREFIX}/expenses", headers=alice.auth, json=base | changes)
        _error(response, 422, "validation_error", field)
    missing_field = {k: v for k, v in base.items() if k != "description"}
    _error(
        client.post(f"{PREFIX}/expenses", headers=alice.auth, json=missing_field),
        422,
        "validation_error",
        "description",
    )
    saved = _expense(client, alice, TYRES)
    for body, field in (
        ({"category": None}, "category"),
        ({"amount": "x"}, "amount"),
        ({"vehicle_id": 0}, "vehicle_id"),
        ({"note": "typo"}, "note"),
        ({"date": tomorrow}, "date"),
    ):
        _error(
            client.patch(f"{PREFIX}/expenses/{saved['id']}", headers=alice.auth, json=body),
            422,
            "validation_error",
            field,
        )
    # Nothing refused was stored, nothing refused changed the saved one.
    listed = client.get(f"{PREFIX}/expenses", headers=alice.auth).json()["data"]
    assert listed == [saved]


# --------------------------------------------------------------------------- reminders


def _fillup(client, account: Account, date: dt.date, odometer: str) -> None:
    response = client.post(
        f"{PREFIX}/fillups",
        headers=account.auth,
        json={
            "vehicle_id": account.vehicle_id,
            "date": date.isoformat(),
            "odometer_km": odometer,
            "volume_l": "30",
            "total_amount": "50",
        },
    )
    assert response.status_code == 201, response.text


def test_reminders_answer_their_state_as_the_reminders_page(client, alice):
    today = _today(alice)
    # Two recent readings (within the 90 days): 400 km over 20 days, 20 km a day.
    _fillup(client, alice, today - dt.timedelta(days=30), "12000")
    _fillup(client, alice, today - dt.timedelta(days=10), "12400")

    oil = _reminder(client, alice, OIL)
    assert oil["due"] == {
        "status": "overdue",  # the time part: 2024-01-05 + 12 months is long past
        "time_status": "overdue",
        "distance_status": "ok",
        "due_on": "2025-01-05",
        "days_left": (dt.date(2025, 1, 5) - today).days,
        "due_odometer_km": "25000",
        "km_left": "12600",
        "current_odometer_km": "12400",
        "km_per_day": "20",
        # 12,600 km at 20 km a day from the latest reading
        "estimated_on": (today - dt.timedelta(days=10) + dt.timedelta(days=630)).isoformat(),
        "next_due_on": "2025-01-05",
        "next_due_estimated": False,
    }
    assert (oil["interval_km"], oil["due_soon_km"], oil["due_soon_days"]) == ("15000", "1000", 30)

    # By distance only: 1,100 km to go at 20 km a day -> an estimated date, status ok.
    belt = _reminder(
        client,
        alice,
        {"title": "Chain", "interval_km": "2000", "last_done_odometer_km": "11500"},
    )
    assert {k: belt["due"][k] for k in ("status", "km_left", "next_due_on")} == {
        "status": "ok",
        "km_left": "1100",
        "next_due_on": (today + dt.timedelta(days=45)).isoformat(),
    }
    assert belt["due"]["next_due_estimated"] is True and belt["due"]["due_on"] is None

    # By time only, ten days left of a 30-day margin: due soon.
    last = today - dt.timedelta(days=20)
    wash = _reminder(
        client,
        alice,
        {"title": "Wash", "interval_months": 1, "last_done_on": last.isoformat()},
    )
    assert wash["due"]["status"] == "due_soon" and wash["due"]["time_status"] == "due_soon"
    assert wash["due"]["distance_status"] is None and wash["due"]["next_due_estimated"] is False
    assert 0 < wash["due"]["days_left"] <= 11

    # Never done: no due point.
    never = _reminder(client, alice, {"title": "Brake fluid", "interval_months": 24})
    assert never["due"]["status"] == "unknown" and never["due"]["next_due_on"] is None

    listed = client.get(f"{PREFIX}/reminders", headers=alice.read_auth)
    assert listed.status_code == 200
    # By vehicle, then title.
    assert [r["title"] for r in listed.json()] == ["Brake fluid", "Chain", "Oil change", "Wash"]
    by_id = {r["id"]: r for r in listed.json()}
    assert by_id[oil["id"]] == oil and by_id[belt["id"]] == belt
    one = client.get(f"{PREFIX}/reminders/{wash['id']}", headers=alice.read_auth)
    assert one.status_code == 200 and one.json() == wash


def test_reminder_vehicle_filter_change_mark_done_delete(client, alice):
    today = _today(alice)
    bike = client.post(f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "Bike"}).json()
    oil = _reminder(client, alice, OIL)
    chain = client.post(
        f"{PREFIX}/reminders",
        headers=alice.auth,
        json={"vehicle_id": bike["id"], "title": "Chain", "interval_km": "1000"},
    )
    assert chain.status_code == 201
    assert chain.headers["Location"] == f"reminders/{chain.json()['id']}"
    listed = client.get(f"{PREFIX}/reminders", params={"vehicle": bike["id"]}, headers=alice.auth)
    assert [r["id"] for r in listed.json()] == [chain.json()["id"]]

    changed = client.patch(
        f"{PREFIX}/reminders/{oil['id']}",
        headers=alice.auth,
        json={"title": "Oil and filter", "interval_km": None, "due_soon_days": 60},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["title"], body["interval_km"], body["interval_months"], body["due_soon_days"]) == (
        "Oil and filter",
        None,
        12,
        60,
    )
    assert body["due"]["distance_status"] is None and body["due"]["due_odometer_km"] is None
    # At least one interval must remain.
    _error(
        client.patch(
            f"{PREFIX}/reminders/{oil['id']}", headers=alice.auth, json={"interval_months": None}
        ),
        422,
        "validation_error",
        "interval_months",
    )

    done = client.post(
        f"{PREFIX}/reminders/{oil['id']}/done",
        headers=alice.auth,
        json={"on": today.isoformat(), "odometer_km": "11400"},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["last_done_on"], done.json()["last_done_odometer_km"]) == (
        today.isoformat(),
        "11400",
    )
    assert done.json()["due"]["status"] == "ok"
    assert done.json()["due"]["days_left"] >= 365 - 1  # twelve months from today
    # A reminder by distance needs the odometer; no day after today.
    chain_id = chain.json()["id"]
    for body_sent, field in (
        ({"on": today.isoformat()}, "odometer_km"),
        ({"on": (today + dt.timedelta(days=1)).isoformat(), "odometer_km": "1"}, "on"),
        ({"on": "yesterday"}, "on"),
        ({"on": today.isoformat(), "odometer_km": "-5"}, "odometer_km"),
        ({"on": today.isoformat(), "odometer_km": "5", "by": "me"}, "by"),
        ({"odometer_km": "5"}, "on"),
    ):
        _error(
            client.post(f"{PREFIX}/reminders/{chain_id}/done", headers=alice.auth, json=body_sent),
            422,
            "validation_error",
            field,
        )
    assert (
        client.get(f"{PREFIX}/reminders/{chain_id}", headers=alice.auth).json()["last_done_on"]
        is None
    )

    deleted = client.delete(f"{PREFIX}/reminders/{chain_id}", headers=alice.auth)
    assert deleted.status_code == 204 and deleted.content == b""
    _error(client.get(f"{PREFIX}/reminders/{chain_id}", headers=alice.auth), 404, "not_found")
    assert [r["id"] for r in client.get(f"{PREFIX}/reminders", headers=alice.auth).json()] == [
        oil["id"]
    ]


def test_reminder_refusals_name_their_field(client, alice):
    tomorrow = (_today(alice) + dt.timedelta(days=1)).isoformat()
    base = {"vehicle_id": alice.vehicle_id} | OIL
    for changes, field in (
        ({"colour": "red"}, "colour"),
        ({"interval_months": "yearly"}, "interval_months"),
        ({"interval_km": "far"}, "interval_km"),
        ({"interval_km": "0"}, "interval_km"),
        ({"interval_months": 0}, "interval_months"),
        ({"interval_km": None, "interval_months": None}, "interval_months"),
        ({"due_soon_km": None}, "due_soon_km"),
        ({"due_soon_days": -1}, "due_soon_days"),
        ({"title": ""}, "title"),
        ({"title": "Oil\nchange"}, "title"),
        ({"last_done_on": tomorrow}, "last_done_on"),
    ):
        response = client.post(f"{PREFIX}/reminders", headers=alice.auth, json=base | changes)
        _error(response, 422, "validation_error", field)
    _error(
        client.get(f"{PREFIX}/reminders", params={"vehicle": "golf"}, headers=alice.auth),
        422,
        "validation_error",
        "vehicle",
    )
    assert client.get(f"{PREFIX}/reminders", headers=alice.auth).json() == []


# --------------------------------------------------------------------------- who may call


def _routes(account: Account, vehicle_id: int, expense_id: int, reminder_id: int):
    return [
        ("GET", f"/expenses/{expense_id}", {}),
        ("PATCH", f"/expenses/{expense_id}", {"json": {"notes": "x"}}),
        ("DELETE", f"/expenses/{expense_id}", {}),
        ("POST", "/expenses", {"json": {"vehicle_id": vehicle_id} | TYRES}),
        ("GET", f"/reminders/{reminder_id}", {}),
        ("PATCH", f"/reminders/{reminder_id}", {"json": {"title": "x"}}),
        ("POST", f"/reminders/{reminder_id}/done", {"json": {"on": "2024-03-01"}}),
        ("DELETE", f"/reminders/{reminder_id}", {}),
        ("POST", "/reminders", {"json": {"vehicle_id": vehicle_id} | OIL}),
    ]


def test_another_users_ids_answer_exactly_like_missing_ones(client, alice, bob):
    """Bob's token on Alice's expense, reminder and vehicle ids: byte for byte the answer
    of an id nobody has; and Alice's rows are untouched."""
    expense = _expense(client, alice, TYRES)
    reminder = _reminder(client, alice, OIL)
    theirs = _routes(bob, alice.vehicle_id, expense["id"], reminder["id"])
    nobodys = _routes(bob, MISSING, MISSING, MISSING)
    for (method, path, extra), (_, missing_path, missing_extra) in zip(
        theirs, nobodys, strict=True
    ):
        other = client.request(method, PREFIX + path, headers=bob.auth, **extra)
        none = client.request(method, PREFIX + missing_path, headers=bob.auth, **missing_extra)
        assert other.status_code == none.status_code == 404, (method, path, other.text)
        assert other.content == none.content, (method, path)
        strip = {"x-request-id", "date"}
        assert {k: v for k, v in other.headers.items() if k not in strip} == {
            k: v for k, v in none.headers.items() if k not in strip
        }
    assert client.get(f"{PREFIX}/expenses/{expense['id']}", headers=alice.auth).json() == expense
    assert client.get(f"{PREFIX}/reminders/{reminder['id']}", headers=alice.auth).json() == reminder
    # Bob's lists never show Alice's rows, whatever vehicle he names; he made nothing.
    for path, nothing in (("/expenses", {"data": [], "more": False}), ("/reminders", [])):
        listed = client.get(PREFIX + path, params={"vehicle": alice.vehicle_id}, headers=bob.auth)
        assert listed.json() == nothing, path
        assert client.get(PREFIX + path, headers=bob.auth).json() == nothing, path


NEW_ROUTES = [
    ("GET", "/expenses"),
    ("POST", "/expenses"),
    ("GET", "/expenses/1"),
    ("PATCH", "/expenses/1"),
    ("DELETE", "/expenses/1"),
    ("GET", "/reminders"),
    ("POST", "/reminders"),
    ("GET", "/reminders/1"),
    ("PATCH", "/reminders/1"),
    ("DELETE", "/reminders/1"),
    ("POST", "/reminders/1/done"),
]


@pytest.mark.parametrize(("method", "path"), NEW_ROUTES)
def test_every_new_route_requires_a_valid_token(client, database_url, method, path):
    for headers in ({}, {"Authorization": "Bearer ft_forged" + "A" * 40}):
        response = client.request(
            method,
            PREFIX + path,
            headers=headers,
            **({"json": {}} if method in ("POST", "PATCH") else {}),
        )
        _error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


WRITES = [
    ("POST", "/expenses"),
    ("PATCH", "/expenses/{e}"),
    ("DELETE", "/expenses/{e}"),
    ("POST", "/reminders"),
    ("PATCH", "/reminders/{r}"),
    ("DELETE", "/reminders/{r}"),
    ("POST", "/reminders/{r}/done"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_read_token_cannot_write(client, alice, method, path, caplog):
    caplog.set_level(logging.INFO)
    expense = _expense(client, alice, TYRES)
    reminder = _reminder(client, alice, OIL)
    bodies = {
        "/expenses": {"vehicle_id": alice.vehicle_id} | TYRES,
        "/expenses/{e}": {"notes": "x"},
        "/reminders": {"vehicle_id": alice.vehicle_id} | OIL,
        "/reminders/{r}": {"title": "x"},
        "/reminders/{r}/done": {"on": "2024-03-01", "odometer_km": "11000"},
    }
    response = client.request(
        method,
        PREFIX + path.format(e=expense["id"], r=reminder["id"]),
        headers=alice.read_auth,
        **({"json": bodies[path]} if method != "DELETE" else {}),
    )
    _error(response, 403, "forbidden")
    assert any(
        getattr(r, "security", {}).get("event") == "api_scope_refused" for r in caplog.records
    )
    assert client.get(f"{PREFIX}/expenses", headers=alice.read_auth).json()["data"] == [expense]
    assert client.get(f"{PREFIX}/reminders", headers=alice.read_auth).json() == [reminder]


def test_ids_beyond_the_databases_range_are_refused_not_crashed(client, alice):
    for path in ("/expenses/", "/reminders/"):
        _error(
            client.get(f"{PREFIX}{path}{2**63}", headers=alice.auth),
            422,
            "validation_error",
            path.strip("/")[:-1] + "_id",
        )
    _error(
        client.post(f"{PREFIX}/expenses", headers=alice.auth, json={"vehicle_id": 2**63} | TYRES),
        422,
        "validation_error",
        "vehicle_id",
    )


def test_a_huge_body_is_refused_413(client, alice):
    body = {"vehicle_id": alice.vehicle_id} | TYRES | {"notes": "x" * (70 * 1024)}
    _error(
        client.post(f"{PREFIX}/expenses", headers=alice.auth, json=body), 413, "payload_too_large"
    )
    assert client.get(f"{PREFIX}/expenses", headers=alice.auth).json()["data"] == []


# --------------------------------------------------------------------------- statistics


def test_stats_carry_the_running_costs_and_the_cost_of_ownership(client, alice):
    no_expenses = client.get(
        f"{PREFIX}/stats", params={"from": "2024-01-01", "to": "2024-01-31"}, headers=alice.auth
    ).json()
    # January's fill-ups: 72.00 + 77.70 over 10,000 -> 10,800 km; nothing else paid.
    assert no_expenses["costs"] == {
        "energy": "149.7",
        "other": "0",
        "total": "149.7",
        "distance_km": "800",
        "per_km": "0.1871",  # 149.70 / 800 = 0.187125
        "days": 31,
        "per_month": "146.9837",  # 149.70 x 30.4375 / 31 = 146.98367...
    }
    _expense(client, alice, INSURANCE)  # 600 spread over 2024's 366 days
    _expense(client, alice, TYRES)  # 480 on 2024-02-10: outside January
    january = client.get(
        f"{PREFIX}/stats", params={"from": "2024-01-01", "to": "2024-01-31"}, headers=alice.auth
    ).json()
    other = Decimal(600) * 31 / 366  # 50.8196...
    total = Decimal("149.70") + other
    assert january["costs_from"] == "2024-01-01"
    assert january["costs"] == {
        "energy": "149.7",
        "other": "50.8197",
        "total": "200.5197",
        "distance_km": "800",
        "per_km": str((total / 800).quantize(Decimal("0.0001"))),  # 0.2506
        "days": 31,
        "per_month": str((total * Decimal("30.4375") / 31).quantize(Decimal("0.0001"))),
    }
    assert january["costs"]["per_km"] == "0.2506"
    [golf] = january["vehicles"]
    assert golf["costs"] == january["costs"]
    # The fuel figures are unchanged by expenses.
    assert january["totals"] == no_expenses["totals"]

    # All time starts on the first day an expense counts on (before the first fill-up).
    whole = client.get(f"{PREFIX}/stats", params={"to": "2024-12-31"}, headers=alice.auth).json()
    assert (whole["date_from"], whole["costs_from"]) == (None, "2024-01-01")
    assert {k: whole["costs"][k] for k in ("energy", "other", "total", "distance_km", "days")} == {
        "energy": "205.2",
        "other": "1080",
        "total": "1285.2",
        "distance_km": "1400",
        "days": 366,
    }
    # A period without fill-ups has no cost of ownership to give.
    empty = client.get(
        f"{PREFIX}/stats", params={"from": "2025-01-01", "to": "2025-01-31"}, headers=alice.auth
    ).json()
    assert (empty["costs"], empty["costs_from"], empty["vehicles"]) == (None, None, [])


def test_stats_costs_follow_the_vehicle_filter_and_stay_per_account(client, alice, bob):
    bike = client.post(f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "Bike"}).json()
    for date, odometer in (("2024-01-10", "500"), ("2024-01-30", "800")):
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json={
                "vehicle_id": bike["id"],
                "date": date,
                "odometer_km": odometer,
                "volume_l": "10",
                "total_amount": "18",
            },
        )
    _expense(client, alice, TYRES, vehicle_id=bike["id"])
    period = {"from": "2024-01-01", "to": "2024-02-29"}
    both = client.get(f"{PREFIX}/stats", params=period, headers=alice.auth).json()
    # Energy: the Golf's three fill-ups and the Bike's two; distance 1,400 + 300 km.
    assert (both["costs"]["energy"], both["costs"]["other"], both["costs"]["distance_km"]) == (
        "241.2",
        "480",
        "1700",
    )
    per_vehicle = {v["name"]: v["costs"]["other"] for v in both["vehicles"]}
    assert per_vehicle == {"Bike": "480", "Golf": "0"}
    golf_only = client.get(
        f"{PREFIX}/stats", params=period | {"vehicle": alice.vehicle_id}, headers=alice.auth
    ).json()
    assert (golf_only["costs"]["other"], golf_only["costs"]["energy"]) == ("0", "205.2")
    # Bob's stats on Alice's Bike: those of a vehicle nobody has.
    theirs = client.get(
        f"{PREFIX}/stats", params=period | {"vehicle": bike["id"]}, headers=bob.auth
    )
    missing = client.get(f"{PREFIX}/stats", params=period | {"vehicle": MISSING}, headers=bob.auth)
    assert theirs.content == missing.content and theirs.json()["costs"] is None
