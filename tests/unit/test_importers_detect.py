"""Format detection from a file's content."""

import pytest

from fueltracker.importers.detect import detect_format
from tests.factories import WORKED_EXAMPLE_CSV
from tests.unit.test_importers_drivvo import ENGLISH, PORTUGUESE
from tests.unit.test_importers_fuelio import LOG_HEADER, ROWS, VEHICLE
from tests.unit.test_importers_fuelly import IMPERIAL, METRIC
from tests.unit.test_importers_lubelogger import EUROPE, US


@pytest.mark.parametrize(
    "text, expected",
    [
        (METRIC, "fuelly"),
        (IMPERIAL, "fuelly"),
        (VEHICLE + LOG_HEADER + ROWS, "fuelio"),
        (US, "lubelogger"),
        (EUROPE.replace(",", ";"), "lubelogger"),
        (ENGLISH, "drivvo"),
        (PORTUGUESE, "drivvo"),
        (WORKED_EXAMPLE_CSV, "native"),
        ("a,b\n1,2\n", None),
        ("", None),
    ],
)
def test_detects_text_formats(text, expected):
    assert detect_format(("\ufeff" + text).encode()) == expected


def test_zip_and_binary():
    assert detect_format(b"PK\x03\x04rest") == "native_zip"
    assert detect_format(b"\xff\xd8\xff\xe0 jpeg") is None
    assert detect_format(b"\x00\x01\x02") is None
