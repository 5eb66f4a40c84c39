"""The fill-up entry and the vehicle form: inputs in the user's units, converted to canonical
values at this edge, errors and warnings shown next to their field with everything typed kept.

The fill-up entry is the quick entry used at the pump: its pure parts (suggestions, the third
of volume / price / total, plausibility warnings) live in fueltracker/entry.py."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

import streamlit as st
from sqlalchemy.orm import Session
from streamlit.delta_generator import DeltaGenerator

from fueltracker import bounds, entry, units, views
from fueltracker.clock import local_today
from fueltracker.models import FuelEntry, Vehicle, to_storage
from fueltracker.schemas import (
    VEHICLE_KINDS,
    FillupCreate,
    FillupRead,
    FillupUpdate,
    UserRead,
    VehicleCreate,
    VehicleRead,
    VehicleUpdate,
    parse,
)
from fueltracker.services import fillups, vehicles
from fueltracker.ui import context
from fueltracker.ui.errors import KEEP_TYPED, FieldErrors, fragment_errors_reported
from fueltracker.ui.text import plain

FUEL_TYPES = ("Petrol", "Diesel", "LPG", "CNG", "E85", "Electric hybrid", "Other")
# A number input's format that shows the number as typed (sprintf's %g without precision).
AS_TYPED = "%g"


def to_canonical(
    user: UserRead,
    odometer: float | Decimal | None,
    volume: float | Decimal | None,
    total: float | Decimal | None,
) -> dict[str, Decimal | None]:
    """Odometer, volume and amount typed in the user's units, as canonical Decimals rounded
    as their columns store them (models.to_storage)."""
    odometer_d, volume_d, total_d = (
        units.to_decimal(odometer),
        units.to_decimal(volume),
        units.to_decimal(total),
    )
    return {
        "odometer_km": None
        if odometer_d is None
        else to_storage(
            units.distance_to_km(odometer_d, user.distance_unit), FuelEntry.odometer_km
        ),
        "volume_l": None
        if volume_d is None
        else to_storage(units.volume_to_l(volume_d, user.volume_unit), FuelEntry.volume_l),
        "total_amount": None if total_d is None else to_storage(total_d, FuelEntry.total_amount),
    }


def fillup_form(
    user: UserRead, vehicle_list: list[VehicleRead], *, key: str, existing: FillupRead | None = None
) -> int | None:
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
def _fillup_entry(
    user: UserRead, vehicle_list: list[VehicleRead], key: str, existing: FillupRead | None
) -> None:
    # A fragment rerun does not pass through app.py's guard: keep tracebacks out here too.
    with fragment_errors_reported(user.id):
        _fillup_inputs(user, vehicle_list, key, existing)


@dataclass(frozen=True)
class _Form:
    """What every step of one fill-up entry reads: the user, the prefix of its widgets'
    keys, the fill-up being edited (None: a new one) and what its number fields first
    showed, its field errors, the user's history facts (cached per data revision: a rerun
    reads no history) and the user's local today."""

    user: UserRead
    key: str
    existing: FillupRead | None
    shown: dict[str, float]
    errors: FieldErrors
    facts: entry.EntryFacts
    today: dt.date

    def widget(self, name: str) -> str:
        """The key of this entry's widget `name`."""
        return f"{self.key}_{name}"


@dataclass(frozen=True)
class _Typed:
    """The entry as its fields show it, in the user's units (the amounts with the third
    worked out), with what bounds.fillup_problems refuses of it."""

    vehicle_id: int
    date: dt.date | None
    odometer: float | None
    amounts: entry.Amounts
    problems: list[entry.FieldMessage]
    is_full: bool
    missed_previous: bool
    station: str | None
    brand: str | None
    grade: str | None
    notes: str


@dataclass(frozen=True)
class _Boxes:
    """The places below the fields where problems and warnings appear once every value is
    known (they are drawn before the values that decide them)."""

    date: DeltaGenerator
    odometer: DeltaGenerator
    amounts: DeltaGenerator
    consumption: DeltaGenerator


@dataclass(frozen=True)
class _Check:
    """The plausibility warnings of this run (computed only once a save was tried:
    `checking`) and whether the user confirmed them."""

    checking: bool
    warnings: list[entry.FieldMessage]
    confirmed: bool


