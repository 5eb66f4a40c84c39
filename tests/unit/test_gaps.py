"""Tests for deliberate bugs the suite once let through (issue 13): each fails on its bug.

- an odometer equal to an earlier (or later) date's reading accepted (`>=` turned `>`);
- brand and grade with formula text left as formulas in the user-units CSV;
- the Fuelly gallon handling and the UK mpg constant each resting on a single test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pandas as pd
import pytest

from fueltracker import metrics, units
from fueltracker.export import user_units_csv
from fueltracker.importers.fuelly import parse_fuelly
from fueltracker.schemas import UserRead
from fueltracker.validation import Reading, odometer_conflict

D = dt.date


def test_an_odometer_equal_to_an_earlier_dates_reading_is_refused():
    earlier = Reading(D(2024, 3, 1), Decimal(12400))
    problem = odometer_conflict(D(2024, 4, 1), Decimal(12400), earlier, None)
    assert problem == "Odometer 12,400 km must be greater than 12,400 km recorded on 2024-03-01"


def test_an_odometer_equal_to_a_later_dates_reading_is_refused():
    later = Reading(D(2024, 5, 1), Decimal(13000))
    problem = odometer_conflict(D(2024, 4, 1), Decimal(13000), None, later)
    assert problem == "Odometer 13,000 km must be less than 13,000 km recorded on 2024-05-01"


def _user(**changes) -> UserRead:
    fields = {
        "id": 1,
        "username": "bob",
        "display_name": "Bob",
        "email": None,
        "currency": "GBP",
        "distance_unit": "mi",
        "volume_unit": "gal_uk",
        "consumption_unit": "mpg_uk",
        "timezone": "UTC",
        "data_revision": 0,
    }
    return UserRead(**(fields | changes))


FORMULAS = {
    "vehicle_name": "=1+1 car",
    "station": "+SUM(A1) fuel",
    "brand": "=cmd|' /C calc'!A0",
    "grade": "@grade",
    "notes": "-2+3 note",
}


@pytest.mark.parametrize(
    "user", [_user(), _user(distance_unit="km", volume_unit="L", consumption_unit="L/100km")]
)
def test_every_text_cell_of_the_user_units_csv_is_neutralised(user):
    """Whatever the columns are called, no cell of the text fields starts a formula."""
    frame = metrics.add_derived(
        pd.DataFrame(
            [
                {
                    "entry_id": 1,
                    "vehicle_id": 1,
                    "date": "2024-03-01",
                    "odometer_km": 1000.0,
                    "volume_l": 40.0,
                    "total_amount": 70.0,
                    "is_full": True,
                    "missed_previous": False,
                    **FORMULAS,
                }
            ]
        )
    )
    rows = list(csv.reader(io.StringIO(user_units_csv(frame, user))))
    cells = [cell for row in rows[1:] for cell in row]
    for text in FORMULAS.values():
        assert "'" + text in cells, text  # present, with its neutralising quote
        assert text not in cells, text  # never bare
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]


# --- Fuelly in gallons, a second and independent check -------------------------------------

KM_AND_GALLONS = (
    "car_name,model,l/100km,odometer,km,gallons,price,city_percentage,fuelup_date,"
    "date_added,tags,notes,missed_fuelup,partial_fuelup,latitude,longitude,brand\n"
    "Bus,Coach,0,20000,0,12.345,3.459,0,2022-02-01,,,,0,0,,,\n"
)


def test_fuelly_gallons_are_us_gallons_and_the_price_is_per_gallon():
    parsed = parse_fuelly(KM_AND_GALLONS)
    assert parsed.errors == []
    assert parsed.units["volume"] == "gal_us" and parsed.units["distance"] == "km"
    [row] = parsed.rows
    assert row.volume_l == Decimal("46.730908473")  # 12.345 × 3.785411784, to 9 places
    assert row.odometer_km == Decimal(20000)  # km stay km: only the volume converts
    assert row.total_amount == Decimal("42.70")  # 12.345 gal × 3.459 per gallon


def test_fuelly_gallons_are_not_imperial():
    [row] = parse_fuelly(KM_AND_GALLONS).rows
    assert row.volume_l != (Decimal("12.345") * units.L_PER_GAL_UK).quantize(Decimal("1E-9"))


# --- the UK mpg constant, a second and independent check ------------------------------------


def test_uk_mpg_is_us_mpg_times_the_gallon_ratio():
    ratio = units.L_PER_GAL_UK / units.L_PER_GAL_US  # 1.20095...
    for l_per_100km in (Decimal("4.5"), Decimal("7"), Decimal("12.3")):
        uk = units.consumption_from_l_per_100km(l_per_100km, "mpg_uk")
        us = units.consumption_from_l_per_100km(l_per_100km, "mpg_us")
        assert uk == pytest.approx(us * ratio, rel=Decimal("1e-12"))


def test_forty_uk_mpg_in_litres_and_back():
    """40 mpg (UK): 40 miles on 4.54609 L, i.e. 4.54609 L per 64.37376 km."""
    l_per_100km = units.consumption_to_l_per_100km(Decimal(40), "mpg_uk")
    assert l_per_100km == pytest.approx(
        Decimal("4.54609") / Decimal("0.6437376"), rel=Decimal("1e-12")
    )
    assert float(l_per_100km) == pytest.approx(7.0620, abs=5e-5)
    assert units.consumption_from_l_per_100km(l_per_100km, "mpg_uk") == pytest.approx(40)
