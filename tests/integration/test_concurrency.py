"""Concurrent writes of one user against the real database: races made deterministic.

These tests need committed data and several real connections, so they do not use the
rolled-back `db_session`: each works in an account of its own (deleted afterwards) through
an engine working as the app role, like the app. A race is played out step by step: the
first transaction runs its service call and holds its locks without committing; the second
runs in a thread and must be seen waiting on a lock (pg_stat_activity, polled from a third
connection); then the first commits and the second's outcome is checked. No sleeps decide
who wins.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fueltracker.db import make_engine, scope_to_user, session_scope
from fueltracker.errors import (
    DuplicateError,
    ImportRejected,
    NotFoundError,
    ValidationError,
)
from fueltracker.importers import ParsedRow
from fueltracker.models import FuelEntry, User
from fueltracker.schemas import FillupCreate, FillupRead, UserRead, VehicleRead
from fueltracker.services import fillups, transfer, users, vehicles
from fueltracker.services.revision import bump_revision, data_revision
from tests.factories import PASSWORD, TODAY, fillup, make_user, make_vehicle

BLOCK_TIMEOUT_S = 10.0
DUPLICATE_MESSAGE = "A fill-up with this odometer reading on 2024-02-01 already exists"


# Plumbing ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_engine(database_url: str) -> Iterator[Engine]:
    """An engine working as the app's role (row-level security binds), with room for the
    stress test's threads."""
    engine = make_engine(database_url, pool_size=12, max_overflow=4)
    yield engine
    engine.dispose()


@pytest.fixture
def account(app_engine: Engine, engine: Engine, unique_name: str) -> Iterator[UserRead]:
    """A committed account of this test, deleted (with everything of it) afterwards."""
    with session_scope(app_engine) as session:
        user = make_user(session, unique_name)
    yield user
    with engine.begin() as connection:  # as the owner: no row-level security in the way
        connection.execute(delete(User).where(User.id == user.id))


@pytest.fixture
def car(app_engine: Engine, account: UserRead) -> VehicleRead:
    """A committed vehicle of the account."""
    with session_scope(app_engine) as session:
        return make_vehicle(session, account, "Golf")


@dataclass
class Outcome:
    """What the second transaction of a race returned or raised."""

    result: Any = None
    error: BaseException | None = None


def _waiting_on_lock(owner: Engine, pid: int) -> bool:
    with owner.connect() as connection:  # a new snapshot of pg_stat_activity each time
        return (
            connection.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            )
            is True
        )


def race(
    app_engine: Engine,
    owner: Engine,
    first: Callable[[Session], Any],
    second: Callable[[Session], Any],
    *,
    first_engine: Engine | None = None,
) -> tuple[Any, Outcome]:
    """Run `first` in a transaction left open, then `second` in a thread; assert `second`
    waits on a lock of `first`, commit `first`, let `second` finish (committing if it
    succeeds). Returns first's result and second's outcome."""
    outcome = Outcome()
    started: queue.Queue[int] = queue.Queue()

    def run_second() -> None:
        try:
            with session_scope(app_engine) as session:
                started.put(session.scalar(select(func.pg_backend_pid())))
                outcome.result = second(session)
        except BaseException as exc:  # noqa: BLE001 - handed to the test to check
            outcome.error = exc
            started.put(-1)

    holder = Session(first_engine or app_engine, expire_on_commit=False)
    thread = threading.Thread(target=run_second, daemon=True)
    try:
        with holder.begin():
            first_result = first(holder)
            thread.start()
            pid = started.get(timeout=BLOCK_TIMEOUT_S)
            deadline = time.monotonic() + BLOCK_TIMEOUT_S
            while not _waiting_on_lock(owner, pid):
                assert thread.is_alive() and time.monotonic() < deadline, (
                    f"the second transaction did not wait for the first: {outcome}"
                )
                time.sleep(0.01)
            assert thread.is_alive()  # still waiting: the first has not committed yet
        # committed here: the second goes on
    finally:
        holder.close()
        if thread.ident is not None:
            thread.join(BLOCK_TIMEOUT_S)
    assert not thread.is_alive(), "the second transaction never finished"
    return first_result, outcome


