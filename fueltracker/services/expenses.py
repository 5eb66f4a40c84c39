"""Expenses of one user: create, update, delete, restore (the undo of a delete), get one,
and list them filtered by vehicle, category and dates.

Writes take the user's write locks in the order of services/locks.py (the user's row, then
the vehicles involved), so an expense saved while its vehicle is being deleted either goes
with it or finds it gone (NotFoundError); a vehicle of another user is NotFoundError too,
like a missing one. Every write bumps the user's data revision in its transaction, so no
cached figure (Costs, Dashboard) outlives it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fueltracker.clock import local_today
from fueltracker.db import user_scoped
from fueltracker.errors import NotFoundError, ValidationError
from fueltracker.models import Expense, User
from fueltracker.schemas import ExpenseCreate, ExpenseRead, ExpenseUpdate
from fueltracker.services.locks import lock_user, lock_vehicles
from fueltracker.services.revision import bump_revision
from fueltracker.validation import future_date_problem


@dataclass(frozen=True)
class ExpenseFilter:
    """What the expense history shows; every field narrows (AND). Empty = all. Frozen and
    hashable: the UI keys its downloads by it."""

    vehicle_ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    date_from: dt.date | None = None  # inclusive
    date_to: dt.date | None = None  # inclusive

    def is_empty(self) -> bool:
        """True when nothing is filtered out."""
        return self == ExpenseFilter()


def _owned(session: Session, user_id: int, expense_id: int) -> Expense:
    # Freshly read: called once the locks are held.
    expense = session.scalar(
        select(Expense)
        .where(Expense.id == expense_id, Expense.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if expense is None:
        raise NotFoundError("Expense")
    return expense


def _check_date(user: User, data: ExpenseCreate, today: dt.date | None) -> None:
    """An expense is something paid: not after the user's today. (Its coverage period may
    reach into the future: a year's insurance paid today.)"""
    problem = future_date_problem(data.date, today or local_today(user.timezone))
    if problem:
        raise ValidationError("date", problem)


@user_scoped
def create_expense(
    session: Session, user_id: int, data: ExpenseCreate, *, today: dt.date | None = None
) -> ExpenseRead:
    """Store an expense of one of the user's vehicles.

    `today` defaults to the user's local date (their timezone); tests pass it explicitly."""
    user = lock_user(session, user_id)
    lock_vehicles(session, user_id, [data.vehicle_id])
    _check_date(user, data, today)
    expense = Expense(user_id=user_id, **data.model_dump())
    session.add(expense)
    session.flush()
    bump_revision(session, user_id)
    return ExpenseRead.model_validate(expense)


@user_scoped
def update_expense(
    session: Session,
    user_id: int,
    expense_id: int,
    data: ExpenseUpdate,
    *,
    today: dt.date | None = None,
) -> ExpenseRead:
    """Correct an expense (same checks as a new one); moving it to another vehicle locks
    both vehicles, ascending id."""
    user = lock_user(session, user_id)
    expense = _owned(session, user_id, expense_id)
    lock_vehicles(session, user_id, [expense.vehicle_id, data.vehicle_id])
    _check_date(user, data, today)
    for key, value in data.model_dump().items():
        setattr(expense, key, value)
    session.flush()
    bump_revision(session, user_id)
    return ExpenseRead.model_validate(expense)


@user_scoped
def delete_expense(session: Session, user_id: int, expense_id: int) -> ExpenseRead:
    """Delete an expense; returns what was deleted, for restore_expense (undo)."""
    lock_user(session, user_id)
    expense = _owned(session, user_id, expense_id)
    lock_vehicles(session, user_id, [expense.vehicle_id])
    deleted = ExpenseRead.model_validate(expense)
    session.delete(expense)
    session.flush()
    bump_revision(session, user_id)
    return deleted


@user_scoped
def restore_expense(
    session: Session, user_id: int, deleted: ExpenseRead, *, today: dt.date | None = None
) -> ExpenseRead:
    """Save a deleted expense again with the same values (a new id), checked as a new one:
    its vehicle may have gone meanwhile (NotFoundError)."""
    data = ExpenseCreate(**deleted.model_dump(exclude={"id"}))
    return create_expense(session, user_id, data, today=today)


@user_scoped
def get_expense(session: Session, user_id: int, expense_id: int) -> ExpenseRead:
    """One of the user's expenses; another user's id is NotFoundError like a missing one."""
    return ExpenseRead.model_validate(_owned(session, user_id, expense_id))


def _conditions(user_id: int, filters: ExpenseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Expense.user_id == user_id]
    if filters.vehicle_ids:
        conditions.append(Expense.vehicle_id.in_(filters.vehicle_ids))
    if filters.categories:
        conditions.append(Expense.category.in_(filters.categories))
    if filters.date_from is not None:
        conditions.append(Expense.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Expense.date <= filters.date_to)
    return conditions


@user_scoped
def list_expenses(
    session: Session, user_id: int, filters: ExpenseFilter | None = None
) -> list[ExpenseRead]:
    """The user's expenses matching `filters`, newest first (dates, then the latest saved
    first). A user logs tens of expenses a year, not thousands: no pages."""
    query = (
        select(Expense)
        .where(*_conditions(user_id, filters or ExpenseFilter()))
        .order_by(Expense.date.desc(), Expense.id.desc())
    )
    return [ExpenseRead.model_validate(e) for e in session.scalars(query)]
