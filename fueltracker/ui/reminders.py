"""Reminders in the app: the Reminders page's list and forms, the Dashboard's block of
what needs attention, the .ics download, and the offer to mark a reminder done after a
service expense. Distances are shown and typed in the user's unit, stored in km; the
maths is reminder_rules', the words reminder_views'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from fueltracker import bounds, ical, reminder_views, security, units
from fueltracker.clock import local_today
from fueltracker.logging_setup import in_this_run
from fueltracker.models import Reminder as ReminderRow
from fueltracker.models import to_storage
from fueltracker.reminder_rules import READINGS_WINDOW_DAYS, Status, due_state
from fueltracker.reminder_views import (
    STATUS_LOOKS,
    Due,
    TypedReminder,
)
from fueltracker.schemas import (
    DEFAULT_DUE_SOON_DAYS,
    DEFAULT_DUE_SOON_KM,
    ReminderCreate,
    ReminderDone,
    ReminderRead,
    ReminderUpdate,
    UserRead,
    VehicleRead,
    parse,
)
from fueltracker.services import reminders, vehicles
from fueltracker.ui import context
from fueltracker.ui.downloads import file_name
from fueltracker.ui.errors import KEEP_TYPED, FieldErrors
from fueltracker.ui.forms import AS_TYPED
from fueltracker.ui.text import destructive, plain

PAGE = Path(__file__).resolve().parents[2] / "pages" / "reminders.py"
MESSAGE_KEY = "reminders_message"
UID_DOMAIN = "fueltracker"
# The offer of offer_mark_done, kept in the session until used or dismissed.
OFFER_KEY = "_reminders_mark_done_offer"
OFFER_FORM = "mark_done_offer"


# --------------------------------------------------------------------------- reading


def due_items(
    user: UserRead, vehicle_id: int | None = None
) -> tuple[list[VehicleRead], list[Due], dict[int, Decimal]]:
    """The user's vehicles, their reminders with today's state (of one vehicle if given),
    and each vehicle's highest odometer reading (km), in one transaction."""
    today = local_today(user.timezone)
    since = today - dt.timedelta(days=READINGS_WINDOW_DAYS)
    with context.session() as db:
        vehicle_list = vehicles.list_vehicles(db, user.id)
        found = reminders.list_reminders(db, user.id, vehicle_id)
        readings = reminders.odometer_readings(db, user.id, since, today)
    names = {v.id: v.name for v in vehicle_list}
    items = [
        Due(r, names[r.vehicle_id], due_state(r, readings.get(r.vehicle_id, []), today))
        for r in found
    ]
    highest = {
        vehicle: max(r.odometer_km for r in found_readings)
        for vehicle, found_readings in readings.items()
    }
    return vehicle_list, items, highest


def badge(status: Status) -> None:
    """The status as a badge: its words and icon, the colour only on top."""
    look = STATUS_LOOKS[status]
    st.badge(look.label, icon=look.icon, color=look.color)


# --------------------------------------------------------------------------- Dashboard


def attention_block(user: UserRead) -> None:
    """The Dashboard's top: overdue and due-soon reminders, compact, with a link to the
    Reminders page; nothing when none needs attention."""
    _, items, _ = due_items(user)
    urgent = [item for item in reminder_views.by_urgency(items) if item.state.needs_attention]
    if not urgent:
        return
    with st.container(border=True, key="dashboard_reminders"):
        for item in urgent:
            left, right = st.columns([1, 4], vertical_alignment="center")
            with left:
                badge(item.state.status)
            right.markdown(
                f"**{plain(item.reminder.title)}** · {plain(item.vehicle_name)} — "
                f"{plain(reminder_views.short_due(item.state, user.distance_unit))}"
            )
        _page_link("Open Reminders")


def _page_link(label: str) -> None:
    try:
        st.page_link(str(PAGE), label=label, icon=":material/notifications:")
    except StreamlitAPIException:  # a page link is a nicety; the text says the same
        st.caption(f"{label}: see **Reminders** in the menu.")


