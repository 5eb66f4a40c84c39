"""Per-vehicle, per-month and per-page aggregates of one user's fill-ups, computed with
DuckDB SQL over a frame from ``metrics.add_derived``.

One place per number: the per-segment values (consumption, cost per km, unit price) are the
columns add_derived computed, never recomputed here, and every aggregate ratio is one of
metrics' ``Ratio``s rendered by ``Ratio.sql`` (``metrics.summarize`` evaluates the same
definitions in Python). Every query goes through ``Source.query``.

Pure and safe across threads: a ``Source`` registers its frame on a cursor of its own (a
connection of its own to one private in-memory database), so concurrent Streamlit sessions
never see each other's frames. A page's results are built on one Source, the frame
registered once; a function given a bare frame opens one for its query.
docs/performance.md measures a new connection per query (the old way: ~20 ms each on the
bench machine) against this.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from fueltracker import metrics
from fueltracker.metrics import CONSUMPTION, FUEL_COST_PER_KM, PRICE_PER_L

# What the queries read: the fill-ups, their derived values and the optional text columns
# (station, brand, grade stay values in SQL, never spliced into it). Free text such as
# notes stays out of the SQL engine.
QUERY_COLUMNS: tuple[str, ...] = (
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
    "unit_price_per_l",
    "consumption_l_per_100km",
    "cost_per_km",
    "segment_fuel_l",
    "segment_distance_km",
    "segment_cost",
    "consumption_status",
)
# Text columns that may hold only None: given as strings, DuckDB never has to guess a type.
_TEXT_COLUMNS = ("station", "brand", "grade", "consumption_status")

VEHICLE_SUMMARY_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "fillup_count",
    "distance_km",
    "tracked_km",
    "avg_consumption_l_per_100km",
    "fuel_cost_per_km",
    "total_spent",
    "total_volume_l",
    "avg_price_per_l",
    "first_date",
    "last_date",
)

MONTHLY_SUMMARY_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "month",
    "fillup_count",
    "spent",
    "volume_l",
    "distance_km",
    "avg_consumption_l_per_100km",
    "fuel_cost_per_km",
)

# The dtype of every column a query returns, by name.
_DTYPES: dict[str, str] = {
    "vehicle_id": "int64",
    "vehicle_name": "str",
    "entry_id": "int64",
    "date": "datetime64[ns]",
    "odometer_km": "float64",
    "fillup_count": "int64",
    "distance_km": "float64",
    "tracked_km": "float64",
    "avg_consumption_l_per_100km": "float64",
    "fuel_cost_per_km": "float64",
    "total_spent": "float64",
    "total_volume_l": "float64",
    "avg_price_per_l": "float64",
    "first_date": "datetime64[ns]",
    "last_date": "datetime64[ns]",
    "month": "datetime64[ns]",
    "spent": "float64",
    "volume_l": "float64",
    "total_amount": "float64",
    "consumption_status": "str",
    "segment_fuel_l": "float64",
    "segment_distance_km": "float64",
    "segment_cost": "float64",
    "consumption_l_per_100km": "float64",
    "rolling_l_per_100km": "float64",
    "cost_per_km": "float64",
    "fuel_l": "float64",
    "segment_count": "int64",
    "year": "int64",
    "month_number": "int64",
    "season": "str",
    "unit_price_per_l": "float64",
    "grade": "str",
    "station": "str",
    "brand": "str",
    "label": "str",
    "amount": "float64",
    "cumulative_spent": "float64",
    "reference_price_per_l": "float64",
    "reference_station": "str",
    "would_have_paid": "float64",
    "savings": "float64",
    "kind": "str",
    "reason": "str",
}

_database: duckdb.DuckDBPyConnection | None = None
_database_lock = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's private in-memory database: opening a database
    costs about 20 ms, a cursor on an open one microseconds. One thread per query: the
    frames are small, and a 2-core server runs many sessions at once."""
    global _database
    with _database_lock:  # the parent connection is not for concurrent use
        if _database is None:
            _database = duckdb.connect(":memory:", config={"threads": 1})
        return _database.cursor()