def _fillup(vehicle: VehicleRead, date: str, odometer_km: str | int) -> FillupCreate:
    return fillup(vehicle, date, str(odometer_km), "40", "70")


def _create(user: UserRead, data: FillupCreate) -> Callable[[Session], FillupRead]:
    return lambda session: fillups.create_fillup(session, user.id, data, today=TODAY)


def _update(user: UserRead, entry_id: int, data: FillupCreate) -> Callable[[Session], FillupRead]:
    return lambda session: fillups.update_fillup(session, user.id, entry_id, data, today=TODAY)


def _seed(
    app_engine: Engine, user: UserRead, vehicle: VehicleRead, *readings: tuple[str, int]
) -> list[FillupRead]:
    with session_scope(app_engine) as session:
        return [
            fillups.create_fillup(session, user.id, _fillup(vehicle, d, o), today=TODAY)
            for d, o in readings
        ]


def _history(
    app_engine: Engine, user: UserRead, vehicle: VehicleRead | None = None
) -> list[tuple[dt.date, Decimal]]:
    """The stored (date, odometer) of the user's fill-ups (of one vehicle), oldest first."""
    with session_scope(app_engine) as session:
        scope_to_user(session, user.id)
        query = (
            select(FuelEntry.date, FuelEntry.odometer_km)
            .where(FuelEntry.user_id == user.id)
            .order_by(FuelEntry.date, FuelEntry.odometer_km)
        )
        if vehicle is not None:
            query = query.where(FuelEntry.vehicle_id == vehicle.id)
        return [tuple(row) for row in session.execute(query)]


def _revision(app_engine: Engine, user: UserRead) -> int:
    with session_scope(app_engine) as session:
        return data_revision(session, user.id)


def _assert_consistent(history: list[tuple[dt.date, Decimal]]) -> None:
    """Every fill-up on a later date has a larger odometer than every one on an earlier
    date, and no (date, odometer) appears twice."""
    assert len(set(history)) == len(history), f"duplicate fill-ups: {history}"
    highest_before = None
    for date in sorted({d for d, _ in history}):
        readings = [o for d, o in history if d == date]
        if highest_before is not None:
            assert min(readings) > highest_before, f"odometer order broken on {date}: {history}"
        highest_before = max(readings)


# (1) the same fill-up saved twice at once -------------------------------------------------


def test_same_fillup_twice_at_once_stores_one_and_the_other_is_a_duplicate(
    app_engine, engine, account, car
):
    before = _revision(app_engine, account)
    data = _fillup(car, "2024-02-01", 1500)
    saved, second = race(app_engine, engine, _create(account, data), _create(account, data))
    assert isinstance(second.error, DuplicateError), second
    assert second.error.field == "odometer_km"
    assert second.error.reason == DUPLICATE_MESSAGE
    assert _history(app_engine, account) == [(dt.date(2024, 2, 1), Decimal(1500))]
    assert saved.id is not None
    assert _revision(app_engine, account) == before + 1  # the loser bumped nothing


def test_duplicate_caught_by_the_unique_constraint_reads_the_same(app_engine, engine, account, car):
    # A writer that takes none of the service's locks (here: the owner inserting directly,
    # its foreign-key checks off so it does not even share-lock the vehicle) is caught only
    # by the unique constraint: the pre-check cannot see its uncommitted row, the insert
    # waits on it. The user must read the same message as from the pre-check.
    data = _fillup(car, "2024-02-01", 1500)

    def raw_insert(session: Session) -> None:
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(insert(FuelEntry).values(user_id=account.id, **data.model_dump()))

    _, second = race(app_engine, engine, raw_insert, _create(account, data), first_engine=engine)
    assert isinstance(second.error, DuplicateError), second
    assert (second.error.field, second.error.reason) == ("odometer_km", DUPLICATE_MESSAGE)
    assert len(_history(app_engine, account)) == 1


