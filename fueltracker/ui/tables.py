"""Tables of the pages: st.dataframe with the number formats views.py gives each column."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fueltracker.views import number_formats

ROW_HEIGHT_PX = 35


def show(table: pd.DataFrame, *, all_rows: bool = False, **options):
    """Render `table` with formatted numbers; `all_rows` sizes it to show every row
    without inner scrolling. Extra options go to st.dataframe (selection, key...)."""
    column_config = {column: st.column_config.NumberColumn(format=fmt)
                     for column, fmt in number_formats(table).items()}
    if all_rows:
        options["height"] = (len(table) + 1) * ROW_HEIGHT_PX + 3
    return st.dataframe(table, column_config=column_config, hide_index=True, width="stretch",
                        **options)
