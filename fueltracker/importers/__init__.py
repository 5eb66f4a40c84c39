"""Parsers of fill-up files (pure): one module per format, each yielding ParsedRow values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ParsedRow:
    """One fill-up read from a file, canonical units, with its 1-based data row number."""

    row_number: int
    vehicle: str
    date: dt.date
    odometer_km: Decimal
    volume_l: Decimal
    total_amount: Decimal
    is_full: bool = True
    missed_previous: bool = False
    station: str | None = None
    brand: str | None = None
    grade: str | None = None
    notes: str | None = None
    currency: str | None = None
