"""Plotly figures for the dashboard: frames in, ``go.Figure`` out.

Pure presentation logic with no Streamlit calls, so figures can be tested by
inspecting their traces. Values arrive in canonical units (km, L/100km) and
are converted here to the user's preferred units via ``units``.

Figures are drawn as plain dicts (`_Draft`) on a prepared template and made a go.Figure
once, without plotly's validation of every property: validating cost 15-25 ms a figure
(the template alone about 14 ms), and plotly's update calls about 1 ms each even on an
unvalidated figure (docs/performance.md). tests/unit/test_charts_fast.py checks that
validating each chart's figure changes nothing in it, so nothing invalid reaches a page.

A vehicle keeps one colour on every chart and page: ``vehicle_colors`` of the user's whole
frame, passed as ``colors`` to each chart that draws vehicles. Consumption is always drawn
per vehicle, never pooled across vehicles.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from fueltracker import units
from fueltracker.metrics import STATUS_MISSED, STATUS_NO_ANCHOR, STATUS_OK

TEMPLATE = "plotly_white"
# st.plotly_chart's config: no mode bar. On a phone it covered the legends, and Streamlit
# gives every chart its own full-screen button; zoom by dragging, double-click to reset.
PLOTLY_CONFIG: dict[str, Any] = {"displayModeBar": False, "displaylogo": False}
VEHICLE_PALETTE: tuple[str, ...] = tuple(qualitative.Plotly)
# A series of all vehicles together (cumulative spend, savings, prices by brand): a neutral
# tone, never a colour a vehicle wears.
ALL_VEHICLES_COLOR = "#4d4d4d"
# Fuel grades on the price chart: dark neutral tones and dashes, none of VEHICLE_PALETTE.
GRADE_STYLES: tuple[tuple[str, str], ...] = (
    ("#3d3d3d", "solid"),
    ("#8c6d31", "dash"),
    ("#637939", "dot"),
    ("#7b4173", "dashdot"),
    ("#843c39", "longdash"),
)
# Earlier years beside the latest one on a year-over-year chart: the nearer, the darker.
EARLIER_YEAR_GREYS: tuple[str, ...] = ("#8c8c8c", "#b0b0b0", "#cfcfcf")
NO_CONSUMPTION_MESSAGE = "No consumption yet: log two full-tank fill-ups"
NO_SPENDING_MESSAGE = "No fill-ups yet"

# Statuses that end a chain of segments: the line must not join across them.
_CHAIN_BREAKS = frozenset({STATUS_MISSED, STATUS_NO_ANCHOR})


def _plain(text: object) -> str:
    """A user's text for a legend or hover label: plotly renders a subset of HTML there."""
    return html.escape(str(text), quote=False)


# The template as plotly's JSON, prepared once: naming it on each figure made plotly look it
# up, validate and deep-copy all of it again.
_TEMPLATE_JSON: dict[str, Any] = pio.templates[TEMPLATE].to_plotly_json()


def _merge(target: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Merge ``changes`` into ``target`` as plotly's update does: nested dicts key by key."""
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = dict(value) if isinstance(value, Mapping) else value


class _Draft:
    """A figure being drawn: trace dicts and a layout dict, with the few update methods
    the charts use (plotly's semantics: nested dicts merge), made a go.Figure by ``build``.
    Nested dicts only (``legend={"traceorder": ...}``): no magic underscore names."""

    def __init__(self, *traces: dict[str, Any]) -> None:
        self.data: list[dict[str, Any]] = list(traces)
        self.layout: dict[str, Any] = {"template": _TEMPLATE_JSON}

    def add_trace(self, trace: dict[str, Any]) -> None:
        self.data.append(trace)

    def update_layout(self, **changes: Any) -> _Draft:
        _merge(self.layout, changes)
        return self

    def update_xaxes(self, **changes: Any) -> None:
        _merge(self.layout.setdefault("xaxis", {}), changes)

    def update_yaxes(self, **changes: Any) -> None:
        _merge(self.layout.setdefault("yaxis", {}), changes)

    def update_traces(self, selector: Mapping[str, Any], **changes: Any) -> None:
        for trace in self.data:
            if all(trace.get(key) == value for key, value in selector.items()):
                _merge(trace, changes)

    def build(self) -> go.Figure:
        """The go.Figure, made once without validation (the template is shared, never
        modified: a figure's update would write into its own copy)."""
        return go.Figure({"data": self.data, "layout": self.layout}, _validate=False)


def _trace(kind: str, **properties: Any) -> dict[str, Any]:
    """A trace of type ``kind`` as a dict, pandas columns as the NumPy arrays plotly's own
    validation would make of them (so the figure's JSON is what a validated one's is)."""
    return {
        "type": kind,
        **{
            name: value.to_numpy() if isinstance(value, pd.Series | pd.Index) else value
            for name, value in properties.items()
        },
    }


def _base_layout(figure: _Draft, *, x_title: str, y_title: str) -> _Draft:
    """The layout every chart shares."""
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "title": {"text": ""},
        },
        hovermode="closest",
        # Nested, not xaxis_title=: without validation a bare string would not become
        # {"text": ...} as plotly's validators make it.
        xaxis={"title": {"text": x_title}},
        yaxis={"title": {"text": y_title}},
        # Even for one trace: the legend names the vehicle (or grade, year) a line is.
        showlegend=True,
    )
    return figure


