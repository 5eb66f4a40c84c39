"""The frame around every signed-in page: sidebar with the account, one-click export and
sign-out."""

from __future__ import annotations

import streamlit as st

from fueltracker.schemas import UserRead
from fueltracker.ui import auth, downloads
from fueltracker.ui.text import plain


def sidebar(user: UserRead) -> None:
    """Render the account box of the sidebar."""
    with st.sidebar:
        st.caption(f"Signed in as {plain(user.display_name)} ({plain(user.username)})")
        # Built only when clicked: formatting every row on each page load cost a heavy user
        # most of a cold page (docs/performance.md).
        downloads.all_fillups_button(user)
        if st.button("Sign out", icon=":material/logout:", width="stretch", key="sign_out"):
            auth.sign_out(user)
