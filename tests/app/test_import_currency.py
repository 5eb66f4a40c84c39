"""The Import page asks the currency of a file that does not state it, defaulting to the
account's, and says what is stored: the numbers as they are, never converted (issue 12)."""

from __future__ import annotations

from fueltracker.db import session_scope
from fueltracker.services import history
from tests.app.conftest import open_page
from tests.app.test_import_page import FUELLY, _click, _upload
from tests.factories import WORKED_EXAMPLE_CSV

CLEAN_FUELLY = FUELLY.replace("11600,800,0,", "11600,800,41,")


def test_a_file_without_currency_is_asked_defaulting_to_the_accounts(signed_in_app, account):
    app = _upload(open_page(signed_in_app, "import_file"), CLEAN_FUELLY.encode())
    assert not app.exception
    question = app.selectbox(key="import_opt_currency")
    assert question.value == account.currency == "USD"
    assert any("stored as they are in the file, in USD" in c.value for c in app.caption)
    assert not app.warning


def test_another_currency_says_amounts_are_not_converted(signed_in_app, account):
    app = _upload(open_page(signed_in_app, "import_file"), CLEAN_FUELLY.encode())
    app = app.selectbox(key="import_opt_currency").set_value("EUR").run()
    [warning] = app.warning
    assert "amounts are in EUR, your account's in USD" in warning.value
    assert "never converted" in warning.value
    assert "72.50 EUR becomes 72.50 USD" in warning.value
    app = _click(app, "Import 4 fill-ups")
    assert "Imported 4 fill-ups" in app.success[0].value
    assert "amounts were imported as they are, not converted" in app.success[0].value
    with session_scope() as session:
        stored = history.load_entries_frame(session, account.id)
    # 40 L at 1.80 (EUR by the file) stored as the number 72, in the account's currency.
    assert sorted(stored["total_amount"]) == [72.0, 74.0, 75.85, 77.7]


def test_a_file_stating_its_currency_is_not_asked(signed_in_app):
    csv = WORKED_EXAMPLE_CSV.replace("missed_previous\n", "missed_previous,currency\n", 1)
    csv = "\n".join(
        line + ",EUR" if line and not line.startswith("vehicle") else line
        for line in csv.split("\n")
    )
    app = _upload(open_page(signed_in_app, "import_file"), csv.encode())
    assert not app.exception
    assert not [s for s in app.selectbox if s.key == "import_opt_currency"]
    assert any("Currency from the file: EUR" in c.value for c in app.caption)
    assert "never converted" in app.warning[0].value


def test_one_row_is_said_in_the_singular(signed_in_app):
    one = "\n".join(CLEAN_FUELLY.split("\n")[:2]) + "\n"
    app = _upload(open_page(signed_in_app, "import_file"), one.encode())
    assert [b.label for b in app.button if b.key == "import_all"] == ["Import 1 fill-up"]