def query_frame(derived: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``derived`` the queries read, in the types DuckDB takes without
    guessing (an all-None object column gives it no type to infer)."""
    frame = derived.loc[:, list(QUERY_COLUMNS)].copy()
    for name in _TEXT_COLUMNS:
        frame[name] = frame[name].astype("string")
    return frame


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=_DTYPES[name]) for name in columns})


class Source:
    """One derived frame registered (as "derived") on a DuckDB cursor of its own, for any
    number of queries; close it (or use it as a context manager) when done."""

    def __init__(self, derived: pd.DataFrame) -> None:
        self.empty = derived.empty
        # An empty frame's answers are known without asking DuckDB (and its empty object
        # columns would give it no type to infer). An Arrow table, converted once: DuckDB
        # scans it in about half the time of the pandas frame, query after query.
        self._frame = (
            None if self.empty else pa.Table.from_pandas(query_frame(derived), preserve_index=False)
        )
        self._connection: duckdb.DuckDBPyConnection | None = None

    def query(
        self, sql: str, columns: tuple[str, ...], parameters: Sequence[object] | None = None
    ) -> pd.DataFrame:
        """The rows of ``sql`` over the frame, as ``columns`` in their documented dtypes."""
        if self._frame is None:
            return _empty(columns)
        if self._connection is None:
            self._connection = _cursor()
            self._connection.register("derived", self._frame)
        result = self._connection.execute(sql, parameters or []).df()
        return result.loc[:, list(columns)].astype({name: _DTYPES[name] for name in columns})

    def close(self) -> None:
        """Release the cursor (and with it the registered frame)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


Data = pd.DataFrame | Source


@contextmanager
def _source(data: Data) -> Iterator[Source]:
    """``data`` itself when it is a Source (the caller closes it), else a Source of the
    frame for this one query."""
    if isinstance(data, Source):
        yield data
        return
    with Source(data) as source:
        yield source


def _query(
    data: Data, sql: str, columns: tuple[str, ...], parameters: Sequence[object] | None = None
) -> pd.DataFrame:
    """The one query helper: ``sql`` over ``data`` (a frame or an open Source)."""
    with _source(data) as source:
        return source.query(sql, columns, parameters)


# Segment sums only count rows where a valid segment closes; a vehicle or month without any
# gets NULL ratios (NaN), never a division by zero.
_VEHICLE_SQL = f"""
SELECT
    vehicle_id,
    any_value(vehicle_name)                              AS vehicle_name,
    count(*)                                             AS fillup_count,
    coalesce(sum(segment_distance_km), 0)                AS distance_km,
    max(odometer_km) - min(odometer_km)                  AS tracked_km,
    {CONSUMPTION.sql()}                                  AS avg_consumption_l_per_100km,
    {FUEL_COST_PER_KM.sql()}                             AS fuel_cost_per_km,
    sum(total_amount)                                    AS total_spent,
    sum(volume_l)                                        AS total_volume_l,
    {PRICE_PER_L.sql()}                                  AS avg_price_per_l,
    min("date")                                          AS first_date,
    max("date")                                          AS last_date
FROM derived
GROUP BY vehicle_id
ORDER BY vehicle_name, vehicle_id
"""

_MONTHLY_SQL = f"""
SELECT
    vehicle_id,
    any_value(vehicle_name)                              AS vehicle_name,
    date_trunc('month', "date")                          AS month,
    count(*)                                             AS fillup_count,
    sum(total_amount)                                    AS spent,
    sum(volume_l)                                        AS volume_l,
    coalesce(sum(segment_distance_km), 0)                AS distance_km,
    {CONSUMPTION.sql()}                                  AS avg_consumption_l_per_100km,
    {FUEL_COST_PER_KM.sql()}                             AS fuel_cost_per_km
FROM derived
GROUP BY vehicle_id, month
ORDER BY month, vehicle_name, vehicle_id
"""


def vehicle_summary(derived: Data) -> pd.DataFrame:
    """One row per vehicle, ordered by name.

    Columns: vehicle_id, vehicle_name, fillup_count, distance_km (Σ valid
    segment distance), tracked_km (max − min odometer),
    avg_consumption_l_per_100km (distance-weighted), fuel_cost_per_km,
    total_spent, total_volume_l, avg_price_per_l (volume-weighted),
    first_date, last_date. Ratios are NaN where nothing can be divided.
    """
    return _query(derived, _VEHICLE_SQL, VEHICLE_SUMMARY_COLUMNS)


def monthly_summary(derived: Data) -> pd.DataFrame:
    """One row per vehicle and calendar month with at least one fill-up.

    Columns: vehicle_id, vehicle_name, month (first day of the month,
    datetime64), fillup_count, spent, volume_l, distance_km (Σ valid segment
    distance of segments closing that month), avg_consumption_l_per_100km and
    fuel_cost_per_km (distance-weighted over those segments). Ordered by month,
    then vehicle name.
    """
    return _query(derived, _MONTHLY_SQL, MONTHLY_SUMMARY_COLUMNS)


# ----- Overview ------------------------------------------------------------ #

AVG_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class PeriodComparison:
    """A period's summary beside the summary of the period of the same length just before
    it, plus the spend per month of each (total spent / period days × 30.44)."""

    current: metrics.Summary
    previous: metrics.Summary
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    cost_per_month: float | None
    previous_cost_per_month: float | None


def compare_periods(derived: pd.DataFrame, start: dt.date | None, end: dt.date) -> PeriodComparison:
    """Summaries (metrics.summarize) of [start, end] and of the equally long period just
    before it. ``start`` None means all time: from the first fill-up of ``derived``
    (the previous period then holds no fill-ups). Cost per month is None for a period
    without fill-ups."""
    if start is None:
        start = derived["date"].min().date() if not derived.empty else end
        start = min(start, end)
    days = (end - start).days + 1
    previous_end = start - dt.timedelta(days=1)
    previous_start = previous_end - dt.timedelta(days=days - 1)
    current = metrics.summarize(derived, start, end)
    previous = metrics.summarize(derived, previous_start, previous_end)

    def per_month(summary: metrics.Summary) -> float | None:
        return summary.total_spent / days * AVG_DAYS_PER_MONTH if summary.fillup_count else None

    return PeriodComparison(
        current,
        previous,
        start,
        end,
        previous_start,
        previous_end,
        per_month(current),
        per_month(previous),
    )


@dataclass(frozen=True)
class VehiclePeriod:
    """One vehicle's summary over a period and, when asked, over the period before."""

    vehicle_id: int
    vehicle_name: str
    current: metrics.Summary
    previous: metrics.Summary | None = None


def by_vehicle(
    derived: pd.DataFrame,
    start: dt.date | None,
    end: dt.date,
    previous: tuple[dt.date, dt.date] | None = None,
) -> list[VehiclePeriod]:
    """metrics.summarize of each vehicle with a fill-up in [start, end] (start None: all
    time), by name, and of [previous start, previous end] when given: the per-vehicle
    figures beside a period's totals, since a consumption is only ever one vehicle's."""
    in_period = metrics.filter_period(derived, start, end)
    pairs = (
        in_period.loc[:, ["vehicle_id", "vehicle_name"]]
        .drop_duplicates("vehicle_id")
        .sort_values(["vehicle_name", "vehicle_id"], kind="stable")
    )
    result = []
    for vehicle_id, vehicle_name in pairs.itertuples(index=False, name=None):
        rows = derived.loc[derived["vehicle_id"] == vehicle_id]
        result.append(
            VehiclePeriod(
                int(vehicle_id),
                str(vehicle_name),
                metrics.summarize(rows, start, end),
                None if previous is None else metrics.summarize(rows, *previous),
            )
        )
    return result


# ----- Consumption ---------------------------------------------------------- #

CONSUMPTION_SERIES_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "entry_id",
    "date",
    "odometer_km",
    "consumption_status",
    "segment_fuel_l",
    "segment_distance_km",
    "segment_cost",
    "consumption_l_per_100km",
    "cost_per_km",
    "rolling_l_per_100km",
)

