"""The archive's reminders.csv (pure)."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

from fueltracker.export import ARCHIVE_README_TEXT, data_archive, reminders_csv
from fueltracker.importers.native import parse_archive

ACCOUNT = {"username": "anna", "exported_at": "2026-06-15T08:00:00Z"}
FILLUPS = (
    "date,vehicle,odometer_km,volume_l,total_amount,is_full,missed_previous,station,"
    "brand,grade,notes,unit_price_per_l,distance_km,consumption_l_per_100km,"
    "cost_per_km\n"
)
VEHICLES = "name,make,model,year,fuel_type,tank_capacity_l,is_active,kind\nGolf,,,,,,true,car\n"


def test_reminders_csv_canonical_and_safe():
    text = reminders_csv(
        [
            {
                "vehicle_id": 1,
                "title": "Oil change, filter",
                "interval_km": Decimal("15000.000000"),
                "interval_months": 12,
                "due_soon_km": Decimal("1000.500000"),
                "due_soon_days": 30,
                "last_done_on": dt.date(2026, 1, 10),
                "last_done_odometer_km": Decimal("30000.25"),
            },
            {
                "vehicle_id": 2,
                "title": "=cmd()",
                "interval_km": None,
                "interval_months": 24,
                "due_soon_km": Decimal("1000.000000"),
                "due_soon_days": 0,
                "last_done_on": None,
                "last_done_odometer_km": None,
            },
        ],
        {1: "Golf", 2: "V-Strom"},
    )
    assert text.splitlines() == [
        "vehicle,title,interval_km,interval_months,due_soon_km,due_soon_days,last_done_on,"
        "last_done_odometer_km",
        'Golf,"Oil change, filter",15000,12,1000.5,30,2026-01-10,30000.25',
        "V-Strom,'=cmd(),,24,1000,0,,",
    ]


def test_the_archive_holds_reminders_after_vehicles_and_still_imports():
    reminders = reminders_csv([], {})
    data = data_archive(FILLUPS, VEHICLES, ACCOUNT, reminders_csv=reminders)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [
            "fillups.csv",
            "vehicles.csv",
            "reminders.csv",
            "account.json",
            "README.txt",
        ]
        assert archive.read("reminders.csv").decode() == reminders
    assert "reminders.csv" in ARCHIVE_README_TEXT
    assert [v["name"] for v in parse_archive(data).vehicles] == ["Golf"]
