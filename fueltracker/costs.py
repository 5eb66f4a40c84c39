"""Running costs besides energy, and the total cost of ownership (design: energy-and-costs.md,
"Running costs"). Pure: plain values in (Decimal money, dates), plain values out; no pandas,
no database, no UI. Money stays Decimal throughout; rounding is for display only.

- An expense without a coverage period counts whole on its date.
- An expense with one (both ends inclusive) is spread evenly per day over it: a day's share
  is amount / days of the period. Insurance of 600.00 over 2026 (365 days) counts
  600 × 31/365 = 50.958... in January and 600 × 28/365 = 46.027... in February.
- Over a period [start, end] an expense counts with the days of its coverage inside the
  period (or whole when its date is inside); coverage reaching past the period is cut off.
- Total cost of ownership over a period = energy + expenses (spread); per km = that / the
  distance driven (the odometer span of each vehicle's entries in the period, added up
  over the vehicles); per month = that / the period's length in average months
  (365.25 / 12 = 30.4375 days).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

# An average month in days (365.25 / 12): what "per month" divides by.
AVERAGE_MONTH_DAYS = Decimal("30.4375")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Cost:
    """An expense as the maths sees it: which vehicle, which category, how much, paid when,
    and the period it covers (both ends or neither; from <= to)."""

    vehicle_id: int
    category: str
    amount: Decimal
    date: dt.date
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None

    def __post_init__(self) -> None:
        if (self.coverage_from is None) != (self.coverage_to is None):
            raise ValueError("a coverage period has both ends or neither")
        if (
            self.coverage_from is not None
            and self.coverage_to is not None
            and self.coverage_to < self.coverage_from
        ):
            raise ValueError("a coverage period must not end before it starts")

    @property
    def first_day(self) -> dt.date:
        """The first day the cost counts on (its coverage's start, else its date)."""
        return self.coverage_from or self.date

    @property
    def last_day(self) -> dt.date:
        """The last day the cost counts on (its coverage's end, else its date)."""
        return self.coverage_to or self.date


def days_inclusive(start: dt.date, end: dt.date) -> int:
    """Days from `start` to `end`, both counted (0 when end is before start)."""
    return max(0, (end - start).days + 1)


def month_start(day: dt.date) -> dt.date:
    """The first day of `day`'s month: how months are named here."""
    return day.replace(day=1)


def _next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def share(cost: Cost, start: dt.date | None, end: dt.date) -> Decimal:
    """What `cost` counts in [start, end] (start None: from the beginning)."""
    first = cost.first_day if start is None else max(cost.first_day, start)
    last = min(cost.last_day, end)
    inside = days_inclusive(first, last)
    if inside == 0:
        return ZERO
    if cost.coverage_from is None:
        return cost.amount
    covered = days_inclusive(cost.first_day, cost.last_day)
    return cost.amount if inside == covered else cost.amount * inside / covered


def monthly_shares(cost: Cost, start: dt.date | None, end: dt.date) -> dict[dt.date, Decimal]:
    """What `cost` counts in each month (by its first day) of [start, end], months it does
    not touch left out."""
    first = cost.first_day if start is None else max(cost.first_day, start)
    last = min(cost.last_day, end)
    shares: dict[dt.date, Decimal] = {}
    month = month_start(first)
    while month <= last:
        following = _next_month(month)
        shares[month] = share(cost, max(first, month), min(last, following - dt.timedelta(days=1)))
        month = following
    return shares


def per_month(
    costs: Iterable[Cost], start: dt.date | None, end: dt.date
) -> dict[tuple[dt.date, str], Decimal]:
    """{(month's first day, category): total} of `costs` over [start, end], spread."""
    totals: dict[tuple[dt.date, str], Decimal] = defaultdict(lambda: ZERO)
    for cost in costs:
        for month, amount in monthly_shares(cost, start, end).items():
            totals[month, cost.category] += amount
    return dict(totals)


def per_year(
    costs: Iterable[Cost], start: dt.date | None, end: dt.date
) -> dict[tuple[int, str], Decimal]:
    """{(year, category): total} of `costs` over [start, end], spread."""
    totals: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for (month, category), amount in per_month(costs, start, end).items():
        totals[month.year, category] += amount
    return dict(totals)


def by_category(costs: Iterable[Cost], start: dt.date | None, end: dt.date) -> dict[str, Decimal]:
    """{category: total} of `costs` over [start, end], spread; categories with nothing in
    the period left out."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for cost in costs:
        part = share(cost, start, end)
        if part:
            totals[cost.category] += part
    return dict(totals)


def odometer_span_km(readings: Iterable[tuple[int, Decimal]]) -> Decimal:
    """The distance driven according to (vehicle id, odometer km) readings: each vehicle's
    highest reading minus its lowest, added up over the vehicles (a vehicle with one
    reading drove 0 as far as the readings tell)."""
    low: dict[int, Decimal] = {}
    high: dict[int, Decimal] = {}
    for vehicle_id, odometer_km in readings:
        low[vehicle_id] = min(low.get(vehicle_id, odometer_km), odometer_km)
        high[vehicle_id] = max(high.get(vehicle_id, odometer_km), odometer_km)
    return sum((high[v] - low[v] for v in low), ZERO)


@dataclass(frozen=True)
class TotalCostOfOwnership:
    """Energy and other costs over a period of `days` days, their total, and that total per
    km (None without distance) and per average month."""

    energy: Decimal
    other: Decimal
    distance_km: Decimal
    days: int

    @property
    def total(self) -> Decimal:
        """Energy and other costs together."""
        return self.energy + self.other

    @property
    def per_km(self) -> Decimal | None:
        """The total over the distance driven; None when nothing was driven."""
        return self.total / self.distance_km if self.distance_km > 0 else None

    @property
    def per_month(self) -> Decimal | None:
        """The total over the period's length in average months; None for no days."""
        return self.total * AVERAGE_MONTH_DAYS / self.days if self.days > 0 else None


def total_cost_of_ownership(
    energy: Decimal, costs: Iterable[Cost], start: dt.date, end: dt.date, distance_km: Decimal
) -> TotalCostOfOwnership:
    """The total cost of ownership over [start, end]: `energy` (what the period's fill-ups
    cost) plus `costs` spread over the period, and `distance_km` driven in it."""
    other = sum((share(cost, start, end) for cost in costs), ZERO)
    return TotalCostOfOwnership(energy, other, distance_km, days_inclusive(start, end))


def energy_and_other_per_month(
    energy: Mapping[dt.date, Decimal], other: Mapping[tuple[dt.date, str], Decimal]
) -> dict[dt.date, tuple[Decimal, Decimal]]:
    """{month: (energy, other costs)} for every month with either, in month order."""
    others: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for (month, _), amount in other.items():
        others[month] += amount
    months = sorted(set(energy) | set(others))
    return {month: (energy.get(month, ZERO), others.get(month, ZERO)) for month in months}
