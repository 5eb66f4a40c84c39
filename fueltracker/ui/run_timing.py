"""Server-side timing of every script run: one log line per run (full page or fragment) with
how long it waited to start, how long it ran, the CPU its thread used, the page, the
outcome and a short tag of the browser session, under the run's correlation id.

    {"logger": "fueltracker.timing", "message": "script run", "correlation_id": "1f2e3d4c",
     "user_id": 17, "run": {"page": "History", "fragment": false, "wait_s": 0.004,
     "duration_s": 0.182, "cpu_s": 0.121, "outcome": "finished", "session": "9a8b7c6d5e4f"}}

- wait_s: from the moment Streamlit accepted the rerun request (a widget, a link, st.rerun)
  to the start of the run: a new script thread starting, a run of the same session being
  interrupted first, and the GIL shared with every other session. The time the websocket
  message spent before the server's event loop read it is not in it (nothing in the
  process sees it earlier).
- duration_s: from the start of the run to its end, wall time; cpu_s: the CPU time of the
  script thread in that span (duration_s - cpu_s is mostly waiting: for the GIL, the
  database, a deliberate pause).
- outcome: "finished" (an exception shown on the page included), "rerun" (stopped by a
  rerun request or st.rerun) or "compile error".
- session: the first 12 hex digits of the SHA-256 of Streamlit's session id: it groups the
  runs of one browser tab without writing the id itself (uploads are addressed by it).

Streamlit has no public hook for this: `install()` wraps three methods of its request
queue (to stamp when a rerun was asked for and when the run took it) and connects to each
ScriptRunner's `on_event` signal (run started, run stopped). The app server installs it
before Streamlit starts (fueltracker.ui.server); tests/app/test_run_timing.py holds it to the
pinned Streamlit's internals.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import time
from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner.script_runner import ScriptRunner, ScriptRunnerEvent
from streamlit.runtime.scriptrunner_utils.script_requests import (
    ScriptRequests,
    ScriptRequestType,
)

from fueltracker.logging_setup import RUN_FIELDS, start_run

log = logging.getLogger("fueltracker.timing")

MESSAGE = "script run"
# What a run shows when that is not the page Streamlit resolved (the sign-in form is drawn
# in place of the requested page): set by app.py, read when the run ends.
page_shown: contextvars.ContextVar[str | None] = contextvars.ContextVar("page_shown", default=None)

_STOPPED = {
    ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS: "finished",
    ScriptRunnerEvent.FRAGMENT_STOPPED_WITH_SUCCESS: "finished",
    ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN: "rerun",
    ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR: "compile error",
}
_REQUESTED_AT = "_fueltracker_requested_at"  # on ScriptRequests: the pending request's time
_TAKEN_AT = "_fueltracker_taken_at"  # on ScriptRequests: the request the runner just took
_CLOCK = "_fueltracker_run_clock"  # on ScriptRunner: the run in progress
_INSTALLED = "_fueltracker_timed"


def session_tag(session_id: str) -> str:
    """The short, one-way tag of a Streamlit session id that the timing line carries."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()[:12]


def run_fields(
    *,
    page: str | None,
    fragment: bool,
    wait_s: float | None,
    duration_s: float,
    cpu_s: float,
    outcome: str,
    session: str,
) -> dict[str, Any]:
    """The "run" object of a timing line (seconds rounded to the millisecond; wait_s None
    when the request's time is unknown)."""
    return {
        "page": page,
        "fragment": fragment,
        "wait_s": None if wait_s is None else round(max(wait_s, 0.0), 3),
        "duration_s": round(duration_s, 3),
        "cpu_s": round(cpu_s, 3),
        "outcome": outcome,
        "session": session,
    }


