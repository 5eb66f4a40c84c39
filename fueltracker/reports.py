"""What the Dashboard and each analysis page show for one filter, built in one go from the
user's derived frame: headline figures, charts (with the data behind them) and tables, in
the user's units. Pure: frames in, frozen results out; no database, no Streamlit.

A ``Request`` holds everything a result depends on: the user id, the user's data revision,
the page's filter (vehicles, period, today) and the unit preferences. ui/results.py caches
each result under its Request and nothing else, so a result is served only for the request
that built it: never stale (every write bumps the revision), never another user's (the user
id is part of it). Results are shared, not copied, between the runs that ask for them:
nothing may modify them.

Each page's queries run on one analytics.Source: its rows registered in DuckDB once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fueltracker import analytics, charts, csvsafe, metrics, units, views
from fueltracker import costs as costs_
from fueltracker.analytics import PeriodComparison
from fueltracker.charts import ENERGY_SERIES
from fueltracker.costs import Cost, TotalCostOfOwnership
from fueltracker.expense_views import CATEGORY_LABELS
from fueltracker.schemas import UserRead
from fueltracker.views import Figure, ProjectionView


@dataclass(frozen=True)
class Units:
    """The preferences a result is drawn in. The attribute names are UserRead's, so the
    views functions that format a user's figures take a Units in the user's place."""

    currency: str
    distance_unit: str
    volume_unit: str
    consumption_unit: str

    @classmethod
    def of(cls, user: UserRead) -> Units:
        """The signed-in user's preferences."""
        return cls(user.currency, user.distance_unit, user.volume_unit, user.consumption_unit)


@dataclass(frozen=True)
class Request:
    """One page's question, and the cache key of its answer: whose data (user id and data
    revision), which filter (the chosen vehicles, the period [start, end], start None for
    all time, and the user's today, which projections count from) and in which units."""

    user_id: int
    revision: int
    units: Units
    vehicle_ids: tuple[int, ...]
    start: dt.date | None
    end: dt.date
    today: dt.date

    def vehicles_frame(self, derived: pd.DataFrame) -> pd.DataFrame:
        """The chosen vehicles' rows, whole history (derived values and comparisons need
        the fill-ups before the period)."""
        return derived.loc[derived["vehicle_id"].isin(self.vehicle_ids)]

    def period_frame(self, derived: pd.DataFrame) -> pd.DataFrame:
        """The chosen vehicles' rows dated in the period."""
        return metrics.filter_period(self.vehicles_frame(derived), self.start, self.end)


@dataclass(frozen=True)
class VehicleFacts:
    """What the filters need to know of a user's fill-ups without the fill-ups: each
    vehicle with a fill-up, by name, with its first and last fill-up dates."""

    vehicles: tuple[tuple[int, str, dt.date, dt.date], ...] = ()

    @property
    def empty(self) -> bool:
        """No fill-up at all."""
        return not self.vehicles

    @property
    def names(self) -> dict[int, str]:
        """{vehicle id: name}, by name."""
        return {vehicle_id: name for vehicle_id, name, _, _ in self.vehicles}

    def _dates(self, vehicle_ids: tuple[int, ...] | None, index: Literal[2, 3]) -> list[dt.date]:
        return [row[index] for row in self.vehicles if vehicle_ids is None or row[0] in vehicle_ids]

    def first_date(self, vehicle_ids: tuple[int, ...] | None = None) -> dt.date | None:
        """The first fill-up's date of these vehicles (None: all; no fill-up: None)."""
        return min(self._dates(vehicle_ids, 2), default=None)

    def last_date(self, vehicle_ids: tuple[int, ...] | None = None) -> dt.date | None:
        """The latest fill-up's date of these vehicles (None: all; no fill-up: None)."""
        return max(self._dates(vehicle_ids, 3), default=None)

    def logged_since(self, start: dt.date | None) -> bool:
        """Whether any fill-up is dated on or after ``start`` (None: whether any exists)."""
        last = self.last_date()
        return last is not None and (start is None or last >= start)


