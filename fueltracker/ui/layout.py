"""The frame around every signed-in page: sidebar with the account, one-click export and
sign-out."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from fueltracker import security
from fueltracker.logging_setup import in_this_run
from fueltracker.schemas import UserRead
from fueltracker.services import transfer
from fueltracker.ui import auth, context
from fueltracker.ui.text import plain


def sidebar(user: UserRead) -> None:
    """Render the account box of the sidebar."""
    def export_all() -> bytes:
        # Built only when clicked (in another thread: no Streamlit calls): formatting every
        # row on each page load cost a heavy user most of a cold page (docs/performance.md).
        with context.session() as db:
            text = transfer.export_native(db, user.id)
        security.event("export", user_id=user.id, format="native_csv")
        return text.encode("utf-8")

    with st.sidebar:
        st.caption(f"Signed in as {plain(user.display_name)} ({plain(user.username)})")
        st.download_button(
            "Download all fill-ups (CSV)",
            data=in_this_run(export_all),
            file_name=f"fueltracker-{user.username}-{dt.date.today().isoformat()}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
            key="download_all",
        )
        if st.button("Sign out", icon=":material/logout:", width="stretch",
                     key="sign_out"):
            auth.sign_out(user)