def _fillup_inputs(
    user: UserRead, vehicle_list: list[VehicleRead], key: str, existing: FillupRead | None
) -> None:
    """The entry's steps in the order its fields are drawn: vehicle and date, odometer,
    amounts, the problems of what is shown, details, plausibility; then the save."""
    form = _Form(
        user,
        key,
        existing,
        _shown_values(existing, user),
        FieldErrors(key),
        context.user_entry_facts(user),
        local_today(user.timezone),
    )
    with st.container(border=True):
        vehicle_id, date, date_box = _vehicle_and_date(form, vehicle_list)
        odometer, odometer_box = _odometer(form, vehicle_id)
        amounts, problems, amount_box = _amounts(form, date, odometer)
        _show_problems(problems, date_box, odometer_box, amount_box)
        typed, consumption_box = _details(form, vehicle_id, date, odometer, amounts, problems)
        boxes = _Boxes(date_box, odometer_box, amount_box, consumption_box)
        canonical = _keep_unchanged(
            to_canonical(user, odometer, amounts.volume, amounts.total),
            existing,
            form.shown,
            odometer=odometer,
            volume=amounts.volume,
            total=amounts.total,
        )
        check = _plausibility(form, vehicle_list, typed, canonical, boxes)
        submitted = st.button(
            "Save fill-up" if existing is None else "Save changes",
            type="primary",
            width="stretch",
            key=form.widget("save"),
        )
    if submitted:
        _save(form, vehicle_list, typed, canonical, check)


def _vehicle_and_date(
    form: _Form, vehicle_list: list[VehicleRead]
) -> tuple[int, dt.date | None, DeltaGenerator]:
    """The vehicle (a select, last used first, unless there is one) and the date; returns
    them and the box for the date's problems."""
    existing = form.existing
    ordered = form.facts.vehicles_last_used_first(vehicle_list)
    names = {v.id: v.name for v in ordered}
    if len(ordered) == 1:
        vehicle_id = ordered[0].id
        st.markdown(f"**Vehicle:** {plain(names[vehicle_id])}")
    else:
        ids = list(names)
        # Last used first, so the vehicle of the last fill-up is preselected: at the
        # pump it is almost always the same one.
        default = ids.index(existing.vehicle_id) if existing and existing.vehicle_id in ids else 0
        vehicle_id = st.selectbox(
            "Vehicle",
            ids,
            index=default,
            format_func=names.__getitem__,
            key=form.widget("vehicle"),
            persist_state=KEEP_TYPED,
        )
    form.errors.show("vehicle_id")
    # No bounds on any input below (see fueltracker/bounds.py): the widest dates the
    # field can hold, so whatever date it shows reaches the checks here.
    date = st.date_input(
        "Date",
        value=existing.date if existing else form.today,
        min_value=bounds.ANY_DATE[0],
        max_value=bounds.ANY_DATE[1],
        format="YYYY-MM-DD",
        key=form.widget("date"),
        persist_state=KEEP_TYPED,
    )
    date_box = st.container()
    form.errors.show("date")
    return vehicle_id, date, date_box


def _odometer(form: _Form, vehicle_id: int) -> tuple[float | None, DeltaGenerator]:
    """The odometer, its hint the vehicle's last reading (for an edit, the one before the
    edited fill-up's); returns it and the box for its problems and warnings."""
    existing = form.existing
    same_vehicle = existing is not None and existing.vehicle_id == vehicle_id
    hint = form.facts.odometer_hint(
        vehicle_id,
        form.user,
        exclude_entry_id=existing.id if existing else None,
        existing_odometer_km=existing.odometer_km if same_vehicle and existing else None,
    )
    # "%g" shows a number as typed: 43100, not 43100.0; 12.345, not 12.35.
    odometer = st.number_input(
        f"Odometer ({units.distance_label(form.user.distance_unit)})",
        step=1.0,
        format=AS_TYPED,
        key=form.widget("odometer"),
        persist_state=KEEP_TYPED,
        placeholder=hint,
        help=hint if existing else None,
        value=form.shown.get("odometer"),
    )
    odometer_box = st.container()  # problems, or warnings once every value is known
    form.errors.show("odometer_km")
    return odometer, odometer_box


