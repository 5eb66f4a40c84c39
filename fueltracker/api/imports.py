"""POST /imports: a file in (native CSV, our data ZIP, Fuelly, Fuelio, LubeLogger, Drivvo),
all rows or none, or with dry_run=true the preview the Import page shows. The same
parsers (importers.registry, the table the Import page and the CLI read) and the same
transfer services, as the token's user."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from fueltracker import security
from fueltracker.api.auth import Writer
from fueltracker.api.errors import ApiError, refuse_control_characters
from fueltracker.api.schemas import Amount
from fueltracker.db import session_scope
from fueltracker.errors import ImportRejected, RowError
from fueltracker.importers import registry
from fueltracker.importers.common import is_zip
from fueltracker.importers.detect import detect_format
from fueltracker.services import transfer

router = APIRouter(tags=["import"])

# The Import page's limit (.streamlit/config.toml server.maxUploadSize = 5 MB).
MAX_IMPORT_BYTES = 5 * 1024 * 1024
# The CLI's formats (registry.cli_formats; a unit test keeps them equal).
ImportFormatName = Literal["native", "fuelly", "fuelio", "lubelogger", "drivvo"]


class RowProblem(BaseModel):
    """A row (1-based data row number) refused, with the column and the reason."""

    row_number: int
    column: str
    reason: str


class PreviewRowOut(BaseModel):
    """One parsed row and what the import would do with it."""

    row_number: int
    status: Literal["new", "duplicate", "error"]
    vehicle: str
    date: str
    odometer_km: Amount
    volume_l: Amount
    total_amount: Amount
    error: RowProblem | None


class ImportOut(BaseModel):
    """What the import did (`dry_run` false: `imported` rows stored, `duplicates` already
    there) or would do (`dry_run` true: the rows with their status, nothing written)."""

    dry_run: bool
    imported: int
    duplicates: int
    vehicles_created: list[str]
    warnings: list[str]
    rows: list[PreviewRowOut] | None = None
    errors: list[RowProblem] = []


def _problem(error: RowError) -> RowProblem:
    return RowProblem(row_number=error.row_number, column=error.column, reason=error.reason)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


@router.post("/imports", response_model=ImportOut, summary="Import a file of fill-ups")
async def import_file(
    request: Request,
    who: Writer,
    dry_run: bool = False,
    file_format: Annotated[
        ImportFormatName | None,
        Query(alias="format", description="the app that wrote the file (default: detected)"),
    ] = None,
    vehicle: Annotated[
        str | None, Query(max_length=100, description="the vehicle of a one-vehicle file")
    ] = None,
    distance_unit: Literal["km", "mi"] = "km",
    volume_unit: Literal["L", "gal_us", "gal_uk"] = "L",
    date_order: Literal["dmy", "mdy"] | None = None,
    decimal_mark: Literal[",", "."] | None = None,
) -> ImportOut:
    """The file is the request body as it is (`curl --data-binary @file.csv`), at most
    5 MiB. Options are the CLI's (`python -m fueltracker import`). All valid rows are
    stored in one transaction, or none: a refused file answers 422 with one error per bad
    row (`field` the column, `detail` "Row N: reason"); the same file twice adds nothing.
    `dry_run=true` writes nothing and answers every row's status (`new`, `duplicate`,
    `error`), as the Import page's preview."""
    refuse_control_characters("vehicle", [vehicle or ""])
    data = await request.body()
    if not data:
        raise ApiError(422, "The request body must be the file to import", field="file")
    choices = registry.Choices(
        vehicle=vehicle,
        distance_unit=distance_unit,
        volume_unit=volume_unit,
        decimal_comma={",": True, ".": False}.get(decimal_mark or ""),
        day_first={"dmy": True, "mdy": False}.get(date_order or ""),
    )
    return await run_in_threadpool(
        _import_sync, who.user_id, data, dry_run, file_format, vehicle, choices
    )


def _import_sync(
    user_id: int,
    data: bytes,
    dry_run: bool,
    format_name: str | None,
    vehicle: str | None,
    choices: registry.Choices,
) -> ImportOut:
    # As the CLI: undetected text is read as native, whose header check names what is missing.
    file_format = (
        registry.get(format_name)
        if format_name
        else registry.detected(detect_format(data)) or registry.get(registry.NATIVE)
    )
    if file_format.name == registry.NATIVE and not is_zip(data) and not _is_utf8(data):
        raise ApiError(422, "The file is neither a UTF-8 CSV file nor our ZIP", field="file")
    if file_format.asks_vehicle and not vehicle:
        raise ApiError(
            422,
            f"A {file_format.name} file holds one vehicle and does not name it: pass vehicle",
            field="vehicle",
        )
    parsed = file_format.parse(data, choices)
    if parsed.errors:
        raise ImportRejected(parsed.errors)
    vehicle_name = None if file_format.one_vehicle else vehicle
    vehicles = None
    if file_format.one_vehicle or not vehicle or file_format.restores_vehicles:
        vehicles = [v for v in parsed.vehicles if v.get("name")] or None
    with session_scope() as session:
        if dry_run:
            preview = transfer.preview_rows(
                session, user_id, parsed.rows, vehicle_name=vehicle_name, vehicles=vehicles
            )
        else:
            result = transfer.import_rows(
                session, user_id, parsed.rows, vehicle_name=vehicle_name, vehicles=vehicles
            )
    if dry_run:
        return ImportOut(
            dry_run=True,
            imported=0,
            duplicates=preview.count(transfer.DUPLICATE),
            vehicles_created=preview.vehicles_created,
            warnings=preview.warnings,
            errors=[_problem(error) for error in preview.errors],
            rows=[
                PreviewRowOut.model_validate(
                    {
                        "row_number": item.row.row_number,
                        "status": item.status,
                        "vehicle": item.row.vehicle,
                        "date": item.row.date.isoformat(),
                        "odometer_km": item.row.odometer_km,
                        "volume_l": item.row.volume_l,
                        "total_amount": item.row.total_amount,
                        "error": None if item.error is None else _problem(item.error),
                    }
                )
                for item in preview.rows
            ],
        )
    security.event("import", user_id=user_id, rows=result.imported, via="api")
    return ImportOut(
        dry_run=False,
        imported=result.imported,
        duplicates=result.duplicates,
        vehicles_created=result.vehicles_created,
        warnings=result.warnings,
    )
