"""Expenses glue: the quick expense form (new or editing one), the history's filters, table
and CSV of what the filter shows, and delete with confirmation and undo.

The form is an st.form: nothing on it follows the user as they type, so one run on
submit reads every field as shown. Bounds are checked on the shown values (bounds.py: no
min/max on the inputs), the rest by the schema; a refusal is shown under its field with
everything typed kept, and nothing is saved.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import partial

import streamlit as st

from fueltracker import bounds, security, units
from fueltracker.clock import local_today
from fueltracker.entry import FieldMessage
from fueltracker.errors import FuelTrackerError
from fueltracker.expense_views import (
    CATEGORIES,
    category_label,
    expense_label,
    expense_table,
)
from fueltracker.export import user_units_expenses_csv
from fueltracker.logging_setup import in_this_run
from fueltracker.models import Expense, to_storage
from fueltracker.schemas import (
    ExpenseCreate,
    ExpenseRead,
    ExpenseUpdate,
    UserRead,
    VehicleRead,
    parse,
)
from fueltracker.services import expenses, vehicles
from fueltracker.services.expenses import ExpenseFilter
from fueltracker.ui import context, downloads, tables
from fueltracker.ui import reminders as reminders_ui
from fueltracker.ui.errors import KEEP_TYPED, FieldErrors
from fueltracker.ui.text import destructive, plain

PICK_KEY = "expenses_pick"
UNDO_KEY = "expenses_undo"
MESSAGE_KEY = "expenses_message"
_FORGET_PICK_KEY = "expenses_forget_pick"
_CONFIRM_KEY = "expenses_confirm_delete"
_FORM_NUMBER_KEY = "expense_form_number"
AS_TYPED = "%g"
DETAIL_FIELDS = ("odometer_km", "vendor", "coverage_from", "coverage_to", "notes")
DATES_HELP = (
    "Pick the first and the last day: the filter applies as soon as both are "
    "picked. Typed dates apply when you leave the field."
)
COVERAGE_HELP = (
    "For a cost paid once for a stretch of time (insurance, tax, a parking "
    "permit): the Costs page spreads it evenly per day over these dates. "
    "Leave both empty for a cost that counts on its date."
)


# The form ------------------------------------------------------------------------------


def _shown(existing: ExpenseRead | None, user: UserRead) -> dict[str, float | None]:
    """What the edit form's number fields show of a stored expense (user's units)."""
    if existing is None:
        return {"amount": None, "odometer": None}
    return {
        "amount": units.as_typed(existing.amount, Expense.amount.type.scale),
        "odometer": None
        if existing.odometer_km is None
        else units.as_typed(units.km_to_distance(existing.odometer_km, user.distance_unit), 1),
    }


def _canonical(
    user: UserRead,
    existing: ExpenseRead | None,
    shown: dict[str, float | None],
    amount: float | None,
    odometer: float | None,
) -> tuple[Decimal | None, Decimal | None]:
    """Amount and odometer (km) to save: the typed values as stored, or the stored ones
    while a field still shows what the edit form showed of them (an odometer stored in
    km shows rounded in miles; saving another field must not move it)."""
    amount_d = units.to_decimal(amount)
    odometer_d = units.to_decimal(odometer)
    amount_out = None if amount_d is None else to_storage(amount_d, Expense.amount)
    odometer_out = (
        None
        if odometer_d is None
        else to_storage(units.distance_to_km(odometer_d, user.distance_unit), Expense.odometer_km)
    )
    if existing is not None:
        if amount is not None and amount_d == units.to_decimal(shown["amount"]):
            amount_out = existing.amount
        if (
            odometer is not None
            and shown["odometer"] is not None
            and (odometer_d == units.to_decimal(shown["odometer"]))
        ):
            odometer_out = existing.odometer_km
    return amount_out, odometer_out


def expense_form(
    user: UserRead,
    vehicle_list: list[VehicleRead],
    *,
    key: str,
    existing: ExpenseRead | None = None,
) -> ExpenseRead | None:
    """Render the expense form (new, or editing `existing`); returns the saved expense on
    the run of a successful submit, else None."""
    errors = FieldErrors(key)
    shown = _shown(existing, user)
    names = {v.id: v.name for v in vehicle_list}
    ids = list(names)
    today = local_today(user.timezone)
    with st.form(key, border=True):
        if len(ids) == 1:
            vehicle_id = ids[0]
            st.markdown(f"**Vehicle:** {plain(names[vehicle_id])}")
        else:
            default = (
                ids.index(existing.vehicle_id) if existing and existing.vehicle_id in ids else 0
            )
            vehicle_id = st.selectbox(
                "Vehicle",
                ids,
                index=default,
                format_func=names.__getitem__,
                key=f"{key}_vehicle",
                persist_state=KEEP_TYPED,
            )
        errors.show("vehicle_id")
        left, right = st.columns(2)
        with left:
            date = st.date_input(
                "Date",
                value=existing.date if existing else today,
                min_value=bounds.ANY_DATE[0],
                max_value=bounds.ANY_DATE[1],
                format="YYYY-MM-DD",
                key=f"{key}_date",
                persist_state=KEEP_TYPED,
            )
            errors.show("date")
        with right:
            category = st.selectbox(
                "Category",
                CATEGORIES,
                format_func=category_label,
                index=CATEGORIES.index(existing.category) if existing else None,
                placeholder="Choose a category",
                key=f"{key}_category",
                persist_state=KEEP_TYPED,
            )
            errors.show("category")
        left, right = st.columns([1, 2])
        with left:
            amount = st.number_input(
                f"Amount ({user.currency})",
                step=10.0 ** -units.currency_decimals(user.currency),
                format=AS_TYPED,
                value=shown["amount"],
                key=f"{key}_amount",
                persist_state=KEEP_TYPED,
            )
            errors.show("amount")
        with right:
            description = st.text_input(
                "Description",
                max_chars=200,
                value=existing.description if existing else "",
                placeholder="e.g. Oil change and filters, Yearly insurance",
                key=f"{key}_description",
                persist_state=KEEP_TYPED,
            )
            errors.show("description")
        has_details = existing is not None and any(
            getattr(existing, name) is not None for name in DETAIL_FIELDS
        )
        with st.expander(
            "More details", icon=":material/tune:", expanded=has_details or errors.any()
        ):
            left, right = st.columns(2)
            with left:
                odometer = st.number_input(
                    f"Odometer ({units.distance_label(user.distance_unit)}, optional)",
                    step=1.0,
                    format=AS_TYPED,
                    value=shown["odometer"],
                    key=f"{key}_odometer",
                    persist_state=KEEP_TYPED,
                )
                errors.show("odometer_km")
            with right:
                vendor = st.text_input(
                    "Vendor (optional)",
                    max_chars=100,
                    value=(existing.vendor or "") if existing else "",
                    placeholder="e.g. the garage, the insurer",
                    key=f"{key}_vendor",
                    persist_state=KEEP_TYPED,
                )
                errors.show("vendor")
            left, right = st.columns(2)
            with left:
                coverage_from = st.date_input(
                    "Covers from (optional)",
                    value=existing.coverage_from if existing else None,
                    min_value=bounds.ANY_DATE[0],
                    max_value=bounds.ANY_DATE[1],
                    format="YYYY-MM-DD",
                    key=f"{key}_coverage_from",
                    help=COVERAGE_HELP,
                    persist_state=KEEP_TYPED,
                )
                errors.show("coverage_from")
            with right:
                coverage_to = st.date_input(
                    "Covers to (optional)",
                    value=existing.coverage_to if existing else None,
                    min_value=bounds.ANY_DATE[0],
                    max_value=bounds.ANY_DATE[1],
                    format="YYYY-MM-DD",
                    key=f"{key}_coverage_to",
                    help=COVERAGE_HELP,
                    persist_state=KEEP_TYPED,
                )
                errors.show("coverage_to")
            notes = st.text_area(
                "Notes (optional)",
                max_chars=500,
                value=(existing.notes or "") if existing else "",
                key=f"{key}_notes",
                persist_state=KEEP_TYPED,
            )
            errors.show("notes")
        submitted = st.form_submit_button(
            "Save expense" if existing is None else "Save changes", type="primary", width="stretch"
        )
    if not submitted:
        return None
    errors.clear()
    problems = bounds.expense_problems(
        user,
        date=date,
        today=today,
        amount=units.to_decimal(amount),
        odometer=units.to_decimal(odometer),
        coverage_from=coverage_from,
        coverage_to=coverage_to,
    )
    if category is None:
        problems.insert(1, FieldMessage("category", "Choose a category"))
    if problems:
        errors.set_all((p.field, p.message) for p in problems)
        st.rerun()
    amount_d, odometer_km = _canonical(user, existing, shown, amount, odometer)
    values: dict[str, object] = {
        "vehicle_id": vehicle_id,
        "date": date,
        "category": category,
        "amount": amount_d,
        "description": description,
        "odometer_km": odometer_km,
        "vendor": vendor,
        "notes": notes,
        "coverage_from": coverage_from,
        "coverage_to": coverage_to,
    }
    with errors.refused_at("description"):
        if existing is None:
            new = parse(ExpenseCreate, **values)
        else:
            corrected = parse(ExpenseUpdate, **values)
    with errors.refused_at("vehicle_id"), context.session() as db:
        if existing is None:
            return expenses.create_expense(db, user.id, new)
        return expenses.update_expense(db, user.id, existing.id, corrected)


def new_expense(user: UserRead, active: list[VehicleRead]) -> None:
    """The quick form for a new expense; after a save, a fresh empty form and a message."""
    number = st.session_state.setdefault(_FORM_NUMBER_KEY, 0)
    saved = expense_form(user, active, key=f"expense_{number}")
    if saved is not None:
        names = {v.id: v.name for v in active}
        _say(f"Saved: {plain(expense_label(saved, names, user))}.")
        if saved.category == "service":
            # The vehicle's due reminders are offered to be marked done on the next run.
            reminders_ui.offer_mark_done(saved.vehicle_id, saved.date, saved.odometer_km)
        st.session_state[_FORM_NUMBER_KEY] = number + 1
        st.rerun()


# The history ---------------------------------------------------------------------------


def filter_bar(vehicle_list: list[VehicleRead]) -> ExpenseFilter:
    """Vehicles, categories and dates; returns the filter they describe."""
    names = {v.id: v.name for v in vehicle_list}
    left, middle, right = st.columns([2, 2, 3])
    chosen = left.multiselect(
        "Vehicles",
        list(names),
        format_func=names.__getitem__,
        key="expenses_vehicles",
        placeholder="All vehicles",
    )
    categories = middle.multiselect(
        "Categories",
        CATEGORIES,
        format_func=category_label,
        key="expenses_categories",
        placeholder="All categories",
    )
    dates = right.date_input(
        "Dates",
        value=[],
        min_value=bounds.ANY_DATE[0],
        max_value=bounds.ANY_DATE[1],
        format="YYYY-MM-DD",
        key="expenses_dates",
        help=DATES_HELP,
    )
    date_from, date_to = dates if len(dates) == 2 else (None, None)
    if len(dates) == 1:
        right.caption(f"From {dates[0].isoformat()}: now pick the last day.")
    return ExpenseFilter(
        vehicle_ids=tuple(sorted(chosen)),
        categories=tuple(categories),
        date_from=date_from,
        date_to=date_to,
    )


def listed(user: UserRead, filters: ExpenseFilter) -> list[ExpenseRead]:
    """The user's expenses the filter shows, newest first."""
    with context.session() as db:
        return expenses.list_expenses(db, user.id, filters)


