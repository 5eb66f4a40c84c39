"""/vehicles: list, add, read, change (archive), delete with history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from fueltracker.api.auth import Caller, Writer
from fueltracker.api.schemas import PathId, VehicleIn, VehicleOut, VehiclePatch
from fueltracker.db import session_scope
from fueltracker.schemas import VehicleCreate, VehicleRead, VehicleUpdate, parse
from fueltracker.services import vehicles

router = APIRouter(tags=["vehicles"])
_EDITABLE = tuple(VehicleUpdate.model_fields)


def _out(vehicle: VehicleRead) -> VehicleOut:
    return VehicleOut(**vehicle.model_dump())


@router.get("/vehicles", response_model=list[VehicleOut], summary="Your vehicles")
def list_vehicles(who: Caller, include_archived: bool = True) -> list[VehicleOut]:
    """Active vehicles first, then by name."""
    with session_scope() as session:
        found = vehicles.list_vehicles(session, who.user_id, include_archived=include_archived)
    return [_out(vehicle) for vehicle in found]


@router.post(
    "/vehicles",
    response_model=VehicleOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a vehicle",
)
def create_vehicle(who: Writer, body: VehicleIn, response: Response) -> VehicleOut:
    """Names are unique per account, compared case-insensitively (409 otherwise)."""
    data = parse(VehicleCreate, **body.model_dump(exclude_unset=True))
    with session_scope() as session:
        vehicle = vehicles.create_vehicle(session, who.user_id, data)
    response.headers["Location"] = f"vehicles/{vehicle.id}"
    return _out(vehicle)


@router.get("/vehicles/{vehicle_id}", response_model=VehicleOut, summary="One vehicle")
def get_vehicle(who: Caller, vehicle_id: PathId) -> VehicleOut:
    """404 for a missing id and for another account's alike."""
    with session_scope() as session:
        return _out(vehicles.get_vehicle(session, who.user_id, vehicle_id))


@router.patch(
    "/vehicles/{vehicle_id}",
    response_model=VehicleOut,
    summary="Change a vehicle, archive or reactivate it",
)
def update_vehicle(who: Writer, vehicle_id: PathId, body: VehiclePatch) -> VehicleOut:
    """Only the fields sent change; `null` clears an optional one."""
    sent = body.model_dump(exclude_unset=True)
    active = sent.pop("is_active", None)
    with session_scope() as session:
        vehicle = vehicles.get_vehicle(session, who.user_id, vehicle_id)
        if sent:
            merged = vehicle.model_dump(include=set(_EDITABLE)) | sent
            vehicle = vehicles.update_vehicle(
                session, who.user_id, vehicle_id, parse(VehicleUpdate, **merged)
            )
        if active is not None and active != vehicle.is_active:
            vehicle = vehicles.set_vehicle_active(session, who.user_id, vehicle_id, active)
    return _out(vehicle)


@router.delete(
    "/vehicles/{vehicle_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a vehicle and all its fill-ups",
)
def delete_vehicle(
    who: Writer, vehicle_id: PathId, confirm_name: Annotated[str, Query(max_length=100)]
) -> Response:
    """Like the Vehicles page, `confirm_name` must be the vehicle's exact name: its whole
    history goes with it (422 on `confirm_name` otherwise)."""
    with session_scope() as session:
        vehicles.delete_vehicle(session, who.user_id, vehicle_id, confirm_name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