def vehicle_facts(derived: pd.DataFrame) -> VehicleFacts:
    """The VehicleFacts of a derived frame. In NumPy: every page run after a write builds
    them, and pandas' groupby took milliseconds for a few vehicles."""
    if derived.empty:
        return VehicleFacts()
    order = np.argsort(derived["vehicle_id"].to_numpy(), kind="stable")
    vehicle = derived["vehicle_id"].to_numpy()[order]
    day = derived["date"].to_numpy()[order].astype("datetime64[D]")
    starts = np.flatnonzero(np.r_[True, vehicle[1:] != vehicle[:-1]])
    names = derived["vehicle_name"].to_numpy()[order][starts]
    rows = zip(
        vehicle[starts].tolist(),
        [str(name) for name in names],
        np.minimum.reduceat(day, starts).tolist(),
        np.maximum.reduceat(day, starts).tolist(),
        strict=True,
    )
    return VehicleFacts(tuple(sorted(rows, key=lambda row: (row[1], row[0]))))


@dataclass(frozen=True)
class Chart:
    """A figure, and whether there is data behind it to download (a chart that only
    explains why it is empty has none)."""

    figure: go.Figure
    has_data: bool

    def csv(self) -> bytes:
        """The data behind the chart as CSV, numbers rounded as the chart shows them: made
        only when asked (a download button's click), never on a page run."""
        return csv_bytes(charts.figure_frame(self.figure))


def chart(figure: go.Figure) -> Chart:
    """A Chart of ``figure``."""
    has_data = any(
        trace.y is not None and pd.Series(list(trace.y), dtype=object).notna().any()
        for trace in figure.data
    )
    return Chart(figure, has_data)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes, text cells a spreadsheet would run as formulas neutralised."""
    safe = table.copy()
    for column in safe.columns:
        # pandas 3 gives text its own "str" dtype, no longer object: both hold text.
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(
                lambda v: csvsafe.neutralise(v) if isinstance(v, str) else v
            )
    return safe.to_csv(index=False).encode("utf-8")


@dataclass(frozen=True)
class NothingToDraw:
    """A page's result when it has nothing to draw: no fill-up of the chosen vehicles in
    the period (``fillups`` 0) or, on the Consumption page, none of them with a measured
    segment there. Its own type, so that a page's report holds every part it draws."""

    fillups: int


# ----- Dashboard -------------------------------------------------------------- #


@dataclass(frozen=True)
class DashboardReport:
    """The Dashboard for a period with fill-ups: how many, the period's figures, one
    consumption per vehicle (several vehicles), the per-segment consumption chart, the
    vehicles' table and the spend per month."""

    fillups: int
    totals: list[Figure]
    per_vehicle: list[Figure]
    consumption: go.Figure
    vehicles: pd.DataFrame
    spend: go.Figure


def dashboard(derived: pd.DataFrame, request: Request) -> DashboardReport | NothingToDraw:
    """The Dashboard of ``request`` (all the user's vehicles)."""
    in_period = request.period_frame(derived)
    if in_period.empty:
        return NothingToDraw(0)
    units_ = request.units
    colors = charts.vehicle_colors(derived)
    totals, per_vehicle = views.dashboard_figures(
        request.vehicles_frame(derived), request.start, request.end, units_
    )
    with analytics.Source(in_period) as source:
        vehicles = views.vehicle_table(analytics.vehicle_summary(source), units_)
        spend = charts.monthly_spend_chart(
            analytics.monthly_summary(source), units_.currency, colors
        )
    consumption = charts.consumption_chart(
        in_period, units_.consumption_unit, units_.distance_unit, colors
    )
    return DashboardReport(len(in_period), totals, per_vehicle, consumption, vehicles, spend)


# ----- Overview --------------------------------------------------------------- #


@dataclass(frozen=True)
class OverviewReport:
    """The Overview: the period against the one before, its figures, and one consumption
    per vehicle when several vehicles have fill-ups in the period."""

    comparison: PeriodComparison
    figures: list[Figure] = field(default_factory=list)
    per_vehicle: list[Figure] = field(default_factory=list)


def overview(derived: pd.DataFrame, request: Request) -> OverviewReport:
    """The Overview of ``request``."""
    frame = request.vehicles_frame(derived)
    comparison = analytics.compare_periods(frame, request.start, request.end)
    if comparison.current.fillup_count == 0:
        return OverviewReport(comparison)
    vehicles = analytics.by_vehicle(
        frame,
        comparison.start,
        comparison.end,
        (comparison.previous_start, comparison.previous_end),
    )
    figures = views.comparison_figures(comparison, request.units, vehicles)
    per_vehicle = (
        views.consumption_figures(
            vehicles, request.units, compared=comparison.previous.fillup_count > 0
        )
        if len(vehicles) > 1
        else []
    )
    return OverviewReport(comparison, figures, per_vehicle)


