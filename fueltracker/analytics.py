"""Per-vehicle and per-month aggregates of one user's fill-ups, computed with
DuckDB SQL over a frame from ``metrics.add_derived``.

Pure: each call opens its own in-memory DuckDB connection and closes it, so
concurrent Streamlit sessions never share the module-level default connection
or see each other's registered frames. Weighting follows the domain rules:
consumption is distance-weighted over valid segments, price volume-weighted.
"""

from __future__ import annotations

import duckdb
import pandas as pd

# Only what the queries read is handed to DuckDB; free-text columns such as
# notes stay out of the SQL engine.
_QUERY_COLUMNS: tuple[str, ...] = (
    "vehicle_id",
    "vehicle_name",
    "date",
    "odometer_km",
    "volume_l",
    "total_amount",
    "segment_fuel_l",
    "segment_distance_km",
    "segment_cost",
)

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

_COLUMN_DTYPES: dict[str, str] = {
    "vehicle_id": "int64",
    "vehicle_name": "str",
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
}

# Segment sums only count rows where a valid segment closes; NULLIF keeps a
# vehicle or month without any from dividing by zero (the ratio is NULL).
_VEHICLE_SQL = """
SELECT
    vehicle_id,
    any_value(vehicle_name)                              AS vehicle_name,
    count(*)                                             AS fillup_count,
    coalesce(sum(segment_distance_km), 0)                AS distance_km,
    max(odometer_km) - min(odometer_km)                  AS tracked_km,
    100 * sum(segment_fuel_l) / nullif(sum(segment_distance_km), 0)
                                                         AS avg_consumption_l_per_100km,
    sum(segment_cost) / nullif(sum(segment_distance_km), 0)
                                                         AS fuel_cost_per_km,
    sum(total_amount)                                    AS total_spent,
    sum(volume_l)                                        AS total_volume_l,
    sum(total_amount) / nullif(sum(volume_l), 0)         AS avg_price_per_l,
    min("date")                                          AS first_date,
    max("date")                                          AS last_date
FROM derived
GROUP BY vehicle_id
ORDER BY vehicle_name, vehicle_id
"""

_MONTHLY_SQL = """
SELECT
    vehicle_id,
    any_value(vehicle_name)                              AS vehicle_name,
    date_trunc('month', "date")                          AS month,
    count(*)                                             AS fillup_count,
    sum(total_amount)                                    AS spent,
    sum(volume_l)                                        AS volume_l,
    coalesce(sum(segment_distance_km), 0)                AS distance_km,
    100 * sum(segment_fuel_l) / nullif(sum(segment_distance_km), 0)
                                                         AS avg_consumption_l_per_100km,
    sum(segment_cost) / nullif(sum(segment_distance_km), 0)
                                                         AS fuel_cost_per_km
FROM derived
GROUP BY vehicle_id, month
ORDER BY month, vehicle_name, vehicle_id
"""


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=_COLUMN_DTYPES[name]) for name in columns})


def _query(derived: pd.DataFrame, sql: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Run ``sql`` against ``derived`` (registered as "derived") on a private connection."""
    if derived.empty:
        # An empty object column gives DuckDB nothing to infer a type from;
        # the empty answer is known without asking it.
        return _empty(columns)
    frame = derived.loc[:, list(_QUERY_COLUMNS)]
    connection = duckdb.connect(":memory:")
    try:
        connection.register("derived", frame)
        result = connection.execute(sql).df()
    finally:
        connection.close()
    return result.loc[:, list(columns)].astype(
        {name: _COLUMN_DTYPES[name] for name in columns}
    )


def vehicle_summary(derived: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle, ordered by name.

    Columns: vehicle_id, vehicle_name, fillup_count, distance_km (Σ valid
    segment distance), tracked_km (max − min odometer),
    avg_consumption_l_per_100km (distance-weighted), fuel_cost_per_km,
    total_spent, total_volume_l, avg_price_per_l (volume-weighted),
    first_date, last_date. Ratios are NaN where nothing can be divided.
    """
    return _query(derived, _VEHICLE_SQL, VEHICLE_SUMMARY_COLUMNS)


def monthly_summary(derived: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle and calendar month with at least one fill-up.

    Columns: vehicle_id, vehicle_name, month (first day of the month,
    datetime64), fillup_count, spent, volume_l, distance_km (Σ valid segment
    distance of segments closing that month), avg_consumption_l_per_100km and
    fuel_cost_per_km (distance-weighted over those segments). Ordered by month,
    then vehicle name.
    """
    return _query(derived, _MONTHLY_SQL, MONTHLY_SUMMARY_COLUMNS)
