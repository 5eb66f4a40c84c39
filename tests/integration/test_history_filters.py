"""History filters in the service (SQL): each filter, the literal text search, keyset pages
under a filter, and row ownership (another user's rows never appear)."""

import datetime as dt

import pytest

from fueltracker.services import fillups
from fueltracker.services.history import (
    Cursor,
    HistoryFilter,
    count_fillups,
    filter_options,
    filtered_ids,
    list_fillups,
)
from tests.factories import add, fillup, make_user, make_vehicle

# date, odometer, litres, amount, flags/details (the Golf's history)
GOLF = (
    (
        "2024-01-05",
        "10000",
        "40",
        "72",
        {"station": "Shell Main St", "brand": "Shell", "grade": "E10"},
    ),
    (
        "2024-01-20",
        "10500",
        "20",
        "37",
        {
            "station": "Aral A9",
            "brand": "Aral",
            "grade": "E5",
            "is_full": False,
            "notes": "Half tank, in a hurry",
        },
    ),
    (
        "2024-02-01",
        "10800",
        "22",
        "40.7",
        {"station": "Shell Main St", "brand": "Shell", "grade": "E10", "notes": "50% off coupon"},
    ),
    ("2024-02-20", "11400", "35", "63", {"station": "JET_Nord", "brand": "JET", "grade": "E10"}),
    ("2024-03-15", "12300", "30", "55.5", {"missed_previous": True, "notes": "500 off? no"}),
    (
        "2024-04-02",
        "12900",
        "33",
        "62.7",
        {"station": "JETXNord", "brand": "JET", "grade": "E5", "notes": r"C:\tmp receipt"},
    ),
)
VESPA = (
    ("2024-01-20", "3000", "8", "15", {"station": "Aral A9", "brand": "Aral", "grade": "E5"}),
    (
        "2024-02-20",
        "3300",
        "7",
        "13",
        {
            "station": "shell main st",
            "is_full": False,
            "missed_previous": True,
            "notes": "MOTORWAY",
        },
    ),
)


@pytest.fixture
def owner(db_session):
    return make_user(db_session, "owner")


def garage(session, user) -> dict[str, int]:
    """The Golf and the Vespa of `user` with their fill-ups; returns {name: vehicle id}."""
    ids = {}
    for name, rows in (("Golf", GOLF), ("Vespa", VESPA)):
        vehicle = make_vehicle(session, user, name)
        for date, odometer, litres, amount, details in rows:
            add(session, user, fillup(vehicle, date, odometer, litres, amount, **details))
        ids[name] = vehicle.id
    return ids


@pytest.fixture
def history(db_session, owner):
    """The owner's vehicles and fill-ups: {name: vehicle id}."""
    return garage(db_session, owner)


@pytest.fixture
def intruder(db_session):
    """Another user with the very same rows: they match every filter of these tests."""
    other = make_user(db_session, "intruder")
    garage(db_session, other)
    return other


def dates(session, user_id, **filters) -> list[str]:
    """Dates of every matching row (newest first), checked against count and ids."""
    criteria = HistoryFilter(**filters)
    page = list_fillups(session, user_id, filters=criteria, limit=100)
    assert count_fillups(session, user_id, criteria) == len(page.rows)
    assert filtered_ids(session, user_id, criteria) == [r.id for r in page.rows]
    return [r.date.isoformat() for r in page.rows]


def test_no_filter_lists_everything_newest_first(db_session, owner, history, intruder):
    assert dates(db_session, owner.id) == [
        "2024-04-02",
        "2024-03-15",
        "2024-02-20",
        "2024-02-20",
        "2024-02-01",
        "2024-01-20",
        "2024-01-20",
        "2024-01-05",
    ]


def test_vehicle_filter(db_session, owner, history, intruder):
    assert dates(db_session, owner.id, vehicle_ids=(history["Vespa"],)) == [
        "2024-02-20",
        "2024-01-20",
    ]
    both = dates(db_session, owner.id, vehicle_ids=(history["Golf"], history["Vespa"]))
    assert len(both) == 8


