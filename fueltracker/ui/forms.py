"""The fill-up and vehicle forms: inputs in the user's units, converted to canonical values
at this edge, errors shown under their field with everything typed kept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import streamlit as st

from fueltracker import units
from fueltracker.errors import FuelTrackerError
from fueltracker.schemas import FillupCreate, FillupRead, UserRead, VehicleCreate, VehicleRead, parse
from fueltracker.services import fillups, users, vehicles
from fueltracker.ui import context
from fueltracker.ui.errors import FieldErrors
from fueltracker.ui.text import plain

# Storage scales of models.py: what the user typed in other units comes back as typed.
_ODOMETER_PLACES = Decimal("0.000001")
_VOLUME_PLACES = Decimal("0.000000001")
_MONEY_PLACES = Decimal("0.0001")
_TANK_PLACES = Decimal("0.001")
FUEL_TYPES = ("Petrol", "Diesel", "LPG", "CNG", "E85", "Electric hybrid", "Other")


def _decimal(value: float | None) -> Decimal | None:
    # number_input gives floats; repr is the shortest text of what was typed.
    return None if value is None else Decimal(repr(float(value)))


def to_canonical(user: UserRead, odometer: float | None, volume: float | None,
                 total: float | None) -> dict[str, Decimal | None]:
    """Odometer, volume and amount typed in the user's units, as canonical Decimals."""
    odometer_d, volume_d, total_d = _decimal(odometer), _decimal(volume), _decimal(total)
    return {
        "odometer_km": None if odometer_d is None else
        units.distance_to_km(odometer_d, user.distance_unit).quantize(_ODOMETER_PLACES),
        "volume_l": None if volume_d is None else
        units.volume_to_l(volume_d, user.volume_unit).quantize(_VOLUME_PLACES),
        "total_amount": None if total_d is None else total_d.quantize(_MONEY_PLACES),
    }


def fillup_form(user: UserRead, vehicle_list: list[VehicleRead], *, key: str,
                existing: FillupRead | None = None) -> int | None:
    """Render the fill-up form (new, or editing `existing`); returns the saved entry id.

    On a validation error the message appears under the field and the inputs keep their values.
    """
    errors = FieldErrors(key)
    d_label = units.distance_label(user.distance_unit)
    v_label = units.volume_label(user.volume_unit)
    names = {v.id: v.name for v in vehicle_list}
    today = users.local_today(user.timezone)
    with st.form(key, border=True):
        if len(vehicle_list) == 1:
            vehicle_id = vehicle_list[0].id
            st.markdown(f"**Vehicle:** {plain(names[vehicle_id])}")
        else:
            ids = list(names)
            default = ids.index(existing.vehicle_id) if existing and existing.vehicle_id in ids else 0
            vehicle_id = st.selectbox("Vehicle", ids, index=default, format_func=names.get,
                                      key=f"{key}_vehicle")
        errors.show("vehicle_id")
        date = st.date_input("Date", value=existing.date if existing else today,
                             max_value=today, min_value=dt.date(1900, 1, 1), format="YYYY-MM-DD",
                             key=f"{key}_date")
        errors.show("date")
        odometer = st.number_input(
            f"Odometer ({d_label})", min_value=0.0, step=1.0, format="%.1f", key=f"{key}_odometer",
            value=None if existing is None else
            float(units.km_to_distance(existing.odometer_km, user.distance_unit)))
        errors.show("odometer_km")
        left, right = st.columns(2)
        volume = left.number_input(
            f"Volume ({v_label})", min_value=0.0, step=0.01, format="%.3f", key=f"{key}_volume",
            value=None if existing is None else
            float(units.l_to_volume(existing.volume_l, user.volume_unit)))
        total = right.number_input(
            f"Total paid ({user.currency})", min_value=0.0, step=0.01, format="%.2f",
            key=f"{key}_total", value=None if existing is None else float(existing.total_amount))
        errors.show("volume_l", "total_amount")
        full = st.toggle("Filled the tank to full", value=True if existing is None else existing.is_full,
                         key=f"{key}_full")
        missed = st.toggle("I missed logging a fill-up before this one",
                           value=False if existing is None else existing.missed_previous,
                           key=f"{key}_missed")
        with st.expander("Station, brand, grade, notes", expanded=existing is not None):
            station = st.text_input("Station", max_chars=100, key=f"{key}_station",
                                    value=(existing.station or "") if existing else "")
            errors.show("station")
            c1, c2 = st.columns(2)
            brand = c1.text_input("Brand", max_chars=50, key=f"{key}_brand",
                                  value=(existing.brand or "") if existing else "")
            grade = c2.text_input("Grade", max_chars=20, key=f"{key}_grade",
                                  value=(existing.grade or "") if existing else "")
            errors.show("brand", "grade")
            notes = st.text_area("Notes", max_chars=500, key=f"{key}_notes",
                                 value=(existing.notes or "") if existing else "")
            errors.show("notes")
        submitted = st.form_submit_button("Save fill-up" if existing is None else "Save changes",
                                          type="primary", width="stretch")
    if not submitted:
        return None
    errors.clear()
    missing = [(field, label) for field, label, value in (
        ("odometer_km", "Odometer", odometer), ("volume_l", "Volume", volume),
        ("total_amount", "Total paid", total)) if value is None]
    if missing:
        errors.set(missing[0][0], f"{missing[0][1]} is required")
        st.rerun()
    try:
        data = parse(FillupCreate, vehicle_id=vehicle_id, date=date,
                     **to_canonical(user, odometer, volume, total), is_full=full,
                     missed_previous=missed, station=station, brand=brand, grade=grade,
                     notes=notes)
        with context.session() as db:
            if existing is None:
                saved = fillups.create_fillup(db, user.id, data)
            else:
                saved = fillups.update_fillup(db, user.id, existing.id, data)
    except FuelTrackerError as exc:
        errors.set(getattr(exc, "field", "vehicle_id"), str(exc))
        st.rerun()
    return saved.id


