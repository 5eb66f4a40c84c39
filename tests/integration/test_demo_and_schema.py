"""Demo seeding and the schema: migrations match the models, the demo story holds."""

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fueltracker import metrics
from fueltracker.db import Base
from fueltracker.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo
from fueltracker.services import expenses, history, users, vehicles


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_demo_account_story(db_session):
    today = dt.date(2026, 6, 1)
    assert seed_demo(db_session, today=today) is True
    assert seed_demo(db_session, today=today) is False  # idempotent
    user = users.authenticate(db_session, DEMO_USERNAME, DEMO_PASSWORD)
    assert user is not None
    assert [(v.name, v.kind) for v in vehicles.list_vehicles(db_session, user.id)] == [
        ("Golf", "car"),
        ("V-Strom", "motorbike"),
    ]
    derived = metrics.add_derived(history.load_entries_frame(db_session, user.id))
    assert len(derived) > 100
    assert (~derived["is_full"]).sum() == 3 and derived["missed_previous"].sum() == 1
    span_days = (derived["date"].max() - derived["date"].min()).days
    assert 700 <= span_days <= 735
    summary = metrics.summarize(derived)
    assert 4.0 < summary.avg_consumption_l_per_100km < 8.0


def test_demo_account_has_two_years_of_other_costs(db_session):
    today = dt.date(2026, 6, 1)
    assert seed_demo(db_session, today=today) is True
    user = users.authenticate(db_session, DEMO_USERNAME, DEMO_PASSWORD)
    assert user is not None
    names = {v.id: v.name for v in vehicles.list_vehicles(db_session, user.id)}
    logged = expenses.list_expenses(db_session, user.id)
    assert {e.category for e in logged} >= {
        "service",
        "tyres",
        "insurance",
        "tax",
        "parking",
        "tolls",
        "repair",
        "cleaning",
    }
    assert {names[e.vehicle_id] for e in logged} == {"Golf", "V-Strom"}
    assert max(e.date for e in logged) <= today
    assert (max(e.date for e in logged) - min(e.date for e in logged)).days >= 600
    covered = [e for e in logged if e.coverage_from is not None]
    assert covered and all(e.category in ("insurance", "tax") for e in covered)
    assert all(e.odometer_km is not None for e in logged if e.category == "service")