def test_legacy_vehicle_ids_argument_still_works(db_session, owner, history):
    page = list_fillups(db_session, owner.id, vehicle_ids=[history["Vespa"]])
    assert [r.date.isoformat() for r in page.rows] == ["2024-02-20", "2024-01-20"]


def test_date_range_is_inclusive(db_session, owner, history, intruder):
    assert dates(
        db_session, owner.id, date_from=dt.date(2024, 1, 20), date_to=dt.date(2024, 2, 20)
    ) == ["2024-02-20", "2024-02-20", "2024-02-01", "2024-01-20", "2024-01-20"]
    assert dates(db_session, owner.id, date_from=dt.date(2024, 3, 15)) == [
        "2024-04-02",
        "2024-03-15",
    ]
    assert dates(db_session, owner.id, date_to=dt.date(2024, 1, 5)) == ["2024-01-05"]


@pytest.mark.parametrize(
    "field, values, expected",
    [
        ("stations", ("Shell Main St",), ["2024-02-01", "2024-01-05"]),  # exact stored value
        ("stations", ("Aral A9", "JETXNord"), ["2024-04-02", "2024-01-20", "2024-01-20"]),
        ("brands", ("JET",), ["2024-04-02", "2024-02-20"]),
        ("grades", ("E5",), ["2024-04-02", "2024-01-20", "2024-01-20"]),
    ],
)
def test_station_brand_grade(db_session, owner, history, intruder, field, values, expected):
    assert dates(db_session, owner.id, **{field: values}) == expected


def test_partial_only_and_missed_only(db_session, owner, history, intruder):
    assert dates(db_session, owner.id, partial_only=True) == ["2024-02-20", "2024-01-20"]
    assert dates(db_session, owner.id, missed_only=True) == ["2024-03-15", "2024-02-20"]
    # Both: fill-ups that are partial and follow a missed one (filters combine with AND).
    assert dates(db_session, owner.id, partial_only=True, missed_only=True) == ["2024-02-20"]


def test_text_search_is_case_insensitive_over_station_and_notes(
    db_session, owner, history, intruder
):
    # "shell main" is in the Golf's stations and, lower case, in the Vespa's.
    assert dates(db_session, owner.id, text="SHELL MAIN") == [
        "2024-02-20",
        "2024-02-01",
        "2024-01-05",
    ]
    assert dates(db_session, owner.id, text="motorway") == ["2024-02-20"]  # notes
    assert dates(db_session, owner.id, text="  hurry ") == ["2024-01-20"]  # trimmed
    assert dates(db_session, owner.id, text="nowhere") == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("50%", ["2024-02-01"]),  # not "500 off": % is a character, not a wildcard
        ("%", ["2024-02-01"]),
        ("JET_", ["2024-02-20"]),  # not "JETXNord": _ is a character too
        ("_", ["2024-02-20"]),
        ("C:\\tmp", ["2024-04-02"]),  # the escape character itself is literal
        ("'; DROP TABLE fuel_entries; --", []),  # a bound parameter, never SQL
    ],
)
def test_text_search_wildcards_are_literal(db_session, owner, history, text, expected):
    assert dates(db_session, owner.id, text=text) == expected


def test_filters_combine(db_session, owner, history):
    assert dates(
        db_session,
        owner.id,
        vehicle_ids=(history["Golf"],),
        brands=("Shell",),
        text="coupon",
        date_from=dt.date(2024, 1, 1),
    ) == ["2024-02-01"]