def _message_figure(message: str) -> go.Figure:
    """An empty chart carrying a centred explanation instead of blank axes."""
    figure = _Draft()
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        annotations=[
            {
                "text": message,
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"size": 16},
            }
        ],
    )
    return figure.build()


def vehicle_colors(frame: pd.DataFrame) -> dict[int, str]:
    """One colour per vehicle of ``frame``, by ascending vehicle id (the order vehicles were
    added). Give it the user's whole frame, not a period or a filter of it, and a vehicle
    has the same colour on every chart of every page."""
    ids = sorted({int(v) for v in frame["vehicle_id"].unique()}) if not frame.empty else []
    return {
        vehicle_id: VEHICLE_PALETTE[i % len(VEHICLE_PALETTE)] for i, vehicle_id in enumerate(ids)
    }


def _color(colors: Mapping[int, str] | None, frame: pd.DataFrame, vehicle_id: Any) -> str:
    """The vehicle's colour from ``colors`` (else from the vehicles of ``frame``)."""
    palette = colors if colors is not None else vehicle_colors(frame)
    return palette.get(int(vehicle_id), VEHICLE_PALETTE[int(vehicle_id) % len(VEHICLE_PALETTE)])


def _fillups(count: Any) -> str:
    return units.format_count(int(count), "fill-up")


def _vehicle_order(frame: pd.DataFrame) -> list[tuple[Any, str]]:
    pairs = frame.loc[:, ["vehicle_id", "vehicle_name"]].drop_duplicates("vehicle_id")
    pairs = pairs.sort_values(["vehicle_name", "vehicle_id"], kind="stable")
    return list(pairs.itertuples(index=False, name=None))


MIN_DATE_SPAN = pd.Timedelta(days=28)
MAX_DATE_MARGIN = pd.Timedelta(days=3)


def _date_axis(figure: _Draft, dates: pd.Series) -> None:
    """Dates without clock times, from the first date to the last with a small margin:
    plotly's own padding ran months past the last fill-up, into the future. A short history
    gets four weeks of axis reaching back (not zoomed into hours around one point); markers
    at the edges are drawn whole."""
    figure.update_xaxes(tickformat="%d %b %Y", hoverformat="%Y-%m-%d")
    first, last = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
    if last - first < MIN_DATE_SPAN:
        start, end = last - MIN_DATE_SPAN + pd.Timedelta(days=1), last + pd.Timedelta(days=1)
    else:
        margin = min((last - first) * 0.02, MAX_DATE_MARGIN)
        start, end = first - margin, last + margin
    figure.update_xaxes(range=[start, end])
    figure.update_traces(cliponaxis=False, selector={"type": "scatter"})


def _month_middle(month: pd.Period) -> pd.Timestamp:
    # Where plotly puts a bar or point with xperiod "M1" and xperiodalignment "middle".
    start, end = month.start_time, (month + 1).start_time
    return start + (end - start) / 2


MAX_MONTH_LABELS = 6
MIN_MONTHS_SHOWN = 6
_MONTH_STEPS = (1, 2, 3, 4, 6, 12, 24, 60, 120)


