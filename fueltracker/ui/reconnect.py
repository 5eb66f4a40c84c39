"""A tab whose websocket comes back redraws its page at once, also when it came back to
another replica (a replica lost behind the sticky proxy, or a single server restarted).

Streamlit 1.67's frontend, on a reconnect, asks for a script run only when its page holds
an auto-rerunning fragment, ran a fragment last, or was running (App.
handleConnectionStateChanged); otherwise it assumes the server kept its session. A new
process has no such session: it makes a new one that nothing runs, the tab keeps showing
the old page and keeps the old session id, and the first click on a download built when
clicked (the sidebar's CSV, the Account page's files) got no file, refused by the new
process as "session ID mismatch" (make load's failover, docs/deploy.md). The first
condition is the one an app can meet with Streamlit's public API: an empty fragment with
`run_every` in every run. On a reconnect the tab then reruns its page with its widget
values; the run signs the user in again from the re-auth cookie and tells the tab its new
session id. The interval itself only costs one empty fragment run per session and hour.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

# Long: the fragment is here for the frontend's reconnect rule, not for its reruns.
AUTO_RERUN_EVERY = dt.timedelta(hours=1)


@st.fragment(run_every=AUTO_RERUN_EVERY)
def _registered_auto_rerun() -> None:
    """Nothing to draw: its presence is what makes the frontend rerun after a reconnect."""


def rerun_page_on_reconnect(*, sidebar: bool) -> None:
    """Declare the auto-rerunning fragment in this run (app.py calls it in every run, signed
    in or not) at the end of the sidebar or of the main area, where its empty block takes no
    visible room. The sign-in page has no sidebar: anything put there would open one."""
    if sidebar:
        with st.sidebar:
            _registered_auto_rerun()
    else:
        _registered_auto_rerun()