# ----- Consumption ------------------------------------------------------------ #


@dataclass(frozen=True)
class ConsumptionReport:
    """The Consumption page's parts that do not depend on its own controls: ``fillups`` in
    the period, the vehicles with a measured segment (``measured``, by name), the monthly
    averages and the seasons."""

    fillups: int
    measured: Mapping[int, str]
    monthly: Chart
    seasons: Chart


def measured_vehicles(frame: pd.DataFrame) -> dict[int, str]:
    """{vehicle id: name} of the vehicles with a measured segment in ``frame`` (a derived
    or an analytics.consumption_series frame), by name."""
    measured = frame.loc[
        frame["consumption_l_per_100km"].notna(), ["vehicle_id", "vehicle_name"]
    ].drop_duplicates("vehicle_id")
    measured = measured.sort_values(["vehicle_name", "vehicle_id"], kind="stable")
    return {int(v): str(n) for v, n in measured.itertuples(index=False, name=None)}


def consumption(derived: pd.DataFrame, request: Request) -> ConsumptionReport | NothingToDraw:
    """The Consumption page of ``request`` (see consumption_trend, year_over_year)."""
    in_period = request.period_frame(derived)
    if in_period.empty:
        return NothingToDraw(0)
    # Which vehicles have a segment is read off the derived values: no query for it.
    measured = measured_vehicles(in_period)
    if not measured:
        return NothingToDraw(len(in_period))
    units_, colors = request.units, charts.vehicle_colors(derived)
    with analytics.Source(in_period) as source:
        monthly = charts.monthly_consumption_chart(
            analytics.monthly_summary(source), units_.consumption_unit, colors
        )
        seasons = charts.season_box_chart(
            analytics.segments_by_season(source),
            units_.consumption_unit,
            units_.distance_unit,
            colors,
        )
    return ConsumptionReport(len(in_period), measured, chart(monthly), chart(seasons))


def consumption_trend(derived: pd.DataFrame, request: Request, window: int) -> Chart:
    """Each tank's consumption with its rolling average over ``window`` segments."""
    units_ = request.units
    return chart(
        charts.consumption_chart(
            analytics.consumption_series(request.period_frame(derived), window),
            units_.consumption_unit,
            units_.distance_unit,
            charts.vehicle_colors(derived),
            window=window,
        )
    )


def year_over_year(derived: pd.DataFrame, request: Request, vehicle_id: int) -> Chart:
    """One vehicle's consumption by month of the year, a line per year."""
    in_period = request.period_frame(derived)
    return chart(
        charts.year_over_year_chart(
            analytics.consumption_by_month_of_year(
                in_period.loc[in_period["vehicle_id"] == vehicle_id]
            ),
            request.units.consumption_unit,
            charts.vehicle_colors(derived),
        )
    )


# ----- Prices ----------------------------------------------------------------- #


@dataclass(frozen=True)
class PricesReport:
    """The Prices page: unit prices per grade, averages by brand and station, and (when
    the period has a regular station: ``savings`` not None) what the cheapest regular
    station would have cost, as three figures."""

    fillups: int
    trend: Chart
    by_brand: Chart
    by_station: Chart
    savings: Chart | None = None
    savings_figures: list[Figure] = field(default_factory=list)


def prices(derived: pd.DataFrame, request: Request) -> PricesReport | NothingToDraw:
    """The Prices page of ``request``."""
    in_period = request.period_frame(derived)
    if in_period.empty:
        return NothingToDraw(0)
    units_ = request.units
    currency, v_unit = units_.currency, units_.volume_unit
    with analytics.Source(in_period) as source:
        trend = charts.price_chart(
            analytics.price_points(source), currency, v_unit, units_.distance_unit
        )
        by_brand, by_station = (
            charts.average_price_chart(
                analytics.average_price_by(source, name), what, currency, v_unit
            )
            for what, name in (("Brand", "brand"), ("Station", "station"))
        )
        savings = analytics.cheapest_station_savings(source)
    report = PricesReport(len(in_period), chart(trend), chart(by_brand), chart(by_station))
    if savings.empty:
        return report
    money = units.currency_decimals(currency)
    paid, would = savings["total_amount"].sum(), savings["would_have_paid"].sum()
    figures = [
        Figure(f"Paid ({currency})", units.format_number(paid, money)),
        Figure(f"At the cheapest regular station ({currency})", units.format_number(would, money)),
        Figure(f"You could have saved ({currency})", units.format_number(paid - would, money)),
    ]
    return PricesReport(
        report.fillups,
        report.trend,
        report.by_brand,
        report.by_station,
        chart(charts.savings_chart(savings, currency)),
        figures,
    )