def vehicle_form(user: UserRead, *, key: str, existing: VehicleRead | None = None
                 ) -> VehicleCreate | None:
    """Render a vehicle form; returns the validated input when submitted, else None."""
    errors = FieldErrors(key)
    with st.form(key):
        name = st.text_input("Name", max_chars=100, key=f"{key}_name",
                             value=existing.name if existing else "",
                             placeholder="e.g. Golf, V-Strom, Dad's van")
        errors.show("name")
        c1, c2 = st.columns(2)
        make = c1.text_input("Make", max_chars=50, key=f"{key}_make",
                             value=(existing.make or "") if existing else "")
        model = c2.text_input("Model", max_chars=50, key=f"{key}_model",
                              value=(existing.model or "") if existing else "")
        c3, c4, c5 = st.columns(3)
        year = c3.number_input("Year", min_value=1885, max_value=2100, step=1, key=f"{key}_year",
                               value=existing.year if existing else None)
        fuel_options = list(FUEL_TYPES)
        if existing and existing.fuel_type and existing.fuel_type not in fuel_options:
            fuel_options.append(existing.fuel_type)
        fuel_type = c4.selectbox(
            "Fuel", fuel_options, key=f"{key}_fuel", placeholder="Choose",
            index=fuel_options.index(existing.fuel_type) if existing and existing.fuel_type else None,
            accept_new_options=True)
        tank = c5.number_input(
            f"Tank capacity ({units.volume_label(user.volume_unit)})", min_value=0.0, step=1.0,
            key=f"{key}_tank", value=None if not existing or existing.tank_capacity_l is None
            else float(units.l_to_volume(existing.tank_capacity_l, user.volume_unit)))
        errors.show("make", "model", "year", "fuel_type", "tank_capacity_l")
        submitted = st.form_submit_button("Save vehicle" if existing is None else "Save changes",
                                          type="primary")
    if not submitted:
        return None
    errors.clear()
    try:
        return parse(VehicleCreate, name=name, make=make, model=model, year=year,
                     fuel_type=fuel_type,
                     tank_capacity_l=None if not tank else units.volume_to_l(
                         _decimal(tank), user.volume_unit).quantize(_TANK_PLACES))
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
