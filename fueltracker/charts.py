"""Plotly figures for the dashboard: frames in, ``go.Figure`` out.

Pure presentation logic with no Streamlit calls, so figures can be tested by
inspecting their traces. Values arrive in canonical units (km, L/100km) and
are converted here to the user's preferred units via ``units``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from fueltracker import units
from fueltracker.metrics import STATUS_MISSED, STATUS_NO_ANCHOR, STATUS_OK

TEMPLATE = "plotly_white"
NO_CONSUMPTION_MESSAGE = "No consumption yet: log two full-tank fill-ups"
NO_SPENDING_MESSAGE = "No fill-ups yet"

# Statuses that end a chain of segments: the line must not join across them.
_CHAIN_BREAKS = frozenset({STATUS_MISSED, STATUS_NO_ANCHOR})


def _plain(text: object) -> str:
    """A user's text for a legend or hover label: plotly renders a subset of HTML there."""
    return html.escape(str(text), quote=False)


def _base_layout(figure: go.Figure, *, x_title: str, y_title: str) -> go.Figure:
    figure.update_layout(
        template=TEMPLATE,
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
        xaxis_title=x_title,
        yaxis_title=y_title,
    )
    return figure


def _message_figure(message: str) -> go.Figure:
    """An empty chart carrying a centred explanation instead of blank axes."""
    figure = go.Figure()
    figure.update_layout(
        template=TEMPLATE,
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
    return figure


def _vehicle_order(frame: pd.DataFrame) -> list[tuple[Any, str]]:
    pairs = frame.loc[:, ["vehicle_id", "vehicle_name"]].drop_duplicates("vehicle_id")
    pairs = pairs.sort_values(["vehicle_name", "vehicle_id"], kind="stable")
    return list(pairs.itertuples(index=False, name=None))


def _consumption_points(
    rows: pd.DataFrame, consumption_unit: str, distance_unit: str
) -> tuple[list[Any], list[Any], list[Any]]:
    """x, y and odometer lists for one vehicle, with None marking chain breaks."""
    rows = rows.sort_values("odometer_km", kind="stable")
    values = units.consumption_from_l_per_100km(
        rows["consumption_l_per_100km"], consumption_unit
    )
    odometers = units.km_to_distance(rows["odometer_km"], distance_unit)

    xs: list[Any] = []
    ys: list[Any] = []
    odos: list[Any] = []
    for status, date, value, odometer in zip(
        rows["consumption_status"], rows["date"], values, odometers, strict=True
    ):
        if status == STATUS_OK:
            xs.append(date)
            ys.append(float(value))
            odos.append(float(odometer))
        elif status in _CHAIN_BREAKS and ys and ys[-1] is not None:
            # Plotly leaves a gap at a None y (connectgaps is off), so the
            # segments before and after a missed fill-up are not joined.
            xs.append(date)
            ys.append(None)
            odos.append(None)
    while ys and ys[-1] is None:
        xs.pop()
        ys.pop()
        odos.pop()
    return xs, ys, odos


def consumption_chart(
    derived: pd.DataFrame, consumption_unit: str, distance_unit: str
) -> go.Figure:
    """Per-segment consumption over time, one markers+lines trace per vehicle.

    Values are converted to ``consumption_unit`` and odometers (in the hover)
    to ``distance_unit``. A missed fill-up or a fill-up without an anchor
    breaks the line with a gap. Vehicles without any measured segment get no
    trace; with none at all the figure only carries an explanatory note.
    """
    label = units.consumption_label(consumption_unit)
    distance_label = units.distance_label(distance_unit)
    if derived.empty or not (derived["consumption_status"] == STATUS_OK).any():
        return _message_figure(NO_CONSUMPTION_MESSAGE)
    figure = go.Figure()

    for vehicle_id, vehicle_name in _vehicle_order(derived):
        rows = derived.loc[derived["vehicle_id"] == vehicle_id]
        xs, ys, odos = _consumption_points(rows, consumption_unit, distance_unit)
        if not ys:
            continue
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=_plain(vehicle_name),
                connectgaps=False,
                # The name rides in customdata so characters such as "%{" in a
                # user's vehicle name are never parsed as template syntax.
                customdata=[[odo, _plain(vehicle_name)] for odo in odos],
                hovertemplate=(
                    "<b>%{customdata[1]}</b><br>"
                    "%{x|%Y-%m-%d}<br>"
                    f"%{{y:,.2f}} {label}<br>"
                    f"Odometer %{{customdata[0]:,.0f}} {distance_label}"
                    "<extra></extra>"
                ),
            )
        )
    _date_axis(figure, derived["date"])
    return _base_layout(figure, x_title="Date", y_title=label)


