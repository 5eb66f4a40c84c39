"""Fuzzing: no input makes a parser or detect_format raise; problems are RowErrors."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fueltracker.errors import RowError
from fueltracker.importers import ParsedRow, registry
from fueltracker.importers.common import ImportedFile
from fueltracker.importers.detect import detect_format
from fueltracker.importers.drivvo import parse_drivvo
from fueltracker.importers.fuelio import parse_fuelio
from fueltracker.importers.fuelly import parse_fuelly
from fueltracker.importers.generic import guess_mapping, read_header
from fueltracker.importers.lubelogger import parse_lubelogger
from tests.unit.test_importers_drivvo import ENGLISH, PORTUGUESE
from tests.unit.test_importers_fuelio import LOG_HEADER, ROWS, TAIL, VEHICLE
from tests.unit.test_importers_fuelly import IMPERIAL, METRIC
from tests.unit.test_importers_lubelogger import EUROPE, US

PARSERS = (parse_fuelly, parse_fuelio, parse_lubelogger, parse_drivvo)
SAMPLES = (METRIC, IMPERIAL, VEHICLE + LOG_HEADER + ROWS + TAIL, US, EUROPE, ENGLISH, PORTUGUESE)


def check_all(data: bytes | str) -> None:
    """Every parser returns an ImportedFile of rows and RowErrors; detection a name or None."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    mapping = guess_mapping(read_header(raw) or [])
    results = [parser(data) for parser in PARSERS]
    # Every format as the Import page and the CLI reach it: bytes and the user's choices.
    results += [fmt.parse(raw, registry.Choices(mapping=mapping)) for fmt in registry.FORMATS]
    for result in results:
        assert isinstance(result, ImportedFile)
        assert all(isinstance(row, ParsedRow) for row in result.rows)
        assert all(isinstance(error, RowError) for error in result.errors)
        assert all(isinstance(v, float) for v in result.source_consumption.values())
        if result.needs:  # each open need asked by one row-0 error, and nothing else is
            assert len([e for e in result.errors if e.row_number == 0]) == len(result.needs)
    assert detect_format(raw) in (
        None,
        "native",
        "native_zip",
        "fuelly",
        "fuelio",
        "lubelogger",
        "drivvo",
    )


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data):
    check_all(data)


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('0123456789,.;/-:"# \n\rTrueFals##LogabcÃ©\x00')),
        max_size=300,
    )
)
def test_random_csv_like_text(text):
    check_all(text)


def mangle(lines: list[str], data: st.DataObject) -> str:
    """The lines with random edits: cells cut, characters inserted, lines dropped/doubled."""
    out = []
    for line in lines:
        action = data.draw(st.sampled_from(["keep", "drop", "double", "cut", "insert", "swap"]))
        if action == "keep":
            out.append(line)
        elif action == "double":
            out += [line, line]
        elif action == "cut" and line:
            out.append(line[: data.draw(st.integers(0, len(line)))])
        elif action == "insert":
            at = data.draw(st.integers(0, len(line)))
            out.append(line[:at] + data.draw(st.text(max_size=5)) + line[at:])
        elif action == "swap" and "," in line:
            cells = line.split(",")
            out.append(",".join(data.draw(st.permutations(cells))))
    return "\n".join(out)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SAMPLES), st.data())
def test_mangled_sample_files(sample, data):
    check_all(mangle(sample.splitlines(), data))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(["fuelly_vstrom_metric.csv", "fuelio_backup_one_fillup.csv"]), st.data())
def test_mangled_real_fixture_lines(shared_fixtures, name, data):
    lines = (shared_fixtures / name).read_text(encoding="utf-8").splitlines()
    text = mangle(lines, data)
    check_all(text)
    check_all(text.encode("utf-8", "surrogatepass"))
