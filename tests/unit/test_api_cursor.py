"""The list's opaque cursor (fueltracker/api/cursor.py): round trip, and every way a
cursor that this server did not give now, for this caller and these filters, is refused."""

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker.api import cursor
from fueltracker.services.history import Cursor

KEY = cursor.cursor_key("a" * 16 + "b" * 16 + "instance secret")
NOW = 1_800_000_000.0
POSITION = Cursor(dt.date(2024, 3, 1), Decimal("12345.600000"), 42)


def _made(**changes):
    values = {"key": KEY, "user_id": 7, "fingerprint": "f" * 16, "issued_at": NOW} | changes
    return cursor.encode(
        values["key"],
        values["user_id"],
        values["fingerprint"],
        POSITION,
        issued_at=values["issued_at"],
    )


def test_round_trip():
    assert cursor.decode(KEY, 7, "f" * 16, _made(), now=NOW + 60) == POSITION


@pytest.mark.parametrize(
    "text",
    [
        _made(key=cursor.cursor_key("another secret")),  # signed with another key
        _made(user_id=8),  # another caller's
        _made(fingerprint="0" * 16),  # other filters'
        _made()[:-3] + "AAA",  # signature altered
        "AAAA" + _made()[4:],  # body altered
        "no-dot-at-all",
        "a.b.c",
        "%%%.%%%",
        "x" * 400,
        "",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(cursor.InvalidCursor):
        cursor.decode(KEY, 7, "f" * 16, text, now=NOW)


def test_a_cursor_expires_after_a_day_and_never_comes_from_the_future():
    made = _made()
    assert cursor.decode(KEY, 7, "f" * 16, made, now=NOW + cursor.MAX_AGE_S) == POSITION
    with pytest.raises(cursor.ExpiredCursor):
        cursor.decode(KEY, 7, "f" * 16, made, now=NOW + cursor.MAX_AGE_S + 1)
    with pytest.raises(cursor.ExpiredCursor):
        cursor.decode(KEY, 7, "f" * 16, made, now=NOW - 10)
