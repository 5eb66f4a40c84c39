"""Presentation in the user's units (pure): the derived frame and summaries turned into
tables and labelled figures for the pages. Conversions go through units.py only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import pandas as pd

from fueltracker import analytics, entry, metrics, units
from fueltracker.analytics import PeriodComparison, VehiclePeriod
from fueltracker.metrics import (
    STATUS_MISSED,
    STATUS_NO_ANCHOR,
    STATUS_OK,
    STATUS_PARTIAL,
    Summary,
    summarize,
)


class Preferences(Protocol):
    """The display preferences every function here formats in: a signed-in user's
    (schemas.UserRead) or the ones a cached result was drawn in (reports.Units)."""

    @property
    def currency(self) -> str: ...
    @property
    def distance_unit(self) -> str: ...
    @property
    def volume_unit(self) -> str: ...
    @property
    def consumption_unit(self) -> str: ...


_STATUS_NOTE = {
    STATUS_PARTIAL: "partial: counted at the next full tank",
    STATUS_MISSED: "missed fill-up: chain broken",
    STATUS_NO_ANCHOR: "no full tank before it",
    "first": "first fill-up",
}


# st.metric's colours of a change: green up (normal), green down (inverse), grey (off).
DeltaColor = Literal["normal", "inverse", "off"]


@dataclass(frozen=True)
class Figure:
    """One headline number: label, formatted value, optional help text, and optionally its
    change against a previous period with st.metric's delta colour. ``vehicle`` names the
    one vehicle the figure covers where the page shows one per vehicle (the user's text:
    the page escapes it before it joins the label)."""

    label: str
    value: str
    help: str | None = None
    delta: str | None = None
    delta_color: DeltaColor = "normal"
    vehicle: str | None = None

    @property
    def title(self) -> str:
        """The label as read on screen, the vehicle's name first when it has one."""
        return self.label if self.vehicle is None else f"{self.vehicle} · {self.label}"


def _flags(ordered: pd.DataFrame) -> pd.Series:
    """Each row's tank flag, "Full" or "Partial", plus " · missed before" where fill-ups
    before it were never logged."""
    tank = ordered["is_full"].map({True: "Full", False: "Partial"}).astype(str)
    missed = ordered["missed_previous"].map({True: " · missed before", False: ""}).astype(str)
    return tank + missed


def history_table(derived: pd.DataFrame, user: Preferences) -> pd.DataFrame:
    """Fill-ups newest first with their derived values, in the user's units and labels.

    Numbers stay numbers (the table formats them); the index is the entry id. `derived`
    may be a few rows of the whole derived frame (a history page): the values were
    computed over the whole history, so a page shows what the full history says.
    """
    d_unit, v_unit, c_unit = user.distance_unit, user.volume_unit, user.consumption_unit
    ordered = derived.sort_values(
        ["date", "odometer_km", "entry_id"], ascending=False, kind="stable"
    )
    table = pd.DataFrame(index=ordered["entry_id"].to_numpy())
    table["Date"] = ordered["date"].dt.date.to_numpy()
    table["Vehicle"] = ordered["vehicle_name"].to_numpy()
    table[f"Odometer ({units.distance_label(d_unit)})"] = (
        units.km_to_distance(ordered["odometer_km"], d_unit).round().to_numpy()
    )
    table[f"Volume ({units.volume_label(v_unit)})"] = units.l_to_volume(
        ordered["volume_l"], v_unit
    ).to_numpy()
    table[f"Total ({user.currency})"] = ordered["total_amount"].to_numpy()
    table[f"Price ({units.price_per_volume_label(user.currency, v_unit)})"] = (
        units.price_per_l_to_unit(ordered["unit_price_per_l"], v_unit).to_numpy()
    )
    table[f"Distance ({units.distance_label(d_unit)})"] = (
        units.km_to_distance(ordered["distance_km"], d_unit).round().to_numpy()
    )
    table[f"Consumption ({units.consumption_label(c_unit)})"] = units.consumption_from_l_per_100km(
        ordered["consumption_l_per_100km"], c_unit
    ).to_numpy()
    table[f"Cost ({units.cost_per_distance_label(user.currency, d_unit)})"] = (
        units.cost_per_km_to_unit(ordered["cost_per_km"], d_unit).to_numpy()
    )
    for label, column in (("Station", "station"), ("Brand", "brand"), ("Grade", "grade")):
        table[label] = ordered[column].fillna("").to_numpy()
    table["Flags"] = _flags(ordered).to_numpy()
    # Why a consumption cell is empty (first fill-up, partial, chain broken...).
    table["Note on consumption"] = (
        ordered["consumption_status"].map(_STATUS_NOTE).fillna("").to_numpy()
    )
    table["Notes"] = ordered["notes"].fillna("").to_numpy()
    table.index.name = "entry_id"
    return table


