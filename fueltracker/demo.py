"""The demo account of the embedded default: two vehicles, two years of synthetic fill-ups
and of other running costs (services, insurance, tax, tyres, parking...).

The history is generated, not random at each start: a fixed seed gives the same story every
time (seasonal consumption, drifting prices, three partial fill-ups, one missed fill-up).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from fueltracker.clock import local_today
from fueltracker.errors import NotFoundError
from fueltracker.importers import ParsedRow
from fueltracker.schemas import (
    ExpenseCategory,
    ExpenseCreate,
    PreferencesUpdate,
    ReminderCreate,
    UserCreate,
    VehicleCreate,
    VehicleKind,
)
from fueltracker.services import expenses, reminders, transfer, users, vehicles

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-fueltracker"
DEMO_DISPLAY_NAME = "Demo driver (sample data)"

_VEHICLES: tuple[
    tuple[str, str, str, int, str, str, int, float, tuple[int, ...], VehicleKind], ...
] = (
    # name, make, model, year, fuel, tank L, km between fills, L/100km, partial fill rows, kind
    ("Golf", "Volkswagen", "Golf 1.5 TSI", 2019, "Petrol", "50", 620, 6.4, (9, 23), "car"),
    ("V-Strom", "Suzuki", "DL650 V-Strom", 2016, "Petrol", "20", 290, 4.6, (31,), "motorbike"),
)
_MISSED_ROW = ("Golf", 37)
# The regular station appears twice: people have a favourite.
_STATIONS = ("Aral Hauptstraße", "Shell Ring", "Esso Nord", "Aral Hauptstraße")


def demo_rows(today: dt.date, years: float = 2.0) -> list[ParsedRow]:
    """The demo fill-ups, ending shortly before `today` (pure and deterministic)."""
    rng = random.Random(2024)
    rows: list[ParsedRow] = []
    start = today - dt.timedelta(days=round(365 * years))
    for name, _, _, _, _, tank, gap_km, base_l_per_100km, partials, _ in _VEHICLES:
        date = start + dt.timedelta(days=rng.randint(0, 6))
        odometer_km = Decimal(rng.randint(18_000, 42_000))
        number = 0
        while date <= today:
            number += 1
            partial = number in partials
            missed = (name, number) == _MISSED_ROW
            distance_km = gap_km * rng.uniform(0.7, 1.15) * (0.5 if partial else 1.0)
            # Winter costs more fuel: +8 % in January, -4 % in July.
            season = 1 + 0.06 * math.cos(2 * math.pi * (date.timetuple().tm_yday - 15) / 365)
            litres = distance_km * base_l_per_100km * season * rng.uniform(0.94, 1.06) / 100
            if missed:
                distance_km *= 2  # the fill-up before this one was never logged
            odometer_km += Decimal(round(distance_km))
            litres = min(litres, float(tank) * 0.98)
            days = (date - start).days
            price_per_l = 1.72 + 0.12 * math.sin(days / 95) + rng.uniform(-0.04, 0.04)
            volume_l = Decimal(f"{litres:.2f}")
            station = rng.choice(_STATIONS)
            rows.append(
                ParsedRow(
                    row_number=len(rows) + 1,
                    vehicle=name,
                    date=date,
                    odometer_km=odometer_km,
                    volume_l=volume_l,
                    total_amount=(volume_l * Decimal(f"{price_per_l:.3f}")).quantize(
                        Decimal("0.01")
                    ),
                    is_full=not partial,
                    missed_previous=missed,
                    station=station,
                    brand=station.split(" ")[0],
                    grade="Super E10" if name == "Golf" else "Super 95",
                    notes="Topped up before the motorway" if partial else None,
                )
            )
            date += dt.timedelta(days=max(3, round(distance_km / (48 if name == "Golf" else 25))))
    return rows


def seed_demo(session: Session, today: dt.date | None = None) -> bool:
    """Create the demo account with its history; False (and no change) if it exists."""
    try:
        users.find_user_id(session, DEMO_USERNAME)
        return False
    except NotFoundError:
        pass
    user = users.register_user(
        session,
        UserCreate(username=DEMO_USERNAME, display_name=DEMO_DISPLAY_NAME, password=DEMO_PASSWORD),
    )
    users.set_preferences(
        session,
        user.id,
        PreferencesUpdate(
            currency="EUR",
            distance_unit="km",
            volume_unit="L",
            consumption_unit="L/100km",
            timezone="Europe/Berlin",
        ),
    )
    ids: dict[str, int] = {}
    for name, make, model, year, fuel_type, tank, *_, kind in _VEHICLES:
        ids[name] = vehicles.create_vehicle(
            session,
            user.id,
            VehicleCreate(
                name=name,
                make=make,
                model=model,
                year=year,
                fuel_type=fuel_type,
                tank_capacity_l=Decimal(tank),
                kind=kind,
            ),
        ).id
    today = today or local_today("UTC")
    rows = demo_rows(today - dt.timedelta(days=2))
    transfer.import_rows(session, user.id, rows, today=today)
    for item in demo_expenses(today - dt.timedelta(days=2)):
        expenses.create_expense(
            session,
            user.id,
            ExpenseCreate(
                vehicle_id=ids[item.vehicle],
                date=item.date,
                category=item.category,
                amount=item.amount,
                description=item.description,
                vendor=item.vendor,
                odometer_km=item.odometer_km,
                coverage_from=item.coverage_from,
                coverage_to=item.coverage_to,
            ),
            today=today,
        )
    _seed_reminders(session, user.id, rows, today)
    return True


@dataclass(frozen=True)
class DemoExpense:
    """One of the demo's running costs, by vehicle name (ids exist only once seeded)."""

    vehicle: str
    date: dt.date
    category: ExpenseCategory
    amount: Decimal
    description: str
    vendor: str | None = None
    odometer_km: Decimal | None = None
    coverage_from: dt.date | None = None
    coverage_to: dt.date | None = None


