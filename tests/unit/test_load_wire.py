"""The wire sessions' pure parts (scripts/loadwire.py): the page rebuilt from ForwardMsgs (a
full run and a fragment run dropping what they did not draw again, a run stopped for a rerun
keeping it), the navigation, the cookie component's calls, the widget values and rerun
requests sent back, and the cookie jar. No server."""

from __future__ import annotations

import json

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from scripts import loadwire


def _new_session(session_id: str = "s-1", fragments: tuple[str, ...] = ()) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.initialize.session_id = session_id
    msg.new_session.page_script_hash = "home"
    msg.metadata.run.script_run_id = "run"
    msg.metadata.run.fragment_ids.extend(fragments)
    return msg


def _element(path: tuple[int, ...], fill, fragment_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.fragment_id = fragment_id
    fill(msg.delta.new_element)
    return msg


def _block(path: tuple[int, ...], fill) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    fill(msg.delta.add_block)
    return msg


def _finished(status: int) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def _status(running: bool) -> ForwardMsg:
    msg = ForwardMsg()
    msg.session_status_changed.script_is_running = running
    return msg


def _heading(body: str):
    def fill(element) -> None:
        element.heading.body = body
        element.heading.tag = "h1"

    return fill


def _markdown(body: str):
    def fill(element) -> None:
        element.markdown.body = body

    return fill


def _button(label: str, widget_id: str):
    def fill(element) -> None:
        element.button.label = label
        element.button.id = widget_id

    return fill


def _tab(label: str):
    def fill(block) -> None:
        block.tab.label = label

    return fill


def _sign_in_page(page: loadwire.Page) -> None:
    for msg in (
        _new_session(),
        _status(True),
        _element((0, 0), _heading(":material/local_gas_station: Fuel Tracker")),
        _block((0, 1), lambda b: b.tab_container.SetInParent()),
        _block((0, 1, 0), _tab("Sign in")),
        _element((0, 1, 0, 0), _button("Sign in", "$$ID-submit")),
        _finished(ForwardMsg.FINISHED_SUCCESSFULLY),
        _status(False),
    ):
        page.apply(msg)


def test_a_page_is_rebuilt_from_the_messages_of_a_run() -> None:
    page = loadwire.Page()
    _sign_in_page(page)
    assert page.session_id == "s-1" and page.page_hash == "home"
    assert page.headings() == ["Fuel Tracker"]  # the icon code is not text
    assert page.tabs() == ["Sign in"]
    assert page.widget("button", "Sign in").proto.id == "$$ID-submit"
    assert (page.runs_started, page.runs_finished, page.running) == (1, 1, False)
    assert page.last_status == ForwardMsg.FINISHED_SUCCESSFULLY


def test_a_full_run_drops_what_it_did_not_draw_again() -> None:
    page = loadwire.Page()
    _sign_in_page(page)
    for msg in (
        _new_session(),
        _element((0, 0), _heading("Dashboard")),
        _element((1, 0), _markdown("Signed in as Ann (ann\\_1)")),
    ):
        page.apply(msg)
    # Until the run finishes the frontend keeps the old elements...
    assert page.tabs() == ["Sign in"]
    page.apply(_finished(ForwardMsg.FINISHED_SUCCESSFULLY))
    # ...then only what this run drew remains; user text is shown unescaped.
    assert page.tabs() == [] and page.widget("button", "Sign in") is None
    assert page.headings() == ["Dashboard"]
    assert page.texts(root=loadwire.SIDEBAR) == ["Signed in as Ann (ann_1)"]
    assert page.texts(root=loadwire.MAIN) == []


def test_a_run_stopped_for_a_rerun_keeps_the_page() -> None:
    page = loadwire.Page()
    _sign_in_page(page)
    page.apply(_new_session())
    page.apply(_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
    assert page.tabs() == ["Sign in"]
    assert page.last_status == ForwardMsg.FINISHED_EARLY_FOR_RERUN


def test_a_fragment_run_replaces_only_its_own_elements() -> None:
    page = loadwire.Page()
    for msg in (
        _new_session(),
        _element((0, 0), _heading("Log a fill-up")),
        _element((0, 1, 0), _button("Save fill-up", "$$ID-save"), fragment_id="f1"),
        _element((0, 1, 1), _markdown("a warning"), fragment_id="f1"),
        _finished(ForwardMsg.FINISHED_SUCCESSFULLY),
    ):
        page.apply(msg)
    assert page.widget("button", "Save fill-up").fragment_id == "f1"
    for msg in (
        _new_session(fragments=("f1",)),
        _element((0, 1, 0), _button("Save fill-up", "$$ID-save"), fragment_id="f1"),
        _finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY),
    ):
        page.apply(msg)
    assert page.headings() == ["Log a fill-up"]  # outside the fragment: kept
    assert page.texts() == []  # the fragment's warning was not drawn again
    assert page.widget("button", "Save fill-up") is not None


def test_an_element_in_place_of_a_block_drops_the_blocks_children() -> None:
    page = loadwire.Page()
    _sign_in_page(page)
    page.apply(_new_session())
    page.apply(_element((0, 1), _markdown("no tabs now")))
    assert page.tabs() == [] and page.widget("button", "Sign in") is None


def test_navigation_pages_and_metrics() -> None:
    page = loadwire.Page()
    msg = ForwardMsg()
    for name, page_hash in (("Dashboard", "h1"), ("History", "h2")):
        app_page = msg.navigation.app_pages.add()
        app_page.page_name, app_page.page_script_hash = name, page_hash
    msg.navigation.page_script_hash = "h2"
    page.apply(msg)
    assert page.pages == {"Dashboard": "h1", "History": "h2"} and page.page_hash == "h2"

    def metric(element) -> None:
        element.metric.label = "Spent (USD)"
        element.metric.body = "5,918.26"

    page.apply(_new_session())
    page.apply(_element((0, 3), metric))
    assert page.metrics() == [("Spent (USD)", "5,918.26")]


def _cookie_call(method: str, **args) -> ForwardMsg:
    def fill(element) -> None:
        element.component_instance.component_name = (
            "extra_streamlit_components.CookieManager.cookie_manager"
        )
        element.component_instance.json_args = json.dumps({"method": method, **args})

    return _element((0, 9), fill)


def test_the_cookie_components_set_and_delete_reach_the_jar() -> None:
    page = loadwire.Page()
    page.apply(_new_session())
    page.apply(_cookie_call("getAll", key="init", default={}))
    assert page.cookies_set == {}
    page.apply(
        _cookie_call("set", cookie="fueltracker_auth", value="eyJ.token", options={"path": "/"})
    )
    assert page.cookies_set == {"fueltracker_auth": "eyJ.token"}
    page.apply(_cookie_call("delete", cookie="fueltracker_auth"))
    assert page.cookies_set == {"fueltracker_auth": None}


def _node(kind: str, fill) -> loadwire.Node:
    page = loadwire.Page()
    page.apply(_new_session())
    page.apply(_element((0, 0), fill))
    return next(node for _, node in page.elements(kind))


def test_widget_values_are_sent_as_the_frontend_sends_them() -> None:
    def number(element) -> None:
        element.number_input.id = "$$ID-odo"
        element.number_input.label = "Odometer (km)"
        element.number_input.data_type = element.number_input.DataType.FLOAT

    def count(element) -> None:
        element.number_input.id = "$$ID-n"
        element.number_input.label = "Count"
        element.number_input.data_type = element.number_input.DataType.INT

    def text(element) -> None:
        element.text_input.id = "$$ID-user"
        element.text_input.label = "Username"

    def checkbox(element) -> None:
        element.checkbox.id = "$$ID-yes"
        element.checkbox.label = "Yes, these values are right"

    assert loadwire.widget_state(_node("number_input", number), "43100").double_value == 43100.0
    assert loadwire.widget_state(_node("number_input", count), 3).int_value == 3
    assert loadwire.widget_state(_node("text_input", text), "ann").string_value == "ann"
    assert loadwire.widget_state(_node("checkbox", checkbox), True).bool_value is True
    click = loadwire.widget_state(_node("button", _button("Save", "$$ID-save")), True)
    assert (click.id, click.trigger_value) == ("$$ID-save", True)
    with pytest.raises(ValueError):
        loadwire.widget_state(_node("heading", _heading("x")), 1)


def test_the_rerun_request_is_a_backmsg() -> None:
    state = loadwire.widget_state(_node("button", _button("Save", "$$ID-save")), True)
    raw = loadwire.rerun_message(page_hash="h2", widgets=[state], fragment_id="f1")
    back = BackMsg()
    back.ParseFromString(raw)
    rerun = back.rerun_script
    assert (rerun.page_script_hash, rerun.fragment_id) == ("h2", "f1")
    assert [w.id for w in rerun.widget_states.widgets] == ["$$ID-save"]
    assert rerun.context_info.timezone == "UTC" and rerun.context_info.locale == "en-US"


def test_the_cookie_jar() -> None:
    jar: dict[str, str] = {}
    loadwire.take_set_cookies(
        jar, ["fueltracker_lb=400a0c; Path=/", "_streamlit_xsrf=2|ab|cd|1796; Path=/; SameSite=Lax"]
    )
    assert jar == {"fueltracker_lb": "400a0c", "_streamlit_xsrf": "2|ab|cd|1796"}
    assert loadwire.cookie_header(jar) == "_streamlit_xsrf=2|ab|cd|1796; fueltracker_lb=400a0c"
    loadwire.take_set_cookies(jar, ["fueltracker_lb=; Max-Age=0", "broken=\x00"])
    assert jar == {"_streamlit_xsrf": "2|ab|cd|1796"}


def test_shown_text() -> None:
    assert (
        loadwire.shown_text(":material/logout: Signed in as A\\_B (a\\_b)")
        == "Signed in as A_B (a_b)"
    )
    assert loadwire.shown_text("www\u2060\\.example") == "www.example"