# ----- Costs ------------------------------------------------------------------ #


@dataclass(frozen=True)
class CostsReport:
    """The Costs page: spend per month and year, fuel cost per distance, and the running
    total with the next 12 months projected."""

    fillups: int
    monthly: Chart
    yearly: Chart
    per_distance: Chart
    projection: ProjectionView
    cumulative: Chart


def costs(derived: pd.DataFrame, request: Request) -> CostsReport | NothingToDraw:
    """The Costs page of ``request``."""
    in_period = request.period_frame(derived)
    if in_period.empty:
        return NothingToDraw(0)
    units_, colors = request.units, charts.vehicle_colors(derived)
    currency, d_unit = units_.currency, units_.distance_unit
    projection = analytics.spend_projection(
        request.vehicles_frame(derived), request.today, continued=in_period
    )
    with analytics.Source(in_period) as source:
        monthly = charts.monthly_spend_chart(analytics.monthly_summary(source), currency, colors)
        yearly = charts.yearly_spend_chart(analytics.yearly_spend(source), currency, colors)
        per_distance = charts.cost_per_distance_chart(
            analytics.consumption_series(source, 1), currency, d_unit, colors
        )
        cumulative = charts.cumulative_spend_chart(
            analytics.cumulative_spend(source), projection.points, currency, d_unit
        )
    return CostsReport(
        len(in_period),
        chart(monthly),
        chart(yearly),
        chart(per_distance),
        views.projection_figures(projection, units_),
        chart(cumulative),
    )


# ----- Data quality ----------------------------------------------------------- #

ISSUE_LABELS = {
    analytics.ISSUE_ODOMETER: "Odometer goes backwards",
    analytics.ISSUE_TRAILING_PARTIAL: "Partial fill-up never closed",
    analytics.ISSUE_IMPLAUSIBLE: "Implausible consumption",
    analytics.ISSUE_BROKEN_CHAIN: "Chain broken",
}
FIX_TEXT = "Open History and pick this fill-up to fix it"


@dataclass(frozen=True)
class DataQualityReport:
    """Every fill-up the figures skip or flag (all vehicles, all time): how many of each
    kind (by ISSUE_LABELS label) and the table, newest first, odometers in the user's
    unit."""

    counts: dict[str, int]
    table: pd.DataFrame

    @property
    def empty(self) -> bool:
        """Nothing to fix."""
        return self.table.empty


def data_quality(derived: pd.DataFrame, request: Request) -> DataQualityReport:
    """The Data quality page (the filter of ``request`` does not apply: every fill-up)."""
    issues = analytics.data_quality_issues(derived)
    kinds = issues["kind"].value_counts()
    counts = {label: int(kinds.get(kind, 0)) for kind, label in ISSUE_LABELS.items()}
    d_unit = request.units.distance_unit
    odometer = f"Odometer ({units.distance_label(d_unit)})"
    table = issues.assign(
        Date=issues["date"].dt.date,
        Vehicle=issues["vehicle_name"],
        **{odometer: units.km_to_distance(issues["odometer_km"], d_unit).round()},
        Issue=issues["kind"].map(ISSUE_LABELS),
        Reason=issues["reason"],
        Fix=FIX_TEXT,
    ).loc[:, ["Date", "Vehicle", odometer, "Issue", "Reason", "Fix"]]
    return DataQualityReport(counts, table)


# ----- Running costs and total cost of ownership (issue 17) ------------------- #


def _exact_money(values: pd.Series) -> list[Decimal]:
    """Stored amounts (NUMERIC(14, 4), read as float8) back as the exact Decimals stored:
    each float is the nearest double to a number of 4 decimals, so rounding it there gives
    that number again."""
    return [Decimal(int(v)).scaleb(-4) for v in np.rint(values.to_numpy(dtype="float64") * 10_000)]