# (2) neighbouring edits that are each valid but not together ------------------------------


def test_neighbouring_edits_that_break_the_order_together_refuse_the_second(
    app_engine, engine, account, car
):
    _, middle, last = _seed(
        app_engine, account, car, ("2024-01-01", 1000), ("2024-02-01", 1500), ("2024-03-01", 2000)
    )
    before = _revision(app_engine, account)
    _, second = race(
        app_engine,
        engine,
        _update(account, middle.id, _fillup(car, "2024-02-01", 1900)),
        _update(account, last.id, _fillup(car, "2024-03-01", 1600)),
    )
    assert type(second.error) is ValidationError, second
    assert second.error.field == "odometer_km"
    assert second.error.reason == (
        "Odometer 1,600 km must be greater than 1,900 km recorded on 2024-02-01"
    )
    history = _history(app_engine, account)
    assert history == [
        (dt.date(2024, 1, 1), Decimal(1000)),
        (dt.date(2024, 2, 1), Decimal(1900)),
        (dt.date(2024, 3, 1), Decimal(2000)),
    ]
    _assert_consistent(history)
    assert _revision(app_engine, account) == before + 1


def test_two_edits_of_one_fillup_the_second_is_checked_against_the_first(
    app_engine, engine, account, car
):
    # The second edit must not combine its date with the first edit's odometer: it reads
    # the fill-up and its neighbours only once it holds the locks.
    _, middle, _, _ = _seed(
        app_engine,
        account,
        car,
        ("2024-01-01", 1000),
        ("2024-02-01", 1500),
        ("2024-03-01", 2000),
        ("2024-04-01", 2500),
    )
    _, second = race(
        app_engine,
        engine,
        _update(account, middle.id, _fillup(car, "2024-03-15", 2200)),
        _update(account, middle.id, _fillup(car, "2024-02-10", 1500)),
    )
    assert second.error is None, second
    history = _history(app_engine, account)
    assert (dt.date(2024, 2, 10), Decimal(1500)) in history
    _assert_consistent(history)


def test_delete_racing_an_edit_of_the_same_fillup(app_engine, engine, account, car):
    [entry] = _seed(app_engine, account, car, ("2024-02-01", 1500))
    _, second = race(
        app_engine,
        engine,
        lambda s: fillups.delete_fillup(s, account.id, entry.id),
        _update(account, entry.id, _fillup(car, "2024-02-01", 1600)),
    )
    assert isinstance(second.error, NotFoundError), second
    assert _history(app_engine, account) == []


def test_undo_racing_a_save_that_took_its_place_is_refused(app_engine, engine, account, car):
    _, middle, _ = _seed(
        app_engine, account, car, ("2024-01-01", 1000), ("2024-02-01", 1500), ("2024-03-01", 2000)
    )
    with session_scope(app_engine) as session:
        gone = fillups.delete_fillup(session, account.id, middle.id)
    undo = FillupCreate(**gone.model_dump(exclude={"id"}))  # what the history's Undo saves
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(car, "2024-02-15", 1400)),
        _create(account, undo),
    )
    assert type(second.error) is ValidationError, second
    assert second.error.field == "odometer_km"
    assert "must be less than 1,400 km recorded on 2024-02-15" in second.error.reason
    _assert_consistent(_history(app_engine, account))


# data revision: no lost update -------------------------------------------------------------


def test_two_concurrent_revision_bumps_both_count(app_engine, engine, account):
    before = _revision(app_engine, account)
    _, second = race(
        app_engine,
        engine,
        lambda s: bump_revision(s, account.id),
        lambda s: bump_revision(s, account.id),
    )
    assert second.error is None, second
    assert _revision(app_engine, account) == before + 2


