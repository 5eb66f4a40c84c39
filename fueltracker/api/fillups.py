"""/fillups: the History page's keyset pages with its derived values, log a fill-up (any
two of volume, price and total, as the Log fill-up form), read, correct, delete one."""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from fueltracker import entry, metrics, units
from fueltracker.api import cursor
from fueltracker.api.auth import Caller, Writer
from fueltracker.api.derived import frames as derived_frames
from fueltracker.api.errors import ApiError, refuse_control_characters
from fueltracker.api.schemas import FillupIn, FillupOut, FillupPage, FillupPatch, PathId, QueryIds
from fueltracker.db import session_scope
from fueltracker.errors import ValidationError
from fueltracker.schemas import FillupCreate, FillupRead, FillupUpdate, parse
from fueltracker.services import fillups, history, users

if TYPE_CHECKING:  # the services' session, passed through: no query is made here
    from sqlalchemy.orm import Session

router = APIRouter(tags=["fill-ups"])

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# How the derived values are rounded (they come from the analysis' floats).
_QUANTUM = {
    "price_per_l": Decimal("0.0001"),
    "distance_km": Decimal("0.000001"),
    "consumption_l_per_100km": Decimal("0.0001"),
    "cost_per_km": Decimal("0.0001"),
}
_FRAME_COLUMNS = {
    "price_per_l": "unit_price_per_l",
    "distance_km": "distance_km",
    "consumption_l_per_100km": "consumption_l_per_100km",
    "cost_per_km": "cost_per_km",
}
# metrics' status of a partial fill-up: its fuel is measured with the next full tank.
_STATUS = {metrics.STATUS_PARTIAL: "deferred"}
# entry.py names the price field after the form's; the API calls it what it is.
_AMOUNT_FIELDS = {
    entry.FIELD_VOLUME: "volume_l",
    entry.FIELD_PRICE: "price_per_l",
    entry.FIELD_TOTAL: "total_amount",
}


@dataclass(frozen=True)
class _Derived:
    values: dict[int, dict[str, Any]]

    def of(self, row: FillupRead) -> FillupOut:
        derived = self.values.get(row.id, {})
        return FillupOut.model_validate(
            row.model_dump()
            | {name: derived.get(name) for name in _QUANTUM}
            | {"consumption_status": derived.get("consumption_status", "first")}
        )


def _decimal(value: Any, quantum: Decimal) -> Decimal | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return units.to_decimal(float(value)).quantize(quantum)


def _derived(session: Session, user_id: int, ids: set[int]) -> _Derived:
    """The History page's derived values of these fill-ups, computed over the user's whole
    history (metrics.add_derived: the same implementation, not a copy; api/derived.py
    keeps it per data revision)."""
    frame = derived_frames.frame(session, user_id)
    rows = frame.loc[frame["entry_id"].isin(ids)]
    values: dict[int, dict[str, Any]] = {}
    for record in rows.to_dict("records"):
        status_name = str(record["consumption_status"])
        values[int(record["entry_id"])] = {
            **{
                name: _decimal(record[column], _QUANTUM[name])
                for name, column in _FRAME_COLUMNS.items()
            },
            "consumption_status": _STATUS.get(status_name, status_name),
        }
    return _Derived(values)


def _key(request: Request) -> bytes:
    key: bytes = request.app.state.cursor_key
    return key


@router.get("/fillups", response_model=FillupPage, summary="Fill-ups, newest first")
def list_fillups(
    request: Request,
    who: Caller,
    vehicle: QueryIds = None,
    date_from: Annotated[dt.date | None, Query(alias="from", description="first day")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="last day")] = None,
    station: Annotated[
        list[str] | None, Query(max_length=100, description="exact station; repeatable")
    ] = None,
    brand: Annotated[
        list[str] | None, Query(max_length=50, description="exact brand; repeatable")
    ] = None,
    grade: Annotated[
        list[str] | None, Query(max_length=20, description="exact grade; repeatable")
    ] = None,
    partial_only: Annotated[bool, Query(description="only partial fill-ups")] = False,
    missed_only: Annotated[bool, Query(description="only fill-ups after a missed one")] = False,
    text: Annotated[
        str, Query(alias="q", max_length=100, description="in station or notes, any case")
    ] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    page_cursor: Annotated[
        str | None,
        Query(
            alias="cursor",
            max_length=cursor.MAX_CURSOR_LENGTH,
            description="`next` of the previous page",
        ),
    ] = None,
) -> FillupPage:
    """The History page's filters (vehicles, first and last day, stations, brands, grades,
    partial or after-a-missed-one only, a text in station or notes; they combine) and its
    keyset pages: pass the `next` of a page as `cursor`, with the same filters, for the
    following one."""
    for name, values in (("station", station), ("brand", brand), ("grade", grade), ("q", [text])):
        refuse_control_characters(name, values or ())
    filters = history.HistoryFilter(
        vehicle_ids=tuple(sorted(set(vehicle or ()))),
        date_from=date_from,
        date_to=date_to,
        stations=tuple(sorted(set(station or ()))),
        brands=tuple(sorted(set(brand or ()))),
        grades=tuple(sorted(set(grade or ()))),
        partial_only=partial_only,
        missed_only=missed_only,
        text=text.strip(),
    )
    fingerprint = cursor.fingerprint(filters)
    after = None
    if page_cursor is not None:
        try:
            after = cursor.decode(
                _key(request), who.user_id, fingerprint, page_cursor, now=time.time()
            )
        except cursor.ExpiredCursor:
            raise ApiError(
                422,
                "This cursor has expired (cursors last a day): start again without it",
                field="cursor",
                code="invalid_cursor",
            ) from None
        except cursor.InvalidCursor:
            raise ApiError(
                422,
                "This cursor is not one this server gave for these filters: start again without it",
                field="cursor",
                code="invalid_cursor",
            ) from None
    with session_scope() as session:
        page = history.list_fillups(session, who.user_id, filters=filters, after=after, limit=limit)
        derived = _derived(session, who.user_id, {row.id for row in page.rows})
    following = (
        None
        if page.next_cursor is None
        else cursor.encode(
            _key(request), who.user_id, fingerprint, page.next_cursor, issued_at=time.time()
        )
    )
    return FillupPage(data=[derived.of(row) for row in page.rows], next=following)


