"""The download buttons under AppTest: the one-click files (sidebar, History) in the user's
units, the canonical re-importable ones under Account → Your data, every name with the
user's local date.

AppTest keeps no file: a button registers a callable with Streamlit's media file manager,
run when the browser asks. The spy below records each registration (file name and the
callable) so a test can make the file as a click would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from fueltracker.clock import local_today
from fueltracker.db import session_scope
from fueltracker.services import users
from tests.app.conftest import open_page
from tests.factories import preferences_of

TANKS = (("2024-01-01", "10000", "40", "72"), ("2024-01-20", "10800", "42", "77.7"))


@pytest.fixture
def made_files(monkeypatch) -> dict[str, Callable[[], bytes]]:
    """File name -> the callable that makes it, for every deferred download drawn."""
    files: dict[str, Callable[[], bytes]] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **options):
        files[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **options)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return files


def _not_utc_today() -> str:
    """A timezone whose date differs from UTC's right now (UTC+14 from 10:00 UTC on,
    UTC-11 before 11:00), so a file named after the server's UTC day would fail."""
    zone = "Pacific/Kiritimati" if dt.datetime.now(dt.UTC).hour >= 10 else "Pacific/Pago_Pago"
    assert local_today(zone) != dt.datetime.now(dt.UTC).date()
    return zone


@pytest.fixture
def us_account(account, garage):
    garage("Golf", TANKS)
    with session_scope() as session:
        return users.set_preferences(
            session,
            account.id,
            preferences_of(
                account,
                distance_unit="mi",
                volume_unit="gal_us",
                consumption_unit="mpg_us",
                timezone=_not_utc_today(),
            ),
        )


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_sidebar_file_is_in_the_users_units_named_with_the_local_date(
    signed_in_app, us_account, made_files
):
    app = open_page(signed_in_app, "dashboard")
    assert not app.exception
    today = local_today(us_account.timezone).isoformat()
    name = f"fueltracker-{us_account.username}-fillups-{today}.csv"
    rows = _rows(made_files[name]())
    assert list(rows[0]) == [
        "vehicle",
        "date",
        "odometer_mi",
        "volume_gal_us",
        "total_amount",
        "currency",
        "price_per_gal_us",
        "is_full",
        "missed_previous",
        "station",
        "brand",
        "grade",
        "notes",
        "distance_mi",
        "consumption_mpg_us",
        "cost_per_mi",
    ]
    # 10800 km, 42 L, 77.70 USD: as the History table and the form show them.
    second = rows[1]
    assert (second["odometer_mi"], second["volume_gal_us"]) == ("6710.8", "11.095")
    assert (second["price_per_gal_us"], second["consumption_mpg_us"]) == ("7.003", "44.80")
    assert (second["distance_mi"], second["cost_per_mi"]) == ("497.1", "0.156")


def test_history_file_is_in_the_users_units(signed_in_app, us_account, made_files):
    app = open_page(signed_in_app, "history")
    button = app.download_button(key="history_csv")
    assert button.label == "Download 2 fill-ups (CSV)"
    assert "mi, US gal, mpg (US), USD" in button.help
    today = local_today(us_account.timezone).isoformat()
    rows = _rows(made_files[f"fueltracker-{us_account.username}-history-{today}.csv"]())
    assert [r["odometer_mi"] for r in rows] == ["6213.7", "6710.8"]
    assert "odometer_km" not in rows[0]


def test_one_fillup_is_said_in_the_singular(signed_in_app, garage):
    garage("Golf", TANKS[:1])
    app = open_page(signed_in_app, "history")
    assert app.download_button(key="history_csv").label == "Download 1 fill-up (CSV)"


def test_account_keeps_the_canonical_reimportable_files(signed_in_app, us_account, made_files):
    app = open_page(signed_in_app, "account")
    assert not app.exception
    labels = {b.key: b.label for b in app.download_button}
    assert labels["download_canonical"] == "Download fill-ups, canonical, re-importable (CSV)"
    today = local_today(us_account.timezone).isoformat()
    prefix = f"fueltracker-{us_account.username}"
    canonical = _rows(made_files[f"{prefix}-canonical-{today}.csv"]())
    assert [r["odometer_km"] for r in canonical] == ["10000", "10800"]
    assert canonical[1]["volume_l"] == "42"
    archive = zipfile.ZipFile(io.BytesIO(made_files[f"{prefix}-all-data-{today}.zip"]()))
    assert "fillups.csv" in archive.namelist()
    assert _rows(made_files[f"{prefix}-fillups-{today}.csv"]())[1]["odometer_mi"] == "6710.8"
