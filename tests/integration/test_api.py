"""The JSON API through an HTTP client (Starlette's TestClient) against the real database,
mounted under /api/v1 as the server mounts it: every route, who may call it, the one error
shape, the request id, the limits."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from fueltracker.api.app import PREFIX, create_api
from fueltracker.api.middleware import MAX_BODY_BYTES, MAX_IMPORT_BYTES
from fueltracker.clock import local_today
from fueltracker.db import scope_to_user, session_scope
from fueltracker.logging_setup import configure_logging
from fueltracker.schemas import TokenCreate, UserRead
from fueltracker.services import tokens
from tests.factories import PASSWORD, WORKED_EXAMPLE_CSV, add, fillup, make_user, make_vehicle

CURSOR_SECRET = "test-cursor-secret-" + "x" * 32


@dataclass(frozen=True)
class Account:
    user: UserRead
    token: str  # read+write
    read_token: str
    vehicle_id: int
    fillup_ids: tuple[int, ...]  # newest first

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def read_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.read_token}"}


WORKED = (
    ("2024-01-05", "10000", "40", "72.00"),
    ("2024-01-20", "10800", "42", "77.70"),
    ("2024-02-03", "11400", "30", "55.50"),
)


def _account(name: str) -> Account:
    with session_scope() as session:
        user = make_user(session, name)
        vehicle = make_vehicle(session, user, "Golf")
        ids = [add(session, user, fillup(vehicle, *row)).id for row in WORKED]
        token = tokens.create_token(session, user.id, TokenCreate(name="rw", scope="read+write"))
        read = tokens.create_token(session, user.id, TokenCreate(name="r", scope="read"))
    return Account(user, token.secret, read.secret, vehicle.id, tuple(reversed(ids)))


@pytest.fixture
def client(database_url):
    configure_logging()  # as the server does first: records carry the correlation id
    app = Starlette(routes=[Mount(PREFIX, app=create_api(cursor_secret=CURSOR_SECRET))])
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def alice(database_url) -> Account:
    return _account(f"a{uuid.uuid4().hex[:12]}")


@pytest.fixture
def bob(database_url) -> Account:
    return _account(f"b{uuid.uuid4().hex[:12]}")


def _error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) >= 1
    first = body["errors"][0]
    assert first["status"] == str(status) and first["code"] == code, body
    assert first.get("field") == field, body
    assert "Traceback" not in response.text
    return first


# --------------------------------------------------------------------------- resources


def test_users_me(client, alice):
    response = client.get(f"{PREFIX}/users/me", headers=alice.read_auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["username"], body["token_scope"]) == (
        alice.user.id,
        alice.user.username,
        "read",
    )
    assert "password_hash" not in body and "data_revision" not in body


def test_vehicles_crud(client, alice):
    listed = client.get(f"{PREFIX}/vehicles", headers=alice.auth).json()
    assert [(v["id"], v["name"]) for v in listed] == [(alice.vehicle_id, "Golf")]
    made = client.post(
        f"{PREFIX}/vehicles",
        headers=alice.auth,
        json={"name": "V-Strom", "kind": "motorbike", "tank_capacity_l": "20.0"},
    )
    assert made.status_code == 201, made.text
    bike = made.json()
    assert (bike["name"], bike["kind"], bike["tank_capacity_l"]) == ("V-Strom", "motorbike", "20")
    assert made.headers["Location"] == f"vehicles/{bike['id']}"
    assert client.get(f"{PREFIX}/vehicles/{bike['id']}", headers=alice.auth).json() == bike
    changed = client.patch(
        f"{PREFIX}/vehicles/{bike['id']}",
        headers=alice.auth,
        json={"year": 2019, "is_active": False},
    ).json()
    assert (changed["name"], changed["year"], changed["is_active"]) == ("V-Strom", 2019, False)
    active = client.get(
        f"{PREFIX}/vehicles", params={"include_archived": "false"}, headers=alice.auth
    ).json()
    assert [v["name"] for v in active] == ["Golf"]
    _error(
        client.post(f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "golf"}),
        409,
        "duplicate",
        "name",
    )
    _error(
        client.delete(
            f"{PREFIX}/vehicles/{bike['id']}",
            params={"confirm_name": "v-strom"},
            headers=alice.auth,
        ),
        422,
        "validation_error",
        "confirm_name",
    )
    _error(
        client.delete(f"{PREFIX}/vehicles/{bike['id']}", headers=alice.auth),
        422,
        "validation_error",
        "confirm_name",
    )
    gone = client.delete(
        f"{PREFIX}/vehicles/{bike['id']}", params={"confirm_name": "V-Strom"}, headers=alice.auth
    )
    assert gone.status_code == 204 and gone.content == b""
    _error(client.get(f"{PREFIX}/vehicles/{bike['id']}", headers=alice.auth), 404, "not_found")


def test_fillups_list_with_derived_values_and_filters(client, alice):
    response = client.get(f"{PREFIX}/fillups", headers=alice.read_auth)
    assert response.status_code == 200
    page = response.json()
    assert page["next"] is None
    assert [row["id"] for row in page["data"]] == list(alice.fillup_ids)
    newest, middle, oldest = page["data"]
    # domain.md's worked example: 42 L over 800 km = 5.25 L/100 km, 77.70 / 800 km.
    assert middle["odometer_km"] == "10800" and middle["volume_l"] == "42"
    assert middle["total_amount"] == "77.7" and middle["price_per_l"] == "1.85"
    assert (middle["distance_km"], middle["consumption_l_per_100km"], middle["cost_per_km"]) == (
        "800",
        "5.25",
        "0.0971",
    )
    assert middle["consumption_status"] == "ok"
    assert oldest["consumption_status"] == "first" and oldest["consumption_l_per_100km"] is None
    assert newest["consumption_l_per_100km"] == "5"
    only = client.get(
        f"{PREFIX}/fillups", params={"from": "2024-01-10", "to": "2024-01-31"}, headers=alice.auth
    ).json()
    assert [row["id"] for row in only["data"]] == [middle["id"]]
    none = client.get(
        f"{PREFIX}/fillups", params={"vehicle": [alice.vehicle_id + 10**9]}, headers=alice.auth
    ).json()
    assert none == {"data": [], "next": None}


def test_keyset_pages_and_their_cursor(client, alice):
    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{PREFIX}/fillups", params=params, headers=alice.auth).json()
        seen += [row["id"] for row in page["data"]]
        cursor = page["next"]
    assert seen == list(alice.fillup_ids) and cursor is None
    first = client.get(f"{PREFIX}/fillups", params={"limit": 1}, headers=alice.auth).json()
    good = first["next"]
    assert good
    # Forged, truncated, re-signed by nobody, for other filters, or for another account.
    body, signature = good.split(".")
    for forged in (
        good[:-2] + ("AA" if good[-2:] != "AA" else "BB"),
        "garbage",
        "a.b.c",
        body + "." + signature[::-1],
        "x" * 400,
    ):
        _error(
            client.get(
                f"{PREFIX}/fillups", params={"cursor": forged, "limit": 1}, headers=alice.auth
            ),
            422,
            "invalid_cursor" if len(forged) < 300 else "validation_error",
            "cursor",
        )
    _error(
        client.get(
            f"{PREFIX}/fillups", params={"cursor": good, "from": "2024-01-01"}, headers=alice.auth
        ),
        422,
        "invalid_cursor",
        "cursor",
    )
    for limit in (0, 201, "many"):
        _error(
            client.get(f"{PREFIX}/fillups", params={"limit": limit}, headers=alice.auth),
            422,
            "validation_error",
            "limit",
        )


def test_keyset_cursor_of_another_account_is_refused(client, alice, bob):
    good = client.get(f"{PREFIX}/fillups", params={"limit": 1}, headers=alice.auth).json()["next"]
    _error(
        client.get(f"{PREFIX}/fillups", params={"cursor": good, "limit": 1}, headers=bob.auth),
        422,
        "invalid_cursor",
        "cursor",
    )


def test_log_a_fillup_with_any_two_amounts(client, alice):
    base = {"vehicle_id": alice.vehicle_id, "date": "2024-02-20", "odometer_km": "12000"}
    made = client.post(
        f"{PREFIX}/fillups",
        headers=alice.auth,
        json=base | {"volume_l": "36", "price_per_l": "1.80"},
    )
    assert made.status_code == 201, made.text
    row = made.json()
    assert (row["volume_l"], row["total_amount"], row["price_per_l"]) == ("36", "64.8", "1.8")
    assert (row["distance_km"], row["consumption_l_per_100km"], row["consumption_status"]) == (
        "600",
        "6",
        "ok",
    )
    assert made.headers["Location"] == f"fillups/{row['id']}"
    partial = client.post(
        f"{PREFIX}/fillups",
        headers=alice.auth,
        json=base
        | {
            "date": "2024-03-01",
            "odometer_km": "12400",
            "total_amount": 37,
            "price_per_l": "1.85",
            "is_full": False,
            "station": "Aral",
        },
    ).json()
    assert (partial["volume_l"], partial["consumption_status"]) == ("20", "deferred")
    assert partial["consumption_l_per_100km"] is None and partial["station"] == "Aral"
    by_volume = client.post(
        f"{PREFIX}/fillups",
        headers=alice.auth,
        json=base
        | {"date": "2024-03-10", "odometer_km": "12900", "volume_l": 30, "total_amount": "54"},
    ).json()
    assert by_volume["price_per_l"] == "1.8"
    assert by_volume["consumption_l_per_100km"] == "5.5556"  # (20 + 30) L / 900 km
    assert client.get(f"{PREFIX}/fillups/{by_volume['id']}", headers=alice.auth).json() == by_volume


def test_logging_refusals_name_their_field(client, alice):
    base = {"vehicle_id": alice.vehicle_id, "date": "2024-02-20", "odometer_km": "12000"}
    one = _error(
        client.post(f"{PREFIX}/fillups", headers=alice.auth, json=base | {"volume_l": "30"}),
        422,
        "validation_error",
        "volume_l",
    )
    assert "two of" in one["detail"]
    _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json=base | {"volume_l": "30", "price_per_l": "2", "total_amount": "10"},
        ),
        422,
        "validation_error",
        "total_amount",
    )
    backwards = _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json=base | {"odometer_km": "11000", "volume_l": "30", "total_amount": "50"},
        ),
        422,
        "validation_error",
        "odometer_km",
    )
    assert "11,400" in backwards["detail"] and "2024-02-03" in backwards["detail"]
    _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json=base
            | {
                "date": "2024-02-03",
                "odometer_km": "11400",
                "volume_l": "30",
                "total_amount": "50",
            },
        ),
        409,
        "duplicate",
        "odometer_km",
    )
    _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json=base | {"date": "2999-01-01", "volume_l": "30", "total_amount": "50"},
        ),
        422,
        "validation_error",
        "date",
    )
    _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json=base | {"volume_l": "3000", "total_amount": "50"},
        ),
        422,
        "validation_error",
        "volume_l",
    )
    wrong = client.post(
        f"{PREFIX}/fillups",
        headers=alice.auth,
        json=base | {"odometer_km": "far", "volume_l": [1], "total_amount": "50", "colour": "red"},
    )
    assert wrong.status_code == 422
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert fields == {"odometer_km", "volume_l", "colour"}
    unknown = next(e for e in wrong.json()["errors"] if e["field"] == "colour")
    assert "Unknown field" in unknown["detail"]
    _error(
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth | {"Content-Type": "application/json"},
            content=b"{not json",
        ),
        422,
        "validation_error",
    )
    _error(
        client.post(f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "x", "wheels": 3}),
        422,
        "validation_error",
        "wheels",
    )


def test_correct_and_delete_a_fillup(client, alice):
    newest = alice.fillup_ids[0]
    changed = client.patch(
        f"{PREFIX}/fillups/{newest}",
        headers=alice.auth,
        json={"price_per_l": "2", "notes": "motorway"},
    )
    assert changed.status_code == 200, changed.text
    row = changed.json()
    assert (row["volume_l"], row["total_amount"], row["notes"]) == ("30", "60", "motorway")
    row = client.patch(
        f"{PREFIX}/fillups/{newest}", headers=alice.auth, json={"total_amount": "57", "notes": None}
    ).json()
    assert (row["volume_l"], row["total_amount"], row["notes"]) == ("30", "57", None)
    _error(
        client.patch(
            f"{PREFIX}/fillups/{newest}", headers=alice.auth, json={"odometer_km": "10500"}
        ),
        422,
        "validation_error",
        "odometer_km",
    )
    _error(
        client.patch(f"{PREFIX}/fillups/{newest}", headers=alice.auth, json={"date": None}),
        422,
        "validation_error",
        "date",
    )
    gone = client.delete(f"{PREFIX}/fillups/{newest}", headers=alice.auth)
    assert gone.status_code == 204
    _error(client.get(f"{PREFIX}/fillups/{newest}", headers=alice.auth), 404, "not_found")
    _error(client.delete(f"{PREFIX}/fillups/{newest}", headers=alice.auth), 404, "not_found")


# --------------------------------------------------------------------------- who may call


def _routes(account: Account, vehicle_id: int, fillup_id: int) -> list[tuple[str, str, dict]]:
    fill = {
        "vehicle_id": vehicle_id,
        "date": "2024-02-20",
        "odometer_km": "12000",
        "volume_l": "30",
        "total_amount": "50",
    }
    return [
        ("GET", f"/vehicles/{vehicle_id}", {}),
        ("PATCH", f"/vehicles/{vehicle_id}", {"json": {"year": 2001}}),
        ("DELETE", f"/vehicles/{vehicle_id}", {"params": {"confirm_name": "Golf"}}),
        ("GET", f"/fillups/{fillup_id}", {}),
        ("PATCH", f"/fillups/{fillup_id}", {"json": {"notes": "x"}}),
        ("DELETE", f"/fillups/{fillup_id}", {}),
        ("POST", "/fillups", {"json": fill}),
    ]


def test_another_users_ids_answer_exactly_like_missing_ones(client, alice, bob):
    """Bob's token on Alice's ids: byte for byte the answer of an id nobody has; and
    Alice's rows are untouched."""
    missing = 10**12
    theirs = _routes(bob, alice.vehicle_id, alice.fillup_ids[0])
    nobodys = _routes(bob, missing, missing)
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
    mine = client.get(f"{PREFIX}/fillups", headers=alice.auth).json()["data"]
    assert [row["id"] for row in mine] == list(alice.fillup_ids)
    assert (
        client.get(f"{PREFIX}/vehicles/{alice.vehicle_id}", headers=alice.auth).json()["year"]
        is None
    )
    # Bob's lists never show Alice's rows, whatever filter he names.
    listed = client.get(
        f"{PREFIX}/fillups", params={"vehicle": alice.vehicle_id}, headers=bob.auth
    ).json()
    assert listed == {"data": [], "next": None}
    assert alice.vehicle_id not in [
        v["id"] for v in client.get(f"{PREFIX}/vehicles", headers=bob.auth).json()
    ]


