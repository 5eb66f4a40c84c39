"""Security events as structured log records: sign-in success and failure, sign-out,
password change, export, import, account deletion. The event's fields travel as a dict on
the record (the JSON line's "security" object; key=value in the text form), never as text to
parse. Never a password or a cookie value: callers pass only ids, attempted usernames and
counts."""

from __future__ import annotations

import logging

from fueltracker.logging_setup import SECURITY_FIELDS

log = logging.getLogger("fueltracker.security")


def event(name: str, *, user_id: int | None = None, username: str | None = None,
          **details: str | int | None) -> None:
    """Log one security event: its name, the user id or the attempted username, details.
    Time, correlation id and the session's user id are on every log line already."""
    fields = {
        "event": name,
        "user_id": user_id,
        # What someone typed: bounded; the formatters escape it, so it cannot forge lines.
        "username": None if username is None else username[:64],
        **details,
    }
    log.info("security %s", name, extra={SECURITY_FIELDS: fields})
