"""The FastAPI application of the JSON API, served under /api/v1 by the same server as the
pages (fueltracker/ui/asgi.py mounts it beside the Streamlit app). Its OpenAPI document is
/api/v1/openapi.json, a readable page of it /api/v1/docs; docs/api.md tells the rest."""

from __future__ import annotations

from fastapi import FastAPI

from fueltracker.api import (
    cursor,
    expenses,
    fillups,
    imports,
    reminders,
    stats,
    users,
    vehicles,
)
from fueltracker.api.errors import error_body, error_item, install_handlers
from fueltracker.api.middleware import ApiEnvelope
from fueltracker.config import get_settings

PREFIX = "/api/v1"
_ERROR = {
    "description": "The one error shape (docs/api.md)",
    "content": {
        "application/json": {
            "example": error_body(
                [
                    error_item(
                        422,
                        "Odometer 12,345 km must be greater than 12,400 km recorded on 2024-03-01",
                        field="odometer_km",
                    )
                ]
            )
        }
    },
}


def create_api(*, cursor_secret: str | None = None) -> FastAPI:
    """The API application (mount it at PREFIX). `cursor_secret` signs the list's cursors;
    by default the instance's cookie key (config.Settings.resolved_cookie_key)."""
    api = FastAPI(
        title="Fuel Tracker API",
        version="1",
        description="Log and read fill-ups, expenses and reminders from scripts, phone "
        "shortcuts and Home Assistant. "
        "Authenticate with `Authorization: Bearer <token>` (Account page → API "
        "tokens). Canonical units: km, litres, amounts in the account's "
        "currency as decimal strings. See docs/api.md.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        responses={401: _ERROR, 403: _ERROR, 404: _ERROR, 409: _ERROR, 413: _ERROR, 422: _ERROR},
    )
    api.state.cursor_key = cursor.cursor_key(cursor_secret or get_settings().resolved_cookie_key())
    install_handlers(api)
    api.add_middleware(ApiEnvelope)
    for module in (users, vehicles, fillups, expenses, reminders, stats, imports):
        api.include_router(module.router)
    return api