def energy_by_month(in_period: pd.DataFrame) -> dict[dt.date, Decimal]:
    """What the fill-ups of a period cost, per month (by its first day), exactly."""
    totals: dict[dt.date, Decimal] = {}
    months = in_period["date"].dt.to_period("M").dt.start_time.dt.date
    for month, amount in zip(months, _exact_money(in_period["total_amount"]), strict=True):
        totals[month] = totals.get(month, Decimal(0)) + amount
    return totals


def _odometer_readings(in_period: pd.DataFrame) -> list[tuple[int, Decimal]]:
    return [
        (int(v), units.to_decimal(float(o)))
        for v, o in zip(in_period["vehicle_id"], in_period["odometer_km"], strict=True)
    ]


def _period(
    request: Request, in_period: pd.DataFrame, chosen: Sequence[Cost]
) -> tuple[dt.date, dt.date]:
    """The period's first and last day; all time starts on the first fill-up or the first
    day an expense counts on, whichever is earlier."""
    if request.start is not None:
        return request.start, request.end
    firsts = [in_period["date"].min().date(), *(cost.first_day for cost in chosen)]
    return min(firsts), request.end


@dataclass(frozen=True)
class Ownership:
    """The total cost of ownership of the chosen vehicles over a period, with each
    vehicle's: (vehicle id, name, its TotalCostOfOwnership) by name."""

    start: dt.date
    end: dt.date
    total: TotalCostOfOwnership
    vehicles: tuple[tuple[int, str, TotalCostOfOwnership], ...]
    has_expenses: bool


def ownership(
    derived: pd.DataFrame, expense_costs: Sequence[Cost], request: Request
) -> Ownership | NothingToDraw:
    """Energy (the period's fill-ups) and the other costs (spread) of the chosen vehicles
    over the request's period, in all and per vehicle."""
    in_period = request.period_frame(derived)
    if in_period.empty:
        return NothingToDraw(0)
    chosen = [cost for cost in expense_costs if cost.vehicle_id in request.vehicle_ids]
    start, end = _period(request, in_period, chosen)
    names = (
        request.vehicles_frame(derived)
        .drop_duplicates("vehicle_id")
        .set_index("vehicle_id")["vehicle_name"]
    )
    per_vehicle = []
    for vehicle_id in sorted(request.vehicle_ids, key=lambda v: (str(names.get(v, "")), v)):
        rows = in_period.loc[in_period["vehicle_id"] == vehicle_id]
        per_vehicle.append(
            (
                vehicle_id,
                str(names.get(vehicle_id, "")),
                costs_.total_cost_of_ownership(
                    sum(_exact_money(rows["total_amount"]), Decimal(0)),
                    [c for c in chosen if c.vehicle_id == vehicle_id],
                    start,
                    end,
                    costs_.odometer_span_km(_odometer_readings(rows)),
                ),
            )
        )
    total = costs_.total_cost_of_ownership(
        sum(_exact_money(in_period["total_amount"]), Decimal(0)),
        chosen,
        start,
        end,
        costs_.odometer_span_km(_odometer_readings(in_period)),
    )
    # An expense counts in the period when a day it counts on is inside it.
    counted = any(c.first_day <= end and c.last_day >= start for c in chosen)
    return Ownership(start, end, total, tuple(per_vehicle), has_expenses=counted)


def ownership_figures(owned: Ownership, user: views.Preferences) -> list[Figure]:
    """Total cost of ownership, per distance and per month, each saying what it counts."""
    currency, d_unit = user.currency, user.distance_unit
    money = units.currency_decimals(currency)
    tco = owned.total
    distance = units.km_to_distance(tco.distance_km, d_unit)
    per_distance = None if tco.per_km is None else units.cost_per_km_to_unit(tco.per_km, d_unit)
    d_label = units.distance_label(d_unit)
    return [
        Figure(
            f"Cost of ownership ({currency})",
            units.format_number(tco.total, money),
            f"Energy {units.format_money(tco.energy, currency)} + other costs "
            f"{units.format_money(tco.other, currency)} from {owned.start} to {owned.end}. "
            "Costs paid for a stretch of time (insurance, tax) count with the days of it "
            "inside the period.",
        ),
        Figure(
            f"Ownership ({units.cost_per_distance_label(currency, d_unit)})",
            units.format_number(per_distance, 3),
            f"The cost of ownership over {units.format_number(distance, 0)} {d_label}: "
            "the odometer span (first to last reading) of each vehicle's fill-ups in the "
            "period, added up."
            + ("" if per_distance is not None else " No distance: a vehicle needs two readings."),
        ),
        Figure(
            f"Ownership per month ({currency})",
            units.format_number(tco.per_month, money),
            f"The cost of ownership over the period's {units.format_count(tco.days, 'day')}"
            ", in average months of 30.44 days.",
        ),
    ]