_CONSUMPTION_SERIES_SQL = f"""
WITH valid AS (
    SELECT entry_id, {CONSUMPTION.sql("OVER w")} AS rolling
    FROM derived
    WHERE consumption_status = 'ok'
    WINDOW w AS (PARTITION BY vehicle_id ORDER BY odometer_km
                 ROWS BETWEEN $window PRECEDING AND CURRENT ROW)
)
SELECT d.vehicle_id, d.vehicle_name, d.entry_id, d."date", d.odometer_km,
       d.consumption_status, d.segment_fuel_l, d.segment_distance_km, d.segment_cost,
       d.consumption_l_per_100km, d.cost_per_km, valid.rolling AS rolling_l_per_100km
FROM derived d LEFT JOIN valid USING (entry_id)
WHERE d.consumption_status IN ('ok', 'missed', 'no_anchor')
ORDER BY d.vehicle_name, d.vehicle_id, d.odometer_km
"""


def consumption_series(derived: Data, window: int = 5) -> pd.DataFrame:
    """Every valid segment (status ok) with its consumption and cost per km, plus the
    fill-ups that break a chain (missed, no_anchor: NaN values, so charts draw a gap).

    ``rolling_l_per_100km`` is distance-weighted over the vehicle's last ``window`` valid
    segments, this one included: 100 · Σ fuel / Σ distance (never a mean of ratios). The
    window runs over valid segments in odometer order, across chain breaks (each segment
    is a full measurement on its own). Ordered by vehicle name, then odometer.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    sql = _CONSUMPTION_SERIES_SQL.replace("$window", str(int(window) - 1))
    return _query(derived, sql, CONSUMPTION_SERIES_COLUMNS)


MONTH_OF_YEAR_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "year",
    "month_number",
    "segment_count",
    "fuel_l",
    "distance_km",
    "avg_consumption_l_per_100km",
)

_MONTH_OF_YEAR_SQL = f"""
SELECT vehicle_id, any_value(vehicle_name) AS vehicle_name,
       year("date") AS year, month("date") AS month_number, count(*) AS segment_count,
       sum(segment_fuel_l) AS fuel_l, sum(segment_distance_km) AS distance_km,
       {CONSUMPTION.sql()} AS avg_consumption_l_per_100km
