"""Which app wrote a file, from its content alone (formats.md: "Detect the format from
the header"). Pure; never raises."""

from __future__ import annotations

from fueltracker.importers.common import decode, read_csv, sniff_delimiter
from fueltracker.importers.drivvo import looks_drivvo
from fueltracker.importers.fuelio import looks_fuelio
from fueltracker.importers.fuelly import looks_fuelly
from fueltracker.importers.lubelogger import looks_lubelogger
from fueltracker.importers.native import looks_native

# Detection reads the start of the file only: enough for any header, and a huge upload
# is not parsed twice.
_HEAD_CHARS = 64 * 1024


def detect_format(data: bytes) -> str | None:
    """"native_zip", "native", "fuelly", "fuelio", "lubelogger", "drivvo" or None."""
    if data[:4] == b"PK\x03\x04":  # a ZIP: only ours is accepted as one
        return "native_zip"
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
        return "fuelio"
    if looks_drivvo(records):
        return "drivvo"
    first_line = next((line for line in head.splitlines() if line.strip()), "")
    header = (read_csv(first_line, sniff_delimiter(first_line)) or [[]])[0]
    if looks_fuelly(header):
        return "fuelly"
    if looks_lubelogger(header):
        return "lubelogger"
    if looks_native(header):
        return "native"
    return None
