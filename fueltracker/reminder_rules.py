"""When a reminder is due, and how urgent it is (pure: no database, no Streamlit; `today`
is passed in).

The rules (docs/domain.md, "Reminders"):

- Next due = last done + interval: the date `interval_months` calendar months after
  `last_done_on` (a day past the end of the shorter month is its last day: Jan 31 + 1 month
  is Feb 28, or 29), and the reading `interval_km` past `last_done_odometer_km`. A part
  whose last-done value is unknown has no due point.
- The vehicle's current odometer is its highest known reading: its fill-ups' and the
  reminder's own last-done reading.
- Status of each part: `overdue` once past the due point (today after the due date, the
  current odometer beyond the due reading); `due soon` when at most `due_soon_days` days or
  `due_soon_km` km are left (the due day itself and the due reading itself are due soon);
  otherwise `ok`. With both parts, the more urgent one counts (whichever comes first).
  With no due point at all the status is `unknown` (never done).
- A distance part's due date is *estimated* from the vehicle's recent distance per day:
  the odometer span of its readings within the READINGS_WINDOW_DAYS up to today, over the
  days between the first and the last of them. Fewer than two readings on different days
  in that window, or no distance gained, give no estimate (the UI says so). The estimate
  is shown, never used for the status: a status is what the odometer and the calendar say.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from fueltracker.validation import Reading

# The window of readings the daily distance is taken over (days up to and including today).
READINGS_WINDOW_DAYS = 90

Status = Literal["ok", "due_soon", "overdue", "unknown"]
# Most urgent first: the order of the Dashboard and of "whichever comes first".
_URGENCY: dict[Status, int] = {"overdue": 0, "due_soon": 1, "ok": 2, "unknown": 3}


class ReminderTerms(Protocol):
    """What the rules read of a reminder (schemas.ReminderRead has these fields)."""

    @property
    def interval_km(self) -> Decimal | None: ...
    @property
    def interval_months(self) -> int | None: ...
    @property
    def due_soon_km(self) -> Decimal: ...
    @property
    def due_soon_days(self) -> int: ...
    @property
    def last_done_on(self) -> dt.date | None: ...
    @property
    def last_done_odometer_km(self) -> Decimal | None: ...


@dataclass(frozen=True)
class DueState:
    """A reminder's situation on one day.

    `status` is the more urgent of `time_status` and `distance_status` (each None when
    that part has no due point); `due_on` / `days_left`: the time part (None without
    one); `due_odometer_km` /
    `km_left`: the distance part, against `current_odometer_km`; `estimated_on`: the day the
    distance part is expected to fall due at `km_per_day` (None when there is no estimate,
    or nothing left to estimate: already past it); `next_due_on`: the earlier of `due_on`
    and `estimated_on`, with `next_due_estimated` saying which it is."""

    status: Status
    time_status: Status | None
    distance_status: Status | None
    due_on: dt.date | None
    days_left: int | None
    due_odometer_km: Decimal | None
    km_left: Decimal | None
    current_odometer_km: Decimal | None
    km_per_day: Decimal | None
    estimated_on: dt.date | None
    next_due_on: dt.date | None
    next_due_estimated: bool

    @property
    def needs_attention(self) -> bool:
        """Overdue or due soon: what the Dashboard lists."""
        return self.status in ("overdue", "due_soon")


def add_months(date: dt.date, months: int) -> dt.date:
    """`date` moved by whole calendar months, clamped to the end of a shorter month
    (2024-01-31 + 1 month = 2024-02-29; 2023-01-31 + 1 = 2023-02-28)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def km_per_day(readings: Iterable[Reading], today: dt.date) -> Decimal | None:
    """The vehicle's recent distance per day: the odometer span of its readings dated in the
    READINGS_WINDOW_DAYS up to `today`, over the days from the first to the last of them.
    None with fewer than two such readings on different days, or no distance gained."""
    since = today - dt.timedelta(days=READINGS_WINDOW_DAYS)
    window = sorted(
        (r for r in readings if since <= r.date <= today), key=lambda r: (r.date, r.odometer_km)
    )
    if len(window) < 2:
        return None
    first, last = window[0], window[-1]
    days = (last.date - first.date).days
    distance_km = last.odometer_km - first.odometer_km
    if days <= 0 or distance_km <= 0:
        return None
    return distance_km / days


def _status(left: Decimal | int, soon: Decimal | int) -> Status:
    if left < 0:
        return "overdue"
    return "due_soon" if left <= soon else "ok"


def _current(readings: list[Reading], terms: ReminderTerms, today: dt.date) -> Reading | None:
    """The vehicle's highest known reading (its fill-ups' or the reminder's last-done one,
    dated `today` when the reminder's has no date)."""
    known = list(readings)
    if terms.last_done_odometer_km is not None:
        known.append(Reading(terms.last_done_on or today, terms.last_done_odometer_km))
    return max(known, key=lambda r: (r.odometer_km, r.date), default=None)


def _estimate(
    km_left: Decimal, current: Reading, rate: Decimal | None, today: dt.date
) -> dt.date | None:
    """The day `km_left` more km from `current` are expected at `rate` km per day (never
    before today: a reading not yet logged is no reason to date it in the past)."""
    if rate is None or km_left < 0:
        return None
    on = current.date + dt.timedelta(days=math.ceil(km_left / rate))
    return max(on, today)


def due_state(terms: ReminderTerms, readings: Iterable[Reading], today: dt.date) -> DueState:
    """The reminder's due points, status and (estimated) next due date on `today`, given
    the vehicle's odometer readings (any: those outside the window only count for the
    current odometer)."""
    readings = list(readings)
    time_status: Status | None = None
    distance_status: Status | None = None
    due_on = days_left = None
    if terms.interval_months is not None and terms.last_done_on is not None:
        due_on = add_months(terms.last_done_on, terms.interval_months)
        days_left = (due_on - today).days
        time_status = _status(days_left, terms.due_soon_days)
    current = _current(readings, terms, today)
    rate = km_per_day(readings, today)
    due_km = km_left = estimated_on = None
    if terms.interval_km is not None and terms.last_done_odometer_km is not None:
        assert current is not None  # the last-done reading is one
        due_km = terms.last_done_odometer_km + terms.interval_km
        km_left = due_km - current.odometer_km
        distance_status = _status(km_left, terms.due_soon_km)
        estimated_on = _estimate(km_left, current, rate, today)
    candidates = [on for on in (due_on, estimated_on) if on is not None]
    next_due_on = min(candidates, default=None)
    statuses = [found for found in (time_status, distance_status) if found is not None]
    return DueState(
        status=min(statuses, key=_URGENCY.__getitem__, default="unknown"),
        time_status=time_status,
        distance_status=distance_status,
        due_on=due_on,
        days_left=days_left,
        due_odometer_km=due_km,
        km_left=km_left,
        current_odometer_km=current.odometer_km if current else None,
        km_per_day=rate,
        estimated_on=estimated_on,
        next_due_on=next_due_on,
        next_due_estimated=next_due_on is not None and next_due_on != due_on,
    )


def urgency(state: DueState) -> int:
    """A sort key: overdue first, then due soon, ok, unknown."""
    return _URGENCY[state.status]
