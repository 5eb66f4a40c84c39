"""Reminders in words, in the user's distance unit, and as calendar events (pure).

Texts here are plain sentences with no markup: the pages show them with ui.text.plain
(a reminder's title and a vehicle's name are user text).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal, Protocol

from fueltracker import ical, units
from fueltracker.reminder_rules import (
    READINGS_WINDOW_DAYS,
    DueState,
    ReminderTerms,
    Status,
    urgency,
)
from fueltracker.schemas import (
    MAX_DUE_SOON_DAYS,
    MAX_INTERVAL_KM,
    MAX_INTERVAL_MONTHS,
    MAX_ODOMETER_KM,
)
from fueltracker.validation import future_date_problem


@dataclass(frozen=True)
class StatusLook:
    """How a status is shown: always its words and an icon, the colour only on top."""

    label: str
    color: Literal["red", "orange", "green", "gray"]
    icon: str


STATUS_LOOKS: dict[Status, StatusLook] = {
    "overdue": StatusLook("Overdue", "red", ":material/error:"),
    "due_soon": StatusLook("Due soon", "orange", ":material/schedule:"),
    "ok": StatusLook("OK", "green", ":material/check_circle:"),
    "unknown": StatusLook("Not started", "gray", ":material/help:"),
}


class NamedReminder(ReminderTerms, Protocol):
    """A reminder as shown: its id and title besides the terms (schemas.ReminderRead)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def vehicle_id(self) -> int: ...


@dataclass(frozen=True)
class Due:
    """A reminder, the name of its vehicle and its state today: what a list shows."""

    reminder: NamedReminder
    vehicle_name: str
    state: DueState


def _distance(value_km: Decimal, unit: str) -> str:
    shown = units.km_to_distance(value_km, unit)
    return f"{units.format_number(shown, 0)} {units.distance_label(unit)}"


def _days(count: int) -> str:
    return units.format_count(count, "day")


def interval_text(terms: ReminderTerms, unit: str) -> str:
    """ "Every 15,000 km or 12 months (whichever comes first)", "Every 24 months"."""
    parts = []
    if terms.interval_km is not None:
        parts.append(_distance(terms.interval_km, unit))
    if terms.interval_months is not None:
        parts.append(units.format_count(terms.interval_months, "month"))
    text = "Every " + " or ".join(parts)
    return text + " (whichever comes first)" if len(parts) == 2 else text


def last_done_text(terms: ReminderTerms, unit: str) -> str:
    """ "Last done 2026-01-10 at 30,000 km", or "Never done" when neither is known."""
    parts = []
    if terms.last_done_on is not None:
        parts.append(terms.last_done_on.isoformat())
    if terms.last_done_odometer_km is not None:
        parts.append(f"at {_distance(terms.last_done_odometer_km, unit)}")
    return "Last done " + " ".join(parts) if parts else "Never done"


def _time_text(state: DueState) -> str | None:
    if state.due_on is None or state.days_left is None:
        return None
    when = state.due_on.isoformat()
    if state.days_left < 0:
        return f"was due {when} ({_days(-state.days_left)} ago)"
    if state.days_left == 0:
        return f"due today ({when})"
    return f"due {when} (in {_days(state.days_left)})"


def _distance_text(state: DueState, unit: str) -> str | None:
    if state.due_odometer_km is None or state.km_left is None:
        return None
    at = _distance(state.due_odometer_km, unit)
    if state.km_left < 0:
        return f"was due at {at} ({_distance(-state.km_left, unit)} ago)"
    text = f"due at {at} ({_distance(state.km_left, unit)} to go)"
    if state.estimated_on is not None and state.km_per_day is not None:
        text += (
            f", estimated around {state.estimated_on.isoformat()} at "
            f"{_distance(state.km_per_day, unit)} a day"
        )
    return text


def due_lines(state: DueState, unit: str) -> list[str]:
    """What the list says of a reminder's due points, one sentence each; the estimate is
    called one, and its absence is explained."""
    lines = [
        text[0].upper() + text[1:]
        for text in (_time_text(state), _distance_text(state, unit))
        if text
    ]
    if (
        state.due_odometer_km is not None
        and state.estimated_on is None
        and state.km_left is not None
        and state.km_left >= 0
    ):
        lines.append(
            f"No date estimate: it needs fill-ups on at least two days within the "
            f"last {READINGS_WINDOW_DAYS} days."
        )
    if state.status == "unknown":
        lines.append(
            "Not started: mark it done (or enter when it was last done) to start counting."
        )
    return lines


def short_due(state: DueState, unit: str) -> str:
    """One line for the Dashboard: the words of the part that makes the status (the
    distance when both parts are equally urgent and its estimate comes first)."""
    time_text, distance_text = _time_text(state), _distance_text(state, unit)
    if distance_text is None or (
        time_text is not None
        and state.time_status == state.status
        and (state.distance_status != state.status or not state.next_due_estimated)
    ):
        text = time_text or ""
    else:
        text = distance_text
    return text[:1].upper() + text[1:]


