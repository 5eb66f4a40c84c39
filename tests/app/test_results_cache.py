"""The analysis results cache (ui/results.py) under AppTest: a warm page builds nothing, a
new filter or a write builds again, two users with the same filter each get their own
figures, and a chart's CSV is made only when its button is clicked."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from fueltracker import charts, reports
from fueltracker.db import session_scope
from fueltracker.schemas import VehicleUpdate
from fueltracker.services import vehicles
from tests.app.conftest import HARNESS, open_page, sign_in_state
from tests.factories import add, fillup, make_user, make_vehicle

GOLF = (  # domain.md's worked example: 5.25, 5.83, (missed), 5.50 L/100 km
    ("2024-01-05", "10000", "40", "72.00"),
    ("2024-01-20", "10500", "20", "37.00", {"is_full": False}),
    ("2024-02-01", "10800", "22", "40.70"),
    ("2024-02-20", "11400", "35", "63.00"),
    ("2024-03-15", "12300", "30", "55.50", {"missed_previous": True}),
    ("2024-04-02", "12900", "33", "62.70"),
)
# Another account's car of the same name, on the same days, using twice the fuel.
THIRSTY = tuple(
    (day, odometer, str(2 * float(volume)), amount, *flags)
    for day, odometer, volume, amount, *flags in GOLF
)


def _all_time(app: AppTest, key: str) -> AppTest:
    return app.segmented_control(key=f"{key}_period").set_value("All time").run()


def _traces(app: AppTest, index: int) -> list[dict]:
    return json.loads(app.get("plotly_chart")[index].proto.spec)["data"]


@pytest.fixture
def builds(monkeypatch) -> dict[str, int]:
    """How many times each page's results were built (a cache miss), by page."""
    counts: dict[str, int] = {}
    for name in (
        "dashboard",
        "overview",
        "consumption",
        "consumption_trend",
        "year_over_year",
        "prices",
        "costs",
        "data_quality",
    ):
        original = getattr(reports, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            counts[_name] = counts.get(_name, 0) + 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(reports, name, counted)
    return counts


def test_a_warm_page_builds_nothing_a_new_filter_or_a_write_builds_again(
    signed_in_app, garage, account, builds
):
    golf = garage("Golf", GOLF)
    app = _all_time(open_page(signed_in_app, "consumption"), "consumption")
    assert not app.exception
    built = dict(builds)
    assert built["consumption"] >= 1 and built["consumption_trend"] >= 1
    app.run()
    app.run()
    assert builds == built  # warm: every result from the cache

    app.slider(key="consumption_window").set_value(2).run()
    assert builds["consumption_trend"] == built["consumption_trend"] + 1
    assert builds["consumption"] == built["consumption"]  # the rest did not change

    app.segmented_control(key="consumption_period").set_value("1 year").run()
    assert builds["consumption"] == built["consumption"] + 1  # a new filter

    with session_scope() as session:  # a write bumps the revision: never a stale result
        add(session, account, fillup(golf, "2024-04-20", "13500", "36", "68.40"))
    before = builds["consumption"]
    _all_time(app, "consumption")
    assert builds["consumption"] == before + 1
    assert len(_traces(app, 0)[0]["y"]) == 5  # the new tank is drawn


def test_two_users_with_the_same_filter_get_their_own_figures(signed_in_app, garage, unique_name):
    garage("Golf", GOLF)
    with session_scope() as session:
        other = make_user(session, unique_name + "b")
        car = make_vehicle(session, other, "Golf")
        for day, odometer, volume, amount, *flags in THIRSTY:
            add(
                session,
                other,
                fillup(car, day, odometer, volume, amount, **(flags[0] if flags else {})),
            )
    mine = _all_time(open_page(signed_in_app, "overview"), "overview")
    theirs = sign_in_state(AppTest.from_file(str(HARNESS), default_timeout=30), other.id)
    theirs = _all_time(open_page(theirs, "overview"), "overview")
    consumption = "Avg consumption (L/100 km)"
    assert {m.label: m.value for m in mine.metric}[consumption] == "5.50"
    assert {m.label: m.value for m in theirs.metric}[consumption] == "11.00"

    mine = _all_time(
        mine.switch_page(str(HARNESS.parents[2] / "pages" / "consumption.py")).run(), "consumption"
    )
    theirs = _all_time(
        theirs.switch_page(str(HARNESS.parents[2] / "pages" / "consumption.py")).run(),
        "consumption",
    )
    my_tanks = _traces(mine, 0)[0]
    their_tanks = _traces(theirs, 0)[0]
    assert my_tanks["x"] == their_tanks["x"]  # same days, same filter...
    assert my_tanks["y"] != their_tanks["y"]  # ...each user's own figures
    assert pytest.approx([2 * y for y in my_tanks["y"] if y is not None]) == [
        y for y in their_tanks["y"] if y is not None
    ]


def test_a_renamed_vehicle_is_renamed_on_a_cached_page(signed_in_app, garage, account):
    golf = garage("Golf", GOLF)
    app = _all_time(open_page(signed_in_app, "consumption"), "consumption")
    assert _traces(app, 0)[0]["name"] == "Golf"
    fields = {name: getattr(golf, name) for name in VehicleUpdate.model_fields}
    with session_scope() as session:
        vehicles.update_vehicle(
            session, account.id, golf.id, VehicleUpdate(**(fields | {"name": "Golf VII"}))
        )
    app.run()
    assert _traces(app, 0)[0]["name"] == "Golf VII"


@pytest.fixture
def deferred(monkeypatch) -> dict[str, Callable[[], bytes]]:
    """File name -> the callable that makes it, for every deferred download drawn."""
    files: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **options):
        files[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return files


def test_chart_data_becomes_csv_only_when_its_button_is_clicked(
    signed_in_app, garage, deferred, monkeypatch
):
    garage("Golf", GOLF)
    made: list[str] = []
    figure_frame = charts.figure_frame

    def counted(figure):
        made.append(figure.layout.yaxis.title.text)
        return figure_frame(figure)

    monkeypatch.setattr(charts, "figure_frame", counted)
    app = _all_time(open_page(signed_in_app, "costs"), "costs")
    app.run()
    assert not app.exception
    assert not made  # four charts drawn twice, not one CSV made
    assert "cumulative-spend.csv" in deferred

    table = pd.read_csv(io.BytesIO(deferred["cumulative-spend.csv"]()))
    assert made == ["Cumulative spend (USD)"]
    assert table["Cumulative spend (USD)"].tolist()[:6] == [72.0, 109.0, 149.7, 212.7, 268.2, 330.9]


def test_the_data_quality_list_is_made_when_clicked(signed_in_app, garage, deferred):
    garage("Golf", GOLF + (("2024-05-01", "13300", "10", "19", {"is_full": False}),))
    app = open_page(signed_in_app, "data_quality")
    assert not app.exception
    table = pd.read_csv(io.BytesIO(deferred["data-quality.csv"]()))
    assert set(table["Issue"]) == {"Chain broken", "Partial fill-up never closed"}
    pd.testing.assert_frame_equal(
        table.astype(str),
        app.dataframe[0].value.astype(str).reset_index(drop=True),
        check_dtype=False,
    )
