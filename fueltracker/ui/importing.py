"""Import page glue: upload, format, parser options, vehicle mapping, preview and the
all-or-none write (formats.md, "Files from other apps (import)").

The formats, their labels and what each asks (units, a vehicle, a column mapping) come
from importers.registry, the table the CLI reads too; what one file leaves open (decimal
mark, date order, an unnamed vehicle) from its parse result's `needs`.

The uploaded bytes are kept in st.session_state["import_bytes"] (and its name in
"import_name"), so every later step reads the file from there; a new file (another
digest) forgets the options chosen for the previous one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from fueltracker import security, units
from fueltracker.errors import FuelTrackerError, ImportRejected, RowError
from fueltracker.importers import ParsedRow, registry
from fueltracker.importers.common import (
    DATE_ORDER,
    DECIMAL_MARK,
    VEHICLE,
    ImportedFile,
    decode,
    is_zip,
)
from fueltracker.importers.detect import detect_format
from fueltracker.importers.generic import FIELDS, guess_mapping, read_header
from fueltracker.schemas import UserRead, VehicleRead
from fueltracker.services import mappings, transfer
from fueltracker.ui import context
from fueltracker.ui.account import COMMON_CURRENCIES
from fueltracker.ui.text import plain

MAX_BYTES = 5 * 1024 * 1024  # as server.maxUploadSize; checked again for other callers
MAX_ROWS = 100_000
MAPPING_LABELS = {
    "date": "Date",
    "odometer": "Odometer",
    "volume": "Volume",
    "total": "Total paid",
    "unit_price": "Unit price",
    "full": "Full tank (yes/no)",
    "missed": "Missed fill-up before (yes/no)",
    "station": "Station",
    "brand": "Brand",
    "grade": "Grade",
    "notes": "Notes",
    "vehicle": "Vehicle (optional)",
}
NOT_MAPPED = "(none)"
NEW_VEHICLE = "A new vehicle"
_OPTION_PREFIX = "import_opt_"
STATUS_TEXT = {transfer.NEW: "new", transfer.DUPLICATE: "already present"}


@dataclass
class Upload:
    """The file being imported."""

    name: str
    data: bytes
    digest: str


@dataclass
class Parsed:
    """A parsed file ready for preview: rows after vehicle mapping, parser errors, and the
    vehicles (with details) the import may create."""

    format: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    vehicles: list[dict] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)


def _key(name: str) -> str:
    return _OPTION_PREFIX + name


def show_result() -> None:
    """The outcome of the last import, once."""
    if "import_message" in st.session_state:
        st.success(st.session_state.pop("import_message"), icon=":material/check_circle:")


def upload() -> Upload | None:
    """The uploader; returns the file (bytes kept in session state) when it can be read."""
    number = st.session_state.setdefault("import_upload_number", 0)
    uploaded = st.file_uploader(
        "File to import (CSV, or our ZIP archive)",
        type=["csv", "zip"],
        key=f"import_upload_{number}",
    )
    if uploaded is not None:
        st.session_state["import_bytes"] = uploaded.getvalue()
        st.session_state["import_name"] = uploaded.name
    elif f"import_upload_{number}" in st.session_state:  # the user removed the file
        st.session_state.pop("import_bytes", None)
    data = st.session_state.get("import_bytes")
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    if st.session_state.get("import_digest") != digest:
        for key in [k for k in st.session_state if str(k).startswith(_OPTION_PREFIX)]:
            del st.session_state[key]
        st.session_state["import_digest"] = digest
    problem = file_problem(data)
    if problem:
        st.error(problem, icon=":material/error:")
        return None
    return Upload(st.session_state.get("import_name", "file"), data, digest)


def file_problem(data: bytes) -> str | None:
    """Why this upload is not read at all (too big, not text), or None."""
    if len(data) > MAX_BYTES:
        return (
            f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it and "
            "import the parts."
        )
    if is_zip(data):
        return None  # our archive; its members are checked by parse_archive
    text = decode(data)
    if text is None:
        return (
            "This is not a CSV file (binary data or not UTF-8 text), nor our ZIP "
            "archive; nothing was read."
        )
    if text.count("\n") > MAX_ROWS + 1:
        return f"The file has more than {MAX_ROWS:,} rows; split it and import the parts."
    return None


def choose_format(file: Upload) -> str:
    """The detected format, shown, and a select to override it (every registry format)."""
    detected = registry.detected(detect_format(file.data))
    if detected:
        st.caption(f"Detected format: **{detected.label}**")
    else:
        st.caption("Format not recognised: map the file's columns (Generic CSV) or pick one.")
    default = detected.name if detected else registry.GENERIC
    options = [file_format.name for file_format in registry.FORMATS]
    return st.selectbox(
        "Format",
        options,
        index=options.index(default),
        format_func=lambda name: registry.get(name).label,
        key=_key("format"),
    )


def _units(user: UserRead) -> tuple[str, str]:
    left, right = st.columns(2)
    distance = left.selectbox(
        "Distances in the file",
        units.DISTANCE_UNITS,
        index=units.DISTANCE_UNITS.index(user.distance_unit),
        format_func=units.distance_label,
        key=_key("distance"),
    )
    volume = right.selectbox(
        "Volumes in the file",
        units.VOLUME_UNITS,
        index=units.VOLUME_UNITS.index(user.volume_unit),
        format_func=units.volume_label,
        key=_key("volume"),
    )
    return distance, volume


def _mapping(file: Upload, user: UserRead) -> dict[str, str] | None:
    """The generic CSV's column mapping: as last chosen in this session, else as saved with
    the last import of a file with this header, else guessed from the column names."""
    header = read_header(file.data)
    if header is None:
        st.error("The file has no header row to map.", icon=":material/error:")
        return None
    remembered = st.session_state.setdefault("import_mappings", {})
    if tuple(header) not in remembered:
        with context.session() as db:
            saved = mappings.recall_mapping(db, user.id, header)
        if saved:
            remembered[tuple(header)] = saved
    start = remembered.get(tuple(header)) or guess_mapping(header)
    options = [NOT_MAPPED, *header]
    mapping: dict[str, str] = {}
    with st.expander("Columns of the file", expanded=True, icon=":material/view_column:"):
        columns = st.columns(3)
        for number, name in enumerate(FIELDS):
            current = start.get(name)
            chosen = columns[number % 3].selectbox(
                MAPPING_LABELS[name],
                options,
                index=options.index(current) if current in options else 0,
                key=_key(f"map_{name}"),
            )
            if chosen != NOT_MAPPED:
                mapping[name] = chosen
    remembered[tuple(header)] = mapping
    st.session_state["import_current_mapping"] = (header, mapping)
    return mapping


def parse_upload(file: Upload, file_format: str, user: UserRead) -> ImportedFile | None:
    """Parse with what the format asks (units, column mapping) and what the file leaves
    open (decimal mark, date order: asked, then parsed again; a vehicle: asked by
    map_vehicles); None, with the reason shown, when nothing can be previewed yet."""
    fmt = registry.get(file_format)
    choices = _format_choices(fmt, file, user)
    if choices is None:
        return None
    parsed = _with_conventions(fmt, file, choices, fmt.parse(file.data, choices))
    if parsed is None:
        return None
    if VEHICLE in parsed.needs:
        # Its rows carry no vehicle name: map_vehicles asks which vehicle they go to.
        parsed = parsed.answered(VEHICLE)
    if len(parsed.rows) + len(parsed.errors) > MAX_ROWS:
        st.error(
            f"The file has more than {MAX_ROWS:,} rows; split it and import the parts.",
            icon=":material/error:",
        )
        return None
    file_level = [e for e in parsed.errors if e.row_number == 0]
    if file_level:
        for error in file_level:
            st.error(f"{plain(error.column)}: {plain(error.reason)}", icon=":material/error:")
        return None
    if parsed.units and not fmt.asks_units:
        st.caption(
            "Units from the file: "
            + ", ".join(
                label(parsed.units[kind])
                for kind, label in (
                    ("distance", units.distance_label),
                    ("volume", units.volume_label),
                )
                if kind in parsed.units
            )
        )
    return parsed


def _format_choices(
    fmt: registry.ImportFormat, file: Upload, user: UserRead
) -> registry.Choices | None:
    """What the format asks before parsing: the column mapping (None while the file has no
    header to map), the file's units."""
    choices = registry.Choices()
    if fmt.maps_columns:
        mapping = _mapping(file, user)
        if mapping is None:
            return None
        choices = dataclasses.replace(choices, mapping=mapping)
    if fmt.asks_units:
        distance, volume = _units(user)
        choices = dataclasses.replace(choices, distance_unit=distance, volume_unit=volume)
    return choices