def test_two_concurrent_saves_bump_the_revision_twice(app_engine, engine, account, car):
    before = _revision(app_engine, account)
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(car, "2024-02-01", 1500)),
        _create(account, _fillup(car, "2024-03-01", 2000)),
    )
    assert second.error is None, second
    assert _revision(app_engine, account) == before + 2


# (4) an import racing a manual entry --------------------------------------------------------


def _row(number: int, date: str, odometer_km: int, vehicle: str = "Golf") -> ParsedRow:
    return ParsedRow(
        row_number=number,
        vehicle=vehicle,
        date=dt.date.fromisoformat(date),
        odometer_km=Decimal(odometer_km),
        volume_l=Decimal(40),
        total_amount=Decimal(70),
    )


def _import(user: UserRead, rows: list[ParsedRow]) -> Callable[[Session], Any]:
    return lambda session: transfer.import_rows(session, user.id, rows, today=TODAY)


def test_manual_entry_waiting_for_an_import_of_the_same_fillup_is_a_duplicate(
    app_engine, engine, account, car
):
    result, second = race(
        app_engine,
        engine,
        _import(account, [_row(1, "2024-01-01", 1000), _row(2, "2024-02-01", 1500)]),
        _create(account, _fillup(car, "2024-02-01", 1500)),
    )
    assert result.imported == 2
    assert isinstance(second.error, DuplicateError), second
    assert second.error.reason == DUPLICATE_MESSAGE
    assert len(_history(app_engine, account)) == 2


def test_import_waiting_for_a_manual_entry_is_checked_against_it(app_engine, engine, account, car):
    _seed(app_engine, account, car, ("2024-01-01", 1000), ("2024-05-01", 5000))
    # Alone, 1400 km on 2024-02-15 fits; after the manual 1500 km of 2024-02-01 it cannot.
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(car, "2024-02-01", 1500)),
        _import(account, [_row(1, "2024-02-15", 1400), _row(2, "2024-03-01", 3000)]),
    )
    assert isinstance(second.error, ImportRejected), second
    [error] = second.error.errors
    assert (error.row_number, error.column) == (1, "odometer_km")
    assert "must be greater than 1,500 km recorded on 2024-02-01" in error.reason
    history = _history(app_engine, account)
    assert len(history) == 3  # the import wrote nothing
    _assert_consistent(history)


def test_the_same_file_imported_twice_at_once_is_stored_once(app_engine, engine, account):
    rows = [_row(1, "2024-01-01", 1000), _row(2, "2024-02-01", 1500)]
    first, second = race(app_engine, engine, _import(account, rows), _import(account, rows))
    assert (first.imported, first.vehicles_created) == (2, ["Golf"])
    assert second.error is None, second
    assert (second.result.imported, second.result.duplicates) == (0, 2)
    assert second.result.vehicles_created == []
    assert len(_history(app_engine, account)) == 2


# (5) moving a fill-up to another vehicle ----------------------------------------------------


def test_move_to_another_vehicle_racing_a_save_on_it(app_engine, engine, account, car):
    with session_scope(app_engine) as session:
        van = make_vehicle(session, account, "Van")
    [moved] = _seed(app_engine, account, car, ("2024-02-01", 8000))
    _seed(app_engine, account, van, ("2024-01-01", 1000), ("2024-03-01", 3000))
    # Alone, each fits between the van's 1,000 and 3,000 km; together they cross.
    _, second = race(
        app_engine,
        engine,
        _update(account, moved.id, _fillup(van, "2024-02-01", 2000)),
        _create(account, _fillup(van, "2024-02-02", 1900)),
    )
    assert type(second.error) is ValidationError, second
    assert "must be greater than 2,000 km recorded on 2024-02-01" in second.error.reason
    _assert_consistent(_history(app_engine, account, van))
    assert _history(app_engine, account, car) == []