def _month_axis(figure: _Draft, months: pd.Series) -> None:
    """An x axis of whole months, from the first month with data to the last one (never
    beyond: no future months), at least MIN_MONTHS_SHOWN wide (reaching back, so a single
    month is one bar among others, not a slab across the chart), labelled under at most
    MAX_MONTH_LABELS months counted back from the latest, level: the month, with its year
    under the first label and wherever the year changes (narrow enough for a phone)."""
    periods = pd.to_datetime(pd.Series(months)).dt.to_period("M")
    last = periods.max()
    first = min(periods.min(), last - (MIN_MONTHS_SHOWN - 1))
    count = (last - first).n + 1
    step = next(
        (s for s in _MONTH_STEPS if math.ceil(count / s) <= MAX_MONTH_LABELS), _MONTH_STEPS[-1]
    )
    labelled = [last - k * step for k in range(count // step + 1) if last - k * step >= first]
    labelled.reverse()
    figure.update_xaxes(
        range=[first.start_time, (last + 1).start_time],
        tickmode="array",
        tickvals=[_month_middle(m) for m in labelled],
        ticktext=[
            m.strftime("%b") if i and m.year == labelled[i - 1].year else m.strftime("%b<br>%Y")
            for i, m in enumerate(labelled)
        ],
        tickangle=0,
        hoverformat="%b %Y",
    )


def monthly_spend_chart(
    monthly: pd.DataFrame, currency: str, colors: Mapping[int, str] | None = None
) -> go.Figure:
    """Spend per month as bars stacked per vehicle (frame from ``analytics.monthly_summary``;
    spend adds up across vehicles)."""
    if monthly.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    figure = _Draft()
    money_format = f",.{units.currency_decimals(currency)}f"
    for vehicle_id, vehicle_name in _vehicle_order(monthly):
        rows = monthly.loc[monthly["vehicle_id"] == vehicle_id].sort_values("month")
        figure.add_trace(
            _trace(
                "bar",
                x=rows["month"],
                y=rows["spent"],
                name=_plain(vehicle_name),
                marker={"color": _color(colors, monthly, vehicle_id)},
                # Month-long periods give bars a month's width even when only
                # one month exists (a lone date would render a hairline bar).
                xperiod="M1",
                xperiodalignment="middle",
                customdata=[[_plain(vehicle_name), _fillups(n)] for n in rows["fillup_count"]],
                meta=["Vehicle", "Fill-ups"],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>"
                    "%{x|%b %Y}<br>"
                    f"%{{y:{money_format}}} {currency}<br>%{{customdata[1]}}"
                    "<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Month", y_title=f"Spent ({currency})")
    # Stacked bars list their legend bottom-up by default: keep the vehicles' own order.
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    _month_axis(figure, monthly["month"])
    return figure.build()


# --------------------------------------------------------------------------- #
# Analysis pages
# --------------------------------------------------------------------------- #

NO_PRICES_MESSAGE = "No prices yet: log a fill-up with its volume and amount"
NO_SEGMENTS_MESSAGE = "No consumption yet: log two full-tank fill-ups of one vehicle"
MONTH_NAMES: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
SEASON_ORDER: tuple[str, ...] = ("Winter", "Spring", "Summer", "Autumn")


def _money(currency: str) -> str:
    return f",.{units.currency_decimals(currency)}f"


def _fillup_customdata(rows: pd.DataFrame, distance_unit: str) -> list[list[Any]]:
    """[vehicle, odometer in the user's unit, fill-up id] per row, for hover labels."""
    odometers = units.km_to_distance(rows["odometer_km"], distance_unit)
    return [
        [_plain(name), None if pd.isna(odo) else float(odo), int(entry_id)]
        for name, odo, entry_id in zip(
            rows["vehicle_name"], odometers, rows["entry_id"], strict=True
        )
    ]


def _fillup_hover(value: str, distance_unit: str) -> str:
    return (
        "<b>%{customdata[0]}</b><br>%{x|%Y-%m-%d}<br>"
        + value
        + f"<br>Fill-up #%{{customdata[2]}} at %{{customdata[1]:,.0f}} "
        f"{units.distance_label(distance_unit)}<extra></extra>"
    )


_FILLUP_META = ["Vehicle", "Odometer", "Fill-up"]


def _with_gaps(rows: pd.DataFrame, value: pd.Series) -> tuple[pd.DataFrame, list[Any]]:
    """Rows and y values where a chain break (NaN value) stays a None: plotly leaves a gap.
    Leading and trailing breaks are dropped; a run of breaks keeps one None."""
    keep = []
    ys: list[Any] = []
    previous_gap = True
    for position, y in enumerate(value.to_numpy()):
        gap = pd.isna(y)
        if gap and previous_gap:
            continue
        keep.append(position)
        ys.append(None if gap else float(y))
        previous_gap = gap
    while ys and ys[-1] is None:
        ys.pop()
        keep.pop()
    return rows.iloc[keep], ys


# Statuses a per-segment chart draws: a measured segment, or a break of the chain (a gap).
_CHART_STATUSES = frozenset({STATUS_OK}) | _CHAIN_BREAKS


def consumption_chart(
    frame: pd.DataFrame,
    consumption_unit: str,
    distance_unit: str,
    colors: Mapping[int, str] | None = None,
    *,
    window: int | None = None,
) -> go.Figure:
    """Per-segment consumption over time per vehicle: the one chart of each tank's
    consumption, from a derived frame (metrics.add_derived) or an
    ``analytics.consumption_series`` frame.

    Without ``window`` (the Dashboard): one lines+markers trace per vehicle, the odometer
    in the hover. With ``window`` (the Consumption page; the frame from
    ``consumption_series(…, window)``): each segment a marker and its distance-weighted
    rolling average over ``window`` segments a line, both in the vehicle's colour, the
    fill-up in the hover. Values are converted to ``consumption_unit``, odometers to
    ``distance_unit``. A missed fill-up or a fill-up without an anchor leaves a gap.
    Vehicles without any measured segment get no trace; with none at all the figure only
    carries an explanatory note. The date axis spans the frame's dates. ``colors``
    (vehicle_colors of the user's frame) keeps each vehicle's colour.
    """
    label = units.consumption_label(consumption_unit)
    if frame.empty or not frame["consumption_l_per_100km"].notna().any():
        return _message_figure(NO_CONSUMPTION_MESSAGE if window is None else NO_SEGMENTS_MESSAGE)
    drawn = frame.loc[frame["consumption_status"].isin(_CHART_STATUSES)]
    figure = _Draft()
    for vehicle_id, vehicle_name in _vehicle_order(frame):
        rows = drawn.loc[drawn["vehicle_id"] == vehicle_id].sort_values(
            "odometer_km", kind="stable"
        )
        color = _color(colors, frame, vehicle_id)
        if window is None:
            _add_segment_line(figure, rows, vehicle_name, color, consumption_unit, distance_unit)
            continue
        for column, name, mode, style in (
            (
                "consumption_l_per_100km",
                _plain(vehicle_name),
                "markers",
                {"marker": {"color": color, "opacity": 0.6}},
            ),
            (
                "rolling_l_per_100km",
                f"{_plain(vehicle_name)} · rolling {window}",
                "lines",
                {"line": {"color": color, "width": 2.5}},
            ),
        ):
            values = units.consumption_from_l_per_100km(rows[column], consumption_unit)
            kept, ys = _with_gaps(rows, values)
            if not any(y is not None for y in ys):
                continue
            figure.add_trace(
                _trace(
                    "scatter",
                    x=kept["date"],
                    y=ys,
                    mode=mode,
                    name=name,
                    connectgaps=False,
                    **style,
                    customdata=_fillup_customdata(kept, distance_unit),
                    meta=_FILLUP_META,
                    hovertemplate=_fillup_hover(f"%{{y:,.2f}} {label}", distance_unit),
                )
            )
    _date_axis(figure, frame["date"])
    return _base_layout(
        figure, x_title="Date", y_title=label if window is None else f"Consumption ({label})"
    ).build()


def _add_segment_line(
    figure: _Draft,
    rows: pd.DataFrame,
    vehicle_name: str,
    color: str,
    consumption_unit: str,
    distance_unit: str,
) -> None:
    """The Dashboard's line of one vehicle's segments (gaps at chain breaks), if any."""
    values = units.consumption_from_l_per_100km(rows["consumption_l_per_100km"], consumption_unit)
    kept, ys = _with_gaps(rows, values)
    if not any(y is not None for y in ys):
        return
    odometers = units.km_to_distance(kept["odometer_km"], distance_unit)
    # A gap carries no odometer either: nothing to hover there.
    odos = [
        None if y is None else float(odometer) for odometer, y in zip(odometers, ys, strict=True)
    ]
    figure.add_trace(
        _trace(
            "scatter",
            x=list(kept["date"]),
            y=ys,
            mode="lines+markers",
            name=_plain(vehicle_name),
            line={"color": color},
            connectgaps=False,
            # The name rides in customdata so characters such as "%{" in a user's vehicle name
            # are never parsed as template syntax.
            customdata=[[odo, _plain(vehicle_name)] for odo in odos],
            hovertemplate=(
                "<b>%{customdata[1]}</b><br>"
                "%{x|%Y-%m-%d}<br>"
                f"%{{y:,.2f}} {units.consumption_label(consumption_unit)}<br>"
                f"Odometer %{{customdata[0]:,.0f}} {units.distance_label(distance_unit)}"
                "<extra></extra>"
            ),
        )
    )


def monthly_consumption_chart(
    monthly: pd.DataFrame, consumption_unit: str, colors: Mapping[int, str] | None = None
) -> go.Figure:
    """Distance-weighted consumption per calendar month, one line per vehicle (frame from
    ``analytics.monthly_summary``; months without a valid segment are left out)."""
    label = units.consumption_label(consumption_unit)
    rows_with = monthly.loc[monthly["avg_consumption_l_per_100km"].notna()]
    if rows_with.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = _Draft()
    for vehicle_id, vehicle_name in _vehicle_order(rows_with):
        rows = rows_with.loc[rows_with["vehicle_id"] == vehicle_id].sort_values("month")
        figure.add_trace(
            _trace(
                "scatter",
                x=rows["month"],
                y=units.consumption_from_l_per_100km(
                    rows["avg_consumption_l_per_100km"], consumption_unit
                ),
                # In the middle of its month, like the bars of the spend charts.
                xperiod="M1",
                xperiodalignment="middle",
                mode="lines+markers",
                name=_plain(vehicle_name),
                line={"color": _color(colors, rows_with, vehicle_id)},
                customdata=[[_plain(vehicle_name), _fillups(n)] for n in rows["fillup_count"]],
                meta=["Vehicle", "Fill-ups"],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{x|%b %Y}<br>"
                    f"%{{y:,.2f}} {label}<br>%{{customdata[1]}}"
                    "<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Month", y_title=f"Consumption ({label})")
    _month_axis(figure, rows_with["month"])
    return figure.build()


def year_over_year_chart(
    by_month: pd.DataFrame, consumption_unit: str, colors: Mapping[int, str] | None = None
) -> go.Figure:
    """Consumption by month of the year (Jan..Dec on x), one line per vehicle and year
    (frame from ``analytics.consumption_by_month_of_year``, which never pools vehicles).
    A vehicle's latest year is drawn in its colour, its earlier years in greys (the nearer,
    the darker). Meant for one vehicle at a time: traces are named by year, or by
    "vehicle · year" when several vehicles are given."""
    label = units.consumption_label(consumption_unit)
    if by_month.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = _Draft()
    vehicles = _vehicle_order(by_month)
    for vehicle_id, vehicle_name in vehicles:
        of_vehicle = by_month.loc[by_month["vehicle_id"] == vehicle_id]
        years = sorted(int(y) for y in of_vehicle["year"].unique())
        for year in years:
            rows = of_vehicle.loc[of_vehicle["year"] == year].sort_values("month_number")
            age = years[-1] - year
            color = (
                _color(colors, by_month, vehicle_id)
                if age == 0
                else EARLIER_YEAR_GREYS[min(age, len(EARLIER_YEAR_GREYS)) - 1]
            )
            figure.add_trace(
                _trace(
                    "scatter",
                    x=[MONTH_NAMES[m - 1] for m in rows["month_number"]],
                    y=units.consumption_from_l_per_100km(
                        rows["avg_consumption_l_per_100km"], consumption_unit
                    ),
                    mode="lines+markers",
                    name=f"{_plain(vehicle_name)} · {year}" if len(vehicles) > 1 else str(year),
                    line={"color": color, "width": 3 if age == 0 else 2},
                    customdata=[
                        [
                            _plain(vehicle_name),
                            year,
                            units.format_count(int(n), "full-tank segment"),
                        ]
                        for n in rows["segment_count"]
                    ],
                    meta=["Vehicle", "Year", "Segments"],
                    hovertemplate=(
                        "<b>%{customdata[0]}</b><br>%{x} %{customdata[1]}<br>"
                        f"%{{y:,.2f}} {label}<br>%{{customdata[2]}}"
                        "<extra></extra>"
                    ),
                )
            )
    _base_layout(figure, x_title="Month", y_title=f"Consumption ({label})")
    figure.update_xaxes(categoryorder="array", categoryarray=list(MONTH_NAMES))
    return figure.build()


def season_box_chart(
    seasons: pd.DataFrame,
    consumption_unit: str,
    distance_unit: str,
    colors: Mapping[int, str] | None = None,
) -> go.Figure:
    """Distribution of segment consumption per meteorological season (frame from
    ``analytics.segments_by_season``): one box per season and vehicle, side by side in the
    vehicle's colour (a car and a motorbike never share a box), every segment a point."""
    label = units.consumption_label(consumption_unit)
    if seasons.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = _Draft()
    vehicles = _vehicle_order(seasons)
    for vehicle_id, vehicle_name in vehicles:
        rows = seasons.loc[seasons["vehicle_id"] == vehicle_id]
        figure.add_trace(
            _trace(
                "box",
                x=rows["season"].tolist(),
                y=units.consumption_from_l_per_100km(
                    rows["consumption_l_per_100km"], consumption_unit
                ),
                name=_plain(vehicle_name),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": _color(colors, seasons, vehicle_id)},
                customdata=[
                    [*row, d.strftime("%Y-%m-%d")]
                    for row, d in zip(
                        _fillup_customdata(rows, distance_unit), rows["date"], strict=True
                    )
                ],
                meta=[*_FILLUP_META, "Date"],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{customdata[3]}<br>"
                    f"%{{y:,.2f}} {label}<br>Fill-up #%{{customdata[2]}} at "
                    f"%{{customdata[1]:,.0f}} {units.distance_label(distance_unit)}"
                    "<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Season", y_title=f"Consumption ({label})")
    figure.update_layout(boxmode="group")
    figure.update_xaxes(categoryorder="array", categoryarray=list(SEASON_ORDER))
    return figure.build()


def price_chart(
    points: pd.DataFrame, currency: str, volume_unit: str, distance_unit: str
) -> go.Figure:
    """Unit price per the user's volume unit over time, one line per fuel grade (frame from
    ``analytics.price_points``), in GRADE_STYLES: colours no vehicle wears, so a grade's
    line is never read as a vehicle's."""
    label = units.price_per_volume_label(currency, volume_unit)
    if points.empty:
        return _message_figure(NO_PRICES_MESSAGE)
    figure = _Draft()
    for number, grade in enumerate(sorted(points["grade"].unique())):
        rows = points.loc[points["grade"] == grade].sort_values(["date", "entry_id"])
        color, dash = GRADE_STYLES[number % len(GRADE_STYLES)]
        figure.add_trace(
            _trace(
                "scatter",
                x=rows["date"],
                y=units.price_per_l_to_unit(rows["unit_price_per_l"], volume_unit),
                mode="lines+markers",
                name=_plain(grade),
                line={"color": color, "dash": dash},
                marker={"size": 5},
                customdata=[
                    [*row, _plain(station)]
                    for row, station in zip(
                        _fillup_customdata(rows, distance_unit), rows["station"], strict=True
                    )
                ],
                meta=[*_FILLUP_META, "Station"],
                hovertemplate=_fillup_hover(
                    f"%{{y:,.3f}} {label}<br>%{{customdata[3]}}", distance_unit
                ),
            )
        )
    _date_axis(figure, points["date"])
    return _base_layout(figure, x_title="Date", y_title=f"Unit price ({label})").build()


def average_price_chart(by: pd.DataFrame, what: str, currency: str, volume_unit: str) -> go.Figure:
    """Volume-weighted average price per brand or station as a dot plot, cheapest on top
    (frame from ``analytics.average_price_by``).

    The price axis does not start at zero: prices a few cents apart are what matters, and
    bars from zero made 1.679 and 1.714 look equal. Each dot is labelled with its price and
    how much more than the cheapest it is, with a stem from the cheapest price; the number
    of fill-ups stands under each name."""
    label = units.price_per_volume_label(currency, volume_unit)
    if by.empty:
        return _message_figure(NO_PRICES_MESSAGE)
    rows = by.iloc[::-1]  # a category axis runs bottom-up: the cheapest ends on top
    prices = [float(p) for p in units.price_per_l_to_unit(rows["avg_price_per_l"], volume_unit)]
    cheapest = min(prices)
    above = [round(p - cheapest, 3) for p in prices]
    several = len(prices) > 1
    names = [_plain(v) for v in rows["label"]]
    counts = [_fillups(n) for n in rows["fillup_count"]]
    notes = [("cheapest" if several else "") if a == 0 else f"+{a:,.3f}" for a in above]
    figure = _Draft(
        _trace(
            "scatter",
            x=prices,
            y=names,
            mode="markers+text",
            name=what,
            marker={"size": 13, "color": ALL_VEHICLES_COLOR},
            # A stem from the cheapest price to each dot: its length is the difference.
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [0] * len(prices),
                "arrayminus": above,
                "width": 0,
                "thickness": 2,
                "color": "#b8c7d9",
            },
            text=[
                f"{p:,.3f}" + (f" ({n})" if n else "") for p, n in zip(prices, notes, strict=True)
            ],
            textposition="top center",
            cliponaxis=False,
            customdata=[[c, n] for c, n in zip(counts, notes, strict=True)],
            meta=["Fill-ups", "Against the cheapest"],
            hovertemplate=(
                f"<b>%{{y}}</b><br>%{{x:,.3f}} {label}<br>%{{customdata[0]}}<extra></extra>"
            ),
        )
    )
    _base_layout(figure, x_title=f"Average price ({label})", y_title=what)
    spread = max(prices) - cheapest
    # Room around the dots for their labels; a lone price gets ±1 % of itself.
    pad = max(spread * 0.3, cheapest * 0.01, 0.001)
    figure.update_xaxes(range=[cheapest - pad, max(prices) + pad], tickformat=",.3f")
    figure.update_yaxes(
        type="category",
        tickmode="array",
        tickvals=names,
        ticktext=[
            f"{name}<br><span style='font-size:11px;color:#777'>{count}</span>"
            for name, count in zip(names, counts, strict=True)
        ],
    )
    figure.update_layout(height=max(250, 56 * len(rows) + 110), showlegend=False)
    return figure.build()


def yearly_spend_chart(
    yearly: pd.DataFrame, currency: str, colors: Mapping[int, str] | None = None
) -> go.Figure:
    """Spend per calendar year, bars stacked per vehicle (``analytics.yearly_spend``;
    spend adds up across vehicles)."""
    if yearly.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    figure = _Draft()
    for vehicle_id, vehicle_name in _vehicle_order(yearly):
        rows = yearly.loc[yearly["vehicle_id"] == vehicle_id].sort_values("year")
        figure.add_trace(
            _trace(
                "bar",
                x=[str(int(y)) for y in rows["year"]],
                y=rows["spent"],
                name=_plain(vehicle_name),
                marker={"color": _color(colors, yearly, vehicle_id)},
                customdata=[[_plain(vehicle_name), _fillups(n)] for n in rows["fillup_count"]],
                meta=["Vehicle", "Fill-ups"],
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{x}<br>"
                    f"%{{y:{_money(currency)}}} {currency}<br>%{{customdata[1]}}"
                    "<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Year", y_title=f"Spent ({currency})")
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    # At least MIN_YEAR_SLOTS bar widths of axis, centred: one year is a bar, not a slab.
    count = yearly["year"].nunique()
    extra = max(0, MIN_YEAR_SLOTS - count) / 2
    figure.update_xaxes(type="category", range=[-0.5 - extra, count - 0.5 + extra])
    return figure.build()


MIN_YEAR_SLOTS = 4


def cost_per_distance_chart(
    series: pd.DataFrame, currency: str, distance_unit: str, colors: Mapping[int, str] | None = None
) -> go.Figure:
    """Fuel cost per distance of each valid segment over time, one line per vehicle with
    gaps at chain breaks (frame from ``analytics.consumption_series``)."""
    label = units.cost_per_distance_label(currency, distance_unit)
    if series.empty or series["cost_per_km"].notna().sum() == 0:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = _Draft()
    for vehicle_id, vehicle_name in _vehicle_order(series):
        rows = series.loc[series["vehicle_id"] == vehicle_id].sort_values("odometer_km")
        kept, ys = _with_gaps(rows, units.cost_per_km_to_unit(rows["cost_per_km"], distance_unit))
        if not any(y is not None for y in ys):
            continue
        figure.add_trace(
            _trace(
                "scatter",
                x=kept["date"],
                y=ys,
                mode="lines+markers",
                name=_plain(vehicle_name),
                line={"color": _color(colors, series, vehicle_id)},
                connectgaps=False,
                customdata=_fillup_customdata(kept, distance_unit),
                meta=_FILLUP_META,
                hovertemplate=_fillup_hover(f"%{{y:,.3f}} {label}", distance_unit),
            )
        )
    _date_axis(figure, series["date"])
    return _base_layout(figure, x_title="Date", y_title=f"Fuel cost ({label})").build()


def cumulative_spend_chart(
    cumulative: pd.DataFrame, projection: pd.DataFrame | None, currency: str, distance_unit: str
) -> go.Figure:
    """Running total of spend, all vehicles of the frame together
    (``analytics.cumulative_spend``) and, when given, its projection
    (``SpendProjection.points``) as a dashed continuation."""
    if cumulative.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    money = _money(currency)
    figure = _Draft(
        _trace(
            "scatter",
            x=cumulative["date"],
            y=cumulative["cumulative_spent"],
            mode="lines+markers",
            name="Spent so far",
            line={"shape": "hv", "color": ALL_VEHICLES_COLOR},
            customdata=[
                [*row, float(a)]
                for row, a in zip(
                    _fillup_customdata(cumulative, distance_unit), cumulative["amount"], strict=True
                )
            ],
            meta=[*_FILLUP_META, "Amount"],
            hovertemplate=_fillup_hover(
                f"Total %{{y:{money}}} {currency} (+%{{customdata[3]:{money}}})", distance_unit
            ),
        )
    )
    dates = cumulative["date"]
    if projection is not None and not projection.empty:
        figure.add_trace(
            _trace(
                "scatter",
                x=projection["date"],
                y=projection["cumulative_spent"],
                mode="lines",
                name="Projection (spend per day of the last 12 months)",
                line={"dash": "dash", "color": ALL_VEHICLES_COLOR},
                hovertemplate=(
                    f"Projected<br>%{{x|%b %Y}}<br>%{{y:{money}}} {currency}<extra></extra>"
                ),
            )
        )
        dates = pd.concat([dates, projection["date"]])
    _date_axis(figure, dates)
    return _base_layout(figure, x_title="Date", y_title=f"Cumulative spend ({currency})").build()


# "%{y:,.2f}", "%{customdata[1]:,.0f}": the decimals a hover label shows a value with.
_HOVER_DECIMALS = re.compile(r"%\{(x|y|customdata\[(\d+)\]):[^}]*?\.(\d+)f\}")


def _shown_decimals(trace: Any) -> tuple[dict[str, int], dict[int, int]]:
    """Decimals of x / y and of each customdata field as the trace's hover shows them."""
    axes: dict[str, int] = {}
    custom: dict[int, int] = {}
    for field, index, decimals in _HOVER_DECIMALS.findall(trace.hovertemplate or ""):
        if index:
            custom[int(index)] = int(decimals)
        else:
            axes[field] = int(decimals)
    return axes, custom


def _rounded(values: pd.Series, decimals: int | None) -> pd.Series:
    """Numbers rounded as shown (whole numbers as integers); anything else unchanged."""
    if decimals is None:
        return values
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() != values.notna().sum():  # not a numeric column
        return values
    numbers = numbers.round(decimals)
    return numbers.astype("Int64") if decimals == 0 else numbers


def figure_frame(figure: go.Figure) -> pd.DataFrame:
    """The data behind a figure as a table (for a CSV download): one row per point with the
    trace name, x and y under the axis titles (units included) and the hover fields under
    the names the trace's ``meta`` gives them. Numbers are rounded as the hover label shows
    them (no 29.99999999999968, no odometer to eleven decimals). Empty for a message
    figure."""
    x_title = figure.layout.xaxis.title.text or "x"
    y_title = figure.layout.yaxis.title.text or "y"
    frames = []
    for trace in figure.data:
        if trace.y is None:
            continue
        axes, custom_decimals = _shown_decimals(trace)
        xs, ys = list(trace.x), list(trace.y)
        part = pd.DataFrame({"Series": trace.name, x_title: xs, y_title: ys})
        part = part.loc[part[y_title].notna()] if y_title in part else part
        part[x_title] = _rounded(part[x_title], axes.get("x"))
        part[y_title] = _rounded(part[y_title], axes.get("y"))
        custom = trace.customdata
        names = list(trace.meta) if isinstance(trace.meta, (list, tuple)) else []
        if custom is not None and names:
            kept = [custom[i] for i in part.index]
            for index, name in enumerate(names):
                column = pd.Series(
                    [row[index] if row is not None else None for row in kept], index=part.index
                )
                part[name] = _rounded(column, custom_decimals.get(index))
        frames.append(part)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def savings_chart(savings: pd.DataFrame, currency: str) -> go.Figure:
    """What each fill-up cost more (positive) or less than at the cheapest regular station,
    one bar per fill-up (frame from ``analytics.cheapest_station_savings``)."""
    if savings.empty:
        return _message_figure("No regular station yet: log the station with your fill-ups")
    money = _money(currency)
    figure = _Draft(
        _trace(
            "bar",
            x=savings["date"],
            y=savings["savings"],
            name="Extra paid",
            marker={"color": ALL_VEHICLES_COLOR},
            customdata=[
                [_plain(v), _plain(s), _plain(r), int(e)]
                for v, s, r, e in zip(
                    savings["vehicle_name"],
                    savings["station"],
                    savings["reference_station"],
                    savings["entry_id"],
                    strict=True,
                )
            ],
            meta=["Vehicle", "Station", "Cheapest regular station", "Fill-up"],
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>%{x|%Y-%m-%d}<br>"
                f"%{{y:{money}}} {currency} more than at %{{customdata[2]}}<br>"
                "Fill-up #%{customdata[3]} at %{customdata[1]}<extra></extra>"
            ),
        )
    )
    _date_axis(figure, savings["date"])
    _base_layout(
        figure, x_title="Date", y_title=f"Paid above cheapest regular station ({currency})"
    )
    figure.update_layout(showlegend=False)  # one series, named by the axis title
    return figure.build()


# --------------------------------------------------------------------------- #
# Running costs: energy and the other costs (issue 17)
# --------------------------------------------------------------------------- #

ENERGY_SERIES = "Energy"
# Energy in the vehicles' neutral tone; the categories in a palette no vehicle wears.
ENERGY_COLOR = ALL_VEHICLES_COLOR
CATEGORY_PALETTE: tuple[str, ...] = tuple(qualitative.Safe)
NO_RUNNING_COSTS_MESSAGE = "No costs in this period"


def series_colors(categories: Sequence[str]) -> dict[str, str]:
    """Energy's colour and one per category, by the categories' fixed order: a category
    wears the same colour on every running-cost chart, whichever others are present."""
    return {
        ENERGY_SERIES: ENERGY_COLOR,
        **{name: CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i, name in enumerate(categories)},
    }


def _series_color(series: str, colors: Mapping[str, str]) -> str:
    return colors.get(series, ALL_VEHICLES_COLOR)


def _series_order(frame: pd.DataFrame, colors: Mapping[str, str]) -> list[str]:
    """The frame's series in the colours' order (energy first, then the categories' fixed
    order), so the stacks and legends of every chart read alike."""
    known = list(colors)
    names = list(dict.fromkeys(frame["series"]))
    return sorted(names, key=lambda name: known.index(name) if name in known else len(known))


def running_costs_monthly_chart(
    frame: pd.DataFrame, currency: str, colors: Mapping[str, str]
) -> go.Figure:
    """Energy and the other costs per month, bars stacked per category (frame: month
    (first day, datetime), series (ENERGY_SERIES or a category label), amount); costs add
    up across vehicles."""
    if frame.empty:
        return _message_figure(NO_RUNNING_COSTS_MESSAGE)
    figure = _Draft()
    order = _series_order(frame, colors)
    for series in order:
        rows = frame.loc[frame["series"] == series].sort_values("month")
        figure.add_trace(
            _trace(
                "bar",
                x=rows["month"],
                y=rows["amount"],
                name=_plain(series),
                marker={"color": _series_color(series, colors)},
                xperiod="M1",
                xperiodalignment="middle",
                hovertemplate=(
                    f"<b>{_plain(series)}</b><br>%{{x|%b %Y}}<br>"
                    f"%{{y:{_money(currency)}}} {currency}<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Month", y_title=f"Cost ({currency})")
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    _month_axis(figure, frame["month"])
    return figure.build()


def running_costs_yearly_chart(
    frame: pd.DataFrame, currency: str, colors: Mapping[str, str]
) -> go.Figure:
    """Energy and the other costs per calendar year, bars stacked per category (frame:
    year, series, amount)."""
    if frame.empty:
        return _message_figure(NO_RUNNING_COSTS_MESSAGE)
    figure = _Draft()
    order = _series_order(frame, colors)
    for series in order:
        rows = frame.loc[frame["series"] == series].sort_values("year")
        figure.add_trace(
            _trace(
                "bar",
                x=[str(int(y)) for y in rows["year"]],
                y=rows["amount"],
                name=_plain(series),
                marker={"color": _series_color(series, colors)},
                hovertemplate=(
                    f"<b>{_plain(series)}</b><br>%{{x}}<br>"
                    f"%{{y:{_money(currency)}}} {currency}<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Year", y_title=f"Cost ({currency})")
    figure.update_layout(barmode="stack", legend={"traceorder": "normal"})
    count = frame["year"].nunique()
    extra = max(0, MIN_YEAR_SLOTS - count) / 2
    figure.update_xaxes(type="category", range=[-0.5 - extra, count - 0.5 + extra])
    return figure.build()


def costs_by_category_chart(
    frame: pd.DataFrame, currency: str, colors: Mapping[str, str]
) -> go.Figure:
    """The other costs of the period per category, largest first, as horizontal bars
    (frame: series (category label), amount)."""
    if frame.empty:
        return _message_figure("No other costs in this period")
    ordered = frame.sort_values("amount", ascending=True)  # plotly draws bottom-up
    figure = _Draft(
        _trace(
            "bar",
            orientation="h",
            x=ordered["amount"],
            y=[_plain(s) for s in ordered["series"]],
            name="Other costs",
            marker={"color": [_series_color(s, colors) for s in ordered["series"]]},
            hovertemplate=(f"<b>%{{y}}</b><br>%{{x:{_money(currency)}}} {currency}<extra></extra>"),
        )
    )
    _base_layout(figure, x_title=f"Cost ({currency})", y_title="Category")
    figure.update_layout(showlegend=False, height=max(220, 48 * len(frame) + 80))
    return figure.build()