def _in_user_units(summary: Summary, user: Preferences) -> dict[str, float | None]:
    """A summary's figures converted to the user's units (None where there is no value)."""
    d_unit, v_unit = user.distance_unit, user.volume_unit
    return {
        "spent": summary.total_spent,
        "distance": units.km_to_distance(summary.distance_km, d_unit),
        "volume": units.l_to_volume(summary.total_volume_l, v_unit),
        "consumption": units.consumption_from_l_per_100km(
            summary.avg_consumption_l_per_100km, user.consumption_unit
        ),
        "price": None
        if summary.avg_price_per_l is None
        else units.price_per_l_to_unit(summary.avg_price_per_l, v_unit),
        "cost": None
        if summary.fuel_cost_per_km is None
        else units.cost_per_km_to_unit(summary.fuel_cost_per_km, d_unit),
    }


def _broken_chain_note(summary: Summary) -> str:
    return (
        " Missed fill-ups break the chain: the distance around them is not counted."
        if summary.has_broken_chain
        else ""
    )


MEASURED_DISTANCE_HELP = (
    "Distance measured between full tanks: the full-tank segments "
    "that close in the period, the distance consumption and fuel cost "
    "are measured over. Not the odometer span (first to last reading) "
    "that the vehicle table shows beside it."
)
ALL_VEHICLES = " All vehicles of the period together."


def _scope(vehicles: Sequence[VehiclePeriod]) -> str:
    return ALL_VEHICLES if len(vehicles) > 1 else ""


def summary_figures(
    summary: Summary, user: Preferences, vehicles: Sequence[VehiclePeriod] = ()
) -> list[Figure]:
    """The dashboard's headline figures for a period; the unit sits in the label so the
    number fits its card. Spend, distance, price and fuel cost add up over the vehicles of
    the period; consumption never does: with several ``vehicles`` it is left out here and
    consumption_figures gives one figure per vehicle."""
    d_unit, v_unit, c_unit = user.distance_unit, user.volume_unit, user.consumption_unit
    value = _in_user_units(summary, user)
    scope = _scope(vehicles)
    consumption = Figure(
        f"Avg {units.consumption_label(c_unit)}",
        units.format_number(value["consumption"], 2),
        "All fuel of the full-tank segments over their distance (distance-weighted).",
    )
    return [
        Figure(
            f"Spent ({user.currency})",
            units.format_number(value["spent"], units.currency_decimals(user.currency)),
            f"{units.format_count(summary.fillup_count, 'fill-up')} in the period." + scope,
        ),
        Figure(
            f"Distance ({units.distance_label(d_unit)})",
            units.format_number(value["distance"], 0),
            MEASURED_DISTANCE_HELP + _broken_chain_note(summary) + scope,
        ),
        *([] if scope else [consumption]),
        # "Avg price (USD/US gal)" was cut short on its card: the unit alone says "price",
        # as "Avg mpg (US)" beside it says "consumption".
        Figure(
            f"Avg {units.price_per_volume_label(user.currency, v_unit)}",
            units.format_number(value["price"], 3),
            "Total paid over total volume (volume-weighted)." + scope,
        ),
        Figure(
            f"Fuel cost ({units.cost_per_distance_label(user.currency, d_unit)})",
            units.format_number(value["cost"], 3),
            "Fuel paid in full-tank segments over their distance." + scope,
        ),
    ]


