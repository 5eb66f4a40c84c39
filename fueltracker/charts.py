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
