"""Security events as structured log lines (JSON): sign-in success and failure, sign-out,
password change, export, import, account deletion. Never a password or a cookie value:
callers pass only ids, attempted usernames and counts."""

from __future__ import annotations

import datetime as dt
import json
import logging

from fueltracker.logging_setup import correlation_id

log = logging.getLogger("fueltracker.security")


def event(name: str, *, user_id: int | None = None, username: str | None = None,
          **details: str | int | None) -> None:
    """Log one security event with UTC time, user id or attempted username, correlation id."""
    record = {
        "event": name,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "user_id": user_id,
        # What someone typed: bounded, and JSON-escaped so it cannot forge log lines.
        "username": None if username is None else username[:64],
        "correlation_id": correlation_id.get(),
        **details,
    }
    log.info("security %s", json.dumps(record, ensure_ascii=True, sort_keys=True))