def consumption_figures(
    vehicles: Sequence[VehiclePeriod],
    user: Preferences,
    *,
    label: str | None = None,
    compared: bool = False,
) -> list[Figure]:
    """One average consumption per vehicle (the figure never spans vehicles), labelled
    ``label`` (default "Avg <unit>") with the vehicle's name beside it; with ``compared``,
    each with its change against the vehicle's previous period."""
    c_unit = user.consumption_unit
    label = label or f"Avg {units.consumption_label(c_unit)}"
    color: DeltaColor = "inverse" if units.consumption_lower_is_better(c_unit) else "normal"
    figures = []
    for vehicle in vehicles:
        now = units.consumption_from_l_per_100km(
            vehicle.current.avg_consumption_l_per_100km, c_unit
        )
        before = (
            None
            if vehicle.previous is None
            else units.consumption_from_l_per_100km(
                vehicle.previous.avg_consumption_l_per_100km, c_unit
            )
        )
        figures.append(
            Figure(
                label,
                units.format_number(now, 2),
                "This vehicle's fuel of its full-tank segments over their distance "
                "(distance-weighted)."
                + ("" if now is not None else " No two full tanks of it in the period."),
                delta=units.format_number(now - before, 2)
                if compared and now is not None and before is not None
                else None,
                delta_color=color,
                vehicle=vehicle.vehicle_name,
            )
        )
    return figures


def dashboard_figures(
    derived: pd.DataFrame, start: dt.date | None, end: dt.date, user: Preferences
) -> tuple[list[Figure], list[Figure]]:
    """The Dashboard's cards for [start, end]: the period's figures, and (several vehicles
    in the period) one consumption per vehicle; the second list is empty otherwise."""
    vehicles = analytics.by_vehicle(derived, start, end)
    totals = summary_figures(metrics.summarize(derived, start, end), user, vehicles)
    return totals, consumption_figures(vehicles, user) if len(vehicles) > 1 else []


def comparison_figures(
    comparison: PeriodComparison, user: Preferences, vehicles: Sequence[VehiclePeriod] = ()
) -> list[Figure]:
    """The Overview's figures, each with its change against the previous period of the same
    length (no change where either period has no value). Colours say whether up is good.
    With several ``vehicles`` the average consumption is left out (consumption_figures
    gives one per vehicle): spend, distance, volume, price and costs add up."""
    d_unit, v_unit, c_unit = user.distance_unit, user.volume_unit, user.consumption_unit
    now = _in_user_units(comparison.current, user)
    before = _in_user_units(comparison.previous, user)
    now["per_month"], before["per_month"] = (
        comparison.cost_per_month,
        comparison.previous_cost_per_month,
    )
    money = units.currency_decimals(user.currency)
    lower_better: DeltaColor = "inverse" if units.consumption_lower_is_better(c_unit) else "normal"
    scope = _scope(vehicles)
    rows: tuple[tuple[str, str, int, DeltaColor, str | None], ...] = (
        (
            "spent",
            f"Spent ({user.currency})",
            money,
            "inverse",
            f"{units.format_count(comparison.current.fillup_count, 'fill-up')}." + scope,
        ),
        (
            "distance",
            f"Distance ({units.distance_label(d_unit)})",
            0,
            "off",
            MEASURED_DISTANCE_HELP + _broken_chain_note(comparison.current) + scope,
        ),
        ("volume", f"Volume ({units.volume_label(v_unit)})", 1, "off", scope.strip() or None),
        (
            "consumption",
            f"Avg consumption ({units.consumption_label(c_unit)})",
            2,
            lower_better,
            "All fuel of the full-tank segments over their distance (distance-weighted).",
        ),
        (
            "price",
            f"Avg price ({units.price_per_volume_label(user.currency, v_unit)})",
            3,
            "inverse",
            "Total paid over total volume (volume-weighted)." + scope,
        ),
        (
            "cost",
            f"Fuel cost ({units.cost_per_distance_label(user.currency, d_unit)})",
            3,
            "inverse",
            "Fuel paid in full-tank segments over their distance." + scope,
        ),
        (
            "per_month",
            f"Cost per month ({user.currency})",
            money,
            "inverse",
            "Spent in the period over its length in months (30.44 days)." + scope,
        ),
    )
    compared = comparison.previous.fillup_count > 0
    return [
        Figure(
            label,
            units.format_number(now[key], decimals),
            help_text,
            delta=_change(now[key], before[key], decimals) if compared else None,
            delta_color=color,
        )
        for key, label, decimals, color, help_text in rows
        if not (scope and key == "consumption")
    ]


