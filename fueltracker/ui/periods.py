"""Period presets of the analysis pages, resolved against the user's local today."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from fueltracker import metrics
from fueltracker.schemas import UserRead
from fueltracker.services.users import local_today

PRESETS = {"Last 30 days": 30, "Last 90 days": 90, "Last 12 months": 365, "All time": None}


def preset_start(preset: str | None, today: dt.date) -> dt.date | None:
    """First day of a preset period ending today (None: all time)."""
    days = PRESETS.get(preset or "All time")
    return None if days is None else today - dt.timedelta(days=days - 1)


def summarize_preset(derived: pd.DataFrame, preset: str | None, user: UserRead
                     ) -> tuple[pd.DataFrame, metrics.Summary]:
    """The rows of the period and their summary (metrics.summarize)."""
    today = local_today(user.timezone)
    start = preset_start(preset, today)
    return metrics.filter_period(derived, start, today), metrics.summarize(derived, start, today)
