"""The opaque `next` cursor of GET /fillups (pure): the keyset position of
services/history.py (date, odometer, id of the last row shown), bound to the caller and to
the filters it was made for, signed with an HMAC so a client can neither forge a position
nor carry one over to other filters or another account.

Format: base64url of `v1|<user id>|<filters fingerprint>|<issued, Unix seconds>|<date>|
<odometer>|<id>`, a dot,
and the base64url HMAC-SHA256 of that text. Nothing in it is secret (the caller's own ids);
the signature only makes it tamper-evident.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from fueltracker.services.history import Cursor

_VERSION = "v1"
# Longer than any cursor we make: refused before any decoding.
MAX_CURSOR_LENGTH = 300
# A cursor is for walking the pages now, not a bookmark: after a day it is refused (keyset
# positions stay valid, but a key rotation or a client's stale state should end somewhere).
MAX_AGE_S = 24 * 3600


class InvalidCursor(ValueError):
    """The cursor was not made by this server for this caller and these filters."""


class ExpiredCursor(InvalidCursor):
    """The cursor is genuine but older than MAX_AGE_S (or from the future)."""


def cursor_key(secret: str) -> bytes:
    """The cursors' own key, derived from an instance secret (the cookie key): one secret
    to configure, and a cursor signature says nothing about a cookie's."""
    return hmac.new(secret.encode("utf-8"), b"fueltracker api cursor v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(key: bytes, user_id: int, fingerprint: str, cursor: Cursor, *, issued_at: float) -> str:
    """The opaque text of `cursor` for this caller and filters, made at `issued_at` (Unix
    seconds)."""
    body = "|".join(
        (
            _VERSION,
            str(user_id),
            fingerprint,
            str(int(issued_at)),
            cursor.date.isoformat(),
            str(cursor.odometer_km),
            str(cursor.entry_id),
        )
    ).encode("utf-8")
    signature = hmac.new(key, body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(signature)}"


def decode(key: bytes, user_id: int, fingerprint: str, text: str, *, now: float) -> Cursor:
    """The position `text` holds; InvalidCursor unless this server made it for this caller
    and these filters within MAX_AGE_S before `now` (Unix seconds)."""
    if len(text) > MAX_CURSOR_LENGTH or text.count(".") != 1:
        raise InvalidCursor(text)
    encoded_body, encoded_signature = text.split(".")
    try:
        body, signature = _unb64(encoded_body), _unb64(encoded_signature)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor(text) from exc
    if not hmac.compare_digest(signature, hmac.new(key, body, hashlib.sha256).digest()):
        raise InvalidCursor(text)
    parts = body.decode("utf-8", errors="replace").split("|")
    if len(parts) != 7 or parts[:3] != [_VERSION, str(user_id), fingerprint]:
        raise InvalidCursor(text)
    try:
        issued_at = int(parts[3])
        position = Cursor(dt.date.fromisoformat(parts[4]), Decimal(parts[5]), int(parts[6]))
    except (ValueError, InvalidOperation) as exc:
        raise InvalidCursor(text) from exc
    if not 0 <= now - issued_at <= MAX_AGE_S:
        raise ExpiredCursor(text)
    return position


def fingerprint(*parts: object) -> str:
    """A short digest of the filters a cursor belongs to."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:16]