def _amounts(
    form: _Form, date: dt.date | None, odometer: float | None
) -> tuple[entry.Amounts, list[entry.FieldMessage], DeltaGenerator]:
    """Volume, price and total side by side, the third worked out of any two and shown;
    returns them, what bounds.fillup_problems refuses of every field shown so far, and the
    box for the amounts' problems and warnings."""
    user = form.user
    left, middle, right = st.columns(3)
    volume = left.number_input(
        f"Volume ({units.volume_label(user.volume_unit)})",
        step=0.01,
        format=AS_TYPED,
        key=form.widget("volume"),
        persist_state=KEEP_TYPED,
        value=form.shown.get("volume"),
    )
    price = middle.number_input(
        f"Price ({units.price_per_volume_label(user.currency, user.volume_unit)})",
        step=10.0 ** -entry.price_decimals(user.currency),
        format=AS_TYPED,
        key=form.widget("price"),
        persist_state=KEEP_TYPED,
        value=None,
    )
    total = right.number_input(
        f"Total paid ({user.currency})",
        step=10.0 ** -units.currency_decimals(user.currency),
        format=AS_TYPED,
        key=form.widget("total"),
        persist_state=KEEP_TYPED,
        value=form.shown.get("total"),
    )
    volume_d, price_d, total_d = (
        units.to_decimal(volume),
        units.to_decimal(price),
        units.to_decimal(total),
    )
    problems = bounds.fillup_problems(
        user,
        date=date,
        today=form.today,
        odometer=units.to_decimal(odometer),
        volume=volume_d,
        unit_price=price_d,
        total=total_d,
    )
    amounts = entry.complete_amounts(
        volume_d, price_d, total_d, currency=user.currency, volume_unit=user.volume_unit
    )
    amount_problems = entry.messages_for(problems, *_AMOUNT_FIELDS)
    if amounts.computed and not amount_problems:  # nothing is worked out of a refused value
        st.markdown(_worked_out(amounts, user))
    amount_box = st.container()
    form.errors.show("volume_l", "unit_price", "total_amount")
    return amounts, problems, amount_box


_AMOUNT_FIELDS = (entry.FIELD_VOLUME, entry.FIELD_PRICE, entry.FIELD_TOTAL)


def _show_problems(
    problems: list[entry.FieldMessage],
    date_box: DeltaGenerator,
    odometer_box: DeltaGenerator,
    amount_box: DeltaGenerator,
) -> None:
    """Each problem in the box below its field: shown as soon as the field shows the value
    (the browser no longer marks it), and nothing is saved while one stands."""
    for box, fields in (
        (date_box, (bounds.FIELD_DATE,)),
        (odometer_box, (entry.FIELD_ODOMETER,)),
        (amount_box, _AMOUNT_FIELDS),
    ):
        for message in entry.messages_for(problems, *fields):
            box.error(message, icon=":material/error:")


def _details(
    form: _Form,
    vehicle_id: int,
    date: dt.date | None,
    odometer: float | None,
    amounts: entry.Amounts,
    problems: list[entry.FieldMessage],
) -> tuple[_Typed, DeltaGenerator]:
    """Full tank, missed fill-up, and in an expander station, brand, grade (offering the
    user's earlier values) and notes; returns the whole entry as typed and the box for the
    tank's consumption warning."""
    existing, errors = form.existing, form.errors
    full = st.toggle(
        "Filled the tank to full",
        value=True if existing is None else existing.is_full,
        key=form.widget("full"),
        persist_state=KEEP_TYPED,
    )
    missed = st.toggle(
        "I missed logging a fill-up before this one",
        value=False if existing is None else existing.missed_previous,
        key=form.widget("missed"),
        persist_state=KEEP_TYPED,
    )
    consumption_box = st.container()
    # Keyed and stateful: the elements above it come and go as values are worked out
    # or refused, and an unkeyed expander at a new position is drawn anew, closed (it
    # snapped shut on a phone whenever a number field lost focus). Open at first when
    # editing, then as the user leaves it.
    with st.expander(
        "Station, brand, grade, notes",
        key=form.widget("more"),
        on_change="rerun",
        expanded=existing is not None,
    ):
        station = _suggesting_select("Station", form, "station")
        errors.show("station")
        c1, c2 = st.columns(2)
        with c1:
            brand = _suggesting_select("Brand", form, "brand")
        with c2:
            grade = _suggesting_select("Grade", form, "grade")
        errors.show("brand", "grade")
        notes = st.text_area(
            "Notes",
            max_chars=500,
            key=form.widget("notes"),
            persist_state=KEEP_TYPED,
            value=(existing.notes or "") if existing else "",
        )
        errors.show("notes")
    typed = _Typed(
        vehicle_id, date, odometer, amounts, problems, full, missed, station, brand, grade, notes
    )
    return typed, consumption_box


