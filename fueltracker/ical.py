"""An iCalendar (RFC 5545) file of all-day events, written by hand (pure: the time stamp
is passed in).

What the RFC asks of this small subset: lines end in CRLF; a content line longer than 75
octets is folded (CRLF, then one space, which counts as the first octet of the next line),
never inside a UTF-8 character; in TEXT values backslash, semicolon, comma and line breaks
are escaped; each event has a UID that stays the same from one download to the next (the
calendar then updates the event on a new import instead of adding a copy) and a DTSTAMP in
UTC; an all-day event is DTSTART;VALUE=DATE with the exclusive DTEND the day after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

PRODUCT_ID = "-//Fuel Tracker//Reminders//EN"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True)
class AllDayEvent:
    """One all-day event: `uid` must be stable and globally unique (e.g. with a domain)."""

    uid: str
    on: dt.date
    summary: str
    description: str = ""


def escape_text(value: str) -> str:
    """A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon, comma, line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded to at most 75 octets per physical line (CRLF + space between
    them), never splitting a UTF-8 character; without its final CRLF."""
    parts: list[str] = []
    current, size, limit = "", 0, MAX_LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append(current)
            # The continuation's leading space is one of its 75 octets.
            current, size, limit = char, octets, MAX_LINE_OCTETS - 1
        else:
            current += char
            size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)


def _date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def calendar(events: Iterable[AllDayEvent], stamp: dt.datetime, name: str) -> str:
    """The .ics text of `events`, each stamped `stamp` (an aware datetime, written in UTC),
    in a calendar called `name`."""
    if stamp.tzinfo is None:
        raise ValueError("stamp must be timezone-aware")
    dtstamp = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{_date(event.on)}",
            f"DTEND;VALUE=DATE:{_date(event.on + dt.timedelta(days=1))}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
