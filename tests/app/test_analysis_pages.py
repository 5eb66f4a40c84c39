"""The analysis pages (Overview, Consumption, Prices, Costs, Data quality) with data and
empty, under AppTest."""

import datetime as dt

import pytest

from fueltracker.ui import history
from tests.app.conftest import PAGES as PAGES_DIR
from tests.app.conftest import open_page
from tests.factories import TODAY as _TODAY

# domain.md's worked example, dated before the factories' fixed "today".


def _day(offset: int) -> str:
    return (_TODAY - dt.timedelta(days=offset)).isoformat()


WORKED = (
    (_day(100), "10000", "40", "72.00", {"station": "Aral"}),
    (_day(90), "10500", "20", "37.00", {"is_full": False, "station": "Aral"}),
    (_day(80), "10800", "22", "40.70", {"station": "Aral"}),
    (_day(70), "11400", "35", "63.00", {"station": "Shell"}),
    (_day(60), "12300", "30", "55.50", {"missed_previous": True, "station": "Shell"}),
    (_day(50), "12900", "33", "62.70", {"station": "Shell"}),
)
PAGES = ("overview", "consumption", "prices", "costs", "data_quality")


@pytest.mark.parametrize("page", PAGES)
def test_empty_state(signed_in_app, page):
    app = open_page(signed_in_app, page)
    assert not app.exception
    assert "No fill-ups yet" in app.info[0].value


def _all_time(app, key):
    return app.segmented_control(key=f"{key}_period").set_value("All time").run()


def test_overview_figures(signed_in_app, garage):
    garage("Golf", WORKED)
    app = _all_time(open_page(signed_in_app, "overview"), "overview")
    assert not app.exception
    figures = {m.label: m.value for m in app.metric}
    assert figures["Avg consumption (L/100 km)"] == "5.50"
    assert figures["Fuel cost (USD/km)"] == "0.102"
    assert figures["Avg price (USD/L)"] == "1.838"
    assert figures["Spent (USD)"] == "330.90"
    assert figures["Distance (km)"] == "2,000"


def test_overview_delta_against_previous_period(signed_in_app, garage):
    garage("Golf", WORKED)
    app = open_page(signed_in_app, "overview")
    app.segmented_control(key="overview_period").set_value("Custom").run()
    app.date_input(key="overview_range").set_value((_TODAY - dt.timedelta(days=94), _TODAY)).run()
    assert not app.exception
    spent = next(m for m in app.metric if m.label == "Spent (USD)")
    # 95 days: fill-ups 2-6 (258.90); the 95 days before: fill-up 1 (72.00).
    assert spent.value == "258.90"
    assert spent.proto.delta == "186.90"


def test_consumption_page(signed_in_app, garage):
    garage("Golf", WORKED)
    app = _all_time(open_page(signed_in_app, "consumption"), "consumption")
    assert not app.exception
    assert len(app.get("plotly_chart")) == 4
    app.slider(key="consumption_window").set_value(2).run()
    assert not app.exception


def test_consumption_needs_two_full_tanks(signed_in_app, garage):
    garage("Golf", WORKED[:1])
    app = _all_time(open_page(signed_in_app, "consumption"), "consumption")
    assert not app.exception
    assert "log two full-tank fill-ups" in app.info[0].value


@pytest.mark.parametrize("page", ("consumption", "prices", "costs"))
def test_a_period_after_the_last_fillup_says_when_they_end(signed_in_app, garage, page):
    """Nothing to draw in the period: the page says when the fill-ups end, offers all time
    and draws no chart."""
    garage("Golf", WORKED)
    app = open_page(signed_in_app, page)
    app.segmented_control(key=f"{page}_period").set_value("Custom").run()
    app.date_input(key=f"{page}_range").set_value(
        (_TODAY - dt.timedelta(days=49), _TODAY - dt.timedelta(days=45))
    ).run()
    assert not app.exception
    assert f"they end on {_day(50)}" in app.info[0].value
    assert app.button(key=f"{page}_all_time").label == "Show all time"
    assert not app.get("plotly_chart")


def test_prices_page(signed_in_app, garage):
    garage("Golf", WORKED)
    app = _all_time(open_page(signed_in_app, "prices"), "prices")
    assert not app.exception
    figures = {m.label: m.value for m in app.metric}
    assert figures["Paid (USD)"] == "330.90"
    assert len(app.get("plotly_chart")) == 4


def test_costs_page(signed_in_app, garage):
    garage("Golf", WORKED)
    app = _all_time(open_page(signed_in_app, "costs"), "costs")
    assert not app.exception
    figures = {m.label: m.value for m in app.metric}
    # The fill-ups lie before the real today's last 12 months: nothing to project, and
    # the page says so rather than copying the last 12 months' total as a "projection".
    assert figures["Last 12 months (USD)"] == "0.00"
    assert figures["Projected next 12 months (USD)"] == "—"
    assert any("No projection" in c.value for c in app.caption)
    assert len(app.get("plotly_chart")) == 4


def test_data_quality_page(signed_in_app, garage):
    garage("Golf", WORKED + ((_day(40), "13300", "10", "19", {"is_full": False}),))
    app = open_page(signed_in_app, "data_quality")
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["Issue"]) == {"Chain broken", "Partial fill-up never closed"}
    assert "Open History" in table["Fix"].iloc[0]


def test_data_quality_all_clean(signed_in_app, garage):
    garage("Golf", WORKED[:1])
    app = open_page(signed_in_app, "data_quality")
    assert not app.exception
    assert "Nothing to fix" in app.success[0].value


def test_data_quality_after_delete_and_undo_of_a_same_day_fillup(signed_in_app, garage):
    # A full tank and a second one further on the same day; the first is deleted in
    # History and restored with Undo (a new id): History and Data quality agree on order.
    garage(
        "Golf",
        (
            (_day(30), "10000", "40", "72"),
            (_day(20), "10600", "38", "70"),
            (_day(20), "10900", "15", "28"),
        ),
    )
    app = open_page(signed_in_app, "history")
    table = app.dataframe[0].value
    lower = table["Odometer (km)"].tolist().index(10600)
    app = app.selectbox(key=history.PICK_KEY).select_index(lower).run()
    app = app.button(key="delete").click().run()
    app = app.button(key="delete_confirm").click().run()
    app = app.button(key="history_undo_button").click().run()
    assert "Restored the fill-up" in app.success[0].value
    assert app.dataframe[0].value["Odometer (km)"].tolist() == [10900, 10600, 10000]
    app = app.switch_page(str(PAGES_DIR / "data_quality.py")).run()
    assert not app.exception
    assert "Nothing to fix" in app.success[0].value


def test_custom_range_takes_what_the_field_shows(signed_in_app, garage, account):
    """The Custom range has no widget bounds (a bound makes the browser keep the last
    accepted date while the field shows the refused one): an end after today and a range
    typed backwards are both taken as the field shows them."""
    garage("Golf", WORKED)
    app = open_page(signed_in_app, "overview")
    app.segmented_control(key="overview_period").set_value("Custom").run()
    field = app.date_input(key="overview_range")
    assert field.proto.max == "9999-12-31"  # as good as unbounded
    later = _TODAY + dt.timedelta(days=400)
    field.set_value((later, _TODAY - dt.timedelta(days=75))).run()
    assert not app.exception
    caption = " ".join(c.value for c in app.caption)
    assert f"Period {(_TODAY - dt.timedelta(days=75)).isoformat()} – {later.isoformat()}" in caption
