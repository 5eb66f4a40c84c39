"""User text is shown literally in every message that can carry it (issue 13, item 4): a
vehicle, station or display name typed as an image tag, bold markdown or a link comes back
as those characters, never as markup. Streamlit renders these elements as markdown, so
each must hold the text escaped by ui.text.plain (the browser test checks the DOM)."""

from __future__ import annotations

import pytest

from fueltracker.db import session_scope
from fueltracker.schemas import ProfileUpdate
from fueltracker.services import users
from fueltracker.ui.text import plain
from tests.app.conftest import open_page, shown
from tests.app.test_history import pick

ATTACKS = ["<img src=x onerror=alert(1)>", "**bold**", "[link](http://evil.example/x)"]


def assert_literal(markdown: str, text: str) -> None:
    """`markdown` shows `text` as typed: escaped, so no markup of it survives."""
    assert plain(text) in markdown, markdown
    assert text in shown(markdown)


@pytest.mark.parametrize("name", ATTACKS)
def test_vehicle_name_in_the_vehicles_page_messages(signed_in_app, garage, name):
    garage(name)
    app = open_page(signed_in_app, "vehicles")
    [expander] = [e for e in app.expander if plain(name) in e.label]
    assert_literal(expander.label, name)
    assert_literal(app.text_input(key=f"confirm_delete_{_vehicle_id(app, name)}").label, name)
    # The reported hole: the duplicate-name error under the name field.
    app.text_input(key="new_vehicle_0_name").input(name)
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    assert not app.exception
    [error] = app.error
    assert_literal(error.value, name)
    app.text_input(key="new_vehicle_0_name").input(name + " 2")
    [b for b in app.button if b.label == "Save vehicle"][0].click().run()
    assert_literal(app.success[0].value, name + " 2")


def _vehicle_id(app, name: str) -> int:
    from fueltracker.services import vehicles

    user_id = app.session_state["user_id"]
    with session_scope() as session:
        return next(v.id for v in vehicles.list_vehicles(session, user_id) if v.name == name)


@pytest.mark.parametrize("name", ATTACKS)
def test_display_name_in_the_sidebar(signed_in_app, account, name):
    with session_scope() as session:
        users.update_profile(session, account.id, ProfileUpdate(display_name=name))
    app = open_page(signed_in_app, "dashboard")
    [caption] = [c for c in app.sidebar.caption if "Signed in as" in c.value]
    assert_literal(caption.value, name)


@pytest.mark.parametrize("name", ATTACKS)
def test_vehicle_name_on_the_fillup_form_and_history(signed_in_app, garage, name):
    garage(name, (("2024-01-01", "10000", "40", "72"), ("2024-01-20", "10800", "42", "77.7")))
    app = open_page(signed_in_app, "log_fillup")
    [line] = [m for m in app.markdown if "Vehicle:" in m.value]
    assert_literal(line.value, name)
    app = pick(open_page(signed_in_app, "history"), "2024-01-20")
    assert_literal(app.subheader[0].value, name)
    app = app.button(key="delete").click().run()
    app = app.button(key="delete_confirm").click().run()
    assert_literal(app.info[0].value, name)


@pytest.mark.parametrize("name", ATTACKS)
def test_names_from_an_imported_file_in_the_import_messages(signed_in_app, name):
    quoted = name.replace('"', '""')
    native = (
        "vehicle,date,odometer_km,volume_l,total_amount,station\n"
        f'"{quoted}",2024-01-05,1000,40,70.00,"{quoted}"\n'
    )
    app = open_page(signed_in_app, "import_file")
    app.file_uploader[0].set_value(("file.csv", native.encode(), "text/csv"))
    app.run()
    label = next(s.label for s in app.selectbox if "The file's vehicle" in s.label)
    assert_literal(label, name)
    [button] = [b for b in app.button if b.label.startswith("Import 1 fill-up")]
    app = button.click().run()
    assert not app.exception
    assert_literal(app.success[0].value, name)
