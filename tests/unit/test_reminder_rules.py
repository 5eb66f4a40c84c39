"""Reminder statuses and due dates on a fixed clock (reminder_rules, pure)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from fueltracker.reminder_rules import add_months, due_state, km_per_day, urgency
from fueltracker.validation import Reading

TODAY = dt.date(2026, 6, 15)


@dataclass(frozen=True)
class Terms:
    interval_km: Decimal | None = None
    interval_months: int | None = None
    due_soon_km: Decimal = Decimal(1000)
    due_soon_days: int = 30
    last_done_on: dt.date | None = None
    last_done_odometer_km: Decimal | None = None


def r(date: str, odometer_km: int) -> Reading:
    return Reading(dt.date.fromisoformat(date), Decimal(odometer_km))


# 50 km a day over the last 60 days: 3,000 km from 2026-04-16 to 2026-06-15.
STEADY = [r("2026-04-16", 40_000), r("2026-05-16", 41_500), r("2026-06-15", 43_000)]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", 1, "2024-04-30"),
        ("2024-01-15", 12, "2025-01-15"),
        ("2024-11-30", 3, "2025-02-28"),  # across the year end
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-05-10", 25, "2026-06-10"),
    ],
)
def test_add_months_is_calendar_correct(start, months, expected):
    assert add_months(dt.date.fromisoformat(start), months) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("last_done", "status", "days_left"),
    [
        ("2025-08-01", "ok", 47),  # due 2026-08-01
        ("2025-07-15", "due_soon", 30),  # due 2026-07-15: exactly 30 days left is due soon
        ("2025-07-16", "ok", 31),
        ("2025-06-15", "due_soon", 0),  # due today
        ("2025-06-14", "overdue", -1),  # due yesterday
    ],
)
def test_by_time(last_done, status, days_left):
    state = due_state(
        Terms(interval_months=12, last_done_on=dt.date.fromisoformat(last_done)), STEADY, TODAY
    )
    assert (state.status, state.days_left) == (status, days_left)
    assert state.next_due_on == state.due_on and not state.next_due_estimated
    assert state.due_odometer_km is None and state.estimated_on is None


def test_own_due_soon_margin_in_days():
    terms = Terms(interval_months=12, last_done_on=dt.date(2025, 8, 1), due_soon_days=60)
    assert due_state(terms, [], TODAY).status == "due_soon"  # 47 days left, within 60


def test_by_distance_with_the_daily_distance_estimate():
    # Done at 30,000 km, every 15,000: due at 45,000, 2,000 km past today's 43,000.
    terms = Terms(interval_km=Decimal(15000), last_done_odometer_km=Decimal(30000))
    state = due_state(terms, STEADY, TODAY)
    assert state.status == "ok"
    assert (state.due_odometer_km, state.km_left) == (Decimal(45000), Decimal(2000))
    assert state.km_per_day == Decimal(50)
    # 2,000 km at 50 km a day from the last reading (today): 40 days.
    assert state.estimated_on == dt.date(2026, 7, 25)
    assert state.next_due_on == dt.date(2026, 7, 25) and state.next_due_estimated
    assert state.due_on is None


@pytest.mark.parametrize(
    ("done_at_km", "status"),
    [
        (29_001, "ok"),  # due at 44,001: 1,001 km left
        (29_000, "due_soon"),  # due at 44,000: 1,000 km left, the margin itself
        (28_999, "due_soon"),  # 999 km left
        (28_000, "due_soon"),  # due at 43,000: reached today
        (27_999, "overdue"),  # due at 42,999: 1 km past
    ],
)
def test_by_distance_status(done_at_km, status):
    terms = Terms(interval_km=Decimal(15000), last_done_odometer_km=Decimal(done_at_km))
    assert due_state(terms, STEADY, TODAY).status == status


def test_own_due_soon_margin_in_km():
    terms = Terms(
        interval_km=Decimal(15000), last_done_odometer_km=Decimal(30000), due_soon_km=Decimal(2500)
    )
    assert due_state(terms, STEADY, TODAY).status == "due_soon"  # 2,000 km left


def test_distance_overdue_has_no_estimate():
    terms = Terms(interval_km=Decimal(15000), last_done_odometer_km=Decimal(27_000))
    state = due_state(terms, STEADY, TODAY)
    assert (state.status, state.km_left, state.estimated_on) == ("overdue", Decimal(-1000), None)
    assert state.next_due_on is None


def test_both_whichever_comes_first():
    # Time: due 2026-09-01 (78 days, ok). Distance: 45,000, estimated 2026-07-25 (ok).
    both = Terms(
        interval_km=Decimal(15000),
        interval_months=12,
        last_done_on=dt.date(2025, 9, 1),
        last_done_odometer_km=Decimal(30000),
    )
    state = due_state(both, STEADY, TODAY)
    assert (state.status, state.next_due_on, state.next_due_estimated) == (
        "ok",
        dt.date(2026, 7, 25),
        True,
    )
    # Time part due in 20 days: due soon, although the distance is fine.
    soon = Terms(
        interval_km=Decimal(15000),
        interval_months=12,
        last_done_on=dt.date(2025, 7, 5),
        last_done_odometer_km=Decimal(30000),
    )
    state = due_state(soon, STEADY, TODAY)
    assert (state.status, state.next_due_on, state.next_due_estimated) == (
        "due_soon",
        dt.date(2026, 7, 5),
        False,
    )
    # Distance overdue, time fine: overdue.
    worn = Terms(
        interval_km=Decimal(15000),
        interval_months=12,
        last_done_on=dt.date(2026, 1, 1),
        last_done_odometer_km=Decimal(20000),
    )
    assert due_state(worn, STEADY, TODAY).status == "overdue"


def test_just_done():
    terms = Terms(
        interval_km=Decimal(15000),
        interval_months=12,
        last_done_on=TODAY,
        last_done_odometer_km=Decimal(43_000),
    )
    state = due_state(terms, STEADY, TODAY)
    assert state.status == "ok"
    assert (state.due_on, state.due_odometer_km, state.km_left) == (
        dt.date(2027, 6, 15),
        Decimal(58_000),
        Decimal(15_000),
    )
    # 15,000 km at 50 a day: 300 days, before the year is up.
    assert state.next_due_on == dt.date(2027, 4, 11) and state.next_due_estimated


def test_no_readings_at_all():
    # Distance: the last-done reading is the current one; no estimate without readings.
    terms = Terms(
        interval_km=Decimal(15000),
        last_done_on=dt.date(2026, 1, 1),
        last_done_odometer_km=Decimal(30000),
    )
    state = due_state(terms, [], TODAY)
    assert (state.status, state.current_odometer_km, state.km_left) == (
        "ok",
        Decimal(30000),
        Decimal(15000),
    )
    assert (state.km_per_day, state.estimated_on, state.next_due_on) == (None, None, None)
    # Never done: nothing to count from.
    never = due_state(Terms(interval_km=Decimal(15000), interval_months=12), [], TODAY)
    assert (never.status, never.next_due_on, never.current_odometer_km) == ("unknown", None, None)
    assert not never.needs_attention


def test_a_last_done_reading_above_the_fill_ups_counts_as_current():
    terms = Terms(
        interval_km=Decimal(10000),
        last_done_on=dt.date(2026, 6, 10),
        last_done_odometer_km=Decimal(43_500),
    )
    state = due_state(terms, STEADY, TODAY)
    assert (state.current_odometer_km, state.km_left) == (Decimal(43_500), Decimal(10_000))
    # 10,000 km at 50 a day from the service on 2026-06-10.
    assert state.estimated_on == dt.date(2026, 6, 10) + dt.timedelta(days=200)


def test_daily_distance_window():
    # Fewer than two readings in the last 90 days: no estimate.
    assert km_per_day([r("2026-01-01", 1000), r("2026-06-01", 5000)], TODAY) is None
    assert km_per_day([], TODAY) is None
    # Two readings on one day, or no distance gained: no estimate either.
    assert km_per_day([r("2026-06-01", 1000), r("2026-06-01", 1200)], TODAY) is None
    assert km_per_day([r("2026-06-01", 1000), r("2026-06-11", 1000)], TODAY) is None
    # Readings older than 90 days and after today are left out.
    readings = [
        r("2026-03-16", 0),
        r("2026-03-17", 10_000),
        r("2026-06-05", 10_900),
        r("2026-06-15", 11_000),
        r("2026-06-16", 99_999),
    ]
    assert km_per_day(readings, TODAY) == Decimal(11_000 - 10_000) / 90
    # An estimate over a slow window; the due date is never before today.
    slow = [r("2026-05-01", 40_000), r("2026-05-11", 40_010)]  # 1 km a day, last 35 days ago
    state = due_state(
        Terms(interval_km=Decimal(1000), last_done_odometer_km=Decimal(39_020)), slow, TODAY
    )
    assert (state.km_left, state.estimated_on) == (Decimal(10), TODAY)


def test_urgency_orders_overdue_first():
    states = [
        due_state(Terms(interval_months=2, last_done_on=dt.date.fromisoformat(d)), [], TODAY)
        for d in ("2026-06-01", "2026-04-01", "2026-04-20")
    ]
    assert [s.status for s in sorted(states, key=urgency)] == ["overdue", "due_soon", "ok"]
