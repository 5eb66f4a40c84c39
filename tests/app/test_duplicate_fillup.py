"""The quick entry under AppTest when another session saved the same fill-up meanwhile: the
save is refused with the duplicate message next to the odometer field, what was typed stays,
and the fill-up is stored once."""

from __future__ import annotations

from decimal import Decimal

from streamlit.testing.v1 import AppTest

from fueltracker.db import session_scope
from fueltracker.schemas import FillupCreate
from fueltracker.services import fillups, history
from tests.app.conftest import open_page, revision, shown

TYPED = {"odometer": 10500.0, "volume": 30.0, "total": 45.0}


def _in_order(node) -> list:
    """Every element below `node`, in page order (depth first)."""
    found = []
    for child in getattr(node, "children", {}).values():
        found.append(child)
        found += _in_order(child)
    return found


def _errors_between_odometer_and_volume(app: AppTest) -> list[str]:
    elements = _in_order(app.main)
    keys = [getattr(e, "key", None) for e in elements]
    start, end = keys.index("fillup_0_odometer"), keys.index("fillup_0_volume")
    errors = {id(e) for e in app.error}
    return [shown(e.value) for e in elements[start + 1 : end] if id(e) in errors]


def test_fillup_saved_meanwhile_elsewhere_is_a_duplicate_next_to_the_odometer(
    signed_in_app, garage, account
):
    golf = garage("Golf")
    app = open_page(signed_in_app, "log_fillup")
    for name, value in TYPED.items():
        app.number_input(key=f"fillup_0_{name}").set_value(value)
    app.run()
    date = app.date_input(key="fillup_0_date").value

    # Another session (another tab or phone) saves the very same fill-up first.
    with session_scope() as session:
        fillups.create_fillup(
            session,
            account.id,
            FillupCreate(
                vehicle_id=golf.id,
                date=date,
                odometer_km=Decimal(10500),
                volume_l=Decimal(30),
                total_amount=Decimal(45),
            ),
        )
    before = revision(account.id)

    next(b for b in app.button if b.label == "Save fill-up").click().run()

    assert not app.exception
    message = f"A fill-up with this odometer reading on {date.isoformat()} already exists"
    assert [shown(e.value) for e in app.error] == [message]
    assert _errors_between_odometer_and_volume(app) == [message]  # shown by the odometer
    kept = {name: app.number_input(key=f"fillup_0_{name}").value for name in TYPED}
    assert kept == TYPED
    assert app.date_input(key="fillup_0_date").value == date
    with session_scope() as session:
        assert len(history.list_fillups(session, account.id).rows) == 1
    assert revision(account.id) == before  # the refused save wrote nothing