def _amounts(
    volume_l: Decimal | None,
    price_per_l: Decimal | None,
    total_amount: Decimal | None,
    currency: str,
) -> tuple[Decimal, Decimal]:
    """Volume and total from any two (or three agreeing) of volume, price and total, as the
    form works them out (entry.complete_amounts, in litres)."""
    amounts = entry.complete_amounts(
        volume_l, price_per_l, total_amount, currency=currency, volume_unit="L"
    )
    if amounts.problem is not None:
        raise ValidationError(
            _AMOUNT_FIELDS.get(amounts.problem.field, "total_amount"), amounts.problem.message
        )
    if amounts.volume is None or amounts.total is None:
        raise ValidationError(
            "volume_l",
            "Send two of volume_l, price_per_l and total_amount (the third is worked out)",
        )
    return amounts.volume, amounts.total


def _one(session: Session, user_id: int, row: FillupRead) -> FillupOut:
    return _derived(session, user_id, {row.id}).of(row)


def _after_write(user_id: int, row: FillupRead) -> FillupOut:
    """`row` with its derived values, read once the write is committed: a frame computed
    inside the writing transaction would be cached under a revision that a failed commit
    never made, and a later write could then reuse that number (api/derived.py)."""
    with session_scope() as session:
        return _one(session, user_id, row)


@router.post(
    "/fillups",
    response_model=FillupOut,
    status_code=status.HTTP_201_CREATED,
    summary="Log a fill-up",
)
def create_fillup(who: Writer, body: FillupIn, response: Response) -> FillupOut:
    """Checked as the form checks it (bounds, no future date in the account's timezone,
    the odometer against the vehicle's neighbouring fill-ups, duplicates: 409); answers the
    stored fill-up with this tank's consumption, or `consumption_status: deferred` for a
    partial fill-up."""
    sent = body.model_dump(exclude={"volume_l", "price_per_l", "total_amount"})
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        volume_l, total_amount = _amounts(
            body.volume_l, body.price_per_l, body.total_amount, user.currency
        )
        data = parse(FillupCreate, **sent, volume_l=volume_l, total_amount=total_amount)
        saved = fillups.create_fillup(session, who.user_id, data)
    response.headers["Location"] = f"fillups/{saved.id}"
    return _after_write(who.user_id, saved)


@router.get("/fillups/{fillup_id}", response_model=FillupOut, summary="One fill-up")
def get_fillup(who: Caller, fillup_id: PathId) -> FillupOut:
    """404 for a missing id and for another account's alike."""
    with session_scope() as session:
        return _one(session, who.user_id, fillups.get_fillup(session, who.user_id, fillup_id))


def _patched_amounts(
    stored: FillupRead, sent: dict[str, Any], currency: str
) -> tuple[Decimal, Decimal]:
    given = {
        name: sent[name]
        for name in ("volume_l", "price_per_l", "total_amount")
        if sent.get(name) is not None
    }
    if not given:
        return stored.volume_l, stored.total_amount
    if len(given) == 1:
        if "total_amount" in given:  # a corrected total keeps the volume
            given["volume_l"] = stored.volume_l
        else:  # a corrected volume keeps the total; a price alone keeps the volume
            given["total_amount" if "volume_l" in given else "volume_l"] = (
                stored.total_amount if "volume_l" in given else stored.volume_l
            )
    return _amounts(
        given.get("volume_l"), given.get("price_per_l"), given.get("total_amount"), currency
    )


@router.patch("/fillups/{fillup_id}", response_model=FillupOut, summary="Correct a fill-up")
def update_fillup(who: Writer, fillup_id: PathId, body: FillupPatch) -> FillupOut:
    """Only the fields sent change (`null` clears station, brand, grade or notes); checked
    like a new one against both neighbours."""
    sent = body.model_dump(exclude_unset=True)
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        stored = fillups.get_fillup(session, who.user_id, fillup_id)
        volume_l, total_amount = _patched_amounts(stored, sent, user.currency)
        for required in ("vehicle_id", "date", "odometer_km", "is_full", "missed_previous"):
            if required in sent and sent[required] is None:
                raise ValidationError(required, f"{required} cannot be null")
        merged = (
            stored.model_dump(exclude={"id"})
            | {
                k: v
                for k, v in sent.items()
                if k not in ("volume_l", "price_per_l", "total_amount")
            }
            | {"volume_l": volume_l, "total_amount": total_amount}
        )
        saved = fillups.update_fillup(
            session, who.user_id, fillup_id, parse(FillupUpdate, **merged)
        )
    return _after_write(who.user_id, saved)


@router.delete(
    "/fillups/{fillup_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a fill-up"
)
def delete_fillup(who: Writer, fillup_id: PathId) -> Response:
    """Gone at once; 404 for a missing id and for another account's alike."""
    with session_scope() as session:
        fillups.delete_fillup(session, who.user_id, fillup_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
