"""The real server (`python -m fueltracker.ui.server`, as make run and the image start it)
serves the JSON API beside the pages, on the same port: OpenAPI, a bearer request, the
error shape of a refusal, and the pages still there."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message

from fueltracker.db import session_scope
from fueltracker.schemas import TokenCreate
from fueltracker.services import tokens
from tests.factories import make_user, make_vehicle


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (case-insensitive) and body of a GET."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_api_and_the_pages_share_one_server(app_server, unique_name):
    with session_scope() as session:
        user = make_user(session, unique_name)
        make_vehicle(session, user, "Golf")
        secret = tokens.create_token(session, user.id, TokenCreate(name="e2e")).secret

    status, headers, body = _get(f"{app_server}/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    document = json.loads(body)
    assert "/vehicles" in document["paths"] and "/fillups" in document["paths"]

    status, headers, body = _get(
        f"{app_server}/api/v1/vehicles",
        {"Authorization": f"Bearer {secret}", "X-Request-ID": "e2e-request-0001"},
    )
    assert status == 200, body
    assert [v["name"] for v in json.loads(body)] == ["Golf"]
    assert headers["X-Request-ID"] == "e2e-request-0001"

    status, headers, body = _get(f"{app_server}/api/v1/vehicles")
    assert status == 401 and json.loads(body)["errors"][0]["code"] == "unauthorized"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, _, body = _get(f"{app_server}/api/v1/no-such-route")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "not_found"

    status, _, body = _get(f"{app_server}/api/v1/docs")
    assert status == 200 and b"openapi.json" in body
    # The pages are still served, deep links included.
    for path in ("/", "/history"):
        status, headers, body = _get(f"{app_server}{path}")
        assert status == 200 and headers["Content-Type"].startswith("text/html"), path
    assert _get(f"{app_server}/_stcore/health")[2].strip() == b"ok"