def _with_conventions(
    fmt: registry.ImportFormat, file: Upload, choices: registry.Choices, parsed: ImportedFile
) -> ImportedFile | None:
    """`parsed`, or, when the file cannot tell its decimal mark or date order, the file
    parsed again with the user's answers; None (saying so) until every question is
    answered."""
    asked = parsed.needs & {DECIMAL_MARK, DATE_ORDER}
    if not asked:
        return parsed
    decimal_comma, day_first, unanswered = choices.decimal_comma, choices.day_first, False
    if DECIMAL_MARK in asked:
        mark = st.radio(
            "Decimal mark in the file",
            ["1,234.5 (dot)", "1.234,5 (comma)"],
            index=None,
            horizontal=True,
            key=_key("decimal"),
        )
        decimal_comma = None if mark is None else "comma" in mark
        unanswered |= decimal_comma is None
    if DATE_ORDER in asked:
        order = st.radio(
            "Dates in the file are written",
            ["month/day/year", "day/month/year"],
            index=None,
            horizontal=True,
            key=_key("date_order"),
        )
        day_first = None if order is None else order.startswith("day")
        unanswered |= day_first is None
    if unanswered:
        st.info("The file cannot tell; choose above to see the preview.", icon=":material/help:")
        return None
    return fmt.parse(
        file.data, dataclasses.replace(choices, decimal_comma=decimal_comma, day_first=day_first)
    )


