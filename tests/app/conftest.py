"""Page tests with streamlit's AppTest against the test database (rows are committed, so
every test works in an account of its own)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from fueltracker.db import session_scope
from fueltracker.schemas import UserRead, VehicleRead
from fueltracker.services.revision import data_revision
from tests.factories import add, fillup, make_user, make_vehicle

HARNESS = Path(__file__).resolve().parent / "harness.py"
PAGES = Path(__file__).resolve().parents[2] / "pages"


@pytest.fixture
def account(database_url, unique_name) -> UserRead:
    """A committed account of this test."""
    with session_scope() as session:
        return make_user(session, unique_name)


@pytest.fixture
def garage(account) -> Callable[..., VehicleRead]:
    """Adds a committed vehicle (with optional fill-ups given as tuples) to the account."""

    def build(name: str = "Golf", entries: tuple = (), **fields) -> VehicleRead:
        with session_scope() as session:
            vehicle = make_vehicle(session, account, name, **fields)
            for date, odometer, volume, amount, *flags in entries:
                add(
                    session,
                    account,
                    fillup(vehicle, date, odometer, volume, amount, **(flags[0] if flags else {})),
                )
        return vehicle

    return build


@pytest.fixture
def app(database_url) -> AppTest:
    """The whole app (router included), not signed in."""
    return AppTest.from_file(str(HARNESS), default_timeout=30)


def sign_in_state(app: AppTest, user_id: int) -> AppTest:
    """Seed the session state a sign-in leaves (the cookie component cannot run under
    AppTest): the user id, and the session's mark, now on the database's clock."""
    with session_scope() as session:
        app.session_state["signed_in_at"] = session.scalar(select(func.clock_timestamp()))
    app.session_state["user_id"] = user_id
    return app


@pytest.fixture
def signed_in_app(app, account) -> AppTest:
    """The whole app with the account signed in."""
    return sign_in_state(app, account.id)


def open_page(app: AppTest, page: str) -> AppTest:
    """Run the app, then switch to pages/<page>.py."""
    app.run()
    return app.switch_page(str(PAGES / f"{page}.py")).run()


def revision(user_id: int) -> int:
    """The account's data revision now."""
    with session_scope() as session:
        return data_revision(session, user_id)


def shown(markdown: str) -> str:
    """The text a markdown body (an alert's or caption's value) displays: user text and
    messages quoting it go through ui.text.plain, whose backslash escapes and invisible
    word joiners show nothing."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")
