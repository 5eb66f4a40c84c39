"""Shared importer helpers: decimal mark and date order inferred from a whole column,
numbers, flags in several languages, storage precision."""

import datetime as dt
from decimal import Decimal

import pytest

from fueltracker.errors import RowError
from fueltracker.importers.common import (
    ASK,
    DATE_ORDER,
    DECIMAL_MARK,
    EACH_ROW,
    MONTH_FIRST,
    VEHICLE,
    CellError,
    ImportedFile,
    decode,
    infer_conventions,
    infer_day_first,
    infer_decimal_comma,
    odometer_km,
    parse_bool,
    parse_date,
    parse_decimal,
    total_from_unit_price,
    volume_l,
)


@pytest.mark.parametrize(
    "values, expected",
    [
        (["45,67", "1,509"], True),  # 45,67 decides: a comma decimal
        (["1.234,5", "12"], True),
        (["1.234.567"], True),
        (["45.67", "1,509"], False),  # 45.67 decides: commas group thousands
        (["1,234,567"], False),
        (["12", "40"], False),  # no mark at all: nothing to decide
        (["1.509"], False),  # a lone dot is a decimal point
        (["1,509"], None),  # a lone comma + 3 digits: ask
        (["45,67", "45.67"], None),  # contradictory
    ],
)
def test_decimal_mark_inferred_from_the_column(values, expected):
    assert infer_decimal_comma(values) is expected


def test_parse_decimal_in_both_conventions():
    assert parse_decimal("1.234,56", "Cost", decimal_comma=True) == Decimal("1234.56")
    assert parse_decimal("1,234.56", "Cost") == Decimal("1234.56")
    assert parse_decimal("1 234,5", "Cost", decimal_comma=True) == Decimal("1234.5")
    assert parse_decimal("", "Cost", required=False) is None
    with pytest.raises(CellError) as error:
        parse_decimal("12,5", "Cost")
    assert (error.value.column, error.value.reason) == (
        "Cost",
        "'12,5' is not a number (decimal mark: a dot)",
    )
    for bad in ("abc", "NaN", "Infinity", "1e5"):
        with pytest.raises(CellError):
            parse_decimal(bad, "Cost")


@pytest.mark.parametrize(
    "values, expected",
    [
        (["13/01/2024", "02/03/2024"], True),
        (["01/13/2024", "02/03/2024"], False),
        (["01/02/2024"], None),
        (["13/01/2024", "01/13/2024"], None),
        (["2024-01-13"], None),
    ],
)
def test_date_order_inferred_from_the_column(values, expected):
    assert infer_day_first(values) is expected


def test_parse_date():
    assert parse_date("2021-01-02", "d", day_first=None) == dt.date(2021, 1, 2)
    assert parse_date("2024-03-10 16:01", "d", day_first=None) == dt.date(2024, 3, 10)
    assert parse_date("06/07/2021 0:00", "d", day_first=False) == dt.date(2021, 6, 7)
    assert parse_date("06.07.2021", "d", day_first=True) == dt.date(2021, 7, 6)
    with pytest.raises(CellError, match="day/month order unknown"):
        parse_date("06/07/2021", "d", day_first=None)
    with pytest.raises(CellError, match="not a valid date"):
        parse_date("2021-02-30", "d", day_first=None)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("True", True),
        ("False", False),
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("No", False),
        ("Sim", True),
        ("Não", False),
        ("Sí", True),
        ("Ja", True),
        ("Nein", False),
        ("Oui", True),
        ("Non", False),
        ("", True),
    ],
)
def test_flags_in_several_languages(raw, expected):
    assert parse_bool(raw, "full", default=True) is expected


def test_bad_flag_names_its_column():
    with pytest.raises(CellError) as error:
        parse_bool("maybe", "IsFillToFull")
    assert error.value.column == "IsFillToFull"