# --------------------------------------------------------------------------- calendar


def _calendar_bytes(user: UserRead) -> bytes:
    _, items, _ = due_items(user)
    today = local_today(user.timezone)
    events, _ = reminder_views.calendar_events(items, user.distance_unit, today, UID_DOMAIN)
    text = ical.calendar(events, dt.datetime.now(dt.UTC), "Fuel Tracker reminders")
    security.event("export", user_id=user.id, format="reminders_ics")
    return text.encode("utf-8")


def calendar_button(user: UserRead, items: list[Due]) -> None:
    """The .ics download of the due dates (built when clicked), and what it holds."""
    today = local_today(user.timezone)
    events, skipped = reminder_views.calendar_events(items, user.distance_unit, today, UID_DOMAIN)
    st.download_button(
        "Add due dates to my calendar (.ics)",
        data=in_this_run(lambda: _calendar_bytes(user)),
        file_name=file_name(user, "reminders", "ics"),
        mime="text/calendar",
        icon=":material/event:",
        on_click="ignore",
        key="download_reminders_ics",
        disabled=not events,
    )
    note = (
        f"{units.format_count(len(events), 'all-day event')}, one per reminder with a "
        "due date (estimated ones say so; overdue ones are dated today). Import the file "
        "into your calendar app; importing a newer file updates the same events. The app "
        "sends no mail."
    )
    if skipped:
        note += f" {units.format_count(skipped, 'reminder')} without a date yet left out."
    st.caption(note)


# --------------------------------------------------------------------------- page


def page(user: UserRead) -> None:
    """The Reminders page's body: add, the list per vehicle with status, mark done, edit,
    delete, and the calendar download."""
    if MESSAGE_KEY in st.session_state:
        st.success(plain(st.session_state.pop(MESSAGE_KEY)), icon=":material/check_circle:")
    vehicle_list, items, highest = due_items(user)
    if not vehicle_list:
        st.info(
            "Add a vehicle under **Vehicles** first: a reminder belongs to a vehicle.",
            icon=":material/info:",
        )
        return
    calendar_button(user, items)
    number = st.session_state.setdefault("reminder_form_number", 0)
    key = f"new_reminder_{number}"
    with st.expander(
        "Add a reminder", icon=":material/add:", expanded=not items or FieldErrors(key).any()
    ):
        saved = reminder_form(user, vehicle_list, highest, key=key)
        if saved is not None:
            st.session_state["reminder_form_number"] = number + 1
            _done(f"Added {saved.title}.")
    if not items:
        st.caption("No reminders yet. Add one, e.g. “Oil change every 15,000 km or 12 months”.")
    for vehicle in vehicle_list:
        own = reminder_views.by_urgency([i for i in items if i.reminder.vehicle_id == vehicle.id])
        if own:
            st.subheader(plain(vehicle.name), anchor=False)
            for item in own:
                _reminder_card(user, vehicle_list, highest, item)


def _done(message: str) -> None:
    st.session_state[MESSAGE_KEY] = message
    st.rerun()


def _reminder_card(
    user: UserRead, vehicle_list: list[VehicleRead], highest: dict[int, Decimal], item: Due
) -> None:
    reminder, state, unit = item.reminder, item.state, user.distance_unit
    assert isinstance(reminder, ReminderRead)
    with st.container(border=True, key=f"reminder_{reminder.id}"):
        title, status = st.columns([3, 1], vertical_alignment="center")
        title.markdown(f"**{plain(reminder.title)}**")
        with status:
            badge(state.status)
        st.caption(
            plain(
                f"{reminder_views.interval_text(reminder, unit)}. "
                f"{reminder_views.last_done_text(reminder, unit)}."
            )
        )
        for line in reminder_views.due_lines(state, unit):
            st.markdown(plain(line))
        with st.expander("Mark done", icon=":material/task_alt:"):
            _mark_done_form(user, reminder, highest.get(reminder.vehicle_id))
        with st.expander("Edit or delete", icon=":material/edit:"):
            saved = reminder_form(
                user, vehicle_list, highest, key=f"reminder_{reminder.id}_edit", existing=reminder
            )
            if saved is not None:
                _done(f"Saved {saved.title}.")
            if st.button(destructive("Delete reminder"), key=f"delete_reminder_{reminder.id}"):
                with context.session() as db:
                    deleted = reminders.delete_reminder(db, user.id, reminder.id)
                _done(f"Deleted {deleted.title}.")