FROM derived
WHERE consumption_status = 'ok'
GROUP BY vehicle_id, year, month_number
ORDER BY vehicle_name, vehicle_id, year, month_number
"""


def consumption_by_month_of_year(derived: Data) -> pd.DataFrame:
    """Distance-weighted consumption per vehicle, calendar year and month (1-12) of the
    closing fill-up: 100 · Σ fuel / Σ distance of the vehicle's valid segments closing in
    that month. Never pooled across vehicles (a motorbike's 2020 beside a pickup's 2026
    says nothing). Only months with a valid segment appear."""
    return _query(derived, _MONTH_OF_YEAR_SQL, MONTH_OF_YEAR_COLUMNS)


SEASON_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "entry_id",
    "date",
    "odometer_km",
    "season",
    "consumption_l_per_100km",
    "segment_distance_km",
)

_SEASON_SQL = """
SELECT vehicle_id, vehicle_name, entry_id, "date", odometer_km,
       CASE WHEN month("date") IN (12, 1, 2) THEN 'Winter'
            WHEN month("date") IN (3, 4, 5) THEN 'Spring'
            WHEN month("date") IN (6, 7, 8) THEN 'Summer'
            ELSE 'Autumn' END AS season,
       consumption_l_per_100km, segment_distance_km
FROM derived
WHERE consumption_status = 'ok'
ORDER BY "date", entry_id
"""


def segments_by_season(derived: Data) -> pd.DataFrame:
    """Each valid segment's consumption with the meteorological season of its closing
    fill-up (Winter = Dec-Feb, Spring = Mar-May, Summer = Jun-Aug, Autumn = Sep-Nov)."""
    return _query(derived, _SEASON_SQL, SEASON_COLUMNS)


# ----- Prices --------------------------------------------------------------- #

UNKNOWN = "(not recorded)"

PRICE_POINT_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "entry_id",
    "date",
    "odometer_km",
    "grade",
    "station",
    "brand",
    "volume_l",
    "total_amount",
    "unit_price_per_l",
)

_PRICE_POINTS_SQL = f"""
SELECT vehicle_id, vehicle_name, entry_id, "date", odometer_km,
       coalesce(nullif(trim(grade), ''), '{UNKNOWN}')   AS grade,
       coalesce(nullif(trim(station), ''), '{UNKNOWN}') AS station,
       coalesce(nullif(trim(brand), ''), '{UNKNOWN}')   AS brand,
       volume_l, total_amount, unit_price_per_l