def test_keyset_pages_under_a_filter_cover_every_row_once(db_session, owner):
    # Two vehicles with fill-ups on the same days, some at the same odometer reading:
    # the id breaks those ties, so no row is skipped or repeated between pages.
    cars = [make_vehicle(db_session, owner, name) for name in ("A", "B")]
    for day in range(1, 29):
        for number, car in enumerate(cars):
            odometer = 1000 + day * 100 + (0 if day % 3 else number)  # some readings tie
            add(
                db_session,
                owner,
                fillup(
                    car,
                    f"2024-02-{day:02d}",
                    str(odometer),
                    "30",
                    "50",
                    is_full=day % 4 != 0,
                    station=f"S{day % 2}",
                ),
            )
    criteria = HistoryFilter(stations=("S1",), date_to=dt.date(2024, 2, 27))
    expected = filtered_ids(db_session, owner.id, criteria)
    assert len(expected) == 28 == count_fillups(db_session, owner.id, criteria)
    seen, after, pages = [], None, 0
    while True:
        page = list_fillups(db_session, owner.id, filters=criteria, after=after, limit=5)
        seen += [r.id for r in page.rows]
        pages += 1
        assert all(r.station == "S1" and r.date <= dt.date(2024, 2, 27) for r in page.rows)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == expected  # every row once, in order
    assert pages == 6  # 5 + 5 + 5 + 5 + 5 + 3
    keys = [
        (r.date, r.odometer_km, r.id)
        for r in list_fillups(db_session, owner.id, filters=criteria, limit=100).rows
    ]
    assert keys == sorted(keys, reverse=True)


def test_last_page_has_no_cursor_even_when_full(db_session, owner, history):
    criteria = HistoryFilter(vehicle_ids=(history["Golf"],))
    first = list_fillups(db_session, owner.id, filters=criteria, limit=3)
    second = list_fillups(db_session, owner.id, filters=criteria, limit=3, after=first.next_cursor)
    assert len(second.rows) == 3 and second.next_cursor is None


def test_another_users_rows_never_appear(db_session, owner, history, intruder):
    everything = HistoryFilter()
    own = filtered_ids(db_session, owner.id, everything)
    theirs = filtered_ids(db_session, intruder.id, everything)
    assert len(own) == len(theirs) == 8 and not set(own) & set(theirs)
    for criteria in (
        everything,
        HistoryFilter(text="shell"),
        HistoryFilter(brands=("JET",)),
        HistoryFilter(partial_only=True),
        HistoryFilter(missed_only=True),
    ):
        page = list_fillups(db_session, owner.id, filters=criteria, limit=100)
        assert {r.id for r in page.rows} <= set(own)
        assert count_fillups(db_session, owner.id, criteria) == len(page.rows)
    # Asking for the other user's vehicle by id shows nothing, not their rows.
    other_vehicle = fillups.get_fillup(db_session, intruder.id, theirs[0]).vehicle_id
    assert dates(db_session, owner.id, vehicle_ids=(other_vehicle,)) == []
    # A cursor is just a position: it cannot reach another user's rows either.
    page = list_fillups(
        db_session, owner.id, limit=100, after=Cursor(dt.date(2100, 1, 1), 10**9, 10**9)
    )
    assert {r.id for r in page.rows} == set(own)


def test_filter_options_are_the_users_own_distinct_values(db_session, owner, history, intruder):
    add(
        db_session,
        intruder,
        fillup(
            make_vehicle(db_session, intruder, "Van"),
            "2024-05-01",
            "1",
            "1",
            "1",
            station="Secret Station",
            brand="Secret",
        ),
    )
    options = filter_options(db_session, owner.id)
    # Sorted by the database's collation: compare as sets, each value once.
    assert sorted(options.stations) == [
        "Aral A9",
        "JETXNord",
        "JET_Nord",
        "Shell Main St",
        "shell main st",
    ]
    assert sorted(options.brands) == ["Aral", "JET", "Shell"]
    assert sorted(options.grades) == ["E10", "E5"]


def test_empty_filter_is_empty():
    assert HistoryFilter().is_empty()
    assert not HistoryFilter(text="x").is_empty()
