"""Shared helpers of the importers of other apps' files (formats.md, "Files from other apps").

Pure: text in, Decimal/date/bool out; no database, no UI. Every parser returns an
ImportedFile and never raises on bad input: a problem with one cell is a RowError of
that row, a problem with the whole file a RowError of row 0.

Locale-dependent files (LubeLogger, Drivvo, any CSV) write numbers and dates the way the
exporting device did, so the decimal mark and the day/month order are inferred from
every value of the file at once (one value such as "1,509" or "03/04/2021" is
ambiguous on its own; the whole column usually is not): `infer_conventions`, the one
place every parser asks. What a file leaves open is a *need* of its ImportedFile
(DECIMAL_MARK, DATE_ORDER, VEHICLE) that the Import page asks and the CLI reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal, overload

from fueltracker import units
from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow
from fueltracker.models import MONEY_QUANTUM, ODOMETER_QUANTUM, VOLUME_QUANTUM

# Storage precision comes from the models' NUMERIC columns (domain.md: a value typed must
# come back as typed, so they keep more places than any app writes). CENTS is no storage
# precision: the rounding of a total worked out of a unit price (total_from_unit_price).
CENTS = Decimal("0.01")

# Flags as apps write them, in the languages Drivvo exports (en, pt, es, de, fr, it, nl, pl).
TRUE_WORDS = frozenset(
    {
        "1",
        "true",
        "yes",
        "y",
        "sim",
        "s",
        "sí",
        "si",
        "ja",
        "oui",
        "sì",
        "vero",
        "tak",
        "wahr",
        "verdadeiro",
        "verdadero",
    }
)
FALSE_WORDS = frozenset(
    {"0", "false", "no", "n", "não", "nao", "nein", "non", "nee", "nie", "falso", "falsch", "faux"}
)
ZIP_SIGNATURE = b"PK\x03\x04"

# A vehicle a file describes: VehicleCreate's fields as keyword arguments (text, a year, a
# Decimal tank, a flag...), checked by the schema when the import creates it.
VehicleFields = dict[str, Any]


@dataclass(frozen=True)
class FlagWords:
    """The words a format writes for yes and no, compared trimmed and lower-cased, and the
    reason a refused cell gets (`{typed}`: the cell trimmed, `{lowered}`: also lower-cased)."""

    true: frozenset[str]
    false: frozenset[str]
    refusal: str


# Other apps' files: any of the languages above.
APP_FLAGS = FlagWords(TRUE_WORDS, FALSE_WORDS, "'{typed}' is not yes/no (or 1/0, true/false)")
# Our own files (export.py writes true/false): English words only.
NATIVE_FLAGS = FlagWords(
    frozenset({"true", "1", "yes", "y"}),
    frozenset({"false", "0", "no", "n"}),
    "'{lowered}' is not true or false",
)


# What a file can leave open for the user to answer (ImportedFile.needs).
DECIMAL_MARK = "decimal_mark"  # answered with the parser's decimal_comma
DATE_ORDER = "date_order"  # answered with the parser's day_first
VEHICLE = "vehicle"  # a one-vehicle file that names none: the caller names it


@dataclass(frozen=True)
class ImportedFile:
    """What a parser read from one file: good rows, every problem, and what the file says.

    `rows` are in canonical units (km, L, money as in the file). `errors` hold one
    RowError per bad row (row 0: the file as a whole). `vehicles` are dicts of
    VehicleCreate's fields the file describes. `units` are the units the file was read in
    (e.g. {"distance": "mi", "volume": "L"}). `source_consumption` maps a row number to
    the source app's own consumption for that fill-up in L/100km, where it gives one.

    `needs` are the questions the file leaves open (DECIMAL_MARK, DATE_ORDER, VEHICLE).
    Each also has its row-0 error in `errors`, worded for a caller that cannot ask (the
    CLI lists it), and a result with open needs has no other row-0 error: a caller that
    asks them either parses again with the answers or, for VEHICLE, names the rows'
    vehicle itself (`answered`).
    """

    format: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    vehicles: list[VehicleFields] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    source_consumption: dict[int, float] = field(default_factory=dict)
    needs: frozenset[str] = frozenset()

    def answered(self, need: str) -> ImportedFile:
        """This result with `need` answered by the caller rather than by parsing again.

        The need is closed; once none is open, the row-0 errors that asked them go too
        (there is no other row-0 error while a need is open).
        """
        needs = self.needs - {need}
        errors = self.errors if needs else [e for e in self.errors if e.row_number != 0]
        return replace(self, needs=needs, errors=errors)


class CellError(Exception):
    """A bad cell; the parser turns it into a RowError of the row being read."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def file_error(format_name: str, reason: str, column: str = "file") -> ImportedFile:
    """An ImportedFile holding only a file-level problem (row 0)."""
    return ImportedFile(format=format_name, errors=[RowError(0, column, reason)])


