"""The Import page reads its formats and questions from the importers' registry: it
offers every format of the table, and asks what a parse result says the file left open."""

from fueltracker.importers import registry
from tests.app.conftest import open_page
from tests.app.test_import_page import FUELLY, _upload


def test_the_format_select_offers_every_registry_format(signed_in_app):
    app = _upload(open_page(signed_in_app, "import_file"), FUELLY.encode())
    assert not app.exception
    select = app.selectbox(key="import_opt_format")
    assert select.options == [fmt.label for fmt in registry.FORMATS]
    assert select.value == "fuelly"