def _change(now: float | None, before: float | None, decimals: int) -> str | None:
    """The change from ``before`` to ``now``, formatted; None where either has no value."""
    if now is None or before is None:
        return None
    return units.format_number(now - before, decimals)


@dataclass(frozen=True)
class ProjectionView:
    """The Costs page's two projection figures, each vehicle's pace as text
    ((name, "4.80 EUR a day")) and the vehicles with too few fill-ups for a pace."""

    figures: list[Figure]
    paces: list[tuple[str, str]]
    without_pace: list[str]


def projection_figures(projection: analytics.SpendProjection, user: Preferences) -> ProjectionView:
    """The last 12 months' spend beside the next 12 months projected at each vehicle's pace
    (analytics.spend_projection), in the user's currency."""
    money = units.currency_decimals(user.currency)
    pace = projection.pace
    paces = [
        (str(name), f"{units.format_number(per_day, money)} {user.currency} a day")
        for name, per_day in zip(pace["vehicle_name"], pace["spend_per_day"], strict=True)
        if pd.notna(per_day)
    ]
    return ProjectionView(
        [
            Figure(
                f"Last 12 months ({user.currency})",
                units.format_number(projection.last_12_months_spent, money),
                "Fuel paid in the 365 days up to today, all the chosen vehicles.",
            ),
            Figure(
                f"Projected next 12 months ({user.currency})",
                units.format_number(projection.next_12_months, money),
                "Each vehicle's fuel spend per day between its first and last fill-up of the "
                "last 12 months, times 365, added up (see under the chart)."
                if projection.next_12_months is not None
                else "Nothing to project from: no vehicle has two fill-ups on different days in "
                "the last 12 months.",
            ),
        ],
        paces,
        projection.without_pace,
    )


NUMBER_FORMATS = {
    # column label before its unit -> printf format in tables
    # "localized": thousands separators (values are whole numbers by then, see history_table)
    # "%,.2f": money with thousands separators and cents, as the dashboard's cards show it
    "Odometer": "localized",
    "Volume": "%.2f",
    "Total": "%,.2f",
    "Price": "%.3f",
    "Distance": "localized",
    "Odometer span": "localized",
    "Consumption": "%.2f",
    "Cost": "%.3f",
    "Spent": "%,.2f",
    "Amount": "%,.2f",
    "Energy": "%,.2f",
    "Other costs": "%,.2f",
    "Total cost": "%,.2f",
    "Per month": "%,.2f",
}


def number_formats(table: pd.DataFrame) -> dict[str, str]:
    """printf formats for the numeric columns of a table from this module, by label."""
    formats = {}
    for column in table.columns:
        prefix = str(column).split(" (")[0]
        if prefix in NUMBER_FORMATS:
            formats[column] = NUMBER_FORMATS[prefix]
    return formats


# History's columns, most useful first. Date and vehicle are always shown, pinned so they stay
# in view when the table scrolls sideways on a phone; which of the others show is the user's
# choice. The default set fits a 1400 px screen with the sidebar open, a long station name
# cut short last (unit prices and per-distance figures are worked out of the shown ones,
# the rest is rarely looked at).
HISTORY_PINNED = ("Date", "Vehicle")
HISTORY_CHOICES = (
    "Volume",
    "Total",
    "Consumption",
    "Odometer",
    "Flags",
    "Station",
    "Price",
    "Distance",
    "Cost",
    "Brand",
    "Grade",
    "Note on consumption",
    "Notes",
)
HISTORY_DEFAULT = HISTORY_CHOICES[:6]


def history_column_order(table: pd.DataFrame, chosen: Iterable[str]) -> list[str]:
    """The columns of a history_table to show: the pinned ones, then those of `chosen`
    (labels without their unit, from HISTORY_CHOICES) in HISTORY_CHOICES' order."""
    wanted = [*HISTORY_PINNED, *(name for name in HISTORY_CHOICES if name in set(chosen))]
    by_name = {str(column).split(" (")[0]: column for column in table.columns}
    return [by_name[name] for name in wanted if name in by_name]