def _shown_km(value_km: Decimal | None, unit: str) -> float | None:
    """A stored distance as its field shows it (a tenth at most, like an odometer)."""
    return None if value_km is None else units.as_typed(units.km_to_distance(value_km, unit), 1)


def _to_km(
    typed: float | None, shown: float | None, stored: Decimal | None, unit: str
) -> Decimal | None:
    """A distance typed in the user's unit, in km as stored; the stored value while the
    field still shows what the form showed of it (no drift through the unit's rounding)."""
    if typed is None:
        return None
    if (
        stored is not None
        and shown is not None
        and (units.to_decimal(typed) == units.to_decimal(shown))
    ):
        return stored
    return to_storage(units.distance_to_km(units.to_decimal(typed), unit), ReminderRow.interval_km)


def reminder_form(
    user: UserRead,
    vehicle_list: list[VehicleRead],
    highest: dict[int, Decimal],
    *,
    key: str,
    existing: ReminderRead | None = None,
) -> ReminderRead | None:
    """A new reminder, or the edit of `existing`; returns what was saved. What the fields
    show is what is saved, or nothing is and the field says why."""
    errors, unit = FieldErrors(key), user.distance_unit
    label = units.distance_label(unit)
    shown = {
        name: _shown_km(getattr(existing, name) if existing else None, unit)
        for name in ("interval_km", "due_soon_km", "last_done_odometer_km")
    }
    if existing is None:
        shown["due_soon_km"] = _shown_km(DEFAULT_DUE_SOON_KM, unit)
    names = {v.id: v.name for v in vehicle_list}
    ids = list(names)
    with st.form(key):
        vehicle_id = st.selectbox(
            "Vehicle",
            ids,
            format_func=names.__getitem__,
            key=f"{key}_vehicle",
            index=ids.index(existing.vehicle_id) if existing else 0,
            persist_state=KEEP_TYPED,
        )
        title = st.text_input(
            "What",
            max_chars=100,
            key=f"{key}_title",
            value=existing.title if existing else "",
            placeholder="e.g. Oil change",
            persist_state=KEEP_TYPED,
        )
        errors.show("title", "vehicle_id")
        st.markdown("**Every** (a distance, a number of months, or both: whichever comes first)")
        c1, c2 = st.columns(2)
        interval = c1.number_input(
            f"Distance ({label})",
            step=1000.0,
            format=AS_TYPED,
            key=f"{key}_interval_km",
            value=shown["interval_km"],
            persist_state=KEEP_TYPED,
        )
        months = c2.number_input(
            "Months",
            step=1,
            key=f"{key}_interval_months",
            value=existing.interval_months if existing else None,
            persist_state=KEEP_TYPED,
        )
        errors.show("interval_km", "interval_months")
        st.markdown("**Due soon** when this little is left")
        c3, c4 = st.columns(2)
        soon_km = c3.number_input(
            f"Distance ({label})",
            step=100.0,
            format=AS_TYPED,
            key=f"{key}_due_soon_km",
            value=shown["due_soon_km"],
            persist_state=KEEP_TYPED,
        )
        soon_days = c4.number_input(
            "Days",
            step=1,
            key=f"{key}_due_soon_days",
            persist_state=KEEP_TYPED,
            value=existing.due_soon_days if existing else DEFAULT_DUE_SOON_DAYS,
        )
        errors.show("due_soon_km", "due_soon_days")
        st.markdown("**Last done** (leave empty if unknown)")
        c5, c6 = st.columns(2)
        done_on = c5.date_input(
            "On",
            value=existing.last_done_on if existing else None,
            min_value=bounds.ANY_DATE[0],
            max_value=bounds.ANY_DATE[1],
            format="YYYY-MM-DD",
            key=f"{key}_last_done_on",
            persist_state=KEEP_TYPED,
        )
        done_odometer = c6.number_input(
            f"At odometer ({label})",
            step=1.0,
            format=AS_TYPED,
            persist_state=KEEP_TYPED,
            key=f"{key}_last_done_odometer",
            value=shown["last_done_odometer_km"],
            # Per vehicle: a form does not rerun when another vehicle is chosen above.
            help=_latest_readings(vehicle_list, highest, unit),
        )
        errors.show("last_done_on", "last_done_odometer_km")
        submitted = st.form_submit_button(
            "Add reminder" if existing is None else "Save changes", type="primary"
        )
    if not submitted:
        return None
    errors.clear()
    typed = TypedReminder(
        interval_distance=units.to_decimal(interval),
        interval_months=months,
        due_soon_distance=units.to_decimal(soon_km),
        due_soon_days=soon_days,
        last_done_on=done_on if isinstance(done_on, dt.date) else None,
        last_done_odometer=units.to_decimal(done_odometer),
    )
    problems = reminder_views.form_problems(typed, unit, local_today(user.timezone))
    if problems:
        errors.set_all(problems)
        st.rerun()
    values: dict[str, object] = {
        "vehicle_id": vehicle_id,
        "title": title,
        "interval_months": months,
        "due_soon_days": soon_days,
        "last_done_on": typed.last_done_on,
        "interval_km": _to_km(
            interval, shown["interval_km"], existing.interval_km if existing else None, unit
        ),
        "due_soon_km": _to_km(
            soon_km,
            shown["due_soon_km"],
            existing.due_soon_km if existing else DEFAULT_DUE_SOON_KM,
            unit,
        ),
        "last_done_odometer_km": _to_km(
            done_odometer,
            shown["last_done_odometer_km"],
            existing.last_done_odometer_km if existing else None,
            unit,
        ),
    }
    with errors.refused_at("title"):
        if existing is None:
            new = parse(ReminderCreate, **values)
            with context.session() as db:
                return reminders.create_reminder(db, user.id, new)
        changed = parse(ReminderUpdate, **values)
        with context.session() as db:
            return reminders.update_reminder(db, user.id, existing.id, changed)