def is_zip(data: bytes | str) -> bool:
    """True when the upload is a ZIP archive (only our data archive is read as one)."""
    return isinstance(data, bytes) and data[:4] == ZIP_SIGNATURE


def decode(data: bytes | str) -> str | None:
    """The file as text (UTF-8, BOM dropped), or None when it is binary or not UTF-8."""
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    # A NUL never appears in a CSV export; it means an image, a spreadsheet, a ZIP...
    if "\x00" in text:
        return None
    return text.lstrip("\ufeff")


def read_csv(text: str, delimiter: str = ",") -> list[list[str]] | None:
    """All records of a delimited text (cells stripped), or None if it is not CSV."""
    try:
        return [
            [cell.strip() for cell in record]
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error:
        return None


def sniff_delimiter(text: str) -> str:
    """';' when the first line is split by semicolons and not commas (European Excel)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def header_key(name: str) -> str:
    """A header name compared loosely: lower case, inner spaces collapsed."""
    return " ".join(name.strip().lower().split())


def text_or_none(raw: str | None, max_length: int | None = None) -> str | None:
    """A text cell, or None when blank; cut to `max_length` (the field's limit)."""
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        return None
    return value[:max_length] if max_length else value


# --------------------------------------------------------------------------- #
# Numbers
# --------------------------------------------------------------------------- #

# A comma followed by exactly three digits (and nothing else) could be a thousands
# separator or a decimal mark; any other place for a comma decides.
_COMMA_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3},\d{3}$")
_DOT_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
_GROUPED_DOT_DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$")
_GROUPED_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$")
_SIMPLE_DOT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_SIMPLE_COMMA = re.compile(r"^[+-]?(\d+(,\d*)?|,\d+)$")


def _compact(raw: str) -> str:
    # Spaces (also no-break and thin ones) group thousands in French or Czech locales.
    return re.sub(r"[\s\u00a0\u202f']", "", raw)


def _mark_evidence(raw: str) -> str | None:
    """'comma' or 'dot' when this one value shows the decimal mark; None when it cannot."""
    value = _compact(raw)
    has_comma, has_dot = "," in value, "." in value
    if has_comma and has_dot:
        return "comma" if value.rfind(",") > value.rfind(".") else "dot"
    if has_comma:
        if value.count(",") > 1:
            return "dot"  # 1,234,567: commas group thousands
        return None if _COMMA_AMBIGUOUS.match(value) else "comma"
    if has_dot:
        if value.count(".") > 1:
            return "comma"  # 1.234.567
        return None if _DOT_AMBIGUOUS.match(value) else "dot"
    return None


def infer_decimal_comma(values: Iterable[str]) -> bool | None:
    """Whether the decimal mark of these values (one locale) is a comma.

    False also when no value has a mark at all (nothing to decide). None when the
    values cannot tell ("1,509" alone) or contradict each other: then ask the user.
    """
    seen: set[str] = set()
    ambiguous_comma = False
    for raw in values:
        compact = _compact(raw)
        if not compact:
            continue
        evidence = _mark_evidence(compact)
        if evidence:
            seen.add(evidence)
        elif "," in compact:
            ambiguous_comma = True
    if len(seen) == 1:
        return seen == {"comma"}
    if len(seen) > 1:
        return None
    # Only values like "1,509" (ask) or "1.509" (read as a decimal point: every app we
    # read writes plain dot decimals by default, and none groups thousands with a dot
    # while never writing a decimal).
    return None if ambiguous_comma else False


@overload
def parse_decimal(
    raw: str | None, column: str, *, decimal_comma: bool = ..., required: Literal[True] = ...
) -> Decimal: ...
@overload
def parse_decimal(
    raw: str | None, column: str, *, decimal_comma: bool = ..., required: bool
) -> Decimal | None: ...
def parse_decimal(
    raw: str | None, column: str, *, decimal_comma: bool = False, required: bool = True
) -> Decimal | None:
    """A number cell as a finite Decimal (None for a blank optional cell).

    `decimal_comma` says which mark is the decimal one; the other may group thousands.
    Raises CellError naming `column` for anything that is not a number.
    """
    value = _compact(raw or "")
    if not value:
        if required:
            raise CellError(column, "a number is required")
        return None
    if decimal_comma:
        ok = _SIMPLE_COMMA.match(value) or _GROUPED_COMMA_DECIMAL.match(value)
        normal = value.replace(".", "").replace(",", ".")
    else:
        ok = _SIMPLE_DOT.match(value) or _GROUPED_DOT_DECIMAL.match(value)
        normal = value.replace(",", "")
    typed = (raw or "").strip()
    if not ok:
        mark = "a comma" if decimal_comma else "a dot"
        raise CellError(column, f"'{typed}' is not a number (decimal mark: {mark})")
    try:
        number = Decimal(normal)
    except InvalidOperation:
        raise CellError(column, f"'{typed}' is not a number") from None
    if not number.is_finite():
        raise CellError(column, f"'{typed}' is not a number")
    return number


def parse_exact_decimal(raw: str | None, column: str) -> Decimal:
    """A number cell of our own files (export.py writes every stored digit, a dot decimal,
    no grouping): whatever Decimal reads that is finite, so `1,000` is refused rather than
    guessed. Raises CellError naming `column`."""
    value = (raw or "").strip()
    if not value:
        raise CellError(column, "a number is required")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(column, f"'{value}' is not a number (use a dot for decimals)") from None
    if not number.is_finite():
        raise CellError(column, f"'{value}' is not a number")
    return number


def quantized(value: Decimal, places: Decimal, column: str) -> Decimal:
    """`value` rounded to storage precision; CellError when it is absurdly large."""
    try:
        return value.quantize(places, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        # More digits than Decimal's context holds: no odometer or volume is that big.
        raise CellError(column, "the number is far too large") from None


def odometer_km(value: Decimal, distance_unit: str, column: str) -> Decimal:
    """An odometer reading in `distance_unit` as canonical km, at the column's precision."""
    return quantized(units.distance_to_km(value, distance_unit), ODOMETER_QUANTUM, column)


def volume_l(value: Decimal, volume_unit: str, column: str) -> Decimal:
    """A volume in `volume_unit` as canonical litres, at the column's precision."""
    return quantized(units.volume_to_l(value, volume_unit), VOLUME_QUANTUM, column)


def money(value: Decimal, column: str) -> Decimal:
    """An amount at the column's storage precision."""
    return quantized(value, MONEY_QUANTUM, column)


def consumption_l_per_100km(value: Decimal | None, unit: str) -> float | None:
    """An app's own consumption figure in `unit` as float L/100km; None for 0 or blank.

    A float is fine here: this figure is only shown and compared, never stored.
    """
    if value is None or value <= 0:
        return None
    converted = units.consumption_to_l_per_100km(value, unit)
    return None if converted is None else float(converted)


# --------------------------------------------------------------------------- #
# Dates and flags
# --------------------------------------------------------------------------- #

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T,].*)?$")