FROM derived
ORDER BY "date", entry_id
"""


def price_points(derived: Data) -> pd.DataFrame:
    """Each fill-up's unit price per litre with its grade, station and brand (missing
    ones shown as "(not recorded)"), in date order."""
    return _query(derived, _PRICE_POINTS_SQL, PRICE_POINT_COLUMNS)


PRICE_BY_COLUMNS: tuple[str, ...] = (
    "label",
    "fillup_count",
    "volume_l",
    "spent",
    "avg_price_per_l",
)


def average_price_by(derived: Data, column: str) -> pd.DataFrame:
    """Volume-weighted average price (Σ amount / Σ volume) per brand, station or grade,
    with the number of fill-ups, cheapest first. ``column``: "brand", "station", "grade"."""
    if column not in ("brand", "station", "grade"):
        raise ValueError(f"Cannot group prices by {column!r}")
    sql = f"""
    SELECT coalesce(nullif(trim({column}), ''), '{UNKNOWN}') AS label,
           count(*) AS fillup_count, sum(volume_l) AS volume_l, sum(total_amount) AS spent,
           {PRICE_PER_L.sql()} AS avg_price_per_l
    FROM derived
    GROUP BY label
    ORDER BY avg_price_per_l, label
    """
    return _query(derived, sql, PRICE_BY_COLUMNS)


REGULAR_STATION_MIN_FILLUPS = 3

SAVINGS_COLUMNS: tuple[str, ...] = (
    "entry_id",
    "date",
    "vehicle_name",
    "station",
    "volume_l",
    "total_amount",
    "unit_price_per_l",
    "reference_station",
    "reference_price_per_l",
    "would_have_paid",
    "savings",
)

_SAVINGS_SQL = f"""
WITH priced AS (
    SELECT *, coalesce(nullif(trim(station), ''), NULL) AS place,
           date_trunc('month', "date") AS month
    FROM derived WHERE volume_l > 0
),
regular AS (
    SELECT place FROM priced WHERE place IS NOT NULL
    GROUP BY place HAVING count(*) >= $min_fillups
),
overall AS (
    SELECT place, {PRICE_PER_L.sql()} AS price
    FROM priced JOIN regular USING (place) GROUP BY place
    ORDER BY price, place LIMIT 1
),
monthly AS (
    SELECT month, arg_min(place, price) AS place, min(price) AS price
    FROM (SELECT month, place, {PRICE_PER_L.sql()} AS price
          FROM priced JOIN regular USING (place) GROUP BY month, place)
    GROUP BY month
)
SELECT p.entry_id, p."date", p.vehicle_name,
       coalesce(p.place, '{UNKNOWN}') AS station, p.volume_l, p.total_amount,
       p.unit_price_per_l,
       coalesce(m.place, o.place) AS reference_station,
       coalesce(m.price, o.price) AS reference_price_per_l,
       p.volume_l * coalesce(m.price, o.price) AS would_have_paid,
       p.total_amount - p.volume_l * coalesce(m.price, o.price) AS savings
FROM priced p LEFT JOIN monthly m USING (month) CROSS JOIN overall o
ORDER BY p."date", p.entry_id
"""


def cheapest_station_savings(
    derived: Data, min_fillups: int = REGULAR_STATION_MIN_FILLUPS
) -> pd.DataFrame:
    """What each fill-up would have cost at the user's cheapest regular station.

    A regular station has at least ``min_fillups`` fill-ups in ``derived``. The reference
    price of a fill-up is the lowest volume-weighted average price (Σ amount / Σ volume)
    among the regular stations used in the same calendar month; in a month without any
    regular station it is the overall cheapest regular station's average over the whole
    frame. ``savings`` = amount paid − volume × reference price (negative where the
    fill-up was cheaper than the reference). No rows when there is no regular station.
    """
    sql = _SAVINGS_SQL.replace("$min_fillups", str(int(min_fillups)))
    return _query(derived, sql, SAVINGS_COLUMNS)


# ----- Costs ---------------------------------------------------------------- #

YEARLY_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "year",
    "fillup_count",
    "spent",
    "volume_l",
)

_YEARLY_SQL = """
SELECT vehicle_id, any_value(vehicle_name) AS vehicle_name, year("date") AS year,
       count(*) AS fillup_count, sum(total_amount) AS spent, sum(volume_l) AS volume_l