def _warnings(
    form: _Form,
    vehicle_list: list[VehicleRead],
    typed: _Typed,
    canonical: dict[str, Decimal | None],
) -> list[entry.FieldMessage]:
    """The plausibility warnings (entry.plausibility_warnings) of a complete entry that
    passed its bounds; none otherwise. Reads the user's whole derived frame: run only
    once a save was tried."""
    odometer_km, volume_l, total = (
        canonical["odometer_km"],
        canonical["volume_l"],
        canonical["total_amount"],
    )
    # A date not given is one of the problems; an odometer, volume or total not given (or
    # not worked out) has no canonical value.
    if (
        typed.problems
        or not typed.amounts.complete
        or typed.date is None
        or odometer_km is None
        or volume_l is None
        or total is None
    ):
        return []
    vehicle = next(v for v in vehicle_list if v.id == typed.vehicle_id)
    candidate = entry.Candidate(
        vehicle_id=typed.vehicle_id,
        date=typed.date,
        odometer_km=odometer_km,
        volume_l=volume_l,
        total_amount=total,
        is_full=typed.is_full,
        missed_previous=typed.missed_previous,
        entry_id=form.existing.id if form.existing else None,
    )
    return entry.plausibility_warnings(
        context.user_frame(form.user), candidate, form.user, tank_capacity_l=vehicle.tank_capacity_l
    )


def _plausibility(
    form: _Form,
    vehicle_list: list[VehicleRead],
    typed: _Typed,
    canonical: dict[str, Decimal | None],
    boxes: _Boxes,
) -> _Check:
    """Warnings wait for the first save attempt (a half-typed entry is not "odd"), then
    follow every change, so a corrected value drops its warning at once; each shows below
    its field, with a "Yes, these values are right" to tick before the save goes through."""
    checking = st.session_state.get(_checking_key(form.key), False)
    warnings = _warnings(form, vehicle_list, typed, canonical) if checking else []
    if not warnings:
        return _Check(checking, warnings, confirmed=False)
    for box, fields in (
        (boxes.odometer, (entry.FIELD_ODOMETER,)),
        (boxes.amounts, _AMOUNT_FIELDS),
        (boxes.consumption, (entry.FIELD_CONSUMPTION,)),
    ):
        for message in entry.messages_for(warnings, *fields):
            box.warning(message, icon=":material/warning:")
    # Keyed by the warnings' text: other warnings need a new "yes".
    confirmed = st.checkbox(
        "Yes, these values are right", key=form.widget(f"confirm_{_digest(warnings)}")
    )
    form.errors.show("confirm")
    return _Check(checking, warnings, confirmed)


def _save(
    form: _Form,
    vehicle_list: list[VehicleRead],
    typed: _Typed,
    canonical: dict[str, Decimal | None],
    check: _Check,
) -> NoReturn:
    """The save button's work: refuse what is incomplete or refused (the messages show
    after the rerun), ask for a confirmation of new warnings, else save in one transaction
    and rerun the whole page, which shows the outcome (a fragment cannot return it)."""
    errors = form.errors
    errors.clear()
    st.session_state[_checking_key(form.key)] = True
    if typed.problems:  # already shown next to their fields; the rerun drops older messages
        st.rerun()
    # Not checking yet: this first attempt computes the warnings the rerun will show.
    warnings = check.warnings if check.checking else _warnings(form, vehicle_list, typed, canonical)
    problem = _missing(typed.odometer, typed.amounts)
    if problem is not None:
        errors.fail(problem.field, problem.message)
    with errors.refused_at("vehicle_id"):
        write = _write(form, typed, canonical)
    if warnings and not check.confirmed:
        if check.warnings:  # shown on this run: the user saw them and did not tick "yes"
            errors.set(
                "confirm",
                "To save these values as they are, tick “Yes, these values are right” first.",
            )
        st.rerun()
    with errors.refused_at("vehicle_id"), context.session() as db:
        saved = write(db)
    st.session_state.pop(_checking_key(form.key), None)
    st.session_state[_saved_key(form.key)] = saved.id
    st.rerun()  # the whole page: it shows the outcome (a fragment cannot return it)


