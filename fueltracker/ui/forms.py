"""The fill-up entry and the vehicle form: inputs in the user's units, converted to canonical
values at this edge, errors and warnings shown next to their field with everything typed kept.

The fill-up entry is the quick entry used at the pump: its pure parts (suggestions, the third
of volume / price / total, plausibility warnings) live in fueltracker/entry.py."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import streamlit as st

from fueltracker import bounds, entry, units, views
from fueltracker.clock import local_today
from fueltracker.errors import FuelTrackerError
from fueltracker.models import FuelEntry, Vehicle, to_storage
from fueltracker.schemas import (
    VEHICLE_KINDS,
    FillupCreate,
    FillupRead,
    UserRead,
    VehicleCreate,
    VehicleRead,
    parse,
)
from fueltracker.services import fillups, vehicles
from fueltracker.ui import context
from fueltracker.ui.errors import KEEP_TYPED, FieldErrors, fragment_errors_reported
from fueltracker.ui.text import plain

FUEL_TYPES = ("Petrol", "Diesel", "LPG", "CNG", "E85", "Electric hybrid", "Other")
# A number input's format that shows the number as typed (sprintf's %g without precision).
AS_TYPED = "%g"


def to_canonical(user: UserRead, odometer: float | Decimal | None,
                 volume: float | Decimal | None,
                 total: float | Decimal | None) -> dict[str, Decimal | None]:
    """Odometer, volume and amount typed in the user's units, as canonical Decimals rounded
    as their columns store them (models.to_storage)."""
    odometer_d, volume_d, total_d = units.to_decimal(odometer), units.to_decimal(volume), units.to_decimal(total)
    return {
        "odometer_km": None if odometer_d is None else
        to_storage(units.distance_to_km(odometer_d, user.distance_unit), FuelEntry.odometer_km),
        "volume_l": None if volume_d is None else
        to_storage(units.volume_to_l(volume_d, user.volume_unit), FuelEntry.volume_l),
        "total_amount": None if total_d is None else to_storage(total_d, FuelEntry.total_amount),
    }


def fillup_form(user: UserRead, vehicle_list: list[VehicleRead], *, key: str,
                existing: FillupRead | None = None) -> int | None:
    """Render the fill-up entry (new, or editing `existing`); returns the saved entry's id.

    Any two of volume, price and total give the third, shown before saving. On a validation
    error the message appears next to the field and everything typed stays; plausibility
    warnings (entry.py) appear next to their fields and need a "Yes, these values are right"
    before the next save goes through.
    """
    saved_id = st.session_state.pop(_saved_key(key), None)
    if saved_id is not None:
        return saved_id
    _fillup_entry(user, vehicle_list, key, existing)
    return None


def _saved_key(key: str) -> str:
    return f"_saved_{key}"


def _checking_key(key: str) -> str:
    return f"_checking_{key}"


# No st.form here: inside one nothing reruns before submit, yet the entry must follow the
# user as they type: the odometer hint follows the chosen vehicle, and the value worked out
# of two of volume / price / total shows before saving. So every input reruns, and the
# fragment keeps those reruns to this part of the page (History's table is not redrawn).
# A fragment's return value is dropped on its own reruns, hence the saved id travels through
# the session to fillup_form on the full rerun that follows a save.
@st.fragment
def _fillup_entry(user: UserRead, vehicle_list: list[VehicleRead], key: str,
                  existing: FillupRead | None) -> None:
    # A fragment rerun does not pass through app.py's guard: keep tracebacks out here too.
    with fragment_errors_reported(user.id):
        _fillup_inputs(user, vehicle_list, key, existing)


def _fillup_inputs(user: UserRead, vehicle_list: list[VehicleRead], key: str,
                   existing: FillupRead | None) -> None:
    errors = FieldErrors(key)
    derived = context.user_frame(user)
    d_label = units.distance_label(user.distance_unit)
    v_label = units.volume_label(user.volume_unit)
    money_decimals = units.currency_decimals(user.currency)
    price_decimals = entry.price_decimals(user.currency)
    today = local_today(user.timezone)
    editing_id = existing.id if existing else None
    shown = _shown_values(existing, user)

    with st.container(border=True):
        ordered = entry.vehicles_last_used_first(vehicle_list, derived)
        names = {v.id: v.name for v in ordered}
        if len(ordered) == 1:
            vehicle_id = ordered[0].id
            st.markdown(f"**Vehicle:** {plain(names[vehicle_id])}")
        else:
            ids = list(names)
            # Last used first, so the vehicle of the last fill-up is preselected: at the
            # pump it is almost always the same one.
            default = ids.index(existing.vehicle_id) if existing and existing.vehicle_id in ids else 0
            vehicle_id = st.selectbox("Vehicle", ids, index=default, format_func=names.get,
                                      key=f"{key}_vehicle", persist_state=KEEP_TYPED)
        errors.show("vehicle_id")
        # No bounds on any input below (see fueltracker/bounds.py): the widest dates the
        # field can hold, so whatever date it shows reaches the checks here.
        date = st.date_input("Date", value=existing.date if existing else today,
                             min_value=bounds.ANY_DATE[0], max_value=bounds.ANY_DATE[1],
                             format="YYYY-MM-DD",
                             key=f"{key}_date", persist_state=KEEP_TYPED)
        date_notes = st.container()
        errors.show("date")
        same_vehicle = existing is not None and existing.vehicle_id == vehicle_id
        hint = entry.odometer_hint(
            derived, vehicle_id, user, exclude_entry_id=editing_id,
            existing_odometer_km=existing.odometer_km if same_vehicle else None)
        # "%g" shows a number as typed: 43100, not 43100.0; 12.345, not 12.35.
        odometer = st.number_input(
            f"Odometer ({d_label})", step=1.0, format=AS_TYPED, key=f"{key}_odometer",
            persist_state=KEEP_TYPED, placeholder=hint, help=hint if existing else None,
            value=shown.get("odometer"))
        odometer_notes = st.container()  # problems, or warnings once every value is known
        errors.show("odometer_km")

        left, middle, right = st.columns(3)
        volume = left.number_input(
            f"Volume ({v_label})", step=0.01, format=AS_TYPED, key=f"{key}_volume",
            persist_state=KEEP_TYPED, value=shown.get("volume"))
        price = middle.number_input(
            f"Price ({units.price_per_volume_label(user.currency, user.volume_unit)})",
            step=10.0 ** -price_decimals, format=AS_TYPED,
            key=f"{key}_price", persist_state=KEEP_TYPED, value=None)
        total = right.number_input(
            f"Total paid ({user.currency})", step=10.0 ** -money_decimals,
            format=AS_TYPED, key=f"{key}_total", persist_state=KEEP_TYPED,
            value=shown.get("total"))
        problems = bounds.fillup_problems(
            user, date=date, today=today, odometer=units.to_decimal(odometer), volume=units.to_decimal(volume),
            unit_price=units.to_decimal(price), total=units.to_decimal(total))
        amounts = entry.complete_amounts(units.to_decimal(volume), units.to_decimal(price), units.to_decimal(total),
                                         currency=user.currency, volume_unit=user.volume_unit)
        amount_problems = entry.messages_for(problems, entry.FIELD_VOLUME, entry.FIELD_PRICE,
                                             entry.FIELD_TOTAL)
        if amounts.computed and not amount_problems:  # nothing is worked out of a refused value
            st.markdown(_worked_out(amounts, user))
        amount_notes = st.container()
        errors.show("volume_l", "unit_price", "total_amount")
        # Shown as soon as the field shows the value (the browser no longer marks it), and
        # nothing is saved while one stands.
        for notes_box, fields in ((date_notes, (bounds.FIELD_DATE,)),
                                  (odometer_notes, (entry.FIELD_ODOMETER,)),
                                  (amount_notes, (entry.FIELD_VOLUME, entry.FIELD_PRICE,
                                                  entry.FIELD_TOTAL))):
            for message in entry.messages_for(problems, *fields):
                notes_box.error(message, icon=":material/error:")

        full = st.toggle("Filled the tank to full", value=True if existing is None else existing.is_full,
                         key=f"{key}_full", persist_state=KEEP_TYPED)
        missed = st.toggle("I missed logging a fill-up before this one",
                           value=False if existing is None else existing.missed_previous,
                           key=f"{key}_missed", persist_state=KEEP_TYPED)
        consumption_notes = st.container()
        # Keyed and stateful: the elements above it come and go as values are worked out
        # or refused, and an unkeyed expander at a new position is drawn anew, closed (it
        # snapped shut on a phone whenever a number field lost focus). Open at first when
        # editing, then as the user leaves it.
        with st.expander("Station, brand, grade, notes", key=f"{key}_more", on_change="rerun",
                         expanded=existing is not None):
            station = _suggesting_select("Station", entry.suggestions(derived, "station"),
                                         existing.station if existing else None,
                                         key=f"{key}_station")
            errors.show("station")
            c1, c2 = st.columns(2)
            with c1:
                brand = _suggesting_select("Brand", entry.suggestions(derived, "brand"),
                                           existing.brand if existing else None,
                                           key=f"{key}_brand")
            with c2:
                grade = _suggesting_select("Grade", entry.suggestions(derived, "grade"),
                                           existing.grade if existing else None,
                                           key=f"{key}_grade")
            errors.show("brand", "grade")
            notes = st.text_area("Notes", max_chars=500, key=f"{key}_notes",
                                 persist_state=KEEP_TYPED,
                                 value=(existing.notes or "") if existing else "")
            errors.show("notes")

        canonical = _keep_unchanged(
            to_canonical(user, odometer, amounts.volume, amounts.total), existing, shown,
            odometer=odometer, volume=amounts.volume, total=amounts.total)

        def plausibility() -> list[entry.FieldMessage]:
            if problems or odometer is None or not amounts.complete:
                return []
            vehicle = next(v for v in vehicle_list if v.id == vehicle_id)
            return entry.plausibility_warnings(
                derived,
                entry.Candidate(vehicle_id=vehicle_id, date=date, is_full=full,
                                missed_previous=missed, entry_id=editing_id, **canonical),
                user, tank_capacity_l=vehicle.tank_capacity_l)

        # Warnings wait for the first save attempt (a half-typed entry is not "odd"), then
        # follow every change, so a corrected value drops its warning at once.
        checking = st.session_state.get(_checking_key(key), False)
        warnings = plausibility() if checking else []
        shown_warnings = bool(warnings)
        confirmed = False
        if shown_warnings:
            for notes_box, fields in (
                    (odometer_notes, (entry.FIELD_ODOMETER,)),
                    (amount_notes, (entry.FIELD_VOLUME, entry.FIELD_PRICE, entry.FIELD_TOTAL)),
                    (consumption_notes, (entry.FIELD_CONSUMPTION,))):
                for message in entry.messages_for(warnings, *fields):
                    notes_box.warning(message, icon=":material/warning:")
            # Keyed by the warnings' text: other warnings need a new "yes".
            confirmed = st.checkbox("Yes, these values are right",
                                    key=f"{key}_confirm_{_digest(warnings)}")
            errors.show("confirm")
        submitted = st.button("Save fill-up" if existing is None else "Save changes",
                              type="primary", width="stretch", key=f"{key}_save")
    if not submitted:
        return
    errors.clear()
    st.session_state[_checking_key(key)] = True
    if problems:  # already shown next to their fields; the rerun drops older messages
        st.rerun()
    if not checking:
        warnings = plausibility()
    problem = _missing(odometer, amounts)
    if problem is not None:
        errors.set(problem.field, problem.message)
        st.rerun()
    try:
        data = parse(FillupCreate, vehicle_id=vehicle_id, date=date, **canonical, is_full=full,
                     missed_previous=missed, station=station, brand=brand, grade=grade,
                     notes=notes)
    except FuelTrackerError as exc:
        errors.set(getattr(exc, "field", "vehicle_id"), str(exc))
        st.rerun()
    if warnings and not confirmed:
        if shown_warnings:
            errors.set("confirm", "To save these values as they are, tick “Yes, these values "
                                  "are right” first.")
        st.rerun()
    try:
        with context.session() as db:
            if existing is None:
                saved = fillups.create_fillup(db, user.id, data)
            else:
                saved = fillups.update_fillup(db, user.id, existing.id, data)
    except FuelTrackerError as exc:
        errors.set(getattr(exc, "field", "vehicle_id"), str(exc))
        st.rerun()
    st.session_state.pop(_checking_key(key), None)
    st.session_state[_saved_key(key)] = saved.id
    st.rerun()  # the whole page: it shows the outcome (a fragment cannot return it)


def _shown_values(existing: FillupRead | None, user: UserRead) -> dict[str, float]:
    """What the edit form's number fields show of a stored fill-up, in the user's units:
    the odometer to a tenth at most (an odometer's own resolution), the volume to three
    decimals at most (a pump's), the total to every place it is stored with, trailing zeros dropped
    (43100 km, not 43100.0). Empty for a new fill-up."""
    if existing is None:
        return {}
    return {
        "odometer": units.as_typed(
            units.km_to_distance(existing.odometer_km, user.distance_unit), 1),
        "volume": units.as_typed(units.l_to_volume(existing.volume_l, user.volume_unit), 3),
        "total": units.as_typed(existing.total_amount, FuelEntry.total_amount.type.scale),
    }


def _keep_unchanged(canonical: dict[str, Decimal | None], existing: FillupRead | None,
                    shown: dict[str, float], *, odometer: float | None,
                    volume: float | Decimal | None,
                    total: float | Decimal | None) -> dict[str, Decimal | None]:
    """The canonical values to save, with the stored value kept for every field still
    showing what the edit form showed of it. A reading stored in other units shows rounded
    (38.5 L is 10.171 US gal): saving a changed station must not move the volume to
    10.171 US gal = 38.5024 L. What is saved still shows exactly as the field did."""
    if existing is None:
        return canonical
    kept = dict(canonical)
    for field, typed, name, stored in (
            ("odometer_km", odometer, "odometer", existing.odometer_km),
            ("volume_l", volume, "volume", existing.volume_l),
            ("total_amount", total, "total", existing.total_amount)):
        if typed is not None and units.to_decimal(typed) == units.to_decimal(shown[name]):
            kept[field] = stored
    return kept


def _suggesting_select(label: str, options: list[str], current: str | None, *,
                       key: str) -> str | None:
    """A select of the user's earlier values that also takes a new one typed in."""
    if current and current not in options:
        options = [current, *options]
    return st.selectbox(label, options, index=options.index(current) if current else None,
                        key=key, accept_new_options=True, placeholder="Choose or type a new one",
                        persist_state=KEEP_TYPED)


def _worked_out(amounts: entry.Amounts, user: UserRead) -> str:
    """The line under the amounts naming the value worked out of the other two."""
    v_label = units.volume_label(user.volume_unit)
    if amounts.computed == entry.FIELD_TOTAL:
        value = units.format_money(amounts.total, user.currency)
        return f":material/calculate: Total **{value}**, from volume and price."
    if amounts.computed == entry.FIELD_PRICE:
        value = (f"{units.format_number(amounts.unit_price, entry.price_decimals(user.currency))}"
                 f" {units.price_per_volume_label(user.currency, user.volume_unit)}")
        return f":material/calculate: Price **{value}**, from volume and total."
    value = f"{units.format_number(amounts.volume, entry.VOLUME_DECIMALS)} {v_label}"
    return f":material/calculate: Volume **{value}**, from price and total."


def _missing(odometer: float | None, amounts: entry.Amounts) -> entry.FieldMessage | None:
    """The first required value not given (or not consistent) at save time."""
    if odometer is None:
        return entry.FieldMessage("odometer_km", "Odometer is required")
    if amounts.problem is not None:
        return amounts.problem
    if not amounts.complete:
        field = "volume_l" if amounts.volume is None else "total_amount"
        return entry.FieldMessage(field, "Enter two of volume, price and total paid")
    return None


def _digest(warnings: list[entry.FieldMessage]) -> str:
    text = "\n".join(f"{w.field}:{w.message}" for w in warnings)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def vehicle_form(user: UserRead, *, key: str, existing: VehicleRead | None = None
                 ) -> VehicleCreate | None:
    """Render a vehicle form; returns the validated input when submitted, else None."""
    errors = FieldErrors(key)
    shown_tank = (None if not existing or existing.tank_capacity_l is None else
                  units.as_typed(units.l_to_volume(existing.tank_capacity_l, user.volume_unit), 3))
    with st.form(key):
        name = st.text_input("Name", max_chars=100, key=f"{key}_name", persist_state=KEEP_TYPED,
                             value=existing.name if existing else "",
                             placeholder="e.g. Golf, V-Strom, Dad's van")
        errors.show("name")
        kind = st.segmented_control(
            "Kind", VEHICLE_KINDS, format_func=views.vehicle_kind_label, required=True,
            default=existing.kind if existing else "car", key=f"{key}_kind",
            persist_state=KEEP_TYPED)
        errors.show("kind")
        c1, c2 = st.columns(2)
        make = c1.text_input("Make", max_chars=50, key=f"{key}_make", persist_state=KEEP_TYPED,
                             value=(existing.make or "") if existing else "")
        model = c2.text_input("Model", max_chars=50, key=f"{key}_model", persist_state=KEEP_TYPED,
                              value=(existing.model or "") if existing else "")
        c3, c4, c5 = st.columns(3)
        # No min/max (fueltracker/bounds.py): the year and tank shown are the ones checked.
        year = c3.number_input("Year", step=1, key=f"{key}_year", persist_state=KEEP_TYPED,
                               value=existing.year if existing else None)
        fuel_options = list(FUEL_TYPES)
        if existing and existing.fuel_type and existing.fuel_type not in fuel_options:
            fuel_options.append(existing.fuel_type)
        fuel_type = c4.selectbox(
            "Fuel", fuel_options, key=f"{key}_fuel", persist_state=KEEP_TYPED, placeholder="Choose",
            index=fuel_options.index(existing.fuel_type) if existing and existing.fuel_type else None,
            format_func=lambda fuel: views.fuel_label(fuel, user), accept_new_options=True)
        tank = c5.number_input(
            f"Tank capacity ({units.volume_label(user.volume_unit)})", step=1.0,
            format=AS_TYPED, key=f"{key}_tank", persist_state=KEEP_TYPED, value=shown_tank)
        errors.show("make", "model", "year", "fuel_type", "tank_capacity_l")
        submitted = st.form_submit_button("Save vehicle" if existing is None else "Save changes",
                                          type="primary")
    if not submitted:
        return None
    errors.clear()
    problems = bounds.vehicle_problems(user, year=year, tank_capacity=units.to_decimal(tank))
    if problems:
        errors.set_all((p.field, p.message) for p in problems)
        st.rerun()
    if tank is None:
        tank_capacity_l = None
    elif existing is not None and shown_tank is not None and units.to_decimal(tank) == units.to_decimal(shown_tank):
        tank_capacity_l = existing.tank_capacity_l  # unchanged: not moved by the rounding
    else:
        tank_capacity_l = to_storage(units.volume_to_l(units.to_decimal(tank), user.volume_unit),
                                     Vehicle.tank_capacity_l)
    try:
        return parse(VehicleCreate, name=name, make=make, model=model, year=year,
                     fuel_type=views.fuel_to_store(fuel_type), tank_capacity_l=tank_capacity_l,
                     kind=kind)
    except FuelTrackerError as exc:
        errors.set(getattr(exc, "field", "name"), str(exc))
        st.rerun()
    return None


def save_vehicle(user: UserRead, data: VehicleCreate, key: str,
                 existing: VehicleRead | None = None) -> VehicleRead | None:
    """Create or update a vehicle; a duplicate name is shown under the name field."""
    try:
        with context.session() as db:
            if existing is None:
                return vehicles.create_vehicle(db, user.id, data)
            return vehicles.update_vehicle(db, user.id, existing.id, data)
    except FuelTrackerError as exc:
        FieldErrors(key).set(getattr(exc, "field", "name"), str(exc))
        st.rerun()
    return None