def infer_day_first(values: Iterable[str]) -> bool | None:
    """For dates written a/b/yyyy: True if day first, False if month first, None if unknown.

    A first part above 12 means day first, a second part above 12 month first; the whole
    column decides. None when no value decides or they contradict (then ask).
    """
    day_first = month_first = False
    for raw in values:
        match = _NUMERIC_DATE.match(raw.strip())
        if not match:
            continue
        first, second = int(match.group(1)), int(match.group(2))
        day_first |= first > 12
        month_first |= second > 12
    if day_first == month_first:
        return None
    return day_first


def has_ambiguous_dates(values: Iterable[str]) -> bool:
    """True when some value is written a/b/yyyy (so the day/month order matters)."""
    return any(_NUMERIC_DATE.match(raw.strip()) for raw in values)


# What a parser does with a/b/yyyy dates whose column cannot tell the order.
ASK = "ask"  # a DATE_ORDER need (LubeLogger, Drivvo, any CSV)
MONTH_FIRST = "month_first"  # month first (Fuelly: a US site writing 06/06/2021)
EACH_ROW = "each_row"  # undecided: each date decides for itself or is its row's error (Fuelio)


@dataclass(frozen=True)
class Conventions:
    """How one file writes numbers and dates (infer_conventions).

    `decimal_comma` is None only together with a DECIMAL_MARK need; `day_first` None means
    no order is assumed (ISO dates need none; a lone a/b/yyyy date may still decide for
    itself in parse_date). `errors` are the row-0 errors asking `needs`.
    """

    decimal_comma: bool | None
    day_first: bool | None
    needs: frozenset[str] = frozenset()
    errors: tuple[RowError, ...] = ()


