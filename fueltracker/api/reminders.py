"""/reminders: each reminder with its state today as the Reminders page shows it
(reminder_rules.due_state over the vehicle's odometer readings, as ui/reminders.due_items
reads them), add, read, change, delete one, and mark one done. The same service
(services/reminders.py) and schemas (schemas.ReminderCreate/Update/Done) as the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Response, status

from fueltracker.api.auth import Caller, Writer
from fueltracker.api.schemas import (
    MAX_ID,
    PathId,
    ReminderDoneIn,
    ReminderDue,
    ReminderIn,
    ReminderOut,
    ReminderPatch,
)
from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.reminder_rules import READINGS_WINDOW_DAYS, due_state
from fueltracker.schemas import ReminderCreate, ReminderDone, ReminderRead, ReminderUpdate, parse
from fueltracker.services import reminders, users

if TYPE_CHECKING:  # the services' session, passed through: no query is made here
    from sqlalchemy.orm import Session

router = APIRouter(tags=["reminders"])

# km per day is a quotient: shown to the metre, like the other distances' last digits.
_KM_PER_DAY = Decimal("0.001")


def _with_state(session: Session, user_id: int, found: list[ReminderRead]) -> list[ReminderOut]:
    """`found` with each one's state on the account's today, from its vehicle's odometer
    readings (services.reminders.odometer_readings: the window's and the latest one)."""
    if not found:
        return []
    today = local_today(users.get_user(session, user_id).timezone)
    since = today - dt.timedelta(days=READINGS_WINDOW_DAYS)
    readings = reminders.odometer_readings(session, user_id, since, today)
    out = []
    for reminder in found:
        state = due_state(reminder, readings.get(reminder.vehicle_id, []), today)
        due = ReminderDue(
            status=state.status,
            time_status=state.time_status,
            distance_status=state.distance_status,
            due_on=state.due_on,
            days_left=state.days_left,
            due_odometer_km=state.due_odometer_km,
            km_left=state.km_left,
            current_odometer_km=state.current_odometer_km,
            km_per_day=None if state.km_per_day is None else state.km_per_day.quantize(_KM_PER_DAY),
            estimated_on=state.estimated_on,
            next_due_on=state.next_due_on,
            next_due_estimated=state.next_due_estimated,
        )
        out.append(ReminderOut(**reminder.model_dump(), due=due))
    return out


def _one(session: Session, user_id: int, reminder: ReminderRead) -> ReminderOut:
    return _with_state(session, user_id, [reminder])[0]


def _after_write(user_id: int, reminder: ReminderRead) -> ReminderOut:
    """`reminder` with its state, read once the write is committed and its locks are
    released: the state a following GET answers, without holding the user's row lock
    while the readings are read."""
    with session_scope() as session:
        return _one(session, user_id, reminder)


@router.get("/reminders", response_model=list[ReminderOut], summary="Reminders and their state")
def list_reminders(
    who: Caller,
    vehicle: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="a vehicle id (default all)")
    ] = None,
) -> list[ReminderOut]:
    """Your reminders (of one vehicle if given), by vehicle, then title, each with its
    state today in the account's timezone: `ok`, `due_soon`, `overdue` or `unknown`
    (never done), the next due date and/or odometer, and whether the date is estimated."""
    with session_scope() as session:
        found = reminders.list_reminders(session, who.user_id, vehicle)
        return _with_state(session, who.user_id, found)


@router.post(
    "/reminders",
    response_model=ReminderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a reminder",
)
def create_reminder(who: Writer, body: ReminderIn, response: Response) -> ReminderOut:
    """Checked as the Reminders form checks it: an interval by distance and/or months,
    bounds, a last-done date not after today; a vehicle that is not yours is a 404."""
    data = parse(ReminderCreate, **body.model_dump())
    with session_scope() as session:
        saved = reminders.create_reminder(session, who.user_id, data)
    response.headers["Location"] = f"reminders/{saved.id}"
    return _after_write(who.user_id, saved)


@router.get("/reminders/{reminder_id}", response_model=ReminderOut, summary="One reminder")
def get_reminder(who: Caller, reminder_id: PathId) -> ReminderOut:
    """404 for a missing id and for another account's alike."""
    with session_scope() as session:
        return _one(session, who.user_id, reminders.get_reminder(session, who.user_id, reminder_id))


@router.patch("/reminders/{reminder_id}", response_model=ReminderOut, summary="Change a reminder")
def update_reminder(who: Writer, reminder_id: PathId, body: ReminderPatch) -> ReminderOut:
    """Only the fields sent change; checked like a new one."""
    sent = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        stored = reminders.get_reminder(session, who.user_id, reminder_id)
        merged = stored.model_dump(exclude={"id"}) | sent
        saved = reminders.update_reminder(
            session, who.user_id, reminder_id, parse(ReminderUpdate, **merged)
        )
    return _after_write(who.user_id, saved)


@router.delete(
    "/reminders/{reminder_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a reminder"
)
def delete_reminder(who: Writer, reminder_id: PathId) -> Response:
    """Gone at once; 404 for a missing id and for another account's alike."""
    with session_scope() as session:
        reminders.delete_reminder(session, who.user_id, reminder_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/reminders/{reminder_id}/done",
    response_model=ReminderOut,
    summary="Mark a reminder done",
)
def mark_done(who: Writer, reminder_id: PathId, body: ReminderDoneIn) -> ReminderOut:
    """As "Mark done": the job was done on `on` (not after today) at `odometer_km`
    (required when the reminder counts distance); the next one is due an interval later."""
    done = parse(ReminderDone, **body.model_dump())
    with session_scope() as session:
        saved = reminders.mark_done(session, who.user_id, reminder_id, done)
    return _after_write(who.user_id, saved)