def summary(rows: list[ExpenseRead], filters: ExpenseFilter, user: UserRead) -> str:
    """The line under the table: how many and how much (paid, not spread)."""
    total = sum((row.amount for row in rows), Decimal(0))
    scope = "in all" if filters.is_empty() else "match the filters"
    return (
        f"{units.format_count(len(rows), 'expense')} {scope} · "
        f"{units.format_money(total, user.currency)} paid"
    )


def _table_key(ids: list[int], revision: int) -> str:
    # A new key whenever the rows or the data change: selections are row positions.
    signature = hashlib.sha1(repr((ids, revision)).encode()).hexdigest()[:12]
    return f"expenses_table_{signature}"


def _pick_from_table(table_key: str, ids: list[int]) -> None:
    rows = st.session_state[table_key]["selection"]["rows"]
    st.session_state[PICK_KEY] = ids[rows[0]] if rows else None


def _table_from_pick(table_key: str, ids: list[int]) -> None:
    pick = st.session_state.get(PICK_KEY)
    st.session_state[table_key] = {"selection": {"rows": [ids.index(pick)] if pick in ids else []}}


def show_table(rows: list[ExpenseRead], vehicle_list: list[VehicleRead], user: UserRead) -> None:
    """The filtered expenses; clicking a row picks it for editing."""
    names = {v.id: v.name for v in vehicle_list}
    ids = [row.id for row in rows]
    table_key = _table_key(ids, user.data_revision)
    tables.show(
        expense_table(rows, names, user),
        pinned=("Date",),
        widths={
            "Description": "medium",
            "Vendor": "medium",
            "Coverage": "medium",
            "Notes": "medium",
        },
        on_select=partial(_pick_from_table, table_key, ids),
        selection_mode="single-row",
        key=table_key,
    )


