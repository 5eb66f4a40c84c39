"""/expenses: the Expenses page's history with its filters (vehicles, categories, first and
last day), add, read, correct, delete one. The same service (services/expenses.py) and
schemas (schemas.ExpenseCreate/Update) as the page, under the same row-level security."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from fueltracker.api.auth import Caller, Writer
from fueltracker.api.schemas import (
    ExpenseIn,
    ExpenseList,
    ExpenseOut,
    ExpensePatch,
    PathId,
    QueryIds,
)
from fueltracker.db import session_scope
from fueltracker.schemas import ExpenseCategory, ExpenseCreate, ExpenseRead, ExpenseUpdate, parse
from fueltracker.services import expenses

router = APIRouter(tags=["expenses"])

# The service answers a user's expenses whole (tens a year: it offers no keyset pages); the
# API answers at most MAX_LIMIT of them, newest first, and says when there are more.
DEFAULT_LIMIT = 200
MAX_LIMIT = 200


def _out(expense: ExpenseRead) -> ExpenseOut:
    return ExpenseOut(**expense.model_dump())


@router.get("/expenses", response_model=ExpenseList, summary="Expenses, newest first")
def list_expenses(
    who: Caller,
    vehicle: QueryIds = None,
    category: Annotated[
        list[ExpenseCategory] | None, Query(description="a category; repeat for several")
    ] = None,
    date_from: Annotated[dt.date | None, Query(alias="from", description="first day")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="last day")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ExpenseList:
    """The Expenses page's filters (vehicles, categories, first and last day by the date
    paid; they combine), newest first; at most `limit` rows, `more` true when older ones
    were left out."""
    filters = expenses.ExpenseFilter(
        vehicle_ids=tuple(sorted(set(vehicle or ()))),
        categories=tuple(sorted(set(category or ()))),
        date_from=date_from,
        date_to=date_to,
    )
    with session_scope() as session:
        found = expenses.list_expenses(session, who.user_id, filters)
    return ExpenseList(data=[_out(e) for e in found[:limit]], more=len(found) > limit)


@router.post(
    "/expenses",
    response_model=ExpenseOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an expense",
)
def create_expense(who: Writer, body: ExpenseIn, response: Response) -> ExpenseOut:
    """Checked as the Expenses form checks it: bounds, not paid after today in the
    account's timezone (a coverage period may reach into the future), a coverage period
    with both ends, the first not after the last; a vehicle that is not yours is a 404."""
    data = parse(ExpenseCreate, **body.model_dump())
    with session_scope() as session:
        saved = expenses.create_expense(session, who.user_id, data)
    response.headers["Location"] = f"expenses/{saved.id}"
    return _out(saved)


@router.get("/expenses/{expense_id}", response_model=ExpenseOut, summary="One expense")
def get_expense(who: Caller, expense_id: PathId) -> ExpenseOut:
    """404 for a missing id and for another account's alike."""
    with session_scope() as session:
        return _out(expenses.get_expense(session, who.user_id, expense_id))


@router.patch("/expenses/{expense_id}", response_model=ExpenseOut, summary="Correct an expense")
def update_expense(who: Writer, expense_id: PathId, body: ExpensePatch) -> ExpenseOut:
    """Only the fields sent change (`null` clears odometer, vendor, notes or the coverage
    period); checked like a new one."""
    sent = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        stored = expenses.get_expense(session, who.user_id, expense_id)
        merged = stored.model_dump(exclude={"id"}) | sent
        saved = expenses.update_expense(
            session, who.user_id, expense_id, parse(ExpenseUpdate, **merged)
        )
    return _out(saved)


@router.delete(
    "/expenses/{expense_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an expense"
)
def delete_expense(who: Writer, expense_id: PathId) -> Response:
    """Gone at once; 404 for a missing id and for another account's alike."""
    with session_scope() as session:
        expenses.delete_expense(session, who.user_id, expense_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