def _date_axis(figure: go.Figure, dates: pd.Series) -> None:
    """Dates without clock times; a short history gets a few weeks of axis so plotly does
    not zoom into hours around one point."""
    figure.update_xaxes(tickformat="%d %b %Y", hoverformat="%Y-%m-%d")
    first, last = dates.min(), dates.max()
    if last - first < pd.Timedelta(days=28):
        middle = first + (last - first) / 2
        figure.update_xaxes(range=[middle - pd.Timedelta(days=14), middle + pd.Timedelta(days=14)])


def monthly_spend_chart(monthly: pd.DataFrame, currency: str) -> go.Figure:
    """Spend per month as bars stacked per vehicle (frame from ``analytics.monthly_summary``)."""
    if monthly.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    figure = go.Figure()
    money_format = f",.{units.currency_decimals(currency)}f"
    for vehicle_id, vehicle_name in _vehicle_order(monthly):
        rows = monthly.loc[monthly["vehicle_id"] == vehicle_id].sort_values("month")
        figure.add_trace(
            go.Bar(
                x=rows["month"],
                y=rows["spent"],
                name=_plain(vehicle_name),
                # Month-long periods give bars a month's width even when only
                # one month exists (a lone date would render a hairline bar).
                xperiod="M1",
                xperiodalignment="middle",
                customdata=[[_plain(vehicle_name)]] * len(rows),
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>"
                    "%{x|%b %Y}<br>"
                    f"%{{y:{money_format}}} {currency}"
                    "<extra></extra>"
                ),
            )
        )
    _base_layout(figure, x_title="Month", y_title=f"Spent ({currency})")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(tickformat="%b %Y")
    return figure


# --------------------------------------------------------------------------- #
# Analysis pages
# --------------------------------------------------------------------------- #

NO_PRICES_MESSAGE = "No prices yet: log a fill-up with its volume and amount"
NO_SEGMENTS_MESSAGE = "No consumption yet: log two full-tank fill-ups of one vehicle"
MONTH_NAMES: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                "Sep", "Oct", "Nov", "Dec")
SEASON_ORDER: tuple[str, ...] = ("Winter", "Spring", "Summer", "Autumn")


def _money(currency: str) -> str:
    return f",.{units.currency_decimals(currency)}f"


def _fillup_customdata(rows: pd.DataFrame, distance_unit: str) -> list[list[Any]]:
    """[vehicle, odometer in the user's unit, fill-up id] per row, for hover labels."""
    odometers = units.km_to_distance(rows["odometer_km"], distance_unit)
    return [[_plain(name), None if pd.isna(odo) else float(odo), int(entry_id)]
            for name, odo, entry_id in zip(rows["vehicle_name"], odometers, rows["entry_id"],
                                           strict=True)]


def _fillup_hover(value: str, distance_unit: str) -> str:
    return ("<b>%{customdata[0]}</b><br>%{x|%Y-%m-%d}<br>" + value
            + f"<br>Fill-up #%{{customdata[2]}} at %{{customdata[1]:,.0f}} "
            f"{units.distance_label(distance_unit)}<extra></extra>")


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


def consumption_trend_chart(series: pd.DataFrame, consumption_unit: str, distance_unit: str,
                            window: int) -> go.Figure:
    """Per-segment consumption (markers) and its distance-weighted rolling average over
    ``window`` segments (a line) per vehicle, from ``analytics.consumption_series``. Chain
    breaks (missed or unanchored fill-ups) leave a gap in both."""
    label = units.consumption_label(consumption_unit)
    if series.empty or series["consumption_l_per_100km"].notna().sum() == 0:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = go.Figure()
    for vehicle_id, vehicle_name in _vehicle_order(series):
        rows = series.loc[series["vehicle_id"] == vehicle_id].sort_values("odometer_km")
        for column, name, mode, dash in (
            ("consumption_l_per_100km", _plain(vehicle_name), "markers", None),
            ("rolling_l_per_100km", f"{_plain(vehicle_name)} · rolling {window}", "lines",
             "solid"),
        ):
            values = units.consumption_from_l_per_100km(rows[column], consumption_unit)
            kept, ys = _with_gaps(rows, values)
            if not any(y is not None for y in ys):
                continue
            figure.add_trace(go.Scatter(
                x=kept["date"], y=ys, mode=mode, name=name, connectgaps=False,
                line={"dash": dash} if dash else None,
                customdata=_fillup_customdata(kept, distance_unit), meta=_FILLUP_META,
                hovertemplate=_fillup_hover(f"%{{y:,.2f}} {label}", distance_unit),
            ))
    _date_axis(figure, series["date"])
    return _base_layout(figure, x_title="Date", y_title=f"Consumption ({label})")