def _write(
    form: _Form, typed: _Typed, canonical: dict[str, Decimal | None]
) -> Callable[[Session], FillupRead]:
    """The entry parsed as the service takes it, a new fill-up or the correction of the
    edited one (a refusal raises here, before anything is saved); returns the write that
    saves it."""
    values: dict[str, object] = {
        "vehicle_id": typed.vehicle_id,
        "date": typed.date,
        **canonical,
        "is_full": typed.is_full,
        "missed_previous": typed.missed_previous,
        "station": typed.station,
        "brand": typed.brand,
        "grade": typed.grade,
        "notes": typed.notes,
    }
    user_id = form.user.id
    if form.existing is None:
        new = parse(FillupCreate, **values)
        return lambda db: fillups.create_fillup(db, user_id, new)
    entry_id, corrected = form.existing.id, parse(FillupUpdate, **values)
    return lambda db: fillups.update_fillup(db, user_id, entry_id, corrected)


def _shown_values(existing: FillupRead | None, user: UserRead) -> dict[str, float]:
    """What the edit form's number fields show of a stored fill-up, in the user's units:
    the odometer to a tenth at most (an odometer's own resolution), the volume to three
    decimals at most (a pump's), the total to every place it is stored with, trailing zeros dropped
    (43100 km, not 43100.0). Empty for a new fill-up."""
    if existing is None:
        return {}
    return {
        "odometer": units.as_typed(
            units.km_to_distance(existing.odometer_km, user.distance_unit), 1
        ),
        "volume": units.as_typed(units.l_to_volume(existing.volume_l, user.volume_unit), 3),
        "total": units.as_typed(existing.total_amount, FuelEntry.total_amount.type.scale),
    }


def _keep_unchanged(
    canonical: dict[str, Decimal | None],
    existing: FillupRead | None,
    shown: dict[str, float],
    *,
    odometer: float | None,
    volume: float | Decimal | None,
    total: float | Decimal | None,
) -> dict[str, Decimal | None]:
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
        ("total_amount", total, "total", existing.total_amount),
    ):
        if typed is not None and units.to_decimal(typed) == units.to_decimal(shown[name]):
            kept[field] = stored
    return kept


def _suggesting_select(label: str, form: _Form, column: str) -> str | None:
    """A select of the user's earlier values of `column` (most used first) that also takes
    a new one typed in; an edit starts on the fill-up's own value."""
    options = list(form.facts.suggestions[column])
    current = getattr(form.existing, column) if form.existing else None
    if current and current not in options:
        options = [current, *options]
    return st.selectbox(
        label,
        options,
        index=options.index(current) if current else None,
        key=form.widget(column),
        accept_new_options=True,
        placeholder="Choose or type a new one",
        persist_state=KEEP_TYPED,
    )


def _worked_out(amounts: entry.Amounts, user: UserRead) -> str:
    """The line under the amounts naming the value worked out of the other two."""
    v_label = units.volume_label(user.volume_unit)
    if amounts.computed == entry.FIELD_TOTAL:
        value = units.format_money(amounts.total, user.currency)
        return f":material/calculate: Total **{value}**, from volume and price."
    if amounts.computed == entry.FIELD_PRICE:
        value = (
            f"{units.format_number(amounts.unit_price, entry.price_decimals(user.currency))}"
            f" {units.price_per_volume_label(user.currency, user.volume_unit)}"
        )
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