def _odometer_on(rows: list[ParsedRow], vehicle: str, day: dt.date) -> Decimal | None:
    """The vehicle's last demo reading on or before `day` (what the garage would note)."""
    readings = [r.odometer_km for r in rows if r.vehicle == vehicle and r.date <= day]
    return readings[-1] if readings else None


def demo_expenses(today: dt.date, years: float = 2.0) -> list[DemoExpense]:
    """Two years of the demo's other costs, none after `today` (pure and deterministic):
    yearly services with their odometer, insurance and tax paid for a year ahead (coverage
    periods), tyres, a repair, parking, tolls, washes, a fine and an accessory."""
    rng = random.Random(2025)
    rows = demo_rows(today, years)
    start = today - dt.timedelta(days=round(365 * years))
    found: list[DemoExpense] = []

    def add(
        vehicle: str,
        day: dt.date,
        category: ExpenseCategory,
        amount: str,
        description: str,
        vendor: str | None = None,
        *,
        odometer: bool = False,
        covers_days: int | None = None,
    ) -> None:
        if not start <= day <= today:
            return
        cover_to = (day + dt.timedelta(days=covers_days - 1)) if covers_days else None
        found.append(
            DemoExpense(
                vehicle,
                day,
                category,
                Decimal(amount),
                description,
                vendor,
                _odometer_on(rows, vehicle, day) if odometer else None,
                day if covers_days else None,
                cover_to,
            )
        )

    for year in range(start.year, today.year + 1):
        add(
            "Golf",
            dt.date(year, 1, 2),
            "insurance",
            f"{540 + 25 * (year - start.year)}.00",
            f"Car insurance {year}",
            "HUK-Coburg",
            covers_days=365,
        )
        add(
            "Golf",
            dt.date(year, 3, 14),
            "tax",
            "98.00",
            f"Vehicle tax {year}/{year + 1}",
            "Hauptzollamt",
            covers_days=365,
        )
        add(
            "Golf",
            dt.date(year, 5, 20),
            "service",
            f"{310 + 18 * (year - start.year)}.40",
            "Yearly service: oil, filters, inspection",
            "Autohaus Becker",
            odometer=True,
        )
        add(
            "Golf",
            dt.date(year, 4, 8),
            "tyres",
            "45.00",
            "Summer tyres on",
            "Reifen Müller",
            odometer=True,
        )
        add(
            "Golf",
            dt.date(year, 10, 21),
            "tyres",
            "45.00",
            "Winter tyres on",
            "Reifen Müller",
            odometer=True,
        )
        add(
            "V-Strom",
            dt.date(year, 3, 1),
            "insurance",
            "184.00",
            f"Bike insurance {year}",
            "HUK-Coburg",
            covers_days=365,
        )
        add(
            "V-Strom",
            dt.date(year, 3, 1),
            "tax",
            "46.00",
            f"Vehicle tax {year}/{year + 1}",
            "Hauptzollamt",
            covers_days=365,
        )
        add(
            "V-Strom",
            dt.date(year, 4, 12),
            "service",
            "226.90",
            "Spring service and chain kit",
            "Moto Schmid",
            odometer=True,
        )
        add("V-Strom", dt.date(year, 7, 18), "tolls", "11.50", "Austria 10-day vignette", "ASFINAG")
    add(
        "Golf",
        start + dt.timedelta(days=200),
        "tyres",
        "480.00",
        "Four new winter tyres",
        "Reifen Müller",
        odometer=True,
    )
    add(
        "Golf",
        start + dt.timedelta(days=430),
        "repair",
        "264.80",
        "Front brake pads and discs",
        "Autohaus Becker",
        odometer=True,
    )
    add("Golf", start + dt.timedelta(days=510), "fines", "30.00", "Speeding, 12 km/h over")
    add("V-Strom", start + dt.timedelta(days=300), "accessories", "319.00", "Top case", "Louis")
    add(
        "V-Strom",
        start + dt.timedelta(days=620),
        "tyres",
        "298.00",
        "New tyres front and rear",
        "Moto Schmid",
        odometer=True,
    )
    day = start + dt.timedelta(days=3)
    while day <= today:
        add(
            "Golf",
            day,
            "parking",
            f"{rng.choice((2, 3, 4, 6, 9))}.{rng.choice(('00', '50'))}",
            rng.choice(("City centre car park", "Station car park", "Street parking")),
        )
        if rng.random() < 0.35:
            add(
                "Golf",
                day + dt.timedelta(days=2),
                "cleaning",
                "12.00",
                "Car wash",
                "Waschpark Nord",
            )
        day += dt.timedelta(days=rng.randint(12, 30))
    return sorted(found, key=lambda e: (e.date, e.vehicle, e.category))


