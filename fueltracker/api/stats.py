"""GET /stats: the Dashboard's figures for a period, from the same implementation
(metrics.summarize over the period, analytics.by_vehicle for each vehicle; the running
costs and total cost of ownership from reports.ownership, as the Dashboard's and the Costs
page's cards), in canonical units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from fueltracker import analytics, metrics, reports, units
from fueltracker.api.auth import Caller
from fueltracker.api.derived import frames as derived_frames
from fueltracker.api.schemas import Amount, QueryIds
from fueltracker.clock import local_today
from fueltracker.costs import Cost, TotalCostOfOwnership
from fueltracker.db import session_scope
from fueltracker.services import expenses, users

router = APIRouter(tags=["statistics"])

_MONEY = Decimal("0.0001")
_AMOUNT = Decimal("0.001")


def _round(value: float | None, quantum: Decimal) -> Decimal | None:
    if value is None:
        return None
    return units.to_decimal(value).quantize(quantum)


class Figures(BaseModel):
    """A period's figures: spend and volume over every fill-up dated in it; distance,
    consumption and cost per km over the full-tank segments closed in it (domain.md)."""

    fillups: int
    total_spent: Amount
    volume_l: Amount
    distance_km: Amount
    avg_consumption_l_per_100km: Amount | None
    fuel_cost_per_km: Amount | None
    avg_price_per_l: Amount | None
    has_broken_chain: bool


class Ownership(BaseModel):
    """The total cost of ownership over the period (docs/costs.md, section 3): `energy`
    (the fill-ups dated in it), `other` (the expenses, a coverage period spread per day and
    cut at the period), their `total`; `per_km` over `distance_km`, the odometer span of
    each vehicle's fill-ups in the period added up (null without distance); `per_month`
    over the period's `days` in average months of 30.4375 days. Money to 4 decimals."""

    energy: Amount
    other: Amount
    total: Amount
    distance_km: Amount
    per_km: Amount | None
    days: int
    per_month: Amount | None


class VehicleFigures(Figures):
    """One vehicle's figures in the period."""

    vehicle_id: int
    name: str
    costs: Ownership | None


class Stats(BaseModel):
    """The period (`from` null: all time) and its figures, overall and per vehicle. The
    overall consumption is null when the period holds several vehicles: a consumption is
    only ever one vehicle's (see `vehicles`). `costs`: the total cost of ownership of the
    period, from `costs_from` (all time: the first fill-up or the first day an expense
    counts on) to `date_to`; null, like each vehicle's, without a fill-up in the period."""

    date_from: dt.date | None
    date_to: dt.date
    totals: Figures
    vehicles: list[VehicleFigures]
    costs_from: dt.date | None
    costs: Ownership | None


def _ownership(tco: TotalCostOfOwnership) -> dict[str, object]:
    return {
        "energy": tco.energy.quantize(_MONEY),
        "other": tco.other.quantize(_MONEY),
        "total": tco.total.quantize(_MONEY),
        "distance_km": tco.distance_km.quantize(_AMOUNT),
        "per_km": None if tco.per_km is None else tco.per_km.quantize(_MONEY),
        "days": tco.days,
        "per_month": None if tco.per_month is None else tco.per_month.quantize(_MONEY),
    }


def _figures(summary: metrics.Summary, *, with_consumption: bool = True) -> dict[str, object]:
    return {
        "fillups": summary.fillup_count,
        "total_spent": _round(summary.total_spent, _MONEY),
        "volume_l": _round(summary.total_volume_l, _AMOUNT),
        "distance_km": _round(summary.distance_km, _AMOUNT),
        "avg_consumption_l_per_100km": _round(summary.avg_consumption_l_per_100km, _MONEY)
        if with_consumption
        else None,
        "fuel_cost_per_km": _round(summary.fuel_cost_per_km, _MONEY),
        "avg_price_per_l": _round(summary.avg_price_per_l, _MONEY),
        "has_broken_chain": summary.has_broken_chain,
    }


@router.get("/stats", response_model=Stats, summary="The Dashboard's figures for a period")
def stats(
    who: Caller,
    vehicle: QueryIds = None,
    date_from: Annotated[dt.date | None, Query(alias="from", description="first day")] = None,
    date_to: Annotated[
        dt.date | None, Query(alias="to", description="last day (default today)")
    ] = None,
) -> Stats:
    """Spend, volume, distance, consumption, cost per km and price of the period, overall
    and per vehicle; rounded to 4 decimals (volume and distance to 3)."""
    with session_scope() as session:
        user = users.get_user(session, who.user_id)
        derived = derived_frames.frame(session, who.user_id)
        found = expenses.list_expenses(
            session,
            who.user_id,
            expenses.ExpenseFilter(vehicle_ids=tuple(sorted(set(vehicle or ())))),
        )
    if vehicle:
        derived = derived.loc[derived["vehicle_id"].isin(set(vehicle))]
    today = local_today(user.timezone)
    end = date_to or today
    per_vehicle = analytics.by_vehicle(derived, date_from, end)
    totals = metrics.summarize(derived, date_from, end)
    # The Dashboard's cost-of-ownership cards: its vehicles are those with fill-ups.
    owned = reports.ownership(
        derived,
        [
            Cost(e.vehicle_id, e.category, e.amount, e.date, e.coverage_from, e.coverage_to)
            for e in found
        ],
        reports.Request(
            who.user_id,
            user.data_revision,
            reports.Units.of(user),
            tuple(sorted({int(v) for v in derived["vehicle_id"].unique()})),
            date_from,
            end,
            today,
        ),
    )
    ownership = None if isinstance(owned, reports.NothingToDraw) else owned
    vehicle_costs = (
        {} if ownership is None else {v: _ownership(tco) for v, _, tco in ownership.vehicles}
    )
    return Stats.model_validate(
        {
            "date_from": date_from,
            "date_to": end,
            "totals": _figures(totals, with_consumption=len(per_vehicle) <= 1),
            "vehicles": [
                {
                    "vehicle_id": v.vehicle_id,
                    "name": v.vehicle_name,
                    **_figures(v.current),
                    "costs": vehicle_costs.get(v.vehicle_id),
                }
                for v in per_vehicle
            ],
            "costs_from": None if ownership is None else ownership.start,
            "costs": None if ownership is None else _ownership(ownership.total),
        }
    )
