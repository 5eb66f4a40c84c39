"""Log lines (fueltracker/logging_setup.py, fueltracker/security.py): one JSON object per
line with time, level, logger, message, correlation id, user id and any traceback; the text
form for a terminal; the choice between them; security events as structured fields; no
password of a connection URL in any line; library loggers routed through our handler."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest

from fueltracker import logging_setup, security
from fueltracker.config import Settings
from fueltracker.logging_setup import (
    JsonFormatter,
    TextFormatter,
    resolve_format,
    start_run,
)


@pytest.fixture
def stamped_records() -> Iterator[None]:
    """configure_logging()'s record factory, removed again after the test."""
    previous = logging.getLogRecordFactory()
    logging_setup._install_record_factory()
    yield
    logging.setLogRecordFactory(previous)


def _capture(
    formatter: logging.Formatter, name: str = "fueltracker.test"
) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger, stream, handler


@pytest.fixture
def json_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger, stream, handler = _capture(JsonFormatter())
    yield logger, stream
    logger.removeHandler(handler)


@pytest.fixture
def text_log() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    logger, stream, handler = _capture(TextFormatter())
    yield logger, stream
    logger.removeHandler(handler)


def _in_run(user_id: int | None, action) -> str:
    """Run `action` in a context of its own with a fresh run started; returns the id."""

    def run() -> str:
        cid = start_run(user_id)
        action()
        return cid

    return contextvars.copy_context().run(run)


def _lines(stream: io.StringIO) -> list[dict]:
    text = stream.getvalue()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_json_line_has_every_field_with_the_runs_ids(json_log, stamped_records):
    logger, stream = json_log
    cid = _in_run(42, lambda: logger.warning("fuel %s", "low"))
    [line] = _lines(stream)
    assert set(line) == {"time", "level", "logger", "message", "correlation_id", "user_id"}
    assert line["level"] == "WARNING" and line["logger"] == "fueltracker.test"
    assert line["message"] == "fuel low"
    assert line["correlation_id"] == cid and len(cid) == 8 and line["user_id"] == 42
    assert line["time"].endswith("Z") and "T" in line["time"]  # UTC, ISO 8601


def test_one_object_per_line_even_with_newlines_in_the_message(json_log):
    logger, stream = json_log
    logger.info('first\nsecond\r\n{"forged": true}')
    logger.info("next")
    lines = _lines(stream)
    assert [line["message"] for line in lines] == ['first\nsecond\r\n{"forged": true}', "next"]


def test_traceback_is_a_string_field(json_log):
    logger, stream = json_log
    try:
        raise ValueError("tank exploded")
    except ValueError:
        logger.exception("saving failed")
    [line] = _lines(stream)
    assert line["level"] == "ERROR" and line["message"] == "saving failed"
    assert line["exc_info"].startswith("Traceback (most recent call last):")
    assert "ValueError: tank exploded" in line["exc_info"]


def test_the_record_keeps_the_ids_of_the_thread_that_logged_it(json_log, stamped_records):
    """Streamlit runs each script run in a thread: a record carries its own run's ids,
    whichever thread formats it."""
    logger, stream = json_log
    records: list[logging.LogRecord] = []
    capture = logging.Handler()
    capture.emit = records.append
    logger.addHandler(capture)
    try:
        ids = {}

        def worker(name: str, user_id: int) -> None:
            ids[name] = start_run(user_id)
            logger.info(name)

        threads = [threading.Thread(target=worker, args=(f"run{n}", n)) for n in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        logger.removeHandler(capture)
    by_message = {r.getMessage(): (r.correlation_id, r.user_id) for r in records}
    assert by_message == {"run1": (ids["run1"], 1), "run2": (ids["run2"], 2)}
    assert ids["run1"] != ids["run2"]
    assert {line["correlation_id"] for line in _lines(stream)} == set(ids.values())


def test_no_connection_password_in_message_or_traceback(json_log, text_log):
    url = "postgresql+psycopg://app:s3cret-pw@db.example:5432/fuel"
    for logger, stream in (json_log, text_log):
        try:
            raise ConnectionError(f"cannot reach {url}")
        except ConnectionError:
            logger.exception("engine for %s failed", url)
        text = stream.getvalue()
        assert "s3cret-pw" not in text
        assert "postgresql+psycopg://app:***@db.example:5432/fuel" in text


def test_text_form_for_a_terminal(text_log, stamped_records):
    logger, stream = text_log
    cid = _in_run(7, lambda: logger.info("saved"))
    line = stream.getvalue().rstrip("\n")
    assert "\n" not in line
    assert line.endswith(f"INFO fueltracker.test [cid={cid} user=7] saved")
    assert line[:4].isdigit() and "Z " in line  # UTC time first


def test_text_form_puts_the_traceback_below(text_log):
    logger, stream = text_log

    def fail() -> None:
        try:
            raise KeyError("odometer")
        except KeyError:
            logger.exception("boom")

    contextvars.Context().run(fail)  # outside any run: no ids
    first, *rest = stream.getvalue().splitlines()
    assert first.endswith("[cid=- user=-] boom")
    assert rest[0] == "Traceback (most recent call last):" and "KeyError: 'odometer'" in rest[-1]


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("setting", "tty", "expected"),
    [
        ("auto", True, "text"),
        ("auto", False, "json"),
        ("json", True, "json"),
        ("text", False, "text"),
    ],
)
def test_auto_picks_text_for_a_terminal_else_json(setting, tty, expected):
    assert resolve_format(setting, _Stream(tty)) == expected


