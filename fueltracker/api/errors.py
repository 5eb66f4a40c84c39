"""The API's one error shape, and how every failure becomes it.

    {"errors": [{"status": "422", "code": "validation_error",
                 "detail": "Odometer 12,345 km must be greater than ...", "field": "odometer_km"}]}

`status` is the HTTP status as text, `code` a stable machine word (ERROR_CODES), `detail`
a sentence for a person, `field` (only when one is to blame) the name of the body field or
query parameter. Domain errors (fueltracker/errors.py) keep their message and field; what
FastAPI or Starlette refuse (a wrong type, an unknown field, an unknown route) is put in
the same shape; anything unexpected is logged with its traceback and answers 500 with the
request's correlation id as the only detail (fueltracker/api/middleware.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from fueltracker.errors import (
    DatabaseUnavailable,
    DuplicateError,
    FuelTrackerError,
    ImportRejected,
    NotFoundError,
    ValidationError,
)
from fueltracker.schemas import FIELD_LABELS

log = logging.getLogger("fueltracker.api")

# HTTP status -> the code of an error that says no more than its status.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "duplicate",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "database_unavailable",
}
# Seconds a client should wait when the database is away.
RETRY_AFTER_UNAVAILABLE_S = 5


class ApiError(Exception):
    """A refusal of the API's own (authentication, scope, a bad cursor, a body too large)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        field: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
        self.code = code or ERROR_CODES.get(status, "error")
        self.headers = headers or {}


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def refuse_control_characters(name: str, values: Iterable[str]) -> None:
    """Text a query parameter compares with stored text, which holds no control characters
    (and PostgreSQL takes no NUL at all): one in it is a mistake, refused on its field."""
    for value in values:
        if _CONTROL.search(value):
            raise ApiError(422, f"{name}: must not contain control characters", field=name)


def error_item(
    status: int, detail: str, *, field: str | None = None, code: str | None = None
) -> dict[str, str]:
    """One entry of the `errors` list."""
    item = {
        "status": str(status),
        "code": code or ERROR_CODES.get(status, "error"),
        "detail": detail,
    }
    if field is not None:
        item["field"] = field
    return item


def error_body(items: Sequence[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The whole error document."""
    return {"errors": list(items)}


def error_response(
    status: int,
    detail: str,
    *,
    field: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A response carrying one error."""
    return JSONResponse(
        error_body([error_item(status, detail, field=field, code=code)]),
        status_code=status,
        headers=headers,
    )


def _domain(exc: FuelTrackerError) -> JSONResponse:
    if isinstance(exc, NotFoundError):
        return error_response(404, str(exc))
    if isinstance(exc, DuplicateError):
        return error_response(409, exc.reason, field=exc.field)
    if isinstance(exc, ValidationError):
        return error_response(422, exc.reason, field=exc.field)
    if isinstance(exc, ImportRejected):
        return JSONResponse(
            error_body(
                [
                    error_item(422, f"Row {e.row_number}: {e.reason}", field=e.column)
                    for e in exc.errors
                ]
            ),
            status_code=422,
        )
    return error_response(422, str(exc))


def _field(location: Sequence[Any]) -> str | None:
    # FastAPI prefixes where the value came from: ("body", "odometer_km"), ("query", "limit").
    # A repeated query parameter adds the position ("query", "vehicle", 0): the parameter is
    # the field.
    if location and location[0] in ("body", "query", "path", "header"):
        source, parts = location[0], list(location[1:])
        if source != "body":
            parts = [part for part in parts if not isinstance(part, int)]
    else:
        parts = list(location)
    return ".".join(str(part) for part in parts) or None


def _validation_detail(error: dict[str, Any], field: str | None) -> str:
    message = str(error.get("msg", "Invalid value")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "Unknown field: not part of this request"
    elif error.get("type") == "json_invalid":
        return "The body is not valid JSON"
    label = FIELD_LABELS.get(field or "", (field or "value").replace("_", " ").capitalize())
    return f"{label}: {message}"


def _request_validation(exc: RequestValidationError) -> JSONResponse:
    items = []
    for error in exc.errors():
        # A body that is no JSON at all has a character position, not a field.
        field = None if error.get("type") == "json_invalid" else _field(error.get("loc", ()))
        items.append(error_item(422, _validation_detail(error, field), field=field))
    return JSONResponse(error_body(items or [error_item(422, "Invalid request")]), status_code=422)


def install_handlers(api: FastAPI) -> None:
    """Answer every refusal in the one shape."""

    @api.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status, exc.detail, field=exc.field, code=exc.code, headers=exc.headers
        )

    @api.exception_handler(FuelTrackerError)
    async def _domain_error(_request: Request, exc: FuelTrackerError) -> JSONResponse:
        log.info("refused: %s", type(exc).__name__)
        return _domain(exc)

    @api.exception_handler(DatabaseUnavailable)
    async def _unavailable(_request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        log.warning("database unavailable: %s", exc.cause)
        return error_response(
            503,
            "The database is not reachable right now; try again in a moment.",
            headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)},
        )

    @api.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return _request_validation(exc)

    @api.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = {404: "No such resource", 405: "Method not allowed on this resource"}.get(
            exc.status_code, str(exc.detail)
        )
        return error_response(exc.status_code, detail, headers=dict(exc.headers or {}))