FROM derived
GROUP BY vehicle_id, year
ORDER BY year, vehicle_name, vehicle_id
"""


def yearly_spend(derived: Data) -> pd.DataFrame:
    """Fuel spend per vehicle and calendar year."""
    return _query(derived, _YEARLY_SQL, YEARLY_COLUMNS)


CUMULATIVE_COLUMNS: tuple[str, ...] = (
    "entry_id",
    "date",
    "vehicle_name",
    "odometer_km",
    "amount",
    "cumulative_spent",
)

_CUMULATIVE_SQL = """
SELECT entry_id, "date", vehicle_name, odometer_km, total_amount AS amount,
       sum(total_amount) OVER (ORDER BY "date", entry_id
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
           AS cumulative_spent
FROM derived
ORDER BY "date", entry_id
"""


def cumulative_spend(derived: Data) -> pd.DataFrame:
    """Running total of the amounts paid, all vehicles of ``derived`` together, in date
    order (ties by entry id)."""
    return _query(derived, _CUMULATIVE_SQL, CUMULATIVE_COLUMNS)


PROJECTION_DAYS = 365

PACE_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "first_date",
    "last_date",
    "days",
    "spent",
    "spend_per_day",
)


@dataclass(frozen=True)
class SpendProjection:
    """The next 12 months' fuel spend projected from each vehicle's pace of the last 12.

    ``last_12_months_spent``: every fill-up in the 365 days up to today. ``pace``: one row
    per vehicle with a fill-up in those days (PACE_COLUMNS, by name): its first and last
    fill-up there, the days between them, ``spent`` (the fill-ups after the first: the
    fuel for that stretch) and ``spend_per_day`` (NaN with fewer than two fill-up days:
    no pace to tell). ``spend_per_day``: the vehicles' paces added up (None when no vehicle
    has one). ``points``: month-by-month cumulative spend (columns date, cumulative_spent)
    from today's running total at that pace, 13 points; empty without a pace.
    """

    last_12_months_spent: float
    pace: pd.DataFrame
    spend_per_day: float | None
    points: pd.DataFrame

    @property
    def next_12_months(self) -> float | None:
        """The projected spend of the next 365 days (None: nothing to project from)."""
        return None if self.spend_per_day is None else self.spend_per_day * PROJECTION_DAYS

    @property
    def without_pace(self) -> list[str]:
        """Vehicles with a fill-up in the last 12 months but too few to tell a pace."""
        return self.pace.loc[self.pace["spend_per_day"].isna(), "vehicle_name"].tolist()


def spending_pace(derived: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Each vehicle's fuel spend per day between its first and last fill-up dated in
    [start, end]: the amounts of the fill-ups after the first (they paid for the fuel used
    since it) over the days between the two (PACE_COLUMNS, vehicles by name). Per vehicle,
    so a vehicle bought three months ago has its own pace instead of diluting a total."""
    recent = metrics.filter_period(derived, start, end).sort_values(
        ["vehicle_id", "date", "odometer_km"], kind="stable"
    )
    records = []
    # The group's key is typed as any scalar; its rows' column says it is an integer id.
    for _, rows in recent.groupby("vehicle_id", sort=False):
        first, last = rows["date"].iloc[0], rows["date"].iloc[-1]
        days = (last - first).days
        spent = float(rows["total_amount"].iloc[1:].sum())
        records.append(
            {
                "vehicle_id": int(rows["vehicle_id"].iloc[0]),
                "vehicle_name": rows["vehicle_name"].iloc[0],
                "first_date": first,
                "last_date": last,
                "days": days,
                "spent": spent,
                "spend_per_day": spent / days if days > 0 else float("nan"),
            }
        )
    pace = pd.DataFrame.from_records(records, columns=list(PACE_COLUMNS))
    return (
        pace.sort_values(["vehicle_name", "vehicle_id"], kind="stable")
        .reset_index(drop=True)
        .astype({"days": "int64", "spent": "float64", "spend_per_day": "float64"})
    )


def spend_projection(
    derived: pd.DataFrame, today: dt.date, continued: pd.DataFrame | None = None
) -> SpendProjection:
    """Project the next 365 days' fuel spend at the pace of the last 365 (see
    SpendProjection and spending_pace): Σ over vehicles of spend per day × 365. Unlike a
    copy of the last 12 months' total it counts a recently added vehicle (or a history
    logged only lately) for a whole year. The points continue the running total of
    ``continued`` (the rows a cumulative chart shows; default ``derived``) up to today."""
    window_start = today - dt.timedelta(days=PROJECTION_DAYS - 1)
    recent = metrics.filter_period(derived, window_start, today)
    pace = spending_pace(derived, window_start, today)
    known = pace["spend_per_day"].dropna()
    per_day = float(known.sum()) if not known.empty else None
    points = pd.DataFrame(
        {"date": pd.Series(dtype="datetime64[ns]"), "cumulative_spent": pd.Series(dtype="float64")}
    )
    if per_day is not None:
        base = derived if continued is None else continued
        total = float(metrics.filter_period(base, None, today)["total_amount"].sum())
        start = pd.Timestamp(today)
        dates = [start + pd.DateOffset(months=k) for k in range(13)]
        points = pd.DataFrame(
            {
                "date": dates,
                "cumulative_spent": [total + per_day * (d - start).days for d in dates],
            }
        )
    return SpendProjection(float(recent["total_amount"].sum()), pace, per_day, points)


