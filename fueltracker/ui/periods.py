"""The period presets, one table for the Dashboard and the analysis pages, resolved against
the user's local today, and the period a page opens with: the default one, or all time when
nothing was logged in it (an imported history that ended years ago must not open on an
empty page).

The same periods carry two labels: the Dashboard's own row of presets says "Last 12 months",
the analysis pages' filter (beside a custom range) says "1 year". Both are widget values the
pages (and their tests) select by label, so both stay as they are; what a label means is
said once, here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fueltracker.reports import VehicleFacts


@dataclass(frozen=True)
class Period:
    """A period ending today, ``days`` long (None: all time), with its label on the
    Dashboard and on the analysis pages."""

    days: int | None
    dashboard_label: str
    analysis_label: str

    def start(self, today: dt.date) -> dt.date | None:
        """First day of the period ending ``today`` (None: all time)."""
        return None if self.days is None else today - dt.timedelta(days=self.days - 1)


PERIODS = (
    Period(30, "Last 30 days", "30 days"),
    Period(90, "Last 90 days", "90 days"),
    Period(365, "Last 12 months", "1 year"),
    Period(None, "All time", "All time"),
)
DEFAULT = PERIODS[2]  # a page opens on the last year (opening_preset)
ALL = PERIODS[-1]
# The analysis pages' extra choice: a range picked in a date field.
CUSTOM = "Custom"

DASHBOARD_PRESETS = tuple(period.dashboard_label for period in PERIODS)
ANALYSIS_PRESETS = (*(period.analysis_label for period in PERIODS), CUSTOM)
_BY_LABEL = {
    label: period for period in PERIODS for label in (period.dashboard_label, period.analysis_label)
}


def period(label: str) -> Period | None:
    """The period a preset label (of either page kind) names; None for CUSTOM."""
    return _BY_LABEL.get(label)


def preset_start(preset: str | None, today: dt.date) -> dt.date | None:
    """First day of a preset period ending today (None: all time, or no preset)."""
    found = period(preset or ALL.dashboard_label)
    return None if found is None else found.start(today)


def opening_preset(
    facts: VehicleFacts, default: str, default_start: dt.date | None, all_time: str
) -> str:
    """``default`` when something was logged since ``default_start``, else ``all_time``."""
    return default if facts.logged_since(default_start) else all_time
