"""The Dashboard's and the analysis pages' results (fueltracker/reports.py), cached per
reports.Request: the user id, the data revision, the page's filter and the unit
preferences, and nothing else is the key. A warm page run therefore builds no query, no
figure and no table: it draws what the first run with that filter built.

Never stale: the request carries the revision of the user row re-read this run, and every
write bumps it in its own transaction. Never another user's: the user id is in the key, and
a result is built from that user's frame only (context.derived_frame of the key's user and
revision).

st.cache_resource, not st.cache_data: cache_data pickles every result on the way in and
unpickles it on every hit, and an unpickled plotly figure is validated again (about 14 ms a
figure on the bench machine). Results are therefore shared between runs and sessions, not
copied: pages only read them (st.plotly_chart, st.dataframe and the download callables
copy what they send). At most MAX_RESULTS entries per page (a typical user's results
are about 0.2 MB each, measured with tracemalloc; a year of the 20,000-fill-up account's
about 0.3 MB, all of it 6 MB), the least recently used going first, and none kept past
RESULT_TTL: a result of an older revision is never asked for again.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fueltracker import reports
from fueltracker.reports import Chart, Request
from fueltracker.ui import context
from fueltracker.views import Figure

MAX_RESULTS = 64
RESULT_TTL = "1h"


def _derived(request: Request) -> pd.DataFrame:
    """The derived frame of the request's user at the request's revision."""
    return context.derived_frame(request.user_id, request.revision)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def dashboard(request: Request) -> reports.DashboardReport | reports.NothingToDraw:
    """The Dashboard for ``request``."""
    return reports.dashboard(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def overview(request: Request) -> reports.OverviewReport:
    """The Overview for ``request``."""
    return reports.overview(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def consumption(request: Request) -> reports.ConsumptionReport | reports.NothingToDraw:
    """The Consumption page for ``request`` (its own controls' charts apart)."""
    return reports.consumption(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def consumption_trend(request: Request, window: int) -> Chart:
    """Each tank and its rolling average over ``window`` segments, for ``request``."""
    return reports.consumption_trend(_derived(request), request, window)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def year_over_year(request: Request, vehicle_id: int) -> Chart:
    """One vehicle's year over year, for ``request``."""
    return reports.year_over_year(_derived(request), request, vehicle_id)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def prices(request: Request) -> reports.PricesReport | reports.NothingToDraw:
    """The Prices page for ``request``."""
    return reports.prices(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def costs(request: Request) -> reports.CostsReport | reports.NothingToDraw:
    """The Costs page for ``request``."""
    return reports.costs(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def data_quality(request: Request) -> reports.DataQualityReport:
    """The Data quality page for ``request`` (every fill-up, whatever the filter)."""
    return reports.data_quality(_derived(request), request)


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def running_costs(request: Request) -> reports.RunningCostsReport | reports.NothingToDraw:
    """The Costs page's energy and other costs, and the total cost of ownership, for
    ``request`` (the user's expenses at the request's revision)."""
    return reports.running_costs(
        _derived(request), context.expense_costs(request.user_id, request.revision), request
    )


@st.cache_resource(max_entries=MAX_RESULTS, ttl=RESULT_TTL, show_spinner=False)
def dashboard_ownership(request: Request) -> list[Figure]:
    """The Dashboard's cost-of-ownership cards for ``request`` (none without expenses)."""
    return reports.dashboard_ownership(
        _derived(request), context.expense_costs(request.user_id, request.revision), request
    )