def ownership_table(owned: Ownership, user: views.Preferences) -> pd.DataFrame:
    """Each vehicle's energy, other costs, total, distance and cost per distance and per
    month (costs add up across vehicles; the cards give the sum)."""
    currency, d_unit = user.currency, user.distance_unit
    rows = []
    for _, name, tco in owned.vehicles:
        rows.append(
            {
                "Vehicle": name,
                f"Energy ({currency})": float(tco.energy),
                f"Other costs ({currency})": float(tco.other),
                f"Total cost ({currency})": float(tco.total),
                f"Odometer span ({units.distance_label(d_unit)})": round(
                    float(units.km_to_distance(tco.distance_km, d_unit))
                ),
                f"Cost ({units.cost_per_distance_label(currency, d_unit)})": None
                if tco.per_km is None
                else float(units.cost_per_km_to_unit(tco.per_km, d_unit)),
                f"Per month ({currency})": None if tco.per_month is None else float(tco.per_month),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class RunningCostsReport:
    """The Costs page's running costs: energy and the other costs per month and year
    (stacked by category), the other costs by category, and the total cost of ownership
    in cards and per vehicle. ``has_expenses`` False: no other cost counts in the period."""

    has_expenses: bool
    monthly: Chart
    yearly: Chart
    by_category: Chart
    figures: list[Figure]
    vehicles: pd.DataFrame


def _labelled(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.capitalize())


def running_costs(
    derived: pd.DataFrame, expense_costs: Sequence[Cost], request: Request
) -> RunningCostsReport | NothingToDraw:
    """The running costs of ``request`` (the chosen vehicles' expenses in ``expense_costs``)."""
    owned = ownership(derived, expense_costs, request)
    if isinstance(owned, NothingToDraw):
        return owned
    currency = request.units.currency
    chosen = [cost for cost in expense_costs if cost.vehicle_id in request.vehicle_ids]
    energy = energy_by_month(request.period_frame(derived))
    other = costs_.per_month(chosen, owned.start, owned.end)
    monthly_rows = [
        (pd.Timestamp(month), ENERGY_SERIES, float(amount)) for month, amount in energy.items()
    ]
    monthly_rows += [
        (pd.Timestamp(month), _labelled(category), float(amount))
        for (month, category), amount in other.items()
    ]
    monthly = pd.DataFrame(monthly_rows, columns=["month", "series", "amount"])
    yearly = (
        monthly.assign(year=monthly["month"].dt.year)
        .groupby(["year", "series"], as_index=False, sort=False)
        .agg(amount=("amount", "sum"))
    )
    by_category = costs_.by_category(chosen, owned.start, owned.end)
    categories = pd.DataFrame(
        [
            (_labelled(c), float(a))
            for c, a in sorted(by_category.items(), key=lambda item: -item[1])
        ],
        columns=["series", "amount"],
    )
    colors = charts.series_colors(list(CATEGORY_LABELS.values()))
    return RunningCostsReport(
        owned.has_expenses,
        chart(charts.running_costs_monthly_chart(monthly, currency, colors)),
        chart(charts.running_costs_yearly_chart(yearly, currency, colors)),
        chart(charts.costs_by_category_chart(categories, currency, colors)),
        ownership_figures(owned, request.units),
        ownership_table(owned, request.units),
    )


def dashboard_ownership(
    derived: pd.DataFrame, expense_costs: Sequence[Cost], request: Request
) -> list[Figure]:
    """The Dashboard's cost-of-ownership cards for ``request``; none when no other cost
    counts in the period (the Dashboard then shows what it always showed)."""
    owned = ownership(derived, expense_costs, request)
    if isinstance(owned, NothingToDraw) or not owned.has_expenses:
        return []
    return ownership_figures(owned, request.units)
