"""Tables of the pages: st.dataframe with the number formats views.py gives each column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
import streamlit as st

from fueltracker.views import number_formats

ROW_HEIGHT_PX = 35
# A column's width as st.column_config takes it: a named size, or pixels.
ColumnWidth = Literal["small", "medium", "large"] | int


def show(
    table: pd.DataFrame,
    *,
    all_rows: bool = False,
    pinned: Sequence[str] = (),
    widths: Mapping[str, ColumnWidth] | None = None,
    **options,
):
    """Render `table` with formatted numbers and empty cells where a value is missing;
    `all_rows` sizes it to show every row without inner scrolling, `pinned` columns stay in
    view when it scrolls sideways, `widths` caps columns ("small", "medium", "large" or
    pixels).
    Extra options go to st.dataframe (column_order, selection, key...)."""
    column_config = {
        column: st.column_config.NumberColumn(format=fmt)
        for column, fmt in number_formats(table).items()
    }
    for column in table.columns:
        if column in pinned or (widths and column in widths):
            column_config[column] = column_config.get(column) or st.column_config.Column()
            if column in pinned:
                column_config[column]["pinned"] = True
            if widths and column in widths:
                column_config[column]["width"] = widths[column]
    if all_rows:
        options["height"] = (len(table) + 1) * ROW_HEIGHT_PX + 3
    # An empty cell rather than st.dataframe's "None" (no consumption yet, no station).
    return st.dataframe(
        table,
        column_config=column_config,
        hide_index=True,
        width="stretch",
        placeholder="",
        **options,
    )
