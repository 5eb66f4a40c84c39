"""Period presets of the Dashboard, resolved against the user's local today, and the
period a page opens with: the default one, or all time when nothing was logged in it (an
imported history that ended years ago must not open on an empty page)."""

from __future__ import annotations

import datetime as dt

from fueltracker.reports import VehicleFacts

PRESETS = {"Last 30 days": 30, "Last 90 days": 90, "Last 12 months": 365, "All time": None}
DEFAULT_PRESET = "Last 12 months"
ALL_TIME = "All time"


def preset_start(preset: str | None, today: dt.date) -> dt.date | None:
    """First day of a preset period ending today (None: all time)."""
    days = PRESETS.get(preset or "All time")
    return None if days is None else today - dt.timedelta(days=days - 1)


def opening_preset(facts: VehicleFacts, default: str, default_start: dt.date | None,
                   all_time: str) -> str:
    """``default`` when something was logged since ``default_start``, else ``all_time``."""
    return default if facts.logged_since(default_start) else all_time