def test_save_on_a_vehicle_racing_a_move_onto_it(app_engine, engine, account, car):
    with session_scope(app_engine) as session:
        van = make_vehicle(session, account, "Van")
    [moved] = _seed(app_engine, account, car, ("2024-02-01", 8000))
    _seed(app_engine, account, van, ("2024-01-01", 1000), ("2024-03-01", 3000))
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(van, "2024-02-02", 1900)),
        _update(account, moved.id, _fillup(van, "2024-02-01", 2000)),
    )
    assert type(second.error) is ValidationError, second
    assert "must be less than 1,900 km recorded on 2024-02-02" in second.error.reason
    assert _history(app_engine, account, car) == [(dt.date(2024, 2, 1), Decimal(8000))]
    _assert_consistent(_history(app_engine, account, van))


def test_moves_in_opposite_directions_do_not_deadlock(app_engine, engine, account, car):
    with session_scope(app_engine) as session:
        van = make_vehicle(session, account, "Van")
    [from_car] = _seed(app_engine, account, car, ("2024-02-01", 1000))
    [from_van] = _seed(app_engine, account, van, ("2024-02-01", 5000))
    _, second = race(
        app_engine,
        engine,
        _update(account, from_car.id, _fillup(van, "2024-03-01", 6000)),
        _update(account, from_van.id, _fillup(car, "2024-03-01", 2000)),
    )
    assert second.error is None, second
    assert _history(app_engine, account, car) == [(dt.date(2024, 3, 1), Decimal(2000))]
    assert _history(app_engine, account, van) == [(dt.date(2024, 3, 1), Decimal(6000))]


# vehicle archive / delete against a fill-up being saved -----------------------------------


def test_save_waiting_for_a_vehicle_delete_finds_it_gone(app_engine, engine, account, car):
    _, second = race(
        app_engine,
        engine,
        lambda s: vehicles.delete_vehicle(s, account.id, car.id, "Golf"),
        _create(account, _fillup(car, "2024-02-01", 1500)),
    )
    assert isinstance(second.error, NotFoundError), second
    assert second.error.what == "Vehicle"
    assert _history(app_engine, account) == []


def test_vehicle_delete_waiting_for_a_save_deletes_it_too(app_engine, engine, account, car):
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(car, "2024-02-01", 1500)),
        lambda s: vehicles.delete_vehicle(s, account.id, car.id, "Golf"),
    )
    assert second.error is None, second
    assert second.result == 1  # the fill-up committed first was deleted with its vehicle
    assert _history(app_engine, account) == []


def test_archive_racing_a_save_keeps_both(app_engine, engine, account, car):
    before = _revision(app_engine, account)
    _, second = race(
        app_engine,
        engine,
        lambda s: vehicles.set_vehicle_active(s, account.id, car.id, False),
        _create(account, _fillup(car, "2024-02-01", 1500)),
    )
    assert second.error is None, second
    with session_scope(app_engine) as session:
        assert vehicles.get_vehicle(session, account.id, car.id).is_active is False
    assert len(_history(app_engine, account)) == 1
    assert _revision(app_engine, account) == before + 2


def test_save_waiting_for_the_account_deletion_finds_the_account_gone(
    app_engine, engine, account, car
):
    # Account deletion locks the user's row first (its DELETE), then cascades to vehicles
    # and fill-ups: the order every save follows too, so the save just waits, then stops.
    _, second = race(
        app_engine,
        engine,
        lambda s: users.delete_account(s, account.id, PASSWORD, account.username),
        _create(account, _fillup(car, "2024-02-01", 1500)),
    )
    assert isinstance(second.error, NotFoundError), second
    assert second.error.what == "User"