ALL_ROUTES = [
    ("GET", "/users/me"),
    ("GET", "/vehicles"),
    ("POST", "/vehicles"),
    ("GET", "/vehicles/1"),
    ("PATCH", "/vehicles/1"),
    ("DELETE", "/vehicles/1"),
    ("GET", "/fillups"),
    ("POST", "/fillups"),
    ("GET", "/fillups/1"),
    ("PATCH", "/fillups/1"),
    ("DELETE", "/fillups/1"),
    ("GET", "/stats"),
    ("PATCH", "/users/me"),
    ("DELETE", "/users/me"),
    ("GET", "/users/me/export"),
    ("POST", "/imports"),
]


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer ft_forged" + "A" * 40, "Basic dXNlcjpwYXNz", "ft_no_scheme"],
)
def test_every_route_requires_a_valid_token(client, database_url, method, path, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.request(
        method,
        PREFIX + path,
        headers=headers,
        **({"json": {}} if method in ("POST", "PATCH") else {}),
    )
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_is_no_credential(client, alice):
    """Whatever cookie a browser signed in to the app would send, the API reads only the
    bearer header (no CSRF surface)."""
    client.cookies.set("fueltracker_auth", alice.token)
    _error(client.get(f"{PREFIX}/vehicles"), 401, "unauthorized")
    client.cookies.clear()


WRITES = [
    ("POST", "/imports"),
    ("PATCH", "/users/me"),
    ("DELETE", "/users/me"),
    ("POST", "/vehicles"),
    ("PATCH", "/vehicles/{v}"),
    ("DELETE", "/vehicles/{v}"),
    ("POST", "/fillups"),
    ("PATCH", "/fillups/{f}"),
    ("DELETE", "/fillups/{f}"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_read_token_cannot_write(client, alice, method, path, caplog):
    caplog.set_level(logging.INFO)
    url = PREFIX + path.format(v=alice.vehicle_id, f=alice.fillup_ids[0])
    response = client.request(
        method,
        url,
        headers=alice.read_auth,
        params={"confirm_name": "Golf"},
        **({"json": {"name": "New"}} if method != "DELETE" else {}),
    )
    _error(response, 403, "forbidden")
    assert any(
        getattr(r, "security", {}).get("event") == "api_scope_refused" for r in caplog.records
    )
    rows = client.get(f"{PREFIX}/fillups", headers=alice.read_auth).json()["data"]
    assert len(rows) == 3
    assert client.get(f"{PREFIX}/vehicles", headers=alice.read_auth).json()[0]["name"] == "Golf"


def test_a_revoked_token_fails_on_the_very_next_request(client, alice, caplog):
    caplog.set_level(logging.INFO)
    assert client.get(f"{PREFIX}/vehicles", headers=alice.auth).status_code == 200
    with session_scope() as session:
        [rw] = [t for t in tokens.list_tokens(session, alice.user.id) if t.name == "rw"]
        tokens.revoke_token(session, alice.user.id, rw.id)
    _error(client.get(f"{PREFIX}/vehicles", headers=alice.auth), 401, "unauthorized")
    [event] = [
        r.security
        for r in caplog.records
        if getattr(r, "security", {}).get("event") == "api_token_refused"
    ]
    assert (event["reason"], event["token_id"]) == ("revoked", rw.id)
    assert alice.token not in caplog.text
    assert client.get(f"{PREFIX}/vehicles", headers=alice.read_auth).status_code == 200


def test_an_expired_token_is_refused(client, alice, caplog):
    caplog.set_level(logging.INFO)
    today = local_today(alice.user.timezone)
    with session_scope() as session:
        created = tokens.create_token(
            session, alice.user.id, TokenCreate(name="old", expires_on=today), today=today
        )
    assert (
        client.get(
            f"{PREFIX}/users/me", headers={"Authorization": f"Bearer {created.secret}"}
        ).status_code
        == 200
    )
    with session_scope() as session:  # the day is over
        scope_to_user(session, alice.user.id)
        session.execute(
            text(
                "UPDATE api_tokens SET expires_at = clock_timestamp() - "
                "interval '1 second' WHERE id = :i"
            ),
            {"i": created.token.id},
        )
    _error(
        client.get(f"{PREFIX}/users/me", headers={"Authorization": f"Bearer {created.secret}"}),
        401,
        "unauthorized",
    )
    assert any(getattr(r, "security", {}).get("reason") == "expired" for r in caplog.records)


# --------------------------------------------------------------------------- the envelope


def test_unknown_routes_and_methods_answer_in_the_error_shape(client, alice):
    _error(client.get(f"{PREFIX}/nothing-here", headers=alice.auth), 404, "not_found")
    _error(client.put(f"{PREFIX}/vehicles", headers=alice.auth, json={}), 405, "method_not_allowed")
    _error(
        client.get(f"{PREFIX}/vehicles/not-a-number", headers=alice.auth),
        422,
        "validation_error",
        "vehicle_id",
    )


def test_request_id_is_taken_when_well_formed_and_on_every_log_line(client, alice, caplog):
    caplog.set_level(logging.INFO)
    chosen = "client-" + uuid.uuid4().hex
    response = client.get(f"{PREFIX}/vehicles", headers=alice.auth | {"X-Request-ID": chosen})
    assert response.headers["X-Request-ID"] == chosen
    lines = [r for r in caplog.records if r.name == "fueltracker.api"]
    assert lines and all(r.correlation_id == chosen for r in lines)
    assert lines[-1].user_id == alice.user.id
    for bad in ("short", "evil\tline", "x" * 65, "a b c d e f"):
        answered = client.get(f"{PREFIX}/vehicles", headers=alice.auth | {"X-Request-ID": bad})
        assert answered.headers["X-Request-ID"] != bad
        assert len(answered.headers["X-Request-ID"]) == 8
    refused = client.get(f"{PREFIX}/vehicles", headers={"X-Request-ID": chosen})
    assert refused.status_code == 401 and refused.headers["X-Request-ID"] == chosen


def test_a_huge_body_is_refused_413(client, alice):
    huge = {"name": "x" * (MAX_BODY_BYTES + 10)}
    announced = client.post(
        f"{PREFIX}/vehicles", headers=alice.auth | {"X-Request-ID": "huge-body-1"}, json=huge
    )
    _error(announced, 413, "payload_too_large")
    assert announced.headers["X-Request-ID"] == "huge-body-1"  # answered by the envelope

    def chunks():  # no Content-Length: counted while read
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    response = client.post(
        f"{PREFIX}/vehicles",
        headers=alice.auth | {"Content-Type": "application/json"},
        content=chunks(),
    )
    _error(response, 413, "payload_too_large")
    names = [v["name"] for v in client.get(f"{PREFIX}/vehicles", headers=alice.auth).json()]
    assert names == ["Golf"]


def test_an_unexpected_error_is_logged_and_answers_500_without_a_traceback(
    client, alice, caplog, monkeypatch
):
    from fueltracker.services import vehicles

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(vehicles, "list_vehicles", broken)
    response = client.get(
        f"{PREFIX}/vehicles", headers=alice.auth | {"X-Request-ID": "boom-request-1"}
    )
    error = _error(response, 500, "internal_error")
    assert "boom-request-1" in error["detail"] and "secret internals" not in response.text
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info and record.correlation_id == "boom-request-1"


def test_openapi_document(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert set(paths) == {
        "/users/me",
        "/vehicles",
        "/vehicles/{vehicle_id}",
        "/fillups",
        "/fillups/{fillup_id}",
        "/expenses",
        "/expenses/{expense_id}",
        "/reminders",
        "/reminders/{reminder_id}",
        "/reminders/{reminder_id}/done",
        "/stats",
        "/users/me/export",
        "/imports",
    }
    out = document["components"]["schemas"]["FillupOut"]["properties"]
    assert out["volume_l"]["type"] == "string"  # amounts are decimal strings
    assert json.dumps(document).count("errors") > 0
    assert client.get(f"{PREFIX}/docs").status_code == 200


# --------------------------------------------------------------------------- statistics


def test_stats_are_the_dashboards_figures(client, alice):
    body = client.get(f"{PREFIX}/stats", headers=alice.read_auth).json()
    assert body["date_from"] is None and body["date_to"] == str(local_today("UTC"))
    # domain.md's worked example: 112 L for 205.20; (42 + 30) L over 1,400 km.
    assert body["totals"] == {
        "fillups": 3,
        "total_spent": "205.2",
        "volume_l": "112",
        "distance_km": "1400",
        "avg_consumption_l_per_100km": "5.1429",
        "fuel_cost_per_km": "0.0951",
        "avg_price_per_l": "1.8321",
        "has_broken_chain": False,
    }
    [golf] = body["vehicles"]
    assert (golf["vehicle_id"], golf["name"], golf["avg_consumption_l_per_100km"]) == (
        alice.vehicle_id,
        "Golf",
        "5.1429",
    )
    january = client.get(
        f"{PREFIX}/stats", params={"from": "2024-01-01", "to": "2024-01-31"}, headers=alice.auth
    ).json()
    assert (
        january["totals"]["fillups"],
        january["totals"]["distance_km"],
        january["totals"]["avg_consumption_l_per_100km"],
    ) == (2, "800", "5.25")


def test_stats_never_mix_two_vehicles_consumption(client, alice):
    bike = client.post(
        f"{PREFIX}/vehicles", headers=alice.auth, json={"name": "Bike", "kind": "motorbike"}
    ).json()
    for date, odometer, volume in (("2024-01-10", "500", "10"), ("2024-01-30", "800", "9")):
        client.post(
            f"{PREFIX}/fillups",
            headers=alice.auth,
            json={
                "vehicle_id": bike["id"],
                "date": date,
                "odometer_km": odometer,
                "volume_l": volume,
                "total_amount": "18",
            },
        )
    body = client.get(f"{PREFIX}/stats", headers=alice.auth).json()
    assert body["totals"]["fillups"] == 5
    assert body["totals"]["avg_consumption_l_per_100km"] is None
    assert {v["name"]: v["avg_consumption_l_per_100km"] for v in body["vehicles"]} == {
        "Bike": "3",
        "Golf": "5.1429",
    }
    only = client.get(f"{PREFIX}/stats", params={"vehicle": bike["id"]}, headers=alice.auth).json()
    assert only["totals"]["avg_consumption_l_per_100km"] == "3"


def test_stats_of_another_users_vehicle_are_those_of_a_missing_one(client, alice, bob):
    theirs = client.get(
        f"{PREFIX}/stats",
        params={"vehicle": alice.vehicle_id, "to": "2030-01-01"},
        headers=bob.auth,
    )
    missing = client.get(
        f"{PREFIX}/stats", params={"vehicle": 10**12, "to": "2030-01-01"}, headers=bob.auth
    )
    assert theirs.status_code == missing.status_code == 200
    assert theirs.content == missing.content
    assert theirs.json()["totals"]["fillups"] == 0 and theirs.json()["vehicles"] == []
    _error(
        client.get(f"{PREFIX}/stats", params={"from": "yesterday"}, headers=bob.auth),
        422,
        "validation_error",
        "from",
    )


def test_the_rate_limit_answers_429_with_retry_after(client, alice, monkeypatch):
    from fueltracker.config import get_settings

    monkeypatch.setattr(get_settings(), "api_rate_limit_per_minute", 2)
    wait_for_the_minute_to_have_time_left()
    for _ in range(2):
        assert client.get(f"{PREFIX}/users/me", headers=alice.auth).status_code == 200
    response = client.get(f"{PREFIX}/users/me", headers=alice.auth)
    error = _error(response, 429, "rate_limited")
    assert "at most 2 a minute" in error["detail"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Per token: the account's other token still works.
    assert client.get(f"{PREFIX}/users/me", headers=alice.read_auth).status_code == 200


def wait_for_the_minute_to_have_time_left() -> None:
    """The limit counts per calendar minute: start a count well inside one (the database
    and the tests share this machine's clock)."""
    import time

    while time.time() % 60 > 55:
        time.sleep(0.5)


# --------------------------------------------------------------------------- the account


def test_change_profile_and_preferences(client, alice):
    changed = client.patch(
        f"{PREFIX}/users/me",
        headers=alice.auth,
        json={"display_name": "Alice A.", "currency": "eur", "distance_unit": "mi"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["display_name"], body["currency"], body["distance_unit"]) == (
        "Alice A.",
        "EUR",
        "mi",
    )
    assert body["volume_unit"] == "L" and body["timezone"] == "UTC"  # untouched
    # The API keeps speaking km whatever the account shows.
    row = client.get(f"{PREFIX}/fillups/{alice.fillup_ids[1]}", headers=alice.auth).json()
    assert row["odometer_km"] == "10800"
    _error(
        client.patch(f"{PREFIX}/users/me", headers=alice.auth, json={"timezone": "Mars/Base"}),
        422,
        "validation_error",
        "timezone",
    )
    _error(
        client.patch(f"{PREFIX}/users/me", headers=alice.auth, json={"email": "nope"}),
        422,
        "validation_error",
        "email",
    )
    _error(
        client.patch(f"{PREFIX}/users/me", headers=alice.auth, json={"password": "x" * 20}),
        422,
        "validation_error",
        "password",
    )
    _error(
        client.patch(f"{PREFIX}/users/me", headers=alice.read_auth, json={"currency": "USD"}),
        403,
        "forbidden",
    )
    assert client.get(f"{PREFIX}/users/me", headers=alice.auth).json()["currency"] == "EUR"


def test_export_native_csv_and_zip(client, alice, caplog):
    caplog.set_level(logging.INFO)
    response = client.get(f"{PREFIX}/users/me/export", headers=alice.read_auth)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        f"fueltracker-{alice.user.username}-canonical-" in response.headers["content-disposition"]
    )
    lines = response.text.splitlines()
    assert len(lines) == 1 + 3 and "odometer_km" in lines[0] and "10800" in response.text
    archive = client.get(
        f"{PREFIX}/users/me/export", params={"format": "zip"}, headers=alice.read_auth
    )
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    assert archive.headers["content-type"] == "application/zip"
    events = [
        r.security
        for r in caplog.records
        if getattr(r, "security", None) and r.security["event"] == "export"
    ]
    assert [e["format"] for e in events] == ["native_csv", "zip"]
    _error(
        client.get(f"{PREFIX}/users/me/export", params={"format": "xlsx"}, headers=alice.auth),
        422,
        "validation_error",
        "format",
    )


def test_delete_the_account_with_its_password(client, alice, bob, caplog):
    caplog.set_level(logging.INFO)
    url = f"{PREFIX}/users/me"
    _error(
        client.request("DELETE", url, headers=alice.read_auth, json={"password": PASSWORD}),
        403,
        "forbidden",
    )
    wrong = _error(
        client.request("DELETE", url, headers=alice.auth, json={"password": "not the password"}),
        422,
        "validation_error",
        "password",
    )
    assert "wrong" in wrong["detail"]
    _error(
        client.request("DELETE", url, headers=alice.auth, json={}),
        422,
        "validation_error",
        "password",
    )
    assert client.get(url, headers=alice.auth).status_code == 200
    gone = client.request("DELETE", url, headers=alice.auth, json={"password": PASSWORD})
    assert gone.status_code == 204
    # Every token of the account went with it; another account is untouched.
    _error(client.get(url, headers=alice.auth), 401, "unauthorized")
    _error(client.get(url, headers=alice.read_auth), 401, "unauthorized")
    assert client.get(f"{PREFIX}/fillups", headers=bob.auth).json()["data"]
    assert any(getattr(r, "security", {}).get("event") == "account_deleted" for r in caplog.records)


# --------------------------------------------------------------------------- imports


def test_import_a_native_file_after_its_preview(client, alice, caplog):
    caplog.set_level(logging.INFO)
    url = f"{PREFIX}/imports"
    preview = client.post(
        url, params={"dry_run": "true"}, headers=alice.auth, content=WORKED_EXAMPLE_CSV.encode()
    )
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] is True and body["imported"] == 0
    assert [row["status"] for row in body["rows"]] == ["new"] * 6
    assert body["rows"][0] | {"error": None} == {
        "row_number": 1,
        "status": "new",
        "vehicle": "Example car",
        "date": "2024-01-05",
        "odometer_km": "10000",
        "volume_l": "40",
        "total_amount": "72",
        "error": None,
    }
    assert body["vehicles_created"] == ["Example car"]
    assert len(client.get(f"{PREFIX}/vehicles", headers=alice.auth).json()) == 1  # nothing

    done = client.post(url, headers=alice.auth, content=WORKED_EXAMPLE_CSV.encode())
    assert done.status_code == 200, done.text
    assert (done.json()["imported"], done.json()["vehicles_created"]) == (6, ["Example car"])
    again = client.post(url, headers=alice.auth, content=WORKED_EXAMPLE_CSV.encode()).json()
    assert (again["imported"], again["duplicates"]) == (0, 6)
    names = [v["name"] for v in client.get(f"{PREFIX}/vehicles", headers=alice.auth).json()]
    assert sorted(names) == ["Example car", "Golf"]
    assert [
        e.security["rows"]
        for e in caplog.records
        if getattr(e, "security", {}).get("event") == "import"
    ] == [6, 0]


def test_a_refused_import_writes_nothing_and_names_each_row(client, alice):
    bad = WORKED_EXAMPLE_CSV.replace("2024-02-20,11400", "2024-02-20,9000").replace(
        ",35,63.00,", ",-35,63.00,"
    )
    refused = client.post(f"{PREFIX}/imports", headers=alice.auth, content=bad.encode())
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert errors and all(e["code"] == "validation_error" for e in errors)
    assert all(e["detail"].startswith("Row ") for e in errors)
    assert len(client.get(f"{PREFIX}/vehicles", headers=alice.auth).json()) == 1
    _error(
        client.post(f"{PREFIX}/imports", headers=alice.auth, content=b""),
        422,
        "validation_error",
        "file",
    )
    _error(
        client.post(f"{PREFIX}/imports", headers=alice.auth, content=b"\xff\xfe\x00junk"),
        422,
        "validation_error",
        "file",
    )
    _error(
        client.post(
            f"{PREFIX}/imports", params={"format": "excel"}, headers=alice.auth, content=b"x"
        ),
        422,
        "validation_error",
        "format",
    )
    control = client.post(
        f"{PREFIX}/imports",
        params={"vehicle": "Golf\x00"},
        headers=alice.auth,
        content=WORKED_EXAMPLE_CSV.encode(),
    )
    _error(control, 422, "validation_error", "vehicle")


def test_import_size_limit(client, alice):
    # Larger than a JSON body may be, well within a file's limit: it reaches the parser.
    body = (WORKED_EXAMPLE_CSV + "\n" * (MAX_BODY_BYTES * 2)).encode()
    answered = client.post(
        f"{PREFIX}/imports", params={"dry_run": "true"}, headers=alice.auth, content=body
    )
    assert answered.status_code == 200, answered.text
    assert len(answered.json()["rows"]) == 6
    huge = b"x" * (MAX_IMPORT_BYTES + 1)
    _error(
        client.post(f"{PREFIX}/imports", headers=alice.auth, content=huge), 413, "payload_too_large"
    )


def test_an_expired_cursor_is_refused(client, alice, monkeypatch):
    from fueltracker.api import cursor

    good = client.get(f"{PREFIX}/fillups", params={"limit": 1}, headers=alice.auth).json()
    monkeypatch.setattr(cursor, "MAX_AGE_S", -1)  # every cursor is now too old
    error = _error(
        client.get(
            f"{PREFIX}/fillups", params={"limit": 1, "cursor": good["next"]}, headers=alice.auth
        ),
        422,
        "invalid_cursor",
        "cursor",
    )
    assert "expired" in error["detail"]


def test_derived_values_are_kept_per_data_revision(client, alice, monkeypatch):
    """The API keeps each account's derived frame per data revision: reads reuse it, and
    a write (which bumps the revision) is never answered from the frame before it."""
    from fueltracker.api import derived

    loads = []
    real = derived.history.load_entries_frame

    def counted(session, user_id):
        loads.append(user_id)
        return real(session, user_id)

    monkeypatch.setattr(derived.history, "load_entries_frame", counted)
    derived.frames.clear()
    url = f"{PREFIX}/fillups/{alice.fillup_ids[0]}"
    assert client.get(url, headers=alice.auth).json()["consumption_l_per_100km"] == "5"
    client.get(f"{PREFIX}/fillups", headers=alice.auth)
    client.get(f"{PREFIX}/stats", headers=alice.auth)
    assert loads == [alice.user.id]  # computed once for three reads
    changed = client.patch(url, headers=alice.auth, json={"volume_l": "36"}).json()
    assert changed["consumption_l_per_100km"] == "6"  # 36 L over 600 km, not the old 5
    assert client.get(url, headers=alice.auth).json()["consumption_l_per_100km"] == "6"
    assert len(loads) == 2


@pytest.mark.parametrize(
    ("method", "path", "extra", "field"),
    [
        ("GET", "/vehicles/99999999999999999999", {}, "vehicle_id"),
        ("DELETE", "/fillups/99999999999999999999", {}, "fillup_id"),
        ("GET", "/fillups", {"params": {"vehicle": "99999999999999999999"}}, "vehicle"),
        ("GET", "/stats", {"params": {"vehicle": ["1", "-5"]}}, "vehicle"),
        (
            "POST",
            "/fillups",
            {
                "json": {
                    "vehicle_id": 10**20,
                    "date": "2024-01-01",
                    "odometer_km": "1",
                    "volume_l": "1",
                    "total_amount": "1",
                }
            },
            "vehicle_id",
        ),
    ],
)
def test_ids_beyond_the_databases_range_are_refused_not_crashed(
    client, alice, method, path, extra, field
):
    """A BIGINT id cannot be larger: refused with a 422 on the field (it was a 500 from
    the database's overflow)."""
    _error(
        client.request(method, PREFIX + path, headers=alice.auth, **extra),
        422,
        "validation_error",
        field,
    )


def test_the_history_pages_other_filters(client, alice):
    url = f"{PREFIX}/fillups"
    base = {"vehicle_id": alice.vehicle_id, "volume_l": "20", "total_amount": "37"}
    made = [
        client.post(
            url,
            headers=alice.auth,
            json=base
            | {
                "date": "2024-02-10",
                "odometer_km": "11700",
                "station": "Aral Ring",
                "brand": "Aral",
                "grade": "E10",
                "is_full": False,
                "notes": "50% motorway",
            },
        ).json(),
        client.post(
            url,
            headers=alice.auth,
            json=base
            | {
                "date": "2024-02-15",
                "odometer_km": "12000",
                "station": "Shell Nord",
                "brand": "Shell",
                "missed_previous": True,
            },
        ).json(),
    ]
    partial, missed = (row["id"] for row in made)

    def ids(**params):
        response = client.get(url, params=params, headers=alice.auth)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["data"]]

    assert ids(station="Aral Ring") == [partial]
    assert ids(station=["Aral Ring", "Shell Nord"]) == [missed, partial]
    assert ids(brand="Shell") == [missed] and ids(grade="E10") == [partial]
    assert ids(partial_only="true") == [partial] and ids(missed_only="true") == [missed]
    assert ids(q="MOTORWAY") == [partial] and ids(q="50%") == [partial]
    assert ids(q="nowhere") == [] and ids(brand="Aral", missed_only="true") == []
    # A cursor belongs to its filters, all of them.
    first = client.get(
        url, params={"limit": 1, "station": ["Aral Ring", "Shell Nord"]}, headers=alice.auth
    ).json()
    _error(
        client.get(
            url,
            params={"limit": 1, "station": "Aral Ring", "cursor": first["next"]},
            headers=alice.auth,
        ),
        422,
        "invalid_cursor",
        "cursor",
    )
    assert (
        client.get(
            url,
            params={"limit": 1, "station": ["Shell Nord", "Aral Ring"], "cursor": first["next"]},
            headers=alice.auth,
        ).json()["data"][0]["id"]
        == partial
    )
    for name in ("q", "station", "brand"):
        _error(
            client.get(url, params={name: "a\x00b"}, headers=alice.auth),
            422,
            "validation_error",
            name,
        )