# ----- Data quality --------------------------------------------------------- #

ISSUE_COLUMNS: tuple[str, ...] = (
    "entry_id",
    "vehicle_id",
    "vehicle_name",
    "date",
    "odometer_km",
    "kind",
    "reason",
)

IMPLAUSIBLE_FACTOR = metrics.IMPLAUSIBLE_CONSUMPTION_FACTOR

ISSUE_ODOMETER = "odometer_order"
ISSUE_TRAILING_PARTIAL = "trailing_partial"
ISSUE_IMPLAUSIBLE = "implausible_consumption"
ISSUE_BROKEN_CHAIN = "broken_chain"

_ISSUES_SQL = f"""
WITH by_date AS (
    -- Date, then odometer: the order History shows. Never the entry id: an undone delete
    -- re-creates its fill-up with a new id, which would put the lower of two same-day
    -- readings second and report an odometer going backwards that does not.
    SELECT *, lag(odometer_km) OVER (PARTITION BY vehicle_id ORDER BY "date", odometer_km)
                  AS previous_odometer,
              lag("date") OVER (PARTITION BY vehicle_id ORDER BY "date", odometer_km)
                  AS previous_date,
              max(CASE WHEN is_full THEN odometer_km END) OVER (PARTITION BY vehicle_id)
                  AS last_full_odometer,
              median(CASE WHEN consumption_status = 'ok' THEN consumption_l_per_100km END)
                  OVER (PARTITION BY vehicle_id) AS median_consumption
    FROM derived
)
SELECT entry_id, vehicle_id, vehicle_name, "date", odometer_km,
       '{ISSUE_ODOMETER}' AS kind,
       'Odometer lower than on the earlier fill-up of '
           || strftime(previous_date, '%Y-%m-%d')
           || ': date order and odometer order disagree' AS reason
FROM by_date WHERE odometer_km < previous_odometer
UNION ALL
SELECT entry_id, vehicle_id, vehicle_name, "date", odometer_km,
       '{ISSUE_TRAILING_PARTIAL}',
       'Partial fill-up with no full tank after it: its fuel is not counted in any '
           || 'consumption yet'
FROM by_date
WHERE NOT is_full AND (last_full_odometer IS NULL OR odometer_km > last_full_odometer)
UNION ALL
SELECT entry_id, vehicle_id, vehicle_name, "date", odometer_km,
       '{ISSUE_IMPLAUSIBLE}',
       'Consumption more than {IMPLAUSIBLE_FACTOR:g}× the vehicle''s median segment: '
           || 'check its volume and odometer, and whether a fill-up is missing before it'
FROM by_date
WHERE consumption_status = 'ok'
  AND consumption_l_per_100km > {IMPLAUSIBLE_FACTOR} * median_consumption
UNION ALL
SELECT entry_id, vehicle_id, vehicle_name, "date", odometer_km,
       '{ISSUE_BROKEN_CHAIN}',
       CASE WHEN missed_previous
            THEN 'Marked "missed previous fill-up": the segment before it has no consumption'
            ELSE 'No full tank to measure from: the chain broke before this fill-up' END
FROM by_date
WHERE missed_previous OR consumption_status = 'no_anchor'
ORDER BY "date" DESC, odometer_km DESC, entry_id DESC, kind
"""


def data_quality_issues(derived: Data) -> pd.DataFrame:
    """Fill-ups the metrics had to skip or that look wrong, one row per fill-up and reason,
    newest first. ``kind`` is one of:

    * ``odometer_order``: its odometer is lower than the vehicle's fill-up just before it
      in date order (date order and odometer order disagree; fill-ups of one day are in
      odometer order, as History lists them, whatever their ids);
    * ``trailing_partial``: a partial fill-up with no full fill-up after it (by odometer);
    * ``implausible_consumption``: a segment more than IMPLAUSIBLE_FACTOR (3) times the
      vehicle's median valid segment consumption;
    * ``broken_chain``: flagged "missed previous", or a full fill-up with no anchor.

    The reason text names no number, so it reads the same in every unit; pages show the
    odometer in the user's unit beside it.
    """
    return _query(derived, _ISSUES_SQL, ISSUE_COLUMNS)
