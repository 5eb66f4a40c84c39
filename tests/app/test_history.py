"""The History page under AppTest: edit and delete (with undo) a row, pages, filters, CSV.

AppTest cannot click a dataframe row, so the tests choose the row with the page's
"Fill-up to edit" selectbox (the table's selection writes into the same selectbox).
"""

import datetime as dt
import io
import json

import pandas as pd
import pytest

from fueltracker import metrics
from fueltracker.db import session_scope
from fueltracker.services.history import HistoryFilter, list_fillups, load_entries_frame
from fueltracker.ui import history
from tests.app.conftest import open_page, revision, shown

CONSUMPTION = "Consumption (L/100 km)"
# Three full tanks: 42 L over 800 km = 5.25, then 30 L over 600 km = 5.00.
THREE_TANKS = (
    ("2024-01-01", "10000", "40", "72"),
    ("2024-01-20", "10800", "42", "77.7"),
    ("2024-02-10", "11400", "30", "55.5"),
)


def table(app) -> pd.DataFrame:
    """The page's table (newest first)."""
    return app.dataframe[0].value


def consumption_on(app, date: str) -> float:
    """The consumption shown on the row of `date`."""
    rows = table(app)
    value = rows.loc[rows["Date"] == dt.date.fromisoformat(date), CONSUMPTION].iloc[0]
    return round(float(value), 4)


def pick(app, date: str):
    """Choose the row of `date` in "Fill-up to edit" (newest first, like the table)."""
    position = [d.isoformat() for d in table(app)["Date"]].index(date)
    return app.selectbox(key=history.PICK_KEY).select_index(position).run()


def entry_on(account, date: str):
    """The stored fill-up of `date`."""
    with session_scope() as session:
        rows = list_fillups(session, account.id, limit=100).rows
    return next(r for r in rows if r.date.isoformat() == date)


def save(app):
    [button] = [b for b in app.button if b.label == "Save changes"]
    return button.click().run()


@pytest.fixture
def three_tanks(signed_in_app, garage):
    garage("Golf", THREE_TANKS)
    app = open_page(signed_in_app, "history")
    assert not app.exception
    assert consumption_on(app, "2024-02-10") == 5.0
    return app


def test_edit_changes_the_next_rows_consumption_at_once(three_tanks, account):
    app = pick(three_tanks, "2024-01-20")
    middle = entry_on(account, "2024-01-20")
    assert app.number_input(key=f"edit_{middle.id}_odometer").value == 10800.0
    app.number_input(key=f"edit_{middle.id}_odometer").set_value(10600.0)
    app.number_input(key=f"edit_{middle.id}_volume").set_value(36.0)
    app = save(app)
    assert not app.exception
    assert "Changes saved" in app.success[0].value
    assert consumption_on(app, "2024-01-20") == 6.0  # 36 L / 600 km
    assert consumption_on(app, "2024-02-10") == 3.75  # 30 L / 800 km: the next row, at once
    assert app.selectbox(key=history.PICK_KEY).value is None  # the form closed


def test_edit_validation_error_keeps_the_input(three_tanks, account):
    app = pick(three_tanks, "2024-01-20")
    middle = entry_on(account, "2024-01-20")
    before = revision(account.id)
    app.number_input(key=f"edit_{middle.id}_odometer").set_value(9000.0)
    app = save(app)
    assert not app.exception
    assert [shown(e.value) for e in app.error] == [
        "Odometer 9,000 km must be greater than 10,000 km recorded on 2024-01-01"
    ]
    assert app.number_input(key=f"edit_{middle.id}_odometer").value == 9000.0  # kept
    assert app.selectbox(key=history.PICK_KEY).value == middle.id  # still editing it
    assert revision(account.id) == before  # nothing saved
    assert consumption_on(app, "2024-02-10") == 5.0


def test_delete_asks_first_and_can_be_cancelled(three_tanks, account):
    app = pick(three_tanks, "2024-01-20")
    app = app.button(key="delete").click().run()
    assert "Delete the fill-up of 2024-01-20?" in app.warning[0].value
    # Destructive, not the app's green "go ahead": red label, delete icon.
    confirm = app.button(key="delete_confirm")
    assert confirm.label == ":red[:material/delete_forever: Yes, delete it]"
    assert confirm.proto.type != "primary"
    assert len(table(app)) == 3  # nothing deleted yet
    app = app.button(key="delete_cancel").click().run()
    assert not app.warning and len(table(app)) == 3
    assert entry_on(account, "2024-01-20").odometer_km == 10800