def infer_conventions(
    *,
    numbers: Iterable[str] = (),
    dates: Iterable[str] = (),
    decimal_comma: bool | None = None,
    day_first: bool | None = None,
    date_column: str = "date",
    undecided_dates: str = ASK,
) -> Conventions:
    """The decimal mark and the day/month order of one file, each given or inferred.

    A given `decimal_comma` / `day_first` (the user's answer, a CLI option, the file's own
    setting) wins. Otherwise the mark is inferred from every value of `numbers`
    (infer_decimal_comma; no values: a dot) and the order from every value of `dates`
    (infer_day_first). When the numbers cannot tell, the result needs DECIMAL_MARK, asked
    by a row-0 error of the column "numbers". When the dates cannot tell and some date is
    a/b/yyyy, `undecided_dates` says what follows: ASK (a DATE_ORDER need, asked by a
    row-0 error of `date_column`), MONTH_FIRST, or EACH_ROW (no order assumed).
    """
    needs: set[str] = set()
    errors: list[RowError] = []
    if decimal_comma is None:
        decimal_comma = infer_decimal_comma(numbers)
        if decimal_comma is None:
            needs.add(DECIMAL_MARK)
            errors.append(
                RowError(
                    0,
                    "numbers",
                    "cannot tell whether ',' is a decimal mark "
                    "or a thousands separator; choose the decimal mark",
                )
            )
    if day_first is None:
        dates = list(dates)
        day_first = infer_day_first(dates)
        if day_first is None and undecided_dates == MONTH_FIRST:
            day_first = False
        elif day_first is None and undecided_dates == ASK and has_ambiguous_dates(dates):
            needs.add(DATE_ORDER)
            errors.append(
                RowError(
                    0,
                    date_column,
                    "cannot tell day/month order from the "
                    "dates (no day above 12); choose the date order",
                )
            )
    return Conventions(decimal_comma, day_first, frozenset(needs), tuple(errors))


def parse_date(raw: str | None, column: str, *, day_first: bool | None) -> dt.date:
    """A date cell: ISO `yyyy-mm-dd` (time ignored) or `a/b/yyyy` in the given order."""
    value = (raw or "").strip()
    if not value:
        raise CellError(column, "a date is required")
    match = _ISO_DATE.match(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _NUMERIC_DATE.match(value)
        if not match:
            raise CellError(column, f"'{value}' is not a date")
        first, second, year = (int(part) for part in match.groups())
        if day_first is None:
            # One value can still decide for itself (13/01 or 01/13); 30/30 is no date.
            if first > 12 or second > 12:
                day_first = first > 12
            else:
                raise CellError(column, f"'{value}': day/month order unknown")
        day, month = (first, second) if day_first else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(column, f"'{value}' is not a valid date") from None


def parse_iso_date(raw: str | None, column: str) -> dt.date:
    """A date cell of our own files: ISO 8601 as date.fromisoformat reads it (2024-03-01),
    nothing locale-dependent. Raises CellError naming `column`."""
    value = (raw or "").strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CellError(column, f"'{value}' is not a date like 2024-03-01") from None


def parse_bool(
    raw: str | None, column: str, default: bool | None = None, *, words: FlagWords = APP_FLAGS
) -> bool:
    """A flag cell (by default 1/0, true/false, yes/no and their translations)."""
    typed = (raw or "").strip()
    value = typed.lower()
    if not value:
        if default is None:
            raise CellError(column, "a yes/no value is required")
        return default
    if value in words.true:
        return True
    if value in words.false:
        return False
    raise CellError(column, words.refusal.format(typed=typed, lowered=value))


def total_from_unit_price(unit_price: Decimal, volume: Decimal, column: str) -> Decimal:
    """price × volume rounded to cents (apps that only store a unit price)."""
    return money(quantized(unit_price * volume, CENTS, column), column)


def data_records(records: list[list[str]]) -> list[tuple[int, list[str]]]:
    """Data records after a header as (row number, cells); blank lines are skipped but
    still counted, so a row number is the data line the user sees in the file."""
    return [
        (number, record)
        for number, record in enumerate(records, start=1)
        if any(cell for cell in record)
    ]


def cell(record: list[str], index: int | None) -> str:
    """The cell at `index` ('' when the column is absent or the row is short)."""
    if index is None or index >= len(record):
        return ""
    return record[index]