def monthly_consumption_chart(monthly: pd.DataFrame, consumption_unit: str) -> go.Figure:
    """Distance-weighted consumption per calendar month, one line per vehicle (frame from
    ``analytics.monthly_summary``; months without a valid segment are left out)."""
    label = units.consumption_label(consumption_unit)
    rows_with = monthly.loc[monthly["avg_consumption_l_per_100km"].notna()]
    if rows_with.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = go.Figure()
    for vehicle_id, vehicle_name in _vehicle_order(rows_with):
        rows = rows_with.loc[rows_with["vehicle_id"] == vehicle_id].sort_values("month")
        figure.add_trace(go.Scatter(
            x=rows["month"],
            y=units.consumption_from_l_per_100km(rows["avg_consumption_l_per_100km"],
                                                 consumption_unit),
            mode="lines+markers", name=_plain(vehicle_name),
            customdata=[[_plain(vehicle_name), int(n)] for n in rows["fillup_count"]],
            meta=["Vehicle", "Fill-ups"],
            hovertemplate=("<b>%{customdata[0]}</b><br>%{x|%b %Y}<br>"
                           f"%{{y:,.2f}} {label}<br>%{{customdata[1]}} fill-ups"
                           "<extra></extra>"),
        ))
    _base_layout(figure, x_title="Month", y_title=f"Consumption ({label})")
    figure.update_xaxes(tickformat="%b %Y", dtick="M1" if len(rows_with["month"].unique()) < 13
                        else None)
    return figure


def year_over_year_chart(by_month: pd.DataFrame, consumption_unit: str) -> go.Figure:
    """Consumption by month of the year (Jan..Dec on x), one line per year (frame from
    ``analytics.consumption_by_month_of_year``)."""
    label = units.consumption_label(consumption_unit)
    if by_month.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = go.Figure()
    for year in sorted(by_month["year"].unique()):
        rows = by_month.loc[by_month["year"] == year].sort_values("month_number")
        figure.add_trace(go.Scatter(
            x=[MONTH_NAMES[m - 1] for m in rows["month_number"]],
            y=units.consumption_from_l_per_100km(rows["avg_consumption_l_per_100km"],
                                                 consumption_unit),
            mode="lines+markers", name=str(int(year)),
            customdata=[[int(year), int(n)] for n in rows["segment_count"]],
            meta=["Year", "Segments"],
            hovertemplate=("<b>%{x} %{customdata[0]}</b><br>"
                           f"%{{y:,.2f}} {label}<br>%{{customdata[1]}} full-tank segments"
                           "<extra></extra>"),
        ))
    _base_layout(figure, x_title="Month", y_title=f"Consumption ({label})")
    figure.update_xaxes(categoryorder="array", categoryarray=list(MONTH_NAMES))
    return figure


def season_box_chart(seasons: pd.DataFrame, consumption_unit: str, distance_unit: str
                     ) -> go.Figure:
    """Distribution of segment consumption per meteorological season, one box per season
    (frame from ``analytics.segments_by_season``), every segment drawn as a point."""
    label = units.consumption_label(consumption_unit)
    if seasons.empty:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = go.Figure()
    for season in SEASON_ORDER:
        rows = seasons.loc[seasons["season"] == season]
        if rows.empty:
            continue
        figure.add_trace(go.Box(
            x=[season] * len(rows),
            y=units.consumption_from_l_per_100km(rows["consumption_l_per_100km"],
                                                 consumption_unit),
            name=season, boxpoints="all", jitter=0.4, pointpos=0,
            customdata=[[*row, d.strftime("%Y-%m-%d")] for row, d in zip(
                _fillup_customdata(rows, distance_unit), rows["date"], strict=True)],
            meta=[*_FILLUP_META, "Date"],
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[3]}<br>"
                           f"%{{y:,.2f}} {label}<br>Fill-up #%{{customdata[2]}} at "
                           f"%{{customdata[1]:,.0f}} {units.distance_label(distance_unit)}"
                           "<extra></extra>"),
        ))
    _base_layout(figure, x_title="Season", y_title=f"Consumption ({label})")
    figure.update_layout(showlegend=False)
    return figure