def vehicle_form(
    user: UserRead, *, key: str, existing: VehicleRead | None = None
) -> VehicleCreate | None:
    """Render a vehicle form; returns the validated input when submitted, else None."""
    errors = FieldErrors(key)
    shown_tank = (
        None
        if not existing or existing.tank_capacity_l is None
        else units.as_typed(units.l_to_volume(existing.tank_capacity_l, user.volume_unit), 3)
    )
    with st.form(key):
        name = st.text_input(
            "Name",
            max_chars=100,
            key=f"{key}_name",
            persist_state=KEEP_TYPED,
            value=existing.name if existing else "",
            placeholder="e.g. Golf, V-Strom, Dad's van",
        )
        errors.show("name")
        kind = st.segmented_control(
            "Kind",
            VEHICLE_KINDS,
            format_func=views.vehicle_kind_label,
            required=True,
            default=existing.kind if existing else "car",
            key=f"{key}_kind",
            persist_state=KEEP_TYPED,
        )
        errors.show("kind")
        c1, c2 = st.columns(2)
        make = c1.text_input(
            "Make",
            max_chars=50,
            key=f"{key}_make",
            persist_state=KEEP_TYPED,
            value=(existing.make or "") if existing else "",
        )
        model = c2.text_input(
            "Model",
            max_chars=50,
            key=f"{key}_model",
            persist_state=KEEP_TYPED,
            value=(existing.model or "") if existing else "",
        )
        c3, c4, c5 = st.columns(3)
        # No min/max (fueltracker/bounds.py): the year and tank shown are the ones checked.
        year = c3.number_input(
            "Year",
            step=1,
            key=f"{key}_year",
            persist_state=KEEP_TYPED,
            value=existing.year if existing else None,
        )
        fuel_options = list(FUEL_TYPES)
        if existing and existing.fuel_type and existing.fuel_type not in fuel_options:
            fuel_options.append(existing.fuel_type)
        fuel_type = c4.selectbox(
            "Fuel",
            fuel_options,
            key=f"{key}_fuel",
            persist_state=KEEP_TYPED,
            placeholder="Choose",
            accept_new_options=True,
            index=(
                fuel_options.index(existing.fuel_type) if existing and existing.fuel_type else None
            ),
            format_func=lambda fuel: views.fuel_label(fuel, user),
        )
        tank = c5.number_input(
            f"Tank capacity ({units.volume_label(user.volume_unit)})",
            step=1.0,
            format=AS_TYPED,
            key=f"{key}_tank",
            persist_state=KEEP_TYPED,
            value=shown_tank,
        )
        errors.show("make", "model", "year", "fuel_type", "tank_capacity_l")
        submitted = st.form_submit_button(
            "Save vehicle" if existing is None else "Save changes", type="primary"
        )
    if not submitted:
        return None
    errors.clear()
    problems = bounds.vehicle_problems(user, year=year, tank_capacity=units.to_decimal(tank))
    if problems:
        errors.set_all((p.field, p.message) for p in problems)
        st.rerun()
    with errors.refused_at("name"):
        return parse(
            VehicleCreate,
            name=name,
            make=make,
            model=model,
            year=year,
            fuel_type=views.fuel_to_store(fuel_type),
            tank_capacity_l=_tank_to_store(user, tank, shown_tank, existing),
            kind=kind,
        )


def _tank_to_store(
    user: UserRead, tank: float | None, shown_tank: float | None, existing: VehicleRead | None
) -> Decimal | None:
    """The tank capacity typed, in litres as stored; the stored one while the field still
    shows what the edit form showed of it (not moved by the rounding to the user's unit)."""
    if tank is None:
        return None
    if (
        existing is not None
        and shown_tank is not None
        and (units.to_decimal(tank) == units.to_decimal(shown_tank))
    ):
        return existing.tank_capacity_l
    return to_storage(
        units.volume_to_l(units.to_decimal(tank), user.volume_unit), Vehicle.tank_capacity_l
    )


def save_vehicle(
    user: UserRead, data: VehicleCreate, key: str, existing: VehicleRead | None = None
) -> VehicleRead:
    """Create or update a vehicle; a refusal (a duplicate name) shows under its field after
    a rerun."""
    with FieldErrors(key).refused_at("name"), context.session() as db:
        if existing is None:
            return vehicles.create_vehicle(db, user.id, data)
        # The service takes an edit as a VehicleUpdate (the same fields; validating them
        # again changes nothing).
        return vehicles.update_vehicle(
            db, user.id, existing.id, VehicleUpdate.model_validate(data.model_dump())
        )