def pick(
    rows: list[ExpenseRead], vehicle_list: list[VehicleRead], user: UserRead
) -> ExpenseRead | None:
    """The "Expense to edit" selectbox over the listed expenses; the picked one."""
    names = {v.id: v.name for v in vehicle_list}
    by_id = {row.id: row for row in rows}
    ids = list(by_id)
    if st.session_state.pop(_FORGET_PICK_KEY, False) or st.session_state.get(PICK_KEY) not in ids:
        st.session_state[PICK_KEY] = None
    chosen = st.selectbox(
        "Expense to edit",
        ids,
        index=None,
        key=PICK_KEY,
        format_func=lambda i: expense_label(by_id[i], names, user),
        placeholder="Click a row in the table, or choose it here",
        on_change=_table_from_pick,
        args=(_table_key(ids, user.data_revision), ids),
    )
    return by_id.get(chosen) if chosen is not None else None


def _forget_pick() -> None:
    st.session_state[_FORGET_PICK_KEY] = True


def _say(message: str, *, error: bool = False) -> None:
    st.session_state[MESSAGE_KEY] = (message, error)


def edit_or_delete(user: UserRead, vehicle_list: list[VehicleRead], expense: ExpenseRead) -> None:
    """The edit form of `expense` and its delete button (with confirmation, then undo)."""
    names = {v.id: v.name for v in vehicle_list}
    st.subheader(
        f"{category_label(expense.category)} of {expense.date.isoformat()} · "
        f"{plain(names.get(expense.vehicle_id, ''))}",
        anchor=False,
    )
    if (
        expense_form(user, vehicle_list, key=f"expense_edit_{expense.id}", existing=expense)
        is not None
    ):
        _say("Changes saved.")
        st.session_state.pop(UNDO_KEY, None)
        _forget_pick()
        st.rerun()
    if st.session_state.get(_CONFIRM_KEY) != expense.id:
        if st.button("Delete this expense", icon=":material/delete:", key="expense_delete"):
            st.session_state[_CONFIRM_KEY] = expense.id
            st.rerun()
        return
    st.warning(
        f"Delete this expense ({plain(expense_label(expense, names, user))})? You can "
        "undo this right after.",
        icon=":material/warning:",
    )
    yes, no = st.columns(2)
    if yes.button(destructive("Yes, delete it"), key="expense_delete_confirm", width="stretch"):
        try:
            with context.session() as db:
                gone = expenses.delete_expense(db, user.id, expense.id)
        except FuelTrackerError as exc:  # deleted meanwhile (another tab)
            _say(plain(exc), error=True)
        else:
            st.session_state[UNDO_KEY] = gone
        st.session_state.pop(_CONFIRM_KEY, None)
        _forget_pick()
        st.rerun()
    if no.button("Cancel", key="expense_delete_cancel", width="stretch"):
        st.session_state.pop(_CONFIRM_KEY, None)
        st.rerun()