def price_chart(points: pd.DataFrame, currency: str, volume_unit: str,
                distance_unit: str) -> go.Figure:
    """Unit price per the user's volume unit over time, one line per fuel grade (frame from
    ``analytics.price_points``)."""
    label = units.price_per_volume_label(currency, volume_unit)
    if points.empty:
        return _message_figure(NO_PRICES_MESSAGE)
    figure = go.Figure()
    for grade in sorted(points["grade"].unique()):
        rows = points.loc[points["grade"] == grade].sort_values(["date", "entry_id"])
        figure.add_trace(go.Scatter(
            x=rows["date"], y=units.price_per_l_to_unit(rows["unit_price_per_l"], volume_unit),
            mode="lines+markers", name=_plain(grade),
            customdata=[[*row, _plain(station)] for row, station in zip(
                _fillup_customdata(rows, distance_unit), rows["station"], strict=True)],
            meta=[*_FILLUP_META, "Station"],
            hovertemplate=_fillup_hover(f"%{{y:,.3f}} {label}<br>%{{customdata[3]}}",
                                        distance_unit),
        ))
    _date_axis(figure, points["date"])
    return _base_layout(figure, x_title="Date", y_title=f"Unit price ({label})")


def average_price_chart(by: pd.DataFrame, what: str, currency: str, volume_unit: str
                        ) -> go.Figure:
    """Volume-weighted average price per brand or station as horizontal bars, cheapest on
    top, each labelled with its number of fill-ups (frame from
    ``analytics.average_price_by``)."""
    label = units.price_per_volume_label(currency, volume_unit)
    if by.empty:
        return _message_figure(NO_PRICES_MESSAGE)
    rows = by.iloc[::-1]
    prices = units.price_per_l_to_unit(rows["avg_price_per_l"], volume_unit)
    figure = go.Figure(go.Bar(
        x=prices, y=[_plain(v) for v in rows["label"]], orientation="h", name=what,
        text=[f"{p:,.3f} · {n} fill-ups" for p, n in zip(prices, rows["fillup_count"],
                                                            strict=True)],
        textposition="auto",
        customdata=[[int(n)] for n in rows["fillup_count"]], meta=["Fill-ups"],
        hovertemplate=(f"<b>%{{y}}</b><br>%{{x:,.3f}} {label}<br>%{{customdata[0]}} fill-ups"
                       "<extra></extra>"),
    ))
    _base_layout(figure, x_title=f"Average price ({label})", y_title=what)
    figure.update_yaxes(type="category")
    figure.update_layout(height=max(250, 40 * len(rows) + 100), showlegend=False)
    return figure


def yearly_spend_chart(yearly: pd.DataFrame, currency: str) -> go.Figure:
    """Spend per calendar year, bars stacked per vehicle (``analytics.yearly_spend``)."""
    if yearly.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    figure = go.Figure()
    for vehicle_id, vehicle_name in _vehicle_order(yearly):
        rows = yearly.loc[yearly["vehicle_id"] == vehicle_id].sort_values("year")
        figure.add_trace(go.Bar(
            x=[str(int(y)) for y in rows["year"]], y=rows["spent"], name=_plain(vehicle_name),
            customdata=[[_plain(vehicle_name), int(n)] for n in rows["fillup_count"]],
            meta=["Vehicle", "Fill-ups"],
            hovertemplate=("<b>%{customdata[0]}</b><br>%{x}<br>"
                           f"%{{y:{_money(currency)}}} {currency}<br>%{{customdata[1]}} fill-ups"
                           "<extra></extra>"),
        ))
    _base_layout(figure, x_title="Year", y_title=f"Spent ({currency})")
    figure.update_layout(barmode="stack")
    figure.update_xaxes(type="category")
    return figure


