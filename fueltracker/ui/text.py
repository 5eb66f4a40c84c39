"""Showing user-typed text safely in Streamlit's markdown elements (never as HTML or markup)."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Escape markdown so `text` shows literally (no links, images, emphasis or HTML)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def destructive(label: str) -> str:
    """A button label that says it destroys something: red, with a delete icon.

    Streamlit has no "danger" button type, and "primary" is the app's green, the colour of
    "go ahead"; a plain button labelled in red says what it destroys. `label` is our own
    text, never the user's (markdown is rendered)."""
    return f":red[:material/delete_forever: {label}]"
