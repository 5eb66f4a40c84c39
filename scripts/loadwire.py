"""Streamlit sessions without a browser, for the load script (scripts/load.py): a client of
Streamlit's websocket protocol (the protobuf messages that ship with streamlit) that does
what the browser's frontend does for the load journey, at a fraction of a browser's CPU.

- `Page` rebuilds what a browser would show from the ForwardMsgs of one session: the
  elements by delta path (a full run's or a fragment's elements not drawn again are dropped
  when the run finishes, as the frontend does), the pages of the navigation, whether a run
  is going on, the session id, and the re-auth cookie the cookie component was asked to
  set or delete. Pure (no network): unit-tested in tests/unit/test_load_wire.py.
- `WireSession` connects (through the proxy when there is one, with its cookies: the
  sticky-session cookie and the re-auth cookie), sends the BackMsgs a click, a typed value,
  a form submit or a page link sends, and settles a step by the browser tests' criterion
  (no run going on and 0.75 s without a frame).

What it does not do that a browser does: run JavaScript (charts, tables, the cookie
component's iframe: the component's "set" and "delete" are applied to the client's own
cookie jar, and its "getAll" report, which reruns the page once in a browser, is never
sent), load the static files, send widget values it did not set (the server keeps the
previous ones), or send heartbeats. So the server sees slightly less work per journey from
a wire session than from a browser; the load script keeps real Chromium sessions beside
them as the check.
"""

from __future__ import annotations

import asyncio
import http.cookies
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

MAIN, SIDEBAR = 0, 1  # the first index of a delta path: the page's main area or sidebar
COOKIE_COMPONENT = "cookie_manager"  # extra_streamlit_components' CookieManager
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ICON = re.compile(r":material/[a-z0-9_]+:\s*")


def shown_text(markdown: str) -> str:
    """The text a markdown body displays, as far as the checks need it: backslash escapes
    and invisible word joiners (ui/text.plain) and material icon codes removed."""
    return _ICON.sub("", _MARKDOWN_ESCAPE.sub(r"\1", markdown).replace("\u2060", "")).strip()


@dataclass
class Node:
    """One element or block of the page."""

    kind: str  # the Element or Block oneof name, e.g. "button", "heading", "tab"
    proto: Any  # the Element's (or Block's) own message
    block: bool
    run: int  # serial of the run that last drew it
    fragment_id: str