def map_vehicles(
    parsed: ImportedFile, file_format: str, vehicle_list: list[VehicleRead]
) -> Parsed | None:
    """Send the file's vehicles to the user's vehicles or new ones (rows renamed)."""
    if not parsed.rows:  # nothing to send anywhere
        return Parsed(parsed.format, [], parsed.errors, [], parsed.units)
    names = [v.name for v in vehicle_list]
    file_names = list(dict.fromkeys(row.vehicle for row in parsed.rows))
    # The file's details of each vehicle, by its name in the rows ("" where it has none).
    details = {v.get("name", ""): v for v in parsed.vehicles}
    # A file that never names its vehicle, or rows without a name (a Fuelio backup naming
    # none, a generic CSV without a vehicle column): one vehicle, chosen here.
    if registry.get(file_format).asks_vehicle or file_names == [""]:
        options = [*names, NEW_VEHICLE]
        chosen = st.selectbox("Vehicle of these fill-ups", options, key=_key("vehicle_one"))
        if chosen == NEW_VEHICLE:
            chosen = st.text_input(
                "Name of the new vehicle", max_chars=100, key=_key("vehicle_new_name")
            ).strip()
            if not chosen:
                st.info("Name the vehicle to see the preview.", icon=":material/help:")
                return None
        target = {name: chosen for name in file_names}
    else:
        st.markdown("**Vehicles in the file**")
        target = {}
        for number, name in enumerate(file_names):
            create = f"Create new '{name}'"
            options = [create, *names]
            same = next((n for n in names if n.lower() == name.lower()), None)
            chosen = st.selectbox(
                f"The file's vehicle '{plain(name)}' goes to",
                options,
                index=options.index(same) if same else 0,
                key=_key(f"vehicle_{number}"),
            )
            target[name] = name if chosen == create else chosen
    existing = {n.lower() for n in names}
    new_vehicles = [
        details.get(source, {}) | {"name": name}
        for source, name in target.items()
        if name.lower() not in existing
    ]
    # Archive vehicles not used by any row keep their details too (import_rows makes them).
    new_vehicles += [
        v
        for v in parsed.vehicles
        if v.get("name") and v["name"] not in target and v["name"].lower() not in existing
    ]
    rows = [dataclasses.replace(row, vehicle=target[row.vehicle]) for row in parsed.rows]
    return Parsed(parsed.format, rows, parsed.errors, new_vehicles, parsed.units)


def choose_currency(parsed: Parsed, user: UserRead) -> Parsed:
    """The currency of the file's amounts: as the file states it (our CSV's currency
    column), else asked, defaulting to the account's. Says what will be stored: the numbers
    as they are, in the account's currency (amounts are never converted), and what that
    means when the file's currency is another. The rows carry the answer, so the import's
    result says it too."""
    if not parsed.rows:
        return parsed
    stated = sorted({row.currency for row in parsed.rows if row.currency})
    if stated:
        st.caption("Currency from the file: " + ", ".join(stated))
        currencies = stated
        rows = parsed.rows
    else:
        options = list(dict.fromkeys([user.currency, *COMMON_CURRENCIES]))
        chosen = st.selectbox(
            "Currency of the amounts in the file",
            options,
            key=_key("currency"),
            help="The file does not say which currency its prices and totals are in.",
        )
        currencies = [chosen]
        rows = [dataclasses.replace(row, currency=chosen) for row in parsed.rows]
    others = [c for c in currencies if c != user.currency]
    if others:
        st.warning(
            f"The file's amounts are in {', '.join(others)}, your account's in "
            f"{user.currency}. Amounts are never converted: they are stored as the numbers "
            f"in the file and shown as {user.currency} (72.50 {others[0]} becomes 72.50 "
            f"{user.currency}), beside your other fill-ups. If all your "
            f"fill-ups are in {others[0]}, change your account's currency under Account → "
            "Preferences first.",
            icon=":material/currency_exchange:",
        )
    else:
        st.caption(
            f"Amounts are stored as they are in the file, in {user.currency}, your "
            "account's currency."
        )
    return dataclasses.replace(parsed, rows=rows)


