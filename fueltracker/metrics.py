"""Fuel-economy maths: the single implementation of the full-tank-to-full-tank
method and the period aggregates set out in the domain rules (domain.md).

History, dashboard and export all call ``add_derived`` and ``summarize``;
nothing else in the application computes a consumption, a running cost or an
average price. Each aggregate ratio (consumption, fuel cost per km, price per
litre) is one ``Ratio`` below: ``summarize`` evaluates it in Python, the
analysis queries (analytics.py) take its SQL form, so the formula is written
once. The module is pure: pandas and NumPy in, pandas and plain Python values
out; no database, no UI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

ENTRY_COLUMNS: tuple[str, ...] = (
    "entry_id",
    "vehicle_id",
    "vehicle_name",
    "date",
    "odometer_km",
    "volume_l",
    "total_amount",
    "is_full",
    "missed_previous",
    "station",
    "brand",
    "grade",
    "notes",
)

DERIVED_COLUMNS: tuple[str, ...] = (
    "unit_price_per_l",
    "distance_km",
    "consumption_l_per_100km",
    "cost_per_km",
    "segment_fuel_l",
    "segment_distance_km",
    "segment_cost",
    "consumption_status",
)

# consumption_status values
STATUS_FIRST = "first"
STATUS_PARTIAL = "partial"
STATUS_OK = "ok"
STATUS_MISSED = "missed"
STATUS_NO_ANCHOR = "no_anchor"
CONSUMPTION_STATUSES: tuple[str, ...] = (
    STATUS_FIRST,
    STATUS_PARTIAL,
    STATUS_OK,
    STATUS_MISSED,
    STATUS_NO_ANCHOR,
)


@dataclass(frozen=True)
class Ratio:
    """An aggregate ratio, defined once: scale · Σ numerator / Σ denominator over a set of
    rows (distance- or volume-weighted, never a mean of per-row ratios).

    ``of`` evaluates it on two sums (summarize), ``per_row`` on each row (add_derived's
    per-segment values), ``sql`` renders it as a DuckDB aggregate over the columns of the
    derived frame (analytics.py): one formula, evaluated in the same order everywhere.
    """

    numerator: str
    denominator: str
    scale: float = 1.0

    def of(self, numerator_sum: float, denominator_sum: float) -> float | None:
        """The ratio of two sums; None when there is nothing to divide by."""
        if not denominator_sum > 0:
            return None
        return self.scale * numerator_sum / denominator_sum

    def per_row(self, numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        """The ratio of each row's own values; NaN where the denominator is not positive."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(denominator > 0, self.scale * numerator / denominator, np.nan)

    def sql(self, over: str = "") -> str:
        """The ratio as a SQL aggregate (NULL where the denominator sums to zero); ``over``
        (e.g. "OVER w") makes it a window aggregate."""
        scale = "" if self.scale == 1 else f"{self.scale:g} * "
        window = f" {over}" if over else ""
        return f"{scale}sum({self.numerator}){window} / nullif(sum({self.denominator}){window}, 0)"


# Distance-weighted over the valid full-tank segments (domain.md): L/100 km, cost per km.
CONSUMPTION = Ratio("segment_fuel_l", "segment_distance_km", 100.0)
FUEL_COST_PER_KM = Ratio("segment_cost", "segment_distance_km")
# Volume-weighted over the fill-ups: total paid / total volume.
PRICE_PER_L = Ratio("total_amount", "volume_l")

# A segment over this many times its vehicle's median consumption is implausible: the form
# warns before saving it (entry.py) and Data quality lists it (analytics.py). One constant,
# so the warning and the list never disagree on what "implausible" means.
IMPLAUSIBLE_CONSUMPTION_FACTOR = 3

_ENTRY_DTYPES: dict[str, str] = {
    "entry_id": "int64",
    "vehicle_id": "int64",
    "vehicle_name": "str",
    "date": "datetime64[ns]",
    "odometer_km": "float64",
    "volume_l": "float64",
    "total_amount": "float64",
    "is_full": "bool",
    "missed_previous": "bool",
    "station": "object",
    "brand": "object",
    "grade": "object",
    "notes": "object",
}