def messages(user: UserRead, vehicle_list: list[VehicleRead]) -> None:
    """The last action's message, and the undo offer of the last delete."""
    if MESSAGE_KEY in st.session_state:
        message, error = st.session_state.pop(MESSAGE_KEY)
        if error:
            st.error(message, icon=":material/error:")
        else:
            st.success(message, icon=":material/check_circle:")
    gone: ExpenseRead | None = st.session_state.get(UNDO_KEY)
    if gone is None:
        return
    names = {v.id: v.name for v in vehicle_list}
    text, button = st.columns([5, 1], vertical_alignment="center")
    text.info(f"Deleted: {plain(expense_label(gone, names, user))}.", icon=":material/delete:")
    if button.button("Undo", icon=":material/undo:", key="expenses_undo_button", width="stretch"):
        # Forgotten only once the restore's transaction is over (an outage keeps the offer).
        try:
            with context.session() as db:
                expenses.restore_expense(db, user.id, gone)
        except FuelTrackerError as exc:
            _say(f"Could not restore it: {plain(exc)}", error=True)
        else:
            _say("Restored the expense.")
        st.session_state.pop(UNDO_KEY, None)
        st.rerun()


# Download ------------------------------------------------------------------------------


def filtered_csv(user: UserRead, filters: ExpenseFilter) -> bytes:
    """Every expense the filter shows, in the user's units and currency, as listed."""
    with context.session() as db:
        rows = expenses.list_expenses(db, user.id, filters)
        names = {v.id: v.name for v in vehicles.list_vehicles(db, user.id)}
    return user_units_expenses_csv(rows, names, user).encode("utf-8")


def download_button(user: UserRead, filters: ExpenseFilter, count: int) -> None:
    """One click downloads the filtered expenses (made only on that click)."""

    def export() -> bytes:
        data = filtered_csv(user, filters)
        security.event(
            "export", user_id=user.id, format="expenses_csv", filtered=not filters.is_empty()
        )
        return data

    name = "expenses" if filters.is_empty() else "expenses-filtered"
    st.download_button(
        f"Download {units.format_count(count, 'expense')} (CSV)",
        icon=":material/download:",
        data=in_this_run(export),
        file_name=downloads.file_name(user, name, "csv"),
        mime="text/csv",
        on_click="ignore",
        key="expenses_csv",
        help=f"What the filters show, amounts in {user.currency}, odometer in "
        f"{units.distance_label(user.distance_unit)}. All your data, canonical, is "
        "under Account → Your data.",
    )