def test_canonical_units_and_precision():
    assert odometer_km(Decimal(100), "mi", "odo") == Decimal("160.934400")
    assert volume_l(Decimal(10), "gal_us", "vol") == Decimal("37.854117840")
    assert volume_l(Decimal(1), "gal_uk", "vol") == Decimal("4.54609")
    assert total_from_unit_price(Decimal("1.519"), Decimal("14.699"), "price") == Decimal("22.33")
    with pytest.raises(CellError, match="far too large"):
        odometer_km(Decimal("1e40"), "km", "odo")


def test_decode_refuses_binary():
    assert decode(b"\xff\xd8\xff\xe0") is None
    assert decode(b"a,b\x00c") is None
    assert decode("\ufeffa,b".encode()) == "a,b"


MARK_QUESTION = RowError(
    0,
    "numbers",
    "cannot tell whether ',' is a decimal mark or a thousands separator; choose the decimal mark",
)
ORDER_QUESTION = RowError(
    0, "Date", "cannot tell day/month order from the dates (no day above 12); choose the date order"
)


@pytest.mark.parametrize(
    "numbers, dates, expected",
    [
        (["45,67", "1,509"], ["13/01/2024"], (True, True, set())),
        (["45.67"], ["01/13/2024", "02/03/2024"], (False, False, set())),
        ([], ["2024-01-13"], (False, None, set())),  # ISO dates need no order
        (["1,509"], ["2024-01-13"], (None, None, {DECIMAL_MARK})),
        (["12"], ["01/02/2024"], (False, None, {DATE_ORDER})),
        (
            ["45,67", "45.67"],
            ["13/01/2024", "01/13/2024"],
            (None, None, {DECIMAL_MARK, DATE_ORDER}),
        ),
    ],
)
def test_conventions_inferred_from_the_whole_file(numbers, dates, expected):
    found = infer_conventions(numbers=numbers, dates=dates, date_column="Date")
    assert (found.decimal_comma, found.day_first, set(found.needs)) == expected
    # One row-0 error per need, worded for a caller that cannot ask (the CLI).
    questions = {DECIMAL_MARK: MARK_QUESTION, DATE_ORDER: ORDER_QUESTION}
    assert list(found.errors) == [
        questions[n] for n in (DECIMAL_MARK, DATE_ORDER) if n in found.needs
    ]


def test_conventions_given_win_and_undecided_dates_follow_the_format():
    given = infer_conventions(
        numbers=["1,509"], dates=["01/02/2024"], decimal_comma=False, day_first=True
    )
    assert (given.decimal_comma, given.day_first, given.needs) == (False, True, frozenset())
    undecided = ["01/02/2024", "03/04/2024"]
    assert infer_conventions(dates=undecided, undecided_dates=ASK).needs == {DATE_ORDER}
    month_first = infer_conventions(dates=undecided, undecided_dates=MONTH_FIRST)
    assert (month_first.day_first, month_first.needs) == (False, frozenset())
    each_row = infer_conventions(dates=undecided, undecided_dates=EACH_ROW)
    assert (each_row.day_first, each_row.needs) == (None, frozenset())
    # The values are read only when nothing is given (a generator is not consumed).
    untouched = iter(["1,509"])
    infer_conventions(numbers=untouched, decimal_comma=True)
    assert next(untouched) == "1,509"


def test_an_answered_need_takes_its_question_along():
    question = RowError(0, "Name", "the file names no vehicle; choose one")
    parsed = ImportedFile(
        format="fuelio", errors=[question, RowError(2, "Odo", "bad")], needs=frozenset({VEHICLE})
    )
    answered = parsed.answered(VEHICLE)
    assert (answered.needs, answered.errors) == (frozenset(), [RowError(2, "Odo", "bad")])
    both = ImportedFile(
        format="lubelogger",
        errors=[MARK_QUESTION, ORDER_QUESTION],
        needs=frozenset({DECIMAL_MARK, DATE_ORDER}),
    )
    # While a need is open its question stays.
    assert both.answered(DECIMAL_MARK).errors == [MARK_QUESTION, ORDER_QUESTION]