def test_format_setting_from_the_environment(monkeypatch):
    assert Settings().log_format == "auto"
    monkeypatch.setenv("FUELTRACKER_LOG_FORMAT", "text")
    assert Settings().log_format == "text"
    monkeypatch.setenv("FUELTRACKER_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="log_format"):
        Settings()


def test_formatter_for_each_format():
    assert isinstance(logging_setup.formatter_for("json"), JsonFormatter)
    assert isinstance(logging_setup.formatter_for("text"), TextFormatter)


@pytest.fixture
def security_json() -> Iterator[io.StringIO]:
    logger, stream, handler = _capture(JsonFormatter(), "fueltracker.security")
    yield stream
    logger.removeHandler(handler)


@pytest.fixture
def security_text() -> Iterator[io.StringIO]:
    logger, stream, handler = _capture(TextFormatter(), "fueltracker.security")
    yield stream
    logger.removeHandler(handler)


def test_security_event_fields_are_structured(security_json, stamped_records):
    cid = _in_run(None, lambda: security.event("login_failed", username='bob\n{"x": 1}'))
    [line] = _lines(security_json)
    assert line["message"] == "security login_failed"
    assert line["correlation_id"] == cid
    assert line["security"] == {
        "event": "login_failed",
        "user_id": None,
        "username": 'bob\n{"x": 1}',
    }


def test_security_event_details_and_bounded_username(security_json):
    security.event("import", user_id=5, rows=3, format="fuelly", username="x" * 200)
    [line] = _lines(security_json)
    assert line["security"] == {
        "event": "import",
        "user_id": 5,
        "rows": 3,
        "format": "fuelly",
        "username": "x" * 64,
    }


def test_security_event_in_text_form_is_one_readable_line(security_text):
    security.event("login_failed", username="eve\ninjected line")
    [line] = security_text.getvalue().splitlines()
    assert line.endswith('security login_failed username="eve\\ninjected line"')


def test_streamlit_loggers_go_through_the_root_handler_only():
    from streamlit import logger as st_logger

    before = st_logger.get_logger("streamlit.fueltracker_probe")
    logging_setup._route_library_logs()
    after = st_logger.get_logger("streamlit.fueltracker_probe_later")  # made after routing
    st_logger.update_formatter()  # what Streamlit does when its config is parsed
    for logger in (before, after):
        assert logger.handlers == [] and logger.propagate


def test_uvicorn_handlers_are_removed():
    uvicorn_logger = logging.getLogger("uvicorn.error")
    own = logging.StreamHandler(io.StringIO())
    uvicorn_logger.addHandler(own)
    uvicorn_logger.propagate = False
    logging_setup._route_library_logs()
    assert own not in uvicorn_logger.handlers and uvicorn_logger.propagate


def test_in_this_run_carries_the_ids_to_another_thread(json_log, stamped_records):
    """A download built on Streamlit's download thread logs under the run that drew it."""
    logger, stream = json_log
    made: dict = {}

    def draw() -> None:
        made["id"] = start_run(9)
        made["build"] = logging_setup.in_this_run(lambda: logger.info("export built") or 1)

    contextvars.copy_context().run(draw)
    seen: list = []

    def download_thread() -> None:
        seen.append(made["build"]())
        seen.append(logging_setup.correlation_id.get())  # the thread's own value is left

    thread = threading.Thread(target=download_thread)
    thread.start()
    thread.join()
    [line] = _lines(stream)
    assert (line["correlation_id"], line["user_id"]) == (made["id"], 9)
    assert seen == [1, "-"]


def test_cli_logs_to_stderr_and_the_server_to_stdout(capsys):
    """A CLI command's stdout may be its data (export, backup): its logs go to stderr."""
    for name in ("stderr", "stdout"):
        handler = logging_setup._StandardStreamHandler(name)
        handler.setFormatter(JsonFormatter())
        handler.emit(logging.makeLogRecord({"msg": f"to {name}", "levelname": "INFO"}))
    captured = capsys.readouterr()
    assert json.loads(captured.err)["message"] == "to stderr"
    assert json.loads(captured.out)["message"] == "to stdout"