def test_account_deletion_waiting_for_a_save_deletes_it_too(app_engine, engine, account, car):
    _, second = race(
        app_engine,
        engine,
        _create(account, _fillup(car, "2024-02-01", 1500)),
        lambda s: users.delete_account(s, account.id, PASSWORD, account.username),
    )
    assert second.error is None, second
    with engine.connect() as connection:  # as the owner: sees every user's rows
        left = connection.scalar(
            select(func.count()).select_from(FuelEntry).where(FuelEntry.user_id == account.id)
        )
    assert left == 0


# (3) many writers at once -------------------------------------------------------------------


@dataclass
class _Tally:
    """What the stress test's writers saw succeed, shared between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    writes: int = 0
    created: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    refused: dict[str, int] = field(default_factory=dict)
    unexpected: list[BaseException] = field(default_factory=list)


STRESS_THREADS = 8
STRESS_WRITES_PER_THREAD = 25  # about 3 s in all: the user's writes run one at a time
STRESS_START = dt.date(2024, 1, 1)


def _writer(
    app_engine: Engine,
    user: UserRead,
    vehicle: VehicleRead,
    seed: int,
    tally: _Tally,
    start: threading.Barrier,
) -> None:
    rnd = random.Random(seed)

    def reading() -> FillupCreate:
        # Close to 100 km a day, sometimes off by more than a day's driving (an order
        # conflict) and often exactly another writer's reading (a duplicate).
        day = rnd.randrange(40)
        odometer = 10_000 + 100 * day + rnd.choice((0, 0, 0, 30, -30, 150, -150))
        return _fillup(vehicle, (STRESS_START + dt.timedelta(days=day)).isoformat(), odometer)

    start.wait()
    for _ in range(STRESS_WRITES_PER_THREAD):
        with tally.lock:
            known = sorted(tally.created - tally.deleted)
        action = rnd.choices(("create", "update", "delete"), (5, 3, 2))[0]
        if action != "create" and not known:
            action = "create"
        try:
            with session_scope(app_engine) as session:
                if action == "create":
                    done = fillups.create_fillup(session, user.id, reading(), today=TODAY)
                elif action == "update":
                    done = fillups.update_fillup(
                        session, user.id, rnd.choice(known), reading(), today=TODAY
                    )
                else:
                    done = fillups.delete_fillup(session, user.id, rnd.choice(known))
            with tally.lock:  # committed
                tally.writes += 1
                if action == "create":
                    tally.created.add(done.id)
                elif action == "delete":
                    tally.deleted.add(done.id)
        except (DuplicateError, ValidationError, NotFoundError) as exc:
            with tally.lock:
                kind = type(exc).__name__
                tally.refused[kind] = tally.refused.get(kind, 0) + 1
        except BaseException as exc:  # noqa: BLE001 - a deadlock or anything else fails
            with tally.lock:
                tally.unexpected.append(exc)


def test_many_writers_on_one_vehicle_leave_a_consistent_history(app_engine, account, car):
    before = _revision(app_engine, account)
    tally = _Tally()
    start = threading.Barrier(STRESS_THREADS)
    threads = [
        threading.Thread(
            target=_writer, daemon=True, args=(app_engine, account, car, seed, tally, start)
        )
        for seed in range(STRESS_THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)

    assert tally.unexpected == []  # no deadlock, no serialization failure, nothing else
    attempts = tally.writes + sum(tally.refused.values())
    assert attempts == STRESS_THREADS * STRESS_WRITES_PER_THREAD
    assert tally.writes > attempts // 2, tally  # mostly writes, not only refusals
    assert tally.refused.get("DuplicateError", 0) > 0, tally.refused  # races did happen
    with session_scope(app_engine) as session:
        scope_to_user(session, account.id)
        stored_ids = list(
            session.scalars(select(FuelEntry.id).where(FuelEntry.user_id == account.id))
        )
    assert len(stored_ids) == len(set(stored_ids))
    assert set(stored_ids) == tally.created - tally.deleted  # each success stored once
    _assert_consistent(_history(app_engine, account))
    assert _revision(app_engine, account) == before + tally.writes