def test_delete_then_undo_restores_it(three_tanks, account):
    gone = entry_on(account, "2024-01-20")
    app = pick(three_tanks, "2024-01-20")
    app = app.button(key="delete").click().run()
    app = app.button(key="delete_confirm").click().run()
    assert not app.exception
    assert len(table(app)) == 2
    assert "Deleted the fill-up of 2024-01-20" in app.info[0].value
    # The next full tank now closes the segment from the first: 30 L / 1400 km.
    assert consumption_on(app, "2024-02-10") == round(100 * 30 / 1400, 4)
    assert app.selectbox(key=history.PICK_KEY).value is None

    app = app.button(key="history_undo_button").click().run()
    assert not app.exception
    assert "Restored the fill-up" in app.success[0].value
    assert len(table(app)) == 3
    assert consumption_on(app, "2024-02-10") == 5.0
    back = entry_on(account, "2024-01-20")
    assert back.id != gone.id  # re-created: a new id, the same values
    assert back.model_dump(exclude={"id"}) == gone.model_dump(exclude={"id"})
    assert not [b for b in app.button if b.key == "history_undo_button"]  # undo is spent


def test_pages_older_and_newer(signed_in_app, garage):
    garage(
        "Golf",
        tuple((f"2024-01-{day:02d}", str(10000 + day * 500), "30", "50") for day in range(1, 31)),
    )
    app = open_page(signed_in_app, "history")
    assert len(table(app)) == 25
    assert app.button(key="newer").disabled and not app.button(key="older").disabled
    assert table(app).iloc[0]["Date"].isoformat() == "2024-01-30"
    app = app.button(key="older").click().run()
    assert len(table(app)) == 5
    assert table(app).iloc[0]["Date"].isoformat() == "2024-01-05"
    assert any(c.value.startswith("Page 2 · 30 fill-ups") for c in app.caption)
    assert app.button(key="older").disabled
    # A row of page 2 can be edited like any other.
    app = pick(app, "2024-01-01")
    assert any(s.value.startswith("Fill-up of 2024-01-01") for s in app.subheader)
    app = app.button(key="newer").click().run()
    assert len(table(app)) == 25
    assert app.selectbox(key=history.PICK_KEY).value is None  # not on this page


def test_filters_narrow_the_rows_and_restart_at_page_one(signed_in_app, garage):
    garage(
        "Golf",
        tuple(
            (
                f"2024-01-{day:02d}",
                str(10000 + day * 500),
                "30",
                "50",
                {
                    "station": "Aral" if day % 2 else "Shell",
                    "is_full": day != 10,
                    "notes": "50% off" if day == 7 else None,
                },
            )
            for day in range(1, 31)
        ),
    )
    vespa = garage("Vespa", (("2024-01-15", "3000", "8", "15"),))
    app = open_page(signed_in_app, "history")
    app = app.button(key="older").click().run()
    app.multiselect(key="history_vehicles").select(vespa.id)
    app = app.run()
    assert len(table(app)) == 1 and table(app).iloc[0]["Vehicle"] == "Vespa"
    assert any(c.value.startswith("Page 1 · 1 of 31 fill-ups match") for c in app.caption)
    app.multiselect(key="history_vehicles").unselect(vespa.id)

    app.text_input(key="history_search").input("50%")
    app = app.run()
    assert [d.isoformat() for d in table(app)["Date"]] == ["2024-01-07"]
    app.text_input(key="history_search").input("")

    app.multiselect(key="history_stations").select("Shell")
    app.date_input(key="history_dates").set_value((dt.date(2024, 1, 10), dt.date(2024, 1, 14)))
    app = app.run()
    assert [d.isoformat() for d in table(app)["Date"]] == ["2024-01-14", "2024-01-12", "2024-01-10"]
    app.checkbox(key="history_partial").check()
    app = app.run()
    assert [d.isoformat() for d in table(app)["Date"]] == ["2024-01-10"]
    # Derived values are the whole history's, not the filtered rows': day 11 follows the
    # partial day 10 (filtered out), so its tank holds 30 + 30 L over the 1,000 km since
    # day 9 (filtered out too).
    app.checkbox(key="history_partial").uncheck()
    app.multiselect(key="history_stations").set_value(["Aral"])
    app = app.run()
    assert [d.isoformat() for d in table(app)["Date"]] == ["2024-01-13", "2024-01-11"]
    assert consumption_on(app, "2024-01-11") == 6.0

    app.text_input(key="history_search").input("no such thing")
    app = app.run()
    assert "No fill-ups match these filters." in app.info[0].value


