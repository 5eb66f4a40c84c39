"""GET /stats: the Dashboard's figures for a period, from the same implementation
(metrics.summarize over the period, analytics.by_vehicle for each vehicle), in canonical
units."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from fueltracker import analytics, metrics, units
from fueltracker.api.auth import Caller
from fueltracker.api.derived import frames as derived_frames
from fueltracker.api.schemas import Amount, QueryIds
from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.services import users

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


class VehicleFigures(Figures):
    """One vehicle's figures in the period."""

    vehicle_id: int
    name: str


class Stats(BaseModel):
    """The period (`from` null: all time) and its figures, overall and per vehicle. The
    overall consumption is null when the period holds several vehicles: a consumption is
    only ever one vehicle's (see `vehicles`)."""

    date_from: dt.date | None
    date_to: dt.date
    totals: Figures
    vehicles: list[VehicleFigures]


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
    if vehicle:
        derived = derived.loc[derived["vehicle_id"].isin(set(vehicle))]
    end = date_to or local_today(user.timezone)
    per_vehicle = analytics.by_vehicle(derived, date_from, end)
    totals = metrics.summarize(derived, date_from, end)
    return Stats.model_validate(
        {
            "date_from": date_from,
            "date_to": end,
            "totals": _figures(totals, with_consumption=len(per_vehicle) <= 1),
            "vehicles": [
                {"vehicle_id": v.vehicle_id, "name": v.vehicle_name, **_figures(v.current)}
                for v in per_vehicle
            ],
        }
    )
