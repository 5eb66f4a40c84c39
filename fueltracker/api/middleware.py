"""The API's envelope, one ASGI middleware around every request:

- the correlation id: the client's `X-Request-ID` when well formed (REQUEST_ID), else a
  new one (logging_setup.start_run); set for the request's log lines and echoed in the
  response's `X-Request-ID`, on every answer, errors included;
- the body limit: a request announcing or sending more than MAX_BODY_BYTES (a file to
  import: MAX_IMPORT_BYTES) is answered 413 before the route reads it;
- the last wall: an exception nothing else answered is logged with its traceback and the
  correlation id, and the client gets a 500 in the one error shape, never a traceback;
- one log line per request: method, path, status, milliseconds.

Pure ASGI rather than Starlette's BaseHTTPMiddleware: the route runs in this task, so
the context variables set here are the ones its log lines read.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fueltracker.api.errors import error_body, error_item
from fueltracker.logging_setup import correlation_id, current_user_id, start_run

log = logging.getLogger("fueltracker.api")

# What a client may choose as its request id: a UUID, a ULID, hex... not a log line.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{6,64}")
REQUEST_ID_HEADER = b"x-request-id"
# A fill-up or vehicle is well under 2 KiB; 64 KiB leaves room and stops a flood.
MAX_BODY_BYTES = 64 * 1024
# A file to import (POST /imports): the Import page's limit (.streamlit/config.toml
# server.maxUploadSize = 5 MB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
IMPORTS_PATH = "/imports"


class _BodyTooLarge(HTTPException):
    """Raised by the body's reader: FastAPI lets an HTTPException through as it is, and the
    API's handler answers it in the error shape (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit:,} bytes")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class ApiEnvelope:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_import_bytes: int = MAX_IMPORT_BYTES,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_import_bytes = max_import_bytes

    def _limit(self, scope: Scope) -> int:
        path = str(scope.get("path", "")).rstrip("/")
        return self.max_import_bytes if path.endswith(IMPORTS_PATH) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = _header(scope, REQUEST_ID_HEADER)
        if sent is not None and REQUEST_ID.fullmatch(sent):
            correlation_id.set(sent)
            current_user_id.set(None)
            request_id = sent
        else:
            request_id = start_run()
        started = time.perf_counter()
        status = {"code": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER
                ]
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        limit = self._limit(scope)
        try:
            announced = _header(scope, b"content-length")
            if announced is not None and (not announced.isdigit() or int(announced) > limit):
                raise _BodyTooLarge(limit)
            await self.app(scope, self._limited(receive, limit), send_with_id)
        except _BodyTooLarge as exc:  # announced too large, or read outside a route
            if not status["started"]:
                await self._answer(send_with_id, 413, error_item(413, str(exc.detail)))
        except Exception:
            log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if not status["started"]:
                await self._answer(
                    send_with_id,
                    500,
                    error_item(500, f"Something went wrong — reference {request_id}"),
                )
        finally:
            log.info(
                "api %s %s %s %.0f ms",
                scope.get("method"),
                scope.get("path"),
                status["code"],
                (time.perf_counter() - started) * 1000,
            )

    @staticmethod
    def _limited(receive: Receive, limit: int) -> Receive:
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        return limited

    @staticmethod
    async def _answer(send: Send, status: int, item: dict[str, Any]) -> None:
        body = json.dumps(error_body([item])).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