def install() -> None:
    """Time every script run of this process from now on (idempotent)."""
    if getattr(ScriptRunner, _INSTALLED, False):
        return
    request_locked = ScriptRequests._request_rerun_locked
    on_ready = ScriptRequests.on_scriptrunner_ready
    on_yield = ScriptRequests.on_scriptrunner_yield
    runner_init = ScriptRunner.__init__

    def _request_rerun_locked(self: ScriptRequests, new_data: Any) -> bool:
        # The first request of a pending rerun counts: later ones fold into it.
        idle = self._state == ScriptRequestType.CONTINUE
        accepted = request_locked(self, new_data)
        if accepted and (idle or getattr(self, _REQUESTED_AT, None) is None):
            setattr(self, _REQUESTED_AT, time.monotonic())
        return accepted

    def _taken(self: ScriptRequests, request: Any) -> Any:
        if request is not None and request.type == ScriptRequestType.RERUN:
            setattr(self, _TAKEN_AT, getattr(self, _REQUESTED_AT, None))
            setattr(self, _REQUESTED_AT, None)
        return request

    def on_scriptrunner_ready(self: ScriptRequests) -> Any:
        return _taken(self, on_ready(self))

    def on_scriptrunner_yield(self: ScriptRequests) -> Any:
        return _taken(self, on_yield(self))

    def __init__(self: ScriptRunner, *args: Any, **kwargs: Any) -> None:
        runner_init(self, *args, **kwargs)
        self.on_event.connect(_on_event)

    # Streamlit's methods replaced by the wrappers above on purpose (no public hook, see the
    # module docstring); setattr, since a plain assignment to a method is what mypy refuses.
    wrappers: tuple[tuple[type, str, Any], ...] = (
        (ScriptRequests, "_request_rerun_locked", _request_rerun_locked),
        (ScriptRequests, "on_scriptrunner_ready", on_scriptrunner_ready),
        (ScriptRequests, "on_scriptrunner_yield", on_scriptrunner_yield),
        (ScriptRunner, "__init__", __init__),
    )
    for owner, name, wrapper in wrappers:
        setattr(owner, name, wrapper)
    setattr(ScriptRunner, _INSTALLED, True)


def _on_event(sender: ScriptRunner, event: ScriptRunnerEvent, **payload: Any) -> None:
    # Called on the script thread (start and stop of a run); never let timing break a run.
    try:
        if event == ScriptRunnerEvent.SCRIPT_STARTED:
            _started(sender, payload)
        elif event in _STOPPED:
            _stopped(sender, _STOPPED[event])
    except Exception:  # a timing failure must not reach the page (logged, traceback kept)
        log.debug("script run timing failed", exc_info=True)


def _started(runner: ScriptRunner, payload: dict[str, Any]) -> None:
    now = time.monotonic()
    requested = getattr(runner._requests, _TAKEN_AT, None)
    setattr(runner._requests, _TAKEN_AT, None)
    # A run of its own from the first instant: one that stops before app.py (or the
    # fragment) starts a run never shares the previous run's id in this thread.
    start_run(None)
    page_shown.set(None)
    setattr(
        runner,
        _CLOCK,
        (
            now,
            time.thread_time(),
            None if requested is None else now - requested,
            bool(payload.get("fragment_ids_this_run")),
        ),
    )


def _stopped(runner: ScriptRunner, outcome: str) -> None:
    clock = getattr(runner, _CLOCK, None)
    if clock is None:
        return
    setattr(runner, _CLOCK, None)
    started, cpu_started, wait_s, fragment = clock
    log.info(
        MESSAGE,
        extra={
            RUN_FIELDS: run_fields(
                page=page_shown.get() or _page_name(),
                fragment=fragment,
                wait_s=wait_s,
                duration_s=time.monotonic() - started,
                cpu_s=time.thread_time() - cpu_started,
                outcome=outcome,
                session=session_tag(runner._session_id),
            )
        },
    )


def _page_name() -> str | None:
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return None
    page = ctx.pages_manager.get_pages().get(ctx.page_script_hash)
    return page.get("page_name") if page else None