@dataclass
class Page:
    """What a browser would show for one session, rebuilt from its ForwardMsgs."""

    nodes: dict[tuple[int, ...], Node] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)  # page name -> page script hash
    page_hash: str = ""
    session_id: str | None = None
    running: bool = False
    runs_started: int = 0
    runs_finished: int = 0
    last_status: int | None = None  # of the last script_finished
    cookies_set: dict[str, str | None] = field(default_factory=dict)  # None = deleted
    _run: int = 0
    _fragments: tuple[str, ...] = ()

    def apply(self, msg: ForwardMsg) -> None:
        """Take one ForwardMsg into account."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.session_id = msg.new_session.initialize.session_id or self.session_id
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
            for app_page in msg.new_session.app_pages:
                self.pages.setdefault(app_page.page_name, app_page.page_script_hash)
            self._run += 1
            self._fragments = tuple(msg.metadata.run.fragment_ids)
            self.runs_started += 1
            self.running = True
        elif kind == "delta":
            self._delta(tuple(msg.metadata.delta_path), msg.delta)
        elif kind == "navigation":
            self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "script_finished":
            self._finished(msg.script_finished)
        elif kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running

    def _delta(self, path: tuple[int, ...], delta: Any) -> None:
        which = delta.WhichOneof("type")
        if which == "new_element":
            element = delta.new_element
            kind = element.WhichOneof("type")
            self._drop_below(path)
            proto = getattr(element, kind) if kind else element
            self.nodes[path] = Node(kind or "empty", proto, False, self._run, delta.fragment_id)
            if kind == "component_instance" and COOKIE_COMPONENT in proto.component_name:
                self._cookie_call(proto.json_args)
        elif which == "add_block":
            block = delta.add_block
            kind = block.WhichOneof("type") or "vertical"
            previous = self.nodes.get(path)
            if previous is None or not previous.block:
                self._drop_below(path)
            self.nodes[path] = Node(
                kind, getattr(block, kind, block), True, self._run, delta.fragment_id
            )

    def _drop_below(self, path: tuple[int, ...]) -> None:
        depth = len(path)
        for other in [p for p in self.nodes if len(p) > depth and p[:depth] == path]:
            del self.nodes[other]

    def _finished(self, status: int) -> None:
        self.runs_finished += 1
        self.last_status = status
        if status == ForwardMsg.FINISHED_SUCCESSFULLY:
            stale = [p for p, n in self.nodes.items() if n.run < self._run]
        elif status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            stale = [
                p
                for p, n in self.nodes.items()
                if n.run < self._run and n.fragment_id in self._fragments
            ]
        else:  # stopped for a rerun or a compile error: the frontend keeps what it has
            stale = []
        for path in stale:
            self.nodes.pop(path, None)

    def _cookie_call(self, json_args: str) -> None:
        try:
            args = json.loads(json_args or "{}")
        except ValueError:
            return
        name = args.get("cookie")
        if not name:
            return
        if args.get("method") == "set":
            self.cookies_set[name] = str(args.get("value"))
        elif args.get("method") == "delete":
            self.cookies_set[name] = None

    # ------------------------------------------------------------------ reading the page

    def elements(
        self, kind: str | None = None, root: int | None = None
    ) -> Iterator[tuple[tuple[int, ...], Node]]:
        """(path, node) in page order, of one kind and under one root if given."""
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if (kind is None or node.kind == kind) and (root is None or path[0] == root):
                yield path, node

    def widget(
        self, kind: str, label: str, *, prefix: bool = False, root: int | None = None
    ) -> Node | None:
        """The first widget of `kind` whose label is `label` (or starts with it)."""
        for _, node in self.elements(kind, root):
            text = shown_text(node.proto.label)
            if text == label or (prefix and text.startswith(label)):
                return node
        return None

    def headings(self, tag: str = "h1") -> list[str]:
        """The texts of the headings of one level (st.title: h1)."""
        return [shown_text(n.proto.body) for _, n in self.elements("heading") if n.proto.tag == tag]

    def texts(self, root: int | None = None) -> list[str]:
        """The texts of markdown, caption and alert elements (under one root if given)."""
        return [
            shown_text(n.proto.body)
            for _, n in self.elements(root=root)
            if n.kind in ("markdown", "alert")
        ]

    def alerts(self) -> list[str]:
        """The texts of st.success/info/warning/error elements."""
        return [shown_text(n.proto.body) for _, n in self.elements("alert")]

    def tabs(self) -> list[str]:
        """The labels of the tabs on the page."""
        return [shown_text(n.proto.label) for _, n in self.elements("tab")]

    def metrics(self) -> list[tuple[str, str]]:
        """(label, value) of every st.metric, in page order."""
        return [(shown_text(n.proto.label), n.proto.body) for _, n in self.elements("metric")]

    def exceptions(self) -> list[str]:
        """The messages of exception elements (a traceback the app let through)."""
        return [n.proto.message for _, n in self.elements("exception")]


# --------------------------------------------------------------------------- messages


def widget_state(node: Node, value: Any) -> WidgetState:
    """The WidgetState a browser sends for `node` holding `value`: a button's click (True),
    a text input's text, a number input's number, a checkbox's or toggle's bool."""
    if node.kind not in ("button", "text_input", "text_area", "number_input", "checkbox"):
        raise ValueError(f"no WidgetState for a {node.kind}")
    state = WidgetState(id=node.proto.id)
    if node.kind == "button":
        state.trigger_value = bool(value)
    elif node.kind in ("text_input", "text_area"):
        state.string_value = str(value)
    elif node.kind == "number_input":
        if node.proto.data_type == node.proto.DataType.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    else:  # a checkbox or a toggle
        state.bool_value = bool(value)
    return state


def rerun_message(
    *,
    page_hash: str,
    widgets: Iterable[WidgetState] = (),
    fragment_id: str = "",
    page_name: str = "",
    timezone: str = "UTC",
    locale: str = "en-US",
) -> bytes:
    """The BackMsg of a rerun request: a page load or link (page_hash), a widget change,
    click or form submit (widgets), scoped to a fragment when the widget is in one."""
    back = BackMsg()
    state = back.rerun_script
    state.page_script_hash = page_hash
    state.page_name = page_name
    state.fragment_id = fragment_id
    state.widget_states.widgets.extend(widgets)
    state.context_info.timezone = timezone
    state.context_info.locale = locale
    return back.SerializeToString()


def cookie_header(jar: dict[str, str]) -> str:
    """The Cookie header of a jar ({name: value})."""
    return "; ".join(f"{name}={value}" for name, value in sorted(jar.items()))


def take_set_cookies(jar: dict[str, str], headers: Iterable[str]) -> None:
    """Store the cookies of Set-Cookie header values in `jar` (one host, path /; a cookie
    set to expire is removed)."""
    for header in headers:
        parsed = http.cookies.SimpleCookie()
        try:
            parsed.load(header)
        except http.cookies.CookieError:
            continue
        for name, morsel in parsed.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


# --------------------------------------------------------------------------- session


class WireError(Exception):
    """A step of a wire session did not reach its expected page, or the connection broke."""


class ConnectionLost(WireError):
    """The websocket closed (a replica went away): the session must reconnect."""


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_get(url: str, jar: dict[str, str], timeout_s: float) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie_header(jar)} if jar else {})
    with _OPENER.open(request, timeout=timeout_s) as response:
        take_set_cookies(jar, response.headers.get_all("Set-Cookie") or [])
        return response.status


class WireSession:
    """One Streamlit session over the websocket protocol, as a browser tab would hold it."""

    def __init__(
        self,
        base_url: str,
        *,
        quiet_s: float = 0.75,
        timeout_s: float = 60.0,
        on_session: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.quiet_s, self.timeout_s = quiet_s, timeout_s
        self.jar: dict[str, str] = {}
        self.page = Page()
        self.last_frame = time.monotonic()
        self.connected = False
        self.connections = 0
        self.lost_at: float | None = None  # monotonic: the server closed the websocket
        self.on_session = on_session  # called with each new Streamlit session id
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self._closing = False

    # ------------------------------------------------------------------ connection

    async def connect(self, page_hash: str = "") -> None:
        """Open the session the way a browser tab does: an HTTP request through the proxy
        first (it answers with the sticky-session cookie), then the websocket with every
        cookie, then the first run of `page_hash` (the default page when empty)."""
        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        await self.close()
        await asyncio.to_thread(
            _http_get, f"{self.base_url}/_stcore/health", self.jar, self.timeout_s
        )
        url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        headers = {"Cookie": cookie_header(self.jar)} if self.jar else {}
        ws = await connect(
            url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers=headers,
            max_size=None,
            proxy=None,
            open_timeout=self.timeout_s,
            ping_interval=None,
        )
        self._ws = ws
        if ws.response is not None:
            take_set_cookies(self.jar, ws.response.headers.get_all("Set-Cookie"))
        self.page = Page(pages=self.page.pages, page_hash=page_hash or self.page.page_hash)
        self.connected = True
        self.connections += 1
        self._reader = asyncio.ensure_future(self._read())
        await self.send(rerun_message(page_hash=page_hash))

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        known = None
        ws = self._ws
        if ws is None:
            return
        try:
            async for data in ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self.page.apply(msg)
                self.last_frame = time.monotonic()
                if self.page.session_id != known and self.page.session_id:
                    known = self.page.session_id
                    if self.on_session:
                        self.on_session(known)
                self._apply_cookies()
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            if not self._closing:
                self.lost_at = time.monotonic()
            self.connected = False
            self._changed.set()

    def _apply_cookies(self) -> None:
        for name, value in self.page.cookies_set.items():
            if value is None:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        self.page.cookies_set.clear()

    async def close(self) -> None:
        """Close the websocket (the server ends the session)."""
        self._closing = True
        try:
            if self._ws is not None:
                await self._ws.close()
                self._ws = None
            if self._reader is not None:
                await asyncio.gather(self._reader, return_exceptions=True)
                self._reader = None
        finally:
            self._closing = False
        self.connected = False

    # ------------------------------------------------------------------ interaction

    async def send(self, message: bytes) -> None:
        """Send one BackMsg (the time counts as a frame, as the browser hook counts it)."""
        from websockets.exceptions import ConnectionClosed

        if not self.connected or self._ws is None:
            raise ConnectionLost("the websocket is closed")
        self.last_frame = time.monotonic()
        try:
            await self._ws.send(message)
        except ConnectionClosed as exc:
            raise ConnectionLost("the websocket closed while sending") from exc

    async def rerun(
        self,
        *,
        widgets: Iterable[WidgetState] = (),
        fragment_id: str = "",
        page_hash: str | None = None,
    ) -> int:
        """Ask for a rerun as the frontend does for a widget (or a link: page_hash); the
        number of runs started before it, for `settled`."""
        before = self.page.runs_started
        await self.send(
            rerun_message(
                page_hash=self.page.page_hash if page_hash is None else page_hash,
                widgets=widgets,
                fragment_id=fragment_id,
            )
        )
        return before

    async def click(self, node: Node, *values: tuple[Node, Any]) -> int:
        """Click a button (with the values of other widgets sent along, e.g. a form's)."""
        widgets = [widget_state(n, v) for n, v in values] + [widget_state(node, True)]
        return await self.rerun(widgets=widgets, fragment_id=node.fragment_id)

    async def link(self, page_name: str) -> int:
        """Follow a sidebar link to the page of that name."""
        if page_name not in self.page.pages:
            raise WireError(f"no page {page_name!r} in the navigation")
        return await self.rerun(page_hash=self.page.pages[page_name])

    async def settled(self, runs_before: int, started: float, *, quiet: bool = True) -> float:
        """Wait until a run started after the request has finished, no run is going on and
        (with `quiet`) no frame came for quiet_s; seconds from `started` to the last frame."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            if not self.connected:
                raise ConnectionLost("the websocket closed during the step")
            now = time.monotonic()
            done = (
                self.page.runs_started > runs_before
                and not self.page.running
                and self.page.last_status != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            )
            if done and (not quiet or now - self.last_frame >= self.quiet_s):
                break
            if now > deadline:
                raise WireError(f"not settled after {self.timeout_s:.0f} s")
            self._changed.clear()
            wait = self.quiet_s - (now - self.last_frame) if done else self.timeout_s
            try:
                await asyncio.wait_for(self._changed.wait(), max(0.01, min(wait, 1.0)))
            except TimeoutError:
                pass
        if self.page.exceptions():
            raise WireError("the page shows an exception")
        return max(0.0, self.last_frame - started)