def test_csv_download_of_what_the_filter_shows(signed_in_app, garage, account):
    garage("Golf", THREE_TANKS)
    garage("Vespa", (("2024-01-15", "3000", "8", "15"),))
    app = open_page(signed_in_app, "history")
    assert app.download_button(key="history_csv").label == "Download 4 fill-ups (CSV)"
    app.text_input(key="history_search").input("nothing matches")
    app = app.run()
    assert "history_csv" not in [b.key for b in app.download_button]  # no rows, no file

    golf_only = HistoryFilter(vehicle_ids=(entry_on(account, "2024-02-10").vehicle_id,))
    with session_scope() as session:
        derived = metrics.add_derived(load_entries_frame(session, account.id))
    csv = pd.read_csv(io.BytesIO(history.filtered_csv(account, golf_only, derived)))
    assert list(csv["date"]) == ["2024-01-01", "2024-01-20", "2024-02-10"]  # all pages
    assert set(csv["vehicle"]) == {"Golf"}
    assert set(csv["currency"]) == {account.currency}
    assert list(csv["consumption_l_per_100km"].round(2).fillna(-1)) == [-1, 5.25, 5.0]


def test_columns_in_the_users_units_with_flags(signed_in_app, garage, account):
    from fueltracker.services import users
    from tests.factories import preferences_of

    with session_scope() as session:
        users.set_preferences(
            session,
            account.id,
            preferences_of(
                account,
                currency="EUR",
                distance_unit="mi",
                volume_unit="gal_us",
                consumption_unit="mpg_us",
            ),
        )
    garage(
        "Golf",
        (
            (
                "2024-01-01",
                "10000",
                "40",
                "72",
                {"station": "Aral", "brand": "Aral", "grade": "E10"},
            ),
            ("2024-01-10", "10500", "20", "37", {"is_full": False}),
            ("2024-01-20", "10800", "22", "40.7", {"notes": "motorway"}),
            ("2024-02-01", "11400", "35", "63", {"missed_previous": True}),
        ),
    )
    app = open_page(signed_in_app, "history")
    rows = table(app)
    assert list(rows.columns) == [
        "Date",
        "Vehicle",
        "Odometer (mi)",
        "Volume (US gal)",
        "Total (EUR)",
        "Price (EUR/US gal)",
        "Distance (mi)",
        "Consumption (mpg (US))",
        "Cost (EUR/mi)",
        "Station",
        "Brand",
        "Grade",
        "Flags",
        "Note on consumption",
        "Notes",
    ]
    assert list(rows["Flags"]) == ["Full · missed before", "Full", "Partial", "Full"]
    newest, third, _partial, first = (rows.iloc[i] for i in range(4))
    assert round(third["Odometer (mi)"]) == round(10800 / 1.609344)
    # 42 L over 800 km = 5.25 L/100 km = 44.80 mpg (US), over the partial fill-up too.
    assert round(third["Consumption (mpg (US))"], 2) == 44.80
    assert third["Notes"] == "motorway"
    assert pd.isna(newest["Consumption (mpg (US))"])
    assert newest["Note on consumption"] == "missed fill-up: chain broken"
    assert (first["Station"], first["Brand"], first["Grade"]) == ("Aral", "Aral", "E10")


def test_the_columns_shown_are_the_users_choice_with_date_and_vehicle_pinned(three_tanks):
    """Issue 12, item 8: at 1400 px Station and Flags were off-screen, and a phone showed
    four columns. The most useful columns come first, date and vehicle stay pinned, empty
    cells are empty (not "None"), and the user picks the columns, kept for the session."""
    app = three_tanks
    frame = app.dataframe[0]
    assert list(frame.proto.column_order) == [
        "Date",
        "Vehicle",
        "Volume (L)",
        "Total (USD)",
        CONSUMPTION,
        "Odometer (km)",
        "Flags",
        "Station",
    ]
    config = json.loads(frame.proto.columns)
    assert {name for name, column in config.items() if column.get("pinned")} == {"Date", "Vehicle"}
    assert frame.proto.placeholder == ""
    assert len(table(app).columns) == 15  # every value is still there (CSV, the editor)

    app.button_group(key=history.COLUMNS_KEY).set_value(["Consumption", "Price"]).run()
    assert list(app.dataframe[0].proto.column_order) == [
        "Date",
        "Vehicle",
        CONSUMPTION,
        "Price (USD/L)",
    ]
    app = open_page(app, "dashboard")
    app = open_page(app, "history")  # the choice outlives a visit to another page
    assert list(app.dataframe[0].proto.column_order) == [
        "Date",
        "Vehicle",
        CONSUMPTION,
        "Price (USD/L)",
    ]


def test_page_caption_counts_in_the_right_number():
    assert history.page_caption(1, 1, 1, HistoryFilter()) == "Page 1 · 1 fill-up in all"
    assert history.page_caption(1, 1, 1234, HistoryFilter(text="x")) == (
        "Page 1 · 1 of 1,234 fill-ups matches the filters"
    )
    assert history.page_caption(2, 30, 31, HistoryFilter(text="x")) == (
        "Page 2 · 30 of 31 fill-ups match the filters"
    )
