"""Fill-up use cases against the real database: validation exactly as domain.md."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fueltracker.db import scope_to_user
from fueltracker.errors import DuplicateError, NotFoundError, ValidationError
from fueltracker.schemas import FillupCreate, FillupUpdate, parse
from fueltracker.services import fillups, history
from fueltracker.services.revision import data_revision
from tests.factories import TODAY, add, fillup, make_user, make_vehicle


@pytest.fixture
def owner(db_session):
    return make_user(db_session, "owner")


@pytest.fixture
def golf(db_session, owner):
    return make_vehicle(db_session, owner, "Golf")


def test_create_and_read_back_exact_decimals(db_session, owner, golf):
    saved = add(db_session, owner, fillup(golf, "2024-01-01", "12345.6", "46.730908473", "80.5"))
    again = fillups.get_fillup(db_session, owner.id, saved.id)
    assert again.volume_l == Decimal("46.730908473")
    assert again.odometer_km == Decimal("12345.6")


def test_odometer_checked_against_both_neighbours(db_session, owner, golf):
    add(db_session, owner, fillup(golf, "2024-03-01", "12400", "40", "70"))
    add(db_session, owner, fillup(golf, "2024-05-01", "13000", "40", "70"))
    with pytest.raises(ValidationError) as caught:
        add(db_session, owner, fillup(golf, "2024-04-01", "12345", "40", "70"))
    assert caught.value.field == "odometer_km"
    assert caught.value.reason == (
        "Odometer 12,345 km must be greater than 12,400 km recorded on 2024-03-01"
    )
    with pytest.raises(ValidationError) as caught:
        add(db_session, owner, fillup(golf, "2024-04-01", "13100", "40", "70"))
    assert caught.value.reason == (
        "Odometer 13,100 km must be less than 13,000 km recorded on 2024-05-01"
    )
    add(db_session, owner, fillup(golf, "2024-04-01", "12700", "40", "70"))  # fits in between


def test_odometer_message_in_users_units(db_session):
    user = make_user(db_session, "yank", distance_unit="mi")
    car = make_vehicle(db_session, user, "Truck")
    add(db_session, user, fillup(car, "2024-03-01", "16093.44", "40", "70"))
    with pytest.raises(ValidationError) as caught:
        add(db_session, user, fillup(car, "2024-04-01", "1609.344", "40", "70"))
    assert caught.value.reason == (
        "Odometer 1,000 mi must be greater than 10,000 mi recorded on 2024-03-01"
    )


def test_same_day_fillups_and_duplicate(db_session, owner, golf):
    add(db_session, owner, fillup(golf, "2024-03-01", "12400", "40", "70"))
    add(db_session, owner, fillup(golf, "2024-03-01", "12900", "30", "50"))
    with pytest.raises(DuplicateError) as caught:
        add(db_session, owner, fillup(golf, "2024-03-01", "12400", "10", "20"))
    assert "already exists" in caught.value.reason


def test_future_date_in_users_timezone(db_session, owner, golf):
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        add(db_session, owner, fillup(golf, tomorrow.isoformat(), "1", "1", "1"))
    assert caught.value.field == "date"


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("volume_l", "0", "greater than 0"),
        ("volume_l", "2000.5", "less than or equal to 2000"),
        ("total_amount", "-1", "greater than or equal to 0"),
        ("total_amount", "100000.01", "less than or equal to 100000"),
        ("odometer_km", "-5", "greater than or equal to 0"),
        ("notes", "x" * 501, "at most 500"),
        ("station", "s" * 101, "at most 100"),
        ("brand", "b" * 51, "at most 50"),
        ("grade", "g" * 21, "at most 20"),
    ],
)
def test_bounds_name_the_field(field, value, reason):
    values = dict(
        vehicle_id=1, date=dt.date(2024, 1, 1), odometer_km="1", volume_l="1", total_amount="1"
    ) | {field: value}
    with pytest.raises(ValidationError) as caught:
        parse(FillupCreate, **values)
    assert caught.value.field == field and reason in caught.value.reason


def test_date_before_1900_rejected():
    with pytest.raises(ValidationError) as caught:
        parse(
            FillupCreate,
            vehicle_id=1,
            date=dt.date(1899, 12, 31),
            odometer_km="1",
            volume_l="1",
            total_amount="1",
        )
    assert caught.value.field == "date"


def test_update_checks_neighbours_and_moves(db_session, owner, golf):
    first = add(db_session, owner, fillup(golf, "2024-01-01", "1000", "40", "70"))
    add(db_session, owner, fillup(golf, "2024-02-01", "2000", "40", "70"))
    changed = fillup(golf, "2024-01-01", "1500", "41", "71").model_dump()
    updated = fillups.update_fillup(
        db_session, owner.id, first.id, FillupUpdate(**changed), today=TODAY
    )
    assert updated.odometer_km == Decimal("1500")
    bad = fillup(golf, "2024-01-01", "2500", "41", "71").model_dump()
    with pytest.raises(ValidationError):
        fillups.update_fillup(db_session, owner.id, first.id, FillupUpdate(**bad), today=TODAY)


def test_other_users_rows_behave_as_missing(db_session, owner, golf):
    intruder = make_user(db_session, "intruder")
    theirs = make_vehicle(db_session, intruder, "Van")
    mine = add(db_session, owner, fillup(golf, "2024-01-01", "1000", "40", "70"))
    with pytest.raises(NotFoundError) as caught:
        add(db_session, intruder, fillup(golf, "2024-01-02", "2000", "40", "70"))
    assert str(caught.value) == "Vehicle not found"
    for action in (
        lambda: fillups.get_fillup(db_session, intruder.id, mine.id),
        lambda: fillups.delete_fillup(db_session, intruder.id, mine.id),
        lambda: fillups.update_fillup(
            db_session,
            intruder.id,
            mine.id,
            FillupUpdate(**fillup(theirs, "2024-01-01", "5", "5", "5").model_dump()),
            today=TODAY,
        ),
    ):
        with pytest.raises(NotFoundError) as caught:
            action()
        assert str(caught.value) == "Fill-up not found"
    assert history.list_fillups(db_session, intruder.id).rows == []
    assert history.load_entries_frame(db_session, intruder.id).empty


def test_composite_key_stops_pointing_at_another_users_vehicle(db_session, owner, golf):
    intruder = make_user(db_session, "intruder")
    scope_to_user(db_session, intruder.id)  # past row-level security: the key must hold alone
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(
                text(
                    "INSERT INTO fuel_entries (user_id, vehicle_id, date, odometer_km, volume_l,"
                    " total_amount) VALUES (:u, :v, '2024-01-01', 1, 1, 1)"
                ),
                {"u": intruder.id, "v": golf.id},
            )


def test_keyset_pages_cover_everything_once(db_session, owner, golf):
    for day in range(1, 61):
        add(
            db_session,
            owner,
            fillup(
                golf,
                (dt.date(2024, 1, 1) + dt.timedelta(days=day)).isoformat(),
                str(1000 + day * 100),
                "30",
                "50",
            ),
        )
    seen, cursor, pages = [], None, 0
    while True:
        page = history.list_fillups(db_session, owner.id, after=cursor)
        seen += [row.id for row in page.rows]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and len(seen) == len(set(seen)) == 60
    dates = [fillups.get_fillup(db_session, owner.id, i).date for i in seen]
    assert dates == sorted(dates, reverse=True)


def test_delete_returns_row_and_bumps_revision(db_session, owner, golf):
    entry = add(db_session, owner, fillup(golf, "2024-01-01", "1000", "40", "70"))
    before = data_revision(db_session, owner.id)
    assert fillups.delete_fillup(db_session, owner.id, entry.id).id == entry.id
    assert data_revision(db_session, owner.id) == before + 1


def test_entries_frame_feeds_the_metrics(db_session, owner, golf):
    from fueltracker import metrics

    add(db_session, owner, fillup(golf, "2024-01-01", "10000", "40", "72"))
    add(db_session, owner, fillup(golf, "2024-02-01", "10800", "42", "77.7"))
    derived = metrics.add_derived(history.load_entries_frame(db_session, owner.id))
    assert derived["consumption_l_per_100km"].iloc[1] == pytest.approx(5.25)
    assert list(derived["vehicle_name"]) == ["Golf", "Golf"]


def test_entries_frame_holds_the_stored_values_as_floats(db_session, owner, golf):
    """The analysis load reads the rows through the session's own cursor (no ORM rows): the
    numbers are the stored numerics to the nearest double (as float(Decimal)), the dates
    the stored days, absent text absent."""
    from fueltracker import metrics

    first = add(
        db_session,
        owner,
        fillup(
            golf,
            "2024-01-01",
            "12345.678901",
            "40.123456789",
            "72.3456",
            station="Aral",
            notes="=1+1",
        ),
    )
    second = add(
        db_session,
        owner,
        fillup(
            golf, "2024-02-29", "13001.5", "0.001", "0.0001", is_full=False, missed_previous=True
        ),
    )
    frame = history.load_entries_frame(db_session, owner.id).sort_values("entry_id")
    assert list(frame.columns) == list(metrics.ENTRY_COLUMNS)
    assert frame["entry_id"].tolist() == [first.id, second.id]
    for column in ("odometer_km", "volume_l", "total_amount"):
        assert frame[column].dtype == "float64"
        assert frame[column].tolist() == [
            float(getattr(first, column)),
            float(getattr(second, column)),
        ]
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29")]
    assert frame["is_full"].tolist() == [True, False]
    assert frame["missed_previous"].tolist() == [False, True]
    assert frame["station"].tolist()[0] == "Aral" and pd.isna(frame["station"].tolist()[1])
    assert frame["notes"].tolist()[0] == "=1+1" and pd.isna(frame["brand"]).all()
    assert frame["vehicle_name"].tolist() == ["Golf", "Golf"]
