"""The hand-written iCalendar file (RFC 5545) and the reminders' calendar events."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from fueltracker import ical
from fueltracker.reminder_rules import due_state
from fueltracker.reminder_views import (
    Due,
    by_urgency,
    calendar_events,
    due_lines,
    interval_text,
    last_done_text,
    short_due,
)
from fueltracker.validation import Reading

STAMP = dt.datetime(2026, 6, 15, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
TODAY = dt.date(2026, 6, 15)


def test_text_escapes():
    assert ical.escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


@pytest.mark.parametrize("text", ["x" * 200, "é" * 100, "ab€" * 60, "🚗" * 40])
def test_folding_keeps_every_line_within_75_octets_and_unfolds_to_the_original(text):
    line = "DESCRIPTION:" + text
    folded = ical.fold(line)
    physical = folded.split("\r\n")
    assert len(physical) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in physical)
    assert all(part.startswith(" ") for part in physical[1:])
    assert folded.replace("\r\n ", "") == line  # unfolding gives it back, no char split


def test_a_short_line_is_not_folded():
    assert ical.fold("SUMMARY:Oil") == "SUMMARY:Oil"
    assert len(ical.fold("X" * 75).split("\r\n")) == 1
    assert len(ical.fold("X" * 76).split("\r\n")) == 2


def test_calendar_structure():
    text = ical.calendar(
        [
            ical.AllDayEvent(
                "reminder-7@example.org",
                dt.date(2026, 12, 31),
                "Oil change, Golf",
                "Line one\nline two",
            )
        ],
        STAMP,
        "Fuel Tracker reminders",
    )
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert "UID:reminder-7@example.org" in lines
    assert "DTSTAMP:20260615T053000Z" in lines  # UTC
    assert "DTSTART;VALUE=DATE:20261231" in lines
    assert "DTEND;VALUE=DATE:20270101" in lines
    assert "SUMMARY:Oil change\\, Golf" in lines
    assert "DESCRIPTION:Line one\\nline two" in lines
    with pytest.raises(ValueError, match="aware"):
        ical.calendar([], dt.datetime(2026, 1, 1), "x")


@dataclass(frozen=True)
class Reminder:
    id: int
    title: str
    interval_km: Decimal | None = None
    interval_months: int | None = None
    due_soon_km: Decimal = Decimal(1000)
    due_soon_days: int = 30
    last_done_on: dt.date | None = None
    last_done_odometer_km: Decimal | None = None


READINGS = [
    Reading(dt.date(2026, 4, 16), Decimal(40_000)),
    Reading(dt.date(2026, 6, 15), Decimal(43_000)),
]  # 50 km a day


def due(reminder: Reminder, vehicle: str = "Golf") -> Due:
    return Due(reminder, vehicle, due_state(reminder, READINGS, TODAY))


def test_texts_in_the_users_unit():
    oil = Reminder(
        1,
        "Oil",
        interval_km=Decimal(15000),
        interval_months=12,
        last_done_on=dt.date(2025, 9, 1),
        last_done_odometer_km=Decimal(30000),
    )
    assert interval_text(oil, "km") == "Every 15,000 km or 12 months (whichever comes first)"
    assert interval_text(oil, "mi") == "Every 9,321 mi or 12 months (whichever comes first)"
    assert interval_text(Reminder(2, "Tyres", interval_months=1), "km") == "Every 1 month"
    assert last_done_text(oil, "km") == "Last done 2025-09-01 at 30,000 km"
    assert last_done_text(Reminder(2, "x", interval_months=1), "km") == "Never done"
    assert due_lines(due(oil).state, "km") == [
        "Due 2026-09-01 (in 78 days)",
        "Due at 45,000 km (2,000 km to go), estimated around 2026-07-25 at 50 km a day",
    ]


def test_texts_say_why_there_is_no_estimate_and_what_is_overdue():
    lonely = due_state(
        Reminder(1, "Oil", interval_km=Decimal(15000), last_done_odometer_km=Decimal(30000)),
        [],
        TODAY,
    )
    assert due_lines(lonely, "km")[-1].startswith(
        "No date estimate: it needs fill-ups on at least two days within the last 90 days"
    )
    late = due(
        Reminder(
            1,
            "Oil",
            interval_km=Decimal(10000),
            interval_months=12,
            last_done_on=dt.date(2026, 1, 1),
            last_done_odometer_km=Decimal(32000),
        )
    )
    assert late.state.status == "overdue"
    assert short_due(late.state, "km") == "Was due at 42,000 km (1,000 km ago)"


def test_calendar_events_one_per_dated_reminder():
    items = [
        due(
            Reminder(
                1, "Oil; filter", interval_km=Decimal(15000), last_done_odometer_km=Decimal(30000)
            )
        ),  # estimated
        due(
            Reminder(2, "Inspection", interval_months=24, last_done_on=dt.date(2024, 7, 1)),
            "V-Strom",
        ),  # 2026-07-01
        due(
            Reminder(3, "Brakes", interval_km=Decimal(1000), last_done_odometer_km=Decimal(41_000))
        ),  # overdue
        due(Reminder(4, "Never", interval_months=6)),  # no date
    ]
    events, skipped = calendar_events(items, "km", TODAY, "fueltracker.example")
    assert skipped == 1
    assert [(e.uid, e.on) for e in events] == [
        ("reminder-3@fueltracker.example", TODAY),
        ("reminder-2@fueltracker.example", dt.date(2026, 7, 1)),
        ("reminder-1@fueltracker.example", dt.date(2026, 7, 25)),
    ]
    overdue, inspection, oil = events
    assert overdue.summary == "Overdue: Brakes (Golf)"
    assert oil.summary == "Oil; filter (Golf)"
    assert "estimate" in oil.description and "estimate" not in inspection.description
    assert inspection.description.startswith("V-Strom: Every 24 months.")


def test_by_urgency():
    items = [
        due(Reminder(1, "a", interval_months=24, last_done_on=dt.date(2025, 1, 1))),
        due(Reminder(2, "b", interval_months=1)),
        due(Reminder(3, "c", interval_months=12, last_done_on=dt.date(2025, 6, 1))),
        due(Reminder(4, "d", interval_months=12, last_done_on=dt.date(2025, 7, 1))),
    ]
    assert [i.reminder.id for i in by_urgency(items)] == [3, 4, 1, 2]


def test_the_dashboard_line_names_the_part_that_makes_the_status():
    # Time fine (due 2027-05-01), distance due soon (500 km left): the distance is said.
    by_km = due(
        Reminder(
            1,
            "Oil",
            interval_km=Decimal(15000),
            interval_months=12,
            last_done_on=dt.date(2026, 5, 1),
            last_done_odometer_km=Decimal(28500),
        )
    )
    assert (by_km.state.time_status, by_km.state.distance_status) == ("ok", "due_soon")
    assert short_due(by_km.state, "km") == (
        "Due at 43,500 km (500 km to go), estimated around 2026-06-25 at 50 km a day"
    )
    # Time overdue, distance fine: the time is said.
    by_time = due(
        Reminder(
            2,
            "Oil",
            interval_km=Decimal(15000),
            interval_months=12,
            last_done_on=dt.date(2025, 6, 1),
            last_done_odometer_km=Decimal(42000),
        )
    )
    assert short_due(by_time.state, "km") == "Was due 2026-06-01 (14 days ago)"
    # Both due soon: the earlier (here the date, 10 days before the estimate).
    both = due(
        Reminder(
            3,
            "Oil",
            interval_km=Decimal(15000),
            interval_months=12,
            last_done_on=dt.date(2025, 6, 25),
            last_done_odometer_km=Decimal(29000),
        )
    )
    assert (both.state.time_status, both.state.distance_status) == ("due_soon", "due_soon")
    assert short_due(both.state, "km") == "Due 2026-06-25 (in 10 days)"