def empty_entries_frame() -> pd.DataFrame:
    """Return an entries frame with no rows and the documented column dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in _ENTRY_DTYPES.items()})


def _normalised_entries(entries: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``entries`` with the numeric, flag and date columns coerced.

    Frames built from SQL rows carry Decimals (object dtype), nullable booleans
    or microsecond datetimes; coercing here means the maths below can rely on
    float64/bool/datetime64[ns] whatever the source was.
    """
    missing = [name for name in ENTRY_COLUMNS if name not in entries.columns]
    if missing:
        raise ValueError(f"Entries frame lacks column(s): {', '.join(missing)}")
    frame = entries.copy()
    for name in ("odometer_km", "volume_l", "total_amount"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in ("is_full", "missed_previous"):
        frame[name] = frame[name].fillna(False).astype(bool)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    return frame


def add_derived(entries: pd.DataFrame) -> pd.DataFrame:
    """Return a new frame, sorted by vehicle then odometer, with derived columns.

    Adds ``unit_price_per_l``, ``distance_km`` (since the vehicle's previous
    fill-up), ``consumption_l_per_100km`` and ``cost_per_km`` (on the full
    fill-up closing a valid segment), ``segment_fuel_l``,
    ``segment_distance_km``, ``segment_cost`` (same rows; NaN elsewhere) and
    ``consumption_status``:

    * ``first``     the vehicle's first fill-up (an anchor if full);
    * ``partial``   a partial fill-up: its fuel is deferred to the next full one;
    * ``ok``        a full fill-up closing a valid segment;
    * ``missed``    a full fill-up whose own ``missed_previous`` flag breaks the
      segment; it becomes the new anchor;
    * ``no_anchor`` a full fill-up with nothing to measure from: no full
      fill-up before it, or a partial one flagged ``missed_previous`` since
      the last full one. It becomes the new anchor.

    Vehicles are independent. The input frame is not modified.
    """
    frame = _normalised_entries(entries)
    # Stable tie-breakers keep the output deterministic for malformed input
    # (validation forbids equal odometers for one vehicle).
    frame = frame.sort_values(
        ["vehicle_id", "odometer_km", "date", "entry_id"], kind="stable"
    ).reset_index(drop=True)

    n = len(frame)
    vehicle = frame["vehicle_id"].to_numpy()
    odometer_km = frame["odometer_km"].to_numpy(dtype="float64")
    volume_l = frame["volume_l"].to_numpy(dtype="float64")
    amount = frame["total_amount"].to_numpy(dtype="float64")
    is_full = frame["is_full"].to_numpy(dtype=bool)
    missed = frame["missed_previous"].to_numpy(dtype=bool)

    unit_price_per_l = PRICE_PER_L.per_row(amount, volume_l)

    if n == 0:
        nan = np.empty(0, dtype="float64")
        return frame.assign(
            unit_price_per_l=nan,
            distance_km=nan,
            consumption_l_per_100km=nan,
            cost_per_km=nan,
            segment_fuel_l=nan,
            segment_distance_km=nan,
            segment_cost=nan,
            consumption_status=pd.Series([], dtype="str"),
        )

    vehicle_start = np.empty(n, dtype=bool)
    vehicle_start[0] = True
    vehicle_start[1:] = vehicle[1:] != vehicle[:-1]

    distance_km = np.empty(n, dtype="float64")
    distance_km[0] = np.nan
    distance_km[1:] = odometer_km[1:] - odometer_km[:-1]
    distance_km[vehicle_start] = np.nan

    # A group is the run of fill-ups (a, b] after one full fill-up a up to and
    # including the next full one b: it starts at each vehicle's first row and
    # right after every full fill-up. Summing per group gives every segment at
    # once, with no Python loop over rows or vehicles.
    group_start = vehicle_start.copy()
    group_start[1:] |= is_full[:-1]
    group_id = np.cumsum(group_start) - 1
    group_count = int(group_id[-1]) + 1

    group_fuel_l = np.bincount(group_id, weights=volume_l, minlength=group_count)
    group_cost = np.bincount(group_id, weights=amount, minlength=group_count)
    group_missed_partial = np.bincount(
        group_id, weights=(missed & ~is_full).astype("float64"), minlength=group_count
    )

    # The anchor of a group is the full fill-up just before its first row,
    # unless the group opens the vehicle's history (then it has none).
    start_index = np.flatnonzero(group_start)
    has_anchor = ~vehicle_start[start_index]
    anchor_odometer_km = np.full(group_count, np.nan)
    anchor_odometer_km[has_anchor] = odometer_km[start_index[has_anchor] - 1]

    row_has_anchor = has_anchor[group_id]
    row_missed_partial = group_missed_partial[group_id] > 0
    segment_distance = odometer_km - anchor_odometer_km[group_id]

    closes_full = is_full & ~vehicle_start
    is_missed = closes_full & missed
    is_no_anchor = closes_full & ~missed & (~row_has_anchor | row_missed_partial)
    is_ok = closes_full & ~missed & row_has_anchor & ~row_missed_partial
    # A non-positive distance cannot be measured (only reachable with data that
    # bypassed validation); treat it like a missing anchor instead of dividing.
    unmeasurable = is_ok & ~(segment_distance > 0)
    is_no_anchor |= unmeasurable
    is_ok &= ~unmeasurable

    status = np.full(n, STATUS_PARTIAL, dtype=object)
    status[is_ok] = STATUS_OK
    status[is_missed] = STATUS_MISSED
    status[is_no_anchor] = STATUS_NO_ANCHOR
    status[vehicle_start] = STATUS_FIRST

    segment_fuel_l = np.where(is_ok, group_fuel_l[group_id], np.nan)
    segment_cost = np.where(is_ok, group_cost[group_id], np.nan)
    segment_distance_km = np.where(is_ok, segment_distance, np.nan)
    consumption_l_per_100km = CONSUMPTION.per_row(segment_fuel_l, segment_distance_km)
    cost_per_km = FUEL_COST_PER_KM.per_row(segment_cost, segment_distance_km)

    return frame.assign(
        unit_price_per_l=unit_price_per_l,
        distance_km=distance_km,
        consumption_l_per_100km=consumption_l_per_100km,
        cost_per_km=cost_per_km,
        segment_fuel_l=segment_fuel_l,
        segment_distance_km=segment_distance_km,
        segment_cost=segment_cost,
        consumption_status=status,
    )


@dataclass(frozen=True)
class Summary:
    """Aggregates over a period, weighted as domain.md prescribes.

    Ratios are None when there is nothing to divide by (no valid segment, no
    volume); dates are None for an empty period.
    """

    fillup_count: int
    total_spent: float
    total_volume_l: float
    distance_km: float
    avg_consumption_l_per_100km: float | None
    fuel_cost_per_km: float | None
    avg_price_per_l: float | None
    first_date: dt.date | None
    last_date: dt.date | None
    has_broken_chain: bool
    segment_count: int = 0


def filter_period(
    derived: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Rows of ``derived`` whose date lies in [start, end] (both inclusive, None = open)."""
    mask = pd.Series(True, index=derived.index)
    if start is not None:
        mask &= derived["date"] >= pd.Timestamp(start)
    if end is not None:
        # Compare against the next midnight so a timestamp later on the end
        # day still counts as inside the period.
        mask &= derived["date"] < pd.Timestamp(end) + pd.Timedelta(days=1)
    return derived.loc[mask]


def summarize(
    derived: pd.DataFrame,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Summary:
    """Aggregate a frame from ``add_derived`` over the period [start, end].

    Fill-up totals use every fill-up dated in the period; consumption, cost per
    km and distance use the valid segments whose closing fill-up is dated in
    the period. Averages are ratios of sums (distance- or volume-weighted),
    never means of per-fill-up ratios.
    """
    period = filter_period(derived, start, end)
    segments = period["segment_distance_km"].notna()

    total_spent = float(period["total_amount"].sum())
    total_volume_l = float(period["volume_l"].sum())
    segment_distance_km = float(period.loc[segments, "segment_distance_km"].sum())
    segment_fuel_l = float(period.loc[segments, "segment_fuel_l"].sum())
    segment_cost = float(period.loc[segments, "segment_cost"].sum())

    if period.empty:
        first_date = last_date = None
    else:
        first_date = period["date"].min().date()
        last_date = period["date"].max().date()

    return Summary(
        fillup_count=int(len(period)),
        total_spent=total_spent,
        total_volume_l=total_volume_l,
        distance_km=segment_distance_km,
        avg_consumption_l_per_100km=CONSUMPTION.of(segment_fuel_l, segment_distance_km),
        fuel_cost_per_km=FUEL_COST_PER_KM.of(segment_cost, segment_distance_km),
        avg_price_per_l=PRICE_PER_L.of(total_spent, total_volume_l),
        first_date=first_date,
        last_date=last_date,
        has_broken_chain=bool(period["missed_previous"].any()),
        segment_count=int(segments.sum()),
    )