def _latest_readings(
    vehicle_list: list[VehicleRead], highest: dict[int, Decimal], unit: str
) -> str | None:
    """The odometer field's help: "Latest readings: Golf 59,518 km, V-Strom 31,020 km"
    (the vehicles with fill-ups)."""
    # Help text is markdown: the names are user text.
    known = [
        f"{plain(v.name)} {units.format_number(units.km_to_distance(highest[v.id], unit))} "
        f"{units.distance_label(unit)}"
        for v in vehicle_list
        if v.id in highest
    ]
    return "Latest readings: " + ", ".join(known) if known else None


def _mark_done_form(user: UserRead, reminder: ReminderRead, latest_km: Decimal | None) -> None:
    """Mark done on a date at an odometer reading, defaulting to today and the vehicle's
    latest reading."""
    key, unit = f"reminder_{reminder.id}_done", user.distance_unit
    errors = FieldErrors(key)
    shown = _shown_km(latest_km, unit)
    with st.form(key):
        c1, c2 = st.columns(2)
        on = c1.date_input(
            "Done on",
            value=local_today(user.timezone),
            min_value=bounds.ANY_DATE[0],
            max_value=bounds.ANY_DATE[1],
            format="YYYY-MM-DD",
            key=f"{key}_on",
            persist_state=KEEP_TYPED,
        )
        odometer = c2.number_input(
            f"At odometer ({units.distance_label(unit)})",
            step=1.0,
            format=AS_TYPED,
            value=shown,
            key=f"{key}_odometer",
            persist_state=KEEP_TYPED,
        )
        errors.show("on", "odometer_km")
        submitted = st.form_submit_button("Mark done", type="primary")
    if not submitted:
        return
    errors.clear()
    on_date = on if isinstance(on, dt.date) else None
    if on_date is None:
        errors.fail("on", "Date is required")
    problems = reminder_views.done_problems(
        on_date,
        units.to_decimal(odometer),
        unit,
        local_today(user.timezone),
        date_field="on",
        odometer_field="odometer_km",
    )
    if problems:
        errors.set_all(problems)
        st.rerun()
    odometer_km = _to_km(odometer, shown, latest_km, unit)
    with errors.refused_at("on"):
        done = parse(ReminderDone, on=on_date, odometer_km=odometer_km)
        with context.session() as db:
            reminders.mark_done(db, user.id, reminder.id, done)
    _done(f"Marked {reminder.title} done on {on_date.isoformat()}.")