def calendar_events(
    items: Iterable[Due], unit: str, today: dt.date, uid_domain: str
) -> tuple[list[ical.AllDayEvent], int]:
    """One all-day event per reminder with a due date (an estimated one said so in the
    description); an overdue one is dated today, the day it needs doing. Returns the
    events, soonest first, and how many reminders had no date to give."""
    events: list[ical.AllDayEvent] = []
    skipped = 0
    for item in items:
        state = item.state
        on = state.next_due_on
        if state.status == "overdue":
            on = today
        if on is None:
            skipped += 1
            continue
        description = [
            f"{item.vehicle_name}: {interval_text(item.reminder, unit)}.",
            last_done_text(item.reminder, unit) + ".",
        ]
        description += [
            line if line.endswith(".") else line + "." for line in due_lines(state, unit)
        ]
        if state.status != "overdue" and state.next_due_estimated:
            description.append("The date is an estimate from your recent distance per day.")
        summary = f"{item.reminder.title} ({item.vehicle_name})"
        if state.status == "overdue":
            summary = f"Overdue: {summary}"
        events.append(
            ical.AllDayEvent(
                uid=f"reminder-{item.reminder.id}@{uid_domain}",
                on=on,
                summary=summary,
                description="\n".join(description),
            )
        )
    events.sort(key=lambda event: (event.on, event.uid))
    return events, skipped


def by_urgency(items: Sequence[Due]) -> list[Due]:
    """Overdue first, then due soon, ok and not started; the soonest date first within."""
    return sorted(
        items, key=lambda item: (urgency(item.state), item.state.next_due_on or dt.date.max)
    )


# The reminder form's fields, as FieldErrors and the service's ValidationError name them.
FIELD_TITLE = "title"
FIELD_INTERVAL_KM = "interval_km"
FIELD_INTERVAL_MONTHS = "interval_months"
FIELD_DUE_SOON_KM = "due_soon_km"
FIELD_DUE_SOON_DAYS = "due_soon_days"
FIELD_LAST_DONE_ON = "last_done_on"
FIELD_LAST_DONE_ODOMETER = "last_done_odometer_km"


@dataclass(frozen=True)
class TypedReminder:
    """The reminder form's numbers as its fields show them, distances in the user's unit."""

    interval_distance: Decimal | None
    interval_months: int | None
    due_soon_distance: Decimal | None
    due_soon_days: int | None
    last_done_on: dt.date | None
    last_done_odometer: Decimal | None


def form_problems(typed: TypedReminder, unit: str, today: dt.date) -> list[tuple[str, str]]:
    """What is wrong with the reminder form's fields as shown, (field, message) in form
    order; empty when nothing is. The bounds are schemas.ReminderCreate's, said in the
    user's unit; no field is bounded in the browser (see fueltracker/bounds.py)."""
    label = units.distance_label(unit)
    most_km = units.km_to_distance(MAX_INTERVAL_KM, unit)
    most = f"{units.format_number(most_km.to_integral_value(ROUND_DOWN), 0)} {label}"
    found: list[tuple[str, str]] = []
    distance = typed.interval_distance
    if distance is not None and (distance <= 0 or distance > most_km):
        found.append((FIELD_INTERVAL_KM, f"Distance must be more than 0 and at most {most}"))
    months = typed.interval_months
    if months is not None and not 1 <= months <= MAX_INTERVAL_MONTHS:
        found.append((FIELD_INTERVAL_MONTHS, f"Months must be between 1 and {MAX_INTERVAL_MONTHS}"))
    if distance is None and months is None:
        found.append((FIELD_INTERVAL_KM, "Give a distance, a number of months, or both"))
    soon = typed.due_soon_distance
    if soon is None or soon < 0 or soon > most_km:
        found.append((FIELD_DUE_SOON_KM, f"Due-soon distance must be 0 to {most}"))
    days = typed.due_soon_days
    if days is None or not 0 <= days <= MAX_DUE_SOON_DAYS:
        found.append((FIELD_DUE_SOON_DAYS, f"Due-soon days must be 0 to {MAX_DUE_SOON_DAYS}"))
    found += done_problems(
        typed.last_done_on,
        typed.last_done_odometer,
        unit,
        today,
        date_field=FIELD_LAST_DONE_ON,
        odometer_field=FIELD_LAST_DONE_ODOMETER,
    )
    return found


def done_problems(
    on: dt.date | None,
    odometer: Decimal | None,
    unit: str,
    today: dt.date,
    *,
    date_field: str,
    odometer_field: str,
) -> list[tuple[str, str]]:
    """What is wrong with a "done on, at" pair as shown (either may be empty here)."""
    found: list[tuple[str, str]] = []
    if on is not None:
        reason = future_date_problem(on, today)
        if reason:
            found.append((date_field, reason))
    if odometer is not None:
        label = units.distance_label(unit)
        most_km = units.km_to_distance(MAX_ODOMETER_KM, unit)
        if odometer < 0 or odometer > most_km:
            most = units.format_number(most_km.to_integral_value(ROUND_DOWN), 0)
            found.append((odometer_field, f"Odometer must be 0 to {most} {label}"))
    return found