def vehicle_table(summary: pd.DataFrame, user: Preferences) -> pd.DataFrame:
    """analytics.vehicle_summary in the user's units, one row per vehicle. Two distances,
    each named for what it measures: "Distance", measured between full tanks (the
    Dashboard card's, which adds them up), and "Odometer span" from the first to the last
    reading (what was driven, whether or not every fill-up was logged)."""
    d_unit, c_unit = user.distance_unit, user.consumption_unit
    d_label = units.distance_label(d_unit)
    return pd.DataFrame(
        {
            "Vehicle": summary["vehicle_name"],
            "Fill-ups": summary["fillup_count"],
            f"Distance ({d_label})": units.km_to_distance(summary["distance_km"], d_unit).round(),
            f"Odometer span ({d_label})": units.km_to_distance(
                summary["tracked_km"], d_unit
            ).round(),
            f"Consumption ({units.consumption_label(c_unit)})": units.consumption_from_l_per_100km(
                summary["avg_consumption_l_per_100km"], c_unit
            ),
            f"Spent ({user.currency})": summary["total_spent"],
            "Last fill-up": pd.to_datetime(summary["last_date"]).dt.date,
        }
    )


VEHICLE_KIND_LABELS = {
    "car": "Car",
    "motorbike": "Motorbike",
    "van": "Van or pickup",
    "other": "Other",
}
VEHICLE_KIND_ICONS = {
    "car": ":material/directions_car:",
    "motorbike": ":material/two_wheeler:",
    "van": ":material/airport_shuttle:",
    "other": ":material/commute:",
}


def vehicle_icon(kind: str) -> str:
    """The Material icon a vehicle of this kind is shown with (a car's when unknown)."""
    return VEHICLE_KIND_ICONS.get(kind, VEHICLE_KIND_ICONS["car"])


def vehicle_kind_label(kind: str) -> str:
    """A kind with its icon, e.g. ":material/two_wheeler: Motorbike" (Markdown label)."""
    return f"{vehicle_icon(kind)} {VEHICLE_KIND_LABELS.get(kind, kind)}"


def fuel_label(fuel_type: str, user: Preferences) -> str:
    """A vehicle's fuel type as the user calls it: "Gasoline" for the stored "Petrol" when
    they count in US gallons or US mpg; the stored name stays "Petrol" (imports, exports and
    other users read it). Miles alone do not say American: a UK driver counts miles, buys
    litres and says petrol."""
    american = user.volume_unit == "gal_us" or user.consumption_unit == "mpg_us"
    if american and fuel_type.strip().casefold() == "petrol":
        return "Gasoline"
    return fuel_type


def fuel_to_store(fuel_type: str | None) -> str | None:
    """The fuel type to store for what the user chose or typed: "Gasoline" (what fuel_label
    shows an American user) is stored as "Petrol", one name for one fuel."""
    if fuel_type is not None and fuel_type.strip().casefold() == "gasoline":
        return "Petrol"
    return fuel_type


def fillup_outcome(derived: pd.DataFrame, entry_id: int, user: Preferences) -> str:
    """What a just-saved fill-up tells: its consumption compared with the vehicle's average
    over its other tanks, or why it has none yet."""
    found = derived.loc[derived["entry_id"] == entry_id]
    if found.empty:
        return "Saved."
    row = found.iloc[0]
    status = row["consumption_status"]
    if status == STATUS_PARTIAL:
        return "Saved. Partial fill-up: its consumption is deferred until the next full tank."
    if status == STATUS_OK:
        # The other tanks only: a tank compared with an average that contains it is
        # always a little closer to it than it really is.
        others = derived.loc[
            (derived["vehicle_id"] == row["vehicle_id"]) & (derived["entry_id"] != entry_id)
        ]
        average = summarize(others).avg_consumption_l_per_100km
        return "Saved. " + entry.consumption_comparison(
            row["consumption_l_per_100km"], average, user.consumption_unit
        )
    return f"Saved. No consumption for this one ({_STATUS_NOTE.get(status, status)})."
