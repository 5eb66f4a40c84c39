"""What "today" is for a user (pure: no database, no Streamlit).

Dates of fill-ups are the user's local dates: a fill-up logged just after midnight in
Auckland is today's there while it is still yesterday in UTC. Code that decides what is in
the future, what a period preset covers or how a downloaded file is named asks here, once,
and passes the date on (the pure modules take `today` as an argument).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def local_today(timezone: str) -> dt.date:
    """Today's date where the user lives (their IANA timezone; UTC if it is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.now(zone).date()
