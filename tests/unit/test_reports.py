"""Unit tests of fueltracker.reports: the cache key of a page's results, the facts the
filters read, and the results themselves on domain.md's worked example."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from fueltracker import analytics, charts, reports, views
from fueltracker.metrics import add_derived
from fueltracker.reports import Request, Units
from fueltracker.schemas import UserRead
from tests.unit.test_analytics import GOLF, VAN, entries

USER = UserRead(
    id=7,
    username="alice",
    display_name="Alice",
    email=None,
    currency="EUR",
    distance_unit="km",
    volume_unit="L",
    consumption_unit="L/100km",
    timezone="Europe/Berlin",
    data_revision=12,
)


@pytest.fixture
def derived():
    return add_derived(
        pd.concat([entries(GOLF, 1, "Golf", 1), entries(VAN, 2, "Van", 100)], ignore_index=True)
    )


def _request(user: UserRead = USER, **changes) -> Request:
    request = Request(
        user.id,
        user.data_revision,
        Units.of(user),
        (1, 2),
        None,
        dt.date(2024, 6, 30),
        dt.date(2024, 6, 30),
    )
    return dataclasses.replace(request, **changes)


def test_the_key_names_the_user_the_revision_the_filter_and_the_units():
    key = _request()
    assert key == _request() and hash(key) == hash(_request())  # the same question: a hit
    other_user = USER.model_copy(update={"id": 8})
    assert _request(other_user) != key  # same filter, same revision, another user
    assert _request(revision=13) != key  # after a write
    assert _request(vehicle_ids=(1,)) != key
    assert _request(start=dt.date(2024, 1, 1)) != key
    assert _request(today=dt.date(2024, 7, 1)) != key
    for preference in ("currency", "distance_unit", "volume_unit", "consumption_unit"):
        changed = {
            "currency": "USD",
            "distance_unit": "mi",
            "volume_unit": "gal_us",
            "consumption_unit": "mpg_us",
        }[preference]
        assert _request(USER.model_copy(update={preference: changed})) != key
    assert {field.name for field in dataclasses.fields(Request)} == {
        "user_id",
        "revision",
        "units",
        "vehicle_ids",
        "start",
        "end",
        "today",
    }


def test_a_request_reads_only_its_vehicles_and_period(derived):
    request = _request(vehicle_ids=(2,), start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 29))
    assert set(request.vehicles_frame(derived)["vehicle_id"]) == {2}
    assert request.period_frame(derived)["entry_id"].tolist() == [101]


def test_vehicle_facts(derived):
    facts = reports.vehicle_facts(derived)
    assert facts.names == {1: "Golf", 2: "Van"}
    assert facts.first_date() == dt.date(2024, 1, 5)
    assert facts.last_date((2,)) == dt.date(2024, 3, 25)
    assert facts.last_date() == dt.date(2024, 4, 4)
    assert facts.logged_since(dt.date(2024, 4, 4)) and not facts.logged_since(dt.date(2024, 4, 5))
    empty = reports.vehicle_facts(derived.iloc[0:0])
    assert empty.empty and empty.last_date() is None and not empty.logged_since(None)


def test_the_dashboard_is_what_the_page_drew_before(derived):
    request = _request(start=dt.date(2024, 2, 1), end=dt.date(2024, 6, 30))
    report = reports.dashboard(derived, request)
    totals, per_vehicle = views.dashboard_figures(derived, request.start, request.end, USER)
    assert (report.totals, report.per_vehicle) == (totals, per_vehicle)
    assert report.fillups == 7
    in_period = request.period_frame(derived)
    pd.testing.assert_frame_equal(
        report.vehicles, views.vehicle_table(analytics.vehicle_summary(in_period), USER)
    )
    assert (
        report.consumption.to_dict()
        == charts.consumption_chart(
            in_period, "L/100km", "km", charts.vehicle_colors(derived)
        ).to_dict()
    )
    assert reports.dashboard(derived, _request(start=dt.date(2025, 1, 1))).fillups == 0


def test_a_chart_without_data_offers_no_download(derived):
    empty = reports.chart(charts.consumption_chart(derived.iloc[0:0], "L/100km", "km"))
    assert not empty.has_data
    drawn = reports.consumption_trend(derived, _request(), 3)
    assert drawn.has_data
    assert drawn.csv() == reports.csv_bytes(charts.figure_frame(drawn.figure))


def test_consumption_lists_the_measured_vehicles(derived):
    report = reports.consumption(derived, _request())
    assert dict(report.measured) == {1: "Golf", 2: "Van"}
    only_first = reports.consumption(derived, _request(end=dt.date(2024, 1, 10)))
    # Two fill-ups, no measured segment: nothing to draw (the page says why).
    assert only_first == reports.NothingToDraw(2)


def test_data_quality_in_the_users_distance_unit(derived):
    miles = Units("EUR", "mi", "L", "L/100km")
    report = reports.data_quality(derived, _request(units=miles))
    assert "Odometer (mi)" in report.table.columns
    assert report.counts["Chain broken"] == 1
    assert list(report.counts) == list(reports.ISSUE_LABELS.values())


def test_text_a_spreadsheet_would_run_is_neutralised_in_every_csv():
    # pandas 3 stores text as "str", not object: the check on object alone let it through.
    table = pd.DataFrame(
        {"Series": ['=HYPERLINK("x")', "Golf"], "Note": ["+1", None], "L/100 km": [5.25, 5.5]}
    )
    assert table["Series"].dtype != object
    text = reports.csv_bytes(table).decode()
    assert text.splitlines() == [
        "Series,Note,L/100 km",
        '"\'=HYPERLINK(""x"")",\'+1,5.25',
        "Golf,,5.5",
    ]
