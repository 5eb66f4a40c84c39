"""Which app wrote a file, from its content alone (formats.md: "Detect the format from
the header"). Pure; never raises. The answers are format names of the registry
(registry.detected turns one into its ImportFormat)."""

from __future__ import annotations

from fueltracker.importers.common import decode, is_zip, read_csv, sniff_delimiter
from fueltracker.importers.drivvo import looks_drivvo
from fueltracker.importers.fuelio import looks_fuelio
from fueltracker.importers.fuelly import looks_fuelly
from fueltracker.importers.lubelogger import looks_lubelogger
from fueltracker.importers.native import looks_native
from fueltracker.importers.registry import (
    DRIVVO,
    FUELIO,
    FUELLY,
    LUBELOGGER,
    NATIVE,
    NATIVE_ZIP,
)

# Every answer detect_format can give besides None.
DETECTED_FORMATS = (NATIVE, NATIVE_ZIP, FUELLY, FUELIO, LUBELOGGER, DRIVVO)
# Detection reads the start of the file only: enough for any header, and a huge upload
# is not parsed twice.
_HEAD_CHARS = 64 * 1024


def detect_format(data: bytes) -> str | None:
    """ "native_zip", "native", "fuelly", "fuelio", "lubelogger", "drivvo" or None."""
    if is_zip(data):  # only ours is accepted as one
        return NATIVE_ZIP
    text = decode(data[: _HEAD_CHARS * 4])
    if text is None:
        # The cut may have split a UTF-8 character; retry on the whole file.
        text = decode(data) if len(data) > _HEAD_CHARS * 4 else None
        if text is None:
            return None
    head = text[:_HEAD_CHARS]
    records = read_csv(head)
    if not records:
        return None
    if looks_fuelio(records):
        return FUELIO
    if looks_drivvo(records):
        return DRIVVO
    first_line = next((line for line in head.splitlines() if line.strip()), "")
    header = (read_csv(first_line, sniff_delimiter(first_line)) or [[]])[0]
    if looks_fuelly(header):
        return FUELLY
    if looks_lubelogger(header):
        return LUBELOGGER
    if looks_native(header):
        return NATIVE
    return None