# The demo car's oil change is this many km from due, give or take a hundred: due soon
# (within the default 1,000 km) on whichever day the demo is seeded.
_OIL_KM_LEFT = 600


def _seed_reminders(session: Session, user_id: int, rows: list[ParsedRow], today: dt.date) -> None:
    """Two reminders on the demo car: an oil change due soon by distance (counted from its
    latest generated reading, so it holds whenever the demo is seeded) and an inspection
    that is fine."""
    name = _VEHICLES[0][0]
    car = next(v for v in vehicles.list_vehicles(session, user_id) if v.name == name)
    latest_km = max(row.odometer_km for row in rows if row.vehicle == name)
    interval_km = Decimal(15000)
    done_at_km = ((latest_km - interval_km + _OIL_KM_LEFT) // 100) * 100
    reminders.create_reminder(
        session,
        user_id,
        ReminderCreate(
            vehicle_id=car.id,
            title="Oil change",
            interval_km=interval_km,
            interval_months=12,
            last_done_on=today - dt.timedelta(days=200),
            last_done_odometer_km=done_at_km,
        ),
        today=today,
    )
    reminders.create_reminder(
        session,
        user_id,
        ReminderCreate(
            vehicle_id=car.id,
            title="Inspection (TÜV)",
            interval_months=24,
            last_done_on=today - dt.timedelta(days=100),
        ),
        today=today,
    )
