"""Fuel Tracker's router: page config, the sign-in gate, and st.navigation over pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fueltracker.logging_setup import configure_logging, current_user_id, start_run
from fueltracker.ui import auth, layout, reconnect, run_timing
from fueltracker.ui.errors import unexpected_errors_reported

# Absolute page paths: the app also runs from a test harness in another folder.
PAGES_DIR = Path(__file__).resolve().parent / "pages"

configure_logging(to_stdout=True)
# The session's user id until the gate has checked it: a run that fails in the gate (the
# database is down, say) is still logged under the user it was for.
start_run(st.session_state.get(auth.USER_ID_KEY))
st.set_page_config(
    page_title="Fuel Tracker", page_icon=":material/local_gas_station:", layout="wide"
)

# Errors anywhere below (gate, sidebar, the page) end as one message under the part of the
# page already drawn, never as a traceback; the sidebar is drawn before the page runs.
with unexpected_errors_reported():
    user = auth.gate()
    current_user_id.set(user.id if user else None)
    # The same pages are registered signed in or not, so a deep link (/history) resolves
    # to our page instead of Streamlit's pages/ folder fallback, and opens after sign-in.
    navigation = st.navigation(
        {
            "Fuel": [
                st.Page(
                    PAGES_DIR / "dashboard.py",
                    title="Dashboard",
                    icon=":material/dashboard:",
                    default=True,
                ),
                st.Page(
                    PAGES_DIR / "log_fillup.py",
                    title="Log fill-up",
                    icon=":material/local_gas_station:",
                    url_path="log",
                ),
                st.Page(
                    PAGES_DIR / "history.py",
                    title="History",
                    icon=":material/history:",
                    url_path="history",
                ),
                st.Page(
                    PAGES_DIR / "expenses.py",
                    title="Expenses",
                    icon=":material/receipt_long:",
                    url_path="expenses",
                ),
                st.Page(
                    PAGES_DIR / "reminders.py",
                    title="Reminders",
                    icon=":material/notifications:",
                    url_path="reminders",
                ),
            ],
            "Analysis": [
                st.Page(
                    PAGES_DIR / "overview.py",
                    title="Overview",
                    icon=":material/insights:",
                    url_path="overview",
                ),
                st.Page(
                    PAGES_DIR / "consumption.py",
                    title="Consumption",
                    icon=":material/speed:",
                    url_path="consumption",
                ),
                st.Page(
                    PAGES_DIR / "prices.py",
                    title="Prices",
                    icon=":material/sell:",
                    url_path="prices",
                ),
                st.Page(
                    PAGES_DIR / "costs.py",
                    title="Costs",
                    icon=":material/payments:",
                    url_path="costs",
                ),
                st.Page(
                    PAGES_DIR / "data_quality.py",
                    title="Data quality",
                    icon=":material/rule:",
                    url_path="data-quality",
                ),
            ],
            "Settings": [
                st.Page(
                    PAGES_DIR / "vehicles.py",
                    title="Vehicles",
                    icon=":material/directions_car:",
                    url_path="vehicles",
                ),
                st.Page(
                    PAGES_DIR / "account.py",
                    title="Account",
                    icon=":material/person:",
                    url_path="account",
                ),
                st.Page(
                    PAGES_DIR / "import_file.py",
                    title="Import",
                    icon=":material/upload_file:",
                    url_path="import",
                ),
            ],
        },
        position="sidebar" if user else "hidden",
        # Every page in view: past twelve pages Streamlit would fold the menu after ten and
        # hide Settings (Vehicles, Account, Import) behind "View more".
        expanded=True,
    )
    # A tab that reconnects (to another replica, say) redraws its page at once: declared
    # before a page runs, so that no st.stop() in a page can leave it out of a run.
    if user is None:
        run_timing.page_shown.set("Sign in")  # the timing line names the form, not the page
        auth.sign_in_page()
        reconnect.rerun_page_on_reconnect(sidebar=False)
    else:
        layout.sidebar(user)
        with st.sidebar:
            auth.confirm_cookie()  # until the browser holds the sign-in's re-auth cookie
        reconnect.rerun_page_on_reconnect(sidebar=True)
        navigation.run()