def preview_table(
    preview: transfer.Preview, parse_errors: list[RowError], user: UserRead
) -> pd.DataFrame:
    """Every data row of the file, ordered by row number, as it will be stored in the
    user's units, with its status (new / already present / error: column: reason)."""
    d_unit, v_unit = user.distance_unit, user.volume_unit
    records = []
    for item in preview.rows:
        row = item.row
        status = (
            f"error: {item.error.column}: {item.error.reason}"
            if item.error
            else STATUS_TEXT[item.status]
        )
        records.append(
            {
                "Row": row.row_number,
                "Status": status,
                "Vehicle": row.vehicle,
                "Date": row.date,
                # Whole readings, rounded as History shows them (45,437 mi, not 45,436.526).
                f"Odometer ({units.distance_label(d_unit)})": round(
                    float(units.km_to_distance(row.odometer_km, d_unit))
                ),
                f"Volume ({units.volume_label(v_unit)})": float(
                    units.l_to_volume(row.volume_l, v_unit)
                ),
                f"Total ({user.currency})": float(row.total_amount),
                "Tank": "Full" if row.is_full else "Partial",
                "Missed before": "yes" if row.missed_previous else "",
                "Station": row.station or "",
                "Brand": row.brand or "",
                "Notes": row.notes or "",
            }
        )
    records += [
        {"Row": e.row_number, "Status": f"error: {e.column}: {e.reason}"} for e in parse_errors
    ]
    table = pd.DataFrame.from_records(records)
    return table.sort_values("Row", kind="stable") if not table.empty else table


def run_preview(user: UserRead, parsed: Parsed) -> transfer.Preview:
    """The import's outcome, row by row, computed without writing."""
    with context.session() as db:
        return transfer.preview_rows(db, user.id, parsed.rows, vehicles=parsed.vehicles or None)


def counts(preview: transfer.Preview, parsed: Parsed) -> dict[str, int]:
    """Rows new, already present and in error (the parser's errors included)."""
    return {
        "new": preview.count(transfer.NEW),
        "present": preview.count(transfer.DUPLICATE),
        "errors": preview.count(transfer.ERROR) + len(parsed.errors),
    }


def import_valid(
    user: UserRead, parsed: Parsed, preview: transfer.Preview, file_format: str
) -> None:
    """Write the rows without errors in one transaction and report what happened."""
    good = [item.row for item in preview.rows if item.status != transfer.ERROR]
    bad_vehicles = {e.row_number for e in preview.errors if e.column.startswith("vehicles: ")}
    vehicles = [v for n, v in enumerate(parsed.vehicles, start=1) if n not in bad_vehicles]
    rejected = counts(preview, parsed)["errors"]
    try:
        with context.session() as db:
            result = transfer.import_rows(db, user.id, good, vehicles=vehicles or None)
            if (
                registry.get(file_format).maps_columns
                and "import_current_mapping" in st.session_state
            ):
                # Kept with the import, so the next file with this header maps itself.
                mappings.remember_mapping(db, user.id, *st.session_state["import_current_mapping"])
    except ImportRejected as exc:  # the account changed since the preview
        st.error(
            f"Nothing was imported: {plain(str(exc))}. Check the preview again.",
            icon=":material/error:",
        )
        return
    except FuelTrackerError as exc:
        st.error(f"Nothing was imported: {plain(str(exc))}", icon=":material/error:")
        return
    security.event("import", user_id=user.id, rows=result.imported, format=file_format, via="web")
    message = (
        f"Imported {units.format_count(result.imported, 'fill-up')}; skipped "
        f"{result.duplicates} already present; rejected {rejected} with errors."
    )
    if result.vehicles_created:
        message += (
            " Created vehicles: " + ", ".join(plain(n) for n in result.vehicles_created) + "."
        )
    for warning in result.warnings:
        message += " " + plain(warning) + "."
    st.session_state["import_message"] = message
    # A new uploader key empties it; the bytes go too.
    st.session_state["import_upload_number"] = st.session_state.get("import_upload_number", 0) + 1
    for key in ("import_bytes", "import_name", "import_digest"):
        st.session_state.pop(key, None)
    st.rerun()