# --------------------------------------------------------------------------- expenses


def offer_mark_done(vehicle_id: int, on: dt.date, odometer_km: Decimal | None) -> None:
    """Remember, after a `service` expense was saved for `vehicle_id` on `on` at
    `odometer_km` (km, or None), to offer marking that vehicle's due reminders done with
    those values; show_mark_done_offer draws the offer on the following runs."""
    st.session_state[OFFER_KEY] = (vehicle_id, on, odometer_km)


def show_mark_done_offer(user: UserRead) -> None:
    """The pending offer of offer_mark_done, if any: the vehicle's overdue and due-soon
    reminders, each with a button marking it done on the expense's date at its odometer,
    and a button to dismiss the offer. Nothing when there is no offer or nothing is due."""
    offer = st.session_state.get(OFFER_KEY)
    if offer is None:
        return
    vehicle_id, on, odometer_km = offer
    _, items, _ = due_items(user, vehicle_id)
    urgent = [i for i in reminder_views.by_urgency(items) if i.state.needs_attention]
    if not urgent:
        st.session_state.pop(OFFER_KEY, None)
        return
    at = (
        ""
        if odometer_km is None
        else f" at {units.format_number(units.km_to_distance(odometer_km, user.distance_unit))}"
        f" {units.distance_label(user.distance_unit)}"
    )
    with st.container(border=True, key="mark_done_offer"):
        st.markdown(plain(f"Was this service one of these? Mark it done on {on.isoformat()}{at}:"))
        for item in urgent:
            _offer_row(user, item, on, odometer_km)
        FieldErrors(OFFER_FORM).show("on", "odometer_km")
        if st.button("Not now", key="mark_done_offer_dismiss"):
            st.session_state.pop(OFFER_KEY, None)
            st.rerun()


def _offer_row(user: UserRead, item: Due, on: dt.date, odometer_km: Decimal | None) -> None:
    reminder = item.reminder
    needs_odometer = reminder.interval_km is not None and odometer_km is None
    left, middle, right = st.columns([1, 3, 2], vertical_alignment="center")
    with left:
        badge(item.state.status)
    middle.markdown(
        f"**{plain(reminder.title)}** · "
        f"{plain(reminder_views.short_due(item.state, user.distance_unit))}"
    )
    clicked = right.button(
        "Mark done",
        key=f"offer_done_{reminder.id}",
        disabled=needs_odometer,
        help="It counts distance: the expense needs an odometer reading"
        if needs_odometer
        else None,
    )
    if clicked:
        errors = FieldErrors(OFFER_FORM)
        with errors.refused_at("on"):
            done = parse(
                ReminderDone,
                on=on,
                odometer_km=None
                if odometer_km is None
                else to_storage(odometer_km, ReminderRow.last_done_odometer_km),
            )
            with context.session() as db:
                reminders.mark_done(db, user.id, reminder.id, done)
        st.session_state[MESSAGE_KEY] = f"Marked {reminder.title} done on {on.isoformat()}."
        st.rerun()


def offer_message() -> None:
    """The confirmation of a reminder marked done from the offer (or on the Reminders
    page), once."""
    if MESSAGE_KEY in st.session_state:
        st.success(plain(st.session_state.pop(MESSAGE_KEY)), icon=":material/check_circle:")
