"""The running-cost maths (fueltracker/costs.py): the design's spreading example, periods,
totals by month, year and category, and the total cost of ownership."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker import costs
from fueltracker.costs import Cost

D = dt.date
CENT = Decimal("0.01")
INSURANCE = Cost(1, "insurance", Decimal("600.00"), D(2025, 12, 20), D(2026, 1, 1), D(2026, 12, 31))
TYRES = Cost(1, "tyres", Decimal("480.00"), D(2026, 2, 10))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def test_design_worked_example():
    months = costs.per_month([INSURANCE, TYRES], None, D(2026, 12, 31))
    assert cents(months[D(2026, 1, 1), "insurance"]) == Decimal("50.96")
    assert months[D(2026, 1, 1), "insurance"] == Decimal(600) * 31 / 365
    assert cents(months[D(2026, 2, 1), "insurance"]) == Decimal("46.03")
    assert months[D(2026, 2, 1), "tyres"] == Decimal("480.00")
    assert (D(2026, 1, 1), "tyres") not in months
    february = costs.energy_and_other_per_month({D(2026, 2, 1): Decimal("95.10")}, months)
    energy, other = february[D(2026, 2, 1)]
    assert cents(other) == Decimal("526.03")
    assert cents(energy + other) == Decimal("621.13")
    # Spread, nothing is lost: the months add up to the amount (to Decimal's precision).
    spread = sum(v for (_, c), v in months.items() if c == "insurance")
    assert abs(spread - Decimal("600.00")) < Decimal("1e-20")
    # Counted on the coverage, not on the day it was paid (2025-12-20).
    assert not [m for m, _ in months if m.year == 2025]


def test_share_cuts_the_coverage_at_the_period():
    assert costs.share(INSURANCE, D(2026, 1, 1), D(2026, 12, 31)) == Decimal("600.00")
    assert costs.share(INSURANCE, None, D(2030, 1, 1)) == Decimal("600.00")
    assert costs.share(INSURANCE, D(2026, 7, 1), D(2027, 6, 30)) == Decimal(600) * 184 / 365
    assert costs.share(INSURANCE, D(2027, 1, 1), D(2027, 12, 31)) == 0
    assert costs.share(INSURANCE, D(2025, 1, 1), D(2025, 12, 31)) == 0  # paid then, not covered
    assert costs.share(TYRES, D(2026, 2, 10), D(2026, 2, 10)) == Decimal("480.00")
    assert costs.share(TYRES, D(2026, 2, 11), D(2026, 3, 1)) == 0
    one_day = Cost(1, "parking", Decimal("3.50"), D(2026, 5, 5), D(2026, 5, 5), D(2026, 5, 5))
    assert costs.share(one_day, D(2026, 5, 1), D(2026, 5, 31)) == Decimal("3.50")


def test_leap_year_coverage_counts_february_29():
    cover = Cost(1, "tax", Decimal("366"), D(2024, 1, 1), D(2024, 1, 1), D(2024, 12, 31))
    months = costs.monthly_shares(cover, None, D(2024, 12, 31))
    assert months[D(2024, 2, 1)] == Decimal(29)
    assert len(months) == 12 and sum(months.values()) == Decimal(366)


def test_per_year_and_by_category_over_a_period():
    parking = Cost(2, "parking", Decimal("4.50"), D(2026, 12, 30))
    items = [
        INSURANCE,
        TYRES,
        parking,
        Cost(1, "insurance", Decimal("730.00"), D(2026, 12, 1), D(2026, 12, 1), D(2028, 11, 30)),
    ]  # two years from December 2026: 731 days (2028 leaps)
    years = costs.per_year(items, D(2026, 1, 1), D(2027, 12, 31))
    assert years[2026, "tyres"] == Decimal("480.00")
    assert years[2026, "parking"] == Decimal("4.50")
    assert cents(years[2026, "insurance"]) == cents(Decimal(600) + Decimal(730) * 31 / 731)
    assert cents(years[2027, "insurance"]) == cents(Decimal(730) * 365 / 731)
    assert {c for _, c in years} == {"insurance", "tyres", "parking"}
    categories = costs.by_category(items, D(2026, 2, 1), D(2026, 2, 28))
    assert categories == {"insurance": Decimal(600) * 28 / 365, "tyres": Decimal("480.00")}


def test_odometer_span_adds_each_vehicles_own_span():
    readings = [
        (1, Decimal(10000)),
        (1, Decimal(10800)),
        (1, Decimal(10400)),
        (2, Decimal(500)),
        (2, Decimal(650)),
        (3, Decimal(99)),
    ]
    assert costs.odometer_span_km(readings) == Decimal(950)
    assert costs.odometer_span_km([]) == 0


def test_total_cost_of_ownership_per_km_and_per_month():
    tco = costs.total_cost_of_ownership(
        Decimal("95.10"), [INSURANCE, TYRES], D(2026, 2, 1), D(2026, 2, 28), Decimal(1200)
    )
    assert tco.energy == Decimal("95.10")
    assert cents(tco.other) == Decimal("526.03")
    assert cents(tco.total) == Decimal("621.13")
    assert tco.per_km == tco.total / 1200
    assert tco.per_month == tco.total * Decimal("30.4375") / 28
    still = costs.total_cost_of_ownership(
        Decimal(0), [TYRES], D(2026, 2, 1), D(2026, 2, 28), Decimal(0)
    )
    assert still.per_km is None and still.total == Decimal("480.00")


def test_money_stays_decimal():
    tco = costs.total_cost_of_ownership(
        Decimal("1.10"), [INSURANCE], D(2026, 1, 1), D(2026, 1, 31), Decimal(3)
    )
    for value in (tco.energy, tco.other, tco.total, tco.per_km, tco.per_month):
        assert isinstance(value, Decimal)


def test_a_half_or_backwards_coverage_is_refused():
    with pytest.raises(ValueError):
        Cost(1, "tax", Decimal(1), D(2026, 1, 1), D(2026, 1, 1), None)
    with pytest.raises(ValueError):
        Cost(1, "tax", Decimal(1), D(2026, 1, 1), D(2026, 2, 1), D(2026, 1, 31))