def cost_per_distance_chart(series: pd.DataFrame, currency: str, distance_unit: str
                            ) -> go.Figure:
    """Fuel cost per distance of each valid segment over time, one line per vehicle with
    gaps at chain breaks (frame from ``analytics.consumption_series``)."""
    label = units.cost_per_distance_label(currency, distance_unit)
    if series.empty or series["cost_per_km"].notna().sum() == 0:
        return _message_figure(NO_SEGMENTS_MESSAGE)
    figure = go.Figure()
    for vehicle_id, vehicle_name in _vehicle_order(series):
        rows = series.loc[series["vehicle_id"] == vehicle_id].sort_values("odometer_km")
        kept, ys = _with_gaps(rows, units.cost_per_km_to_unit(rows["cost_per_km"],
                                                              distance_unit))
        if not any(y is not None for y in ys):
            continue
        figure.add_trace(go.Scatter(
            x=kept["date"], y=ys, mode="lines+markers", name=_plain(vehicle_name),
            connectgaps=False, customdata=_fillup_customdata(kept, distance_unit),
            meta=_FILLUP_META,
            hovertemplate=_fillup_hover(f"%{{y:,.3f}} {label}", distance_unit),
        ))
    _date_axis(figure, series["date"])
    return _base_layout(figure, x_title="Date", y_title=f"Fuel cost ({label})")


def cumulative_spend_chart(cumulative: pd.DataFrame, projection: pd.DataFrame | None,
                           currency: str, distance_unit: str) -> go.Figure:
    """Running total of spend (``analytics.cumulative_spend``) and, when given, its
    projection (``SpendProjection.points``) as a dashed continuation."""
    if cumulative.empty:
        return _message_figure(NO_SPENDING_MESSAGE)
    money = _money(currency)
    figure = go.Figure(go.Scatter(
        x=cumulative["date"], y=cumulative["cumulative_spent"], mode="lines+markers",
        name="Spent so far", line={"shape": "hv"},
        customdata=[[*row, float(a)] for row, a in zip(
            _fillup_customdata(cumulative, distance_unit), cumulative["amount"], strict=True)],
        meta=[*_FILLUP_META, "Amount"],
        hovertemplate=_fillup_hover(
            f"Total %{{y:{money}}} {currency} (+%{{customdata[3]:{money}}})", distance_unit),
    ))
    dates = cumulative["date"]
    if projection is not None and not projection.empty:
        figure.add_trace(go.Scatter(
            x=projection["date"], y=projection["cumulative_spent"], mode="lines",
            name="Projection (last 12 months' average)", line={"dash": "dash"},
            hovertemplate=(f"Projected<br>%{{x|%b %Y}}<br>%{{y:{money}}} {currency}"
                           "<extra></extra>"),
        ))
        dates = pd.concat([dates, projection["date"]])
    _date_axis(figure, dates)
    return _base_layout(figure, x_title="Date", y_title=f"Cumulative spend ({currency})")


def figure_frame(figure: go.Figure) -> pd.DataFrame:
    """The data behind a figure as a table (for a CSV download): one row per point with the
    trace name, x and y under the axis titles (units included) and the hover fields under
    the names the trace's ``meta`` gives them. Empty for a message figure."""
    x_title = figure.layout.xaxis.title.text or "x"
    y_title = figure.layout.yaxis.title.text or "y"
    frames = []
    for trace in figure.data:
        if trace.y is None:
            continue
        xs, ys = list(trace.x), list(trace.y)
        part = pd.DataFrame({"Series": trace.name, x_title: xs, y_title: ys})
        custom = trace.customdata
        names = list(trace.meta) if isinstance(trace.meta, (list, tuple)) else []
        if custom is not None and names:
            for index, name in enumerate(names):
                part[name] = [row[index] if row is not None else None for row in custom]
        frames.append(part.loc[part[y_title].notna()] if y_title in part else part)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def savings_chart(savings: pd.DataFrame, currency: str) -> go.Figure:
    """What each fill-up cost more (positive) or less than at the cheapest regular station,
    one bar per fill-up (frame from ``analytics.cheapest_station_savings``)."""
    if savings.empty:
        return _message_figure("No regular station yet: log the station with your fill-ups")
    money = _money(currency)
    figure = go.Figure(go.Bar(
        x=savings["date"], y=savings["savings"], name="Extra paid",
        customdata=[[_plain(v), _plain(s), _plain(r), int(e)] for v, s, r, e in zip(
            savings["vehicle_name"], savings["station"], savings["reference_station"],
            savings["entry_id"], strict=True)],
        meta=["Vehicle", "Station", "Cheapest regular station", "Fill-up"],
        hovertemplate=("<b>%{customdata[0]}</b><br>%{x|%Y-%m-%d}<br>"
                       f"%{{y:{money}}} {currency} more than at %{{customdata[2]}}<br>"
                       "Fill-up #%{customdata[3]} at %{customdata[1]}<extra></extra>"),
    ))
    _date_axis(figure, savings["date"])
    return _base_layout(figure, x_title="Date",
                        y_title=f"Paid above cheapest regular station ({currency})")
