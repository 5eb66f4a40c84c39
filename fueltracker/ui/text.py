"""Showing user-typed text safely in Streamlit's markdown elements (never as HTML or markup)."""

from __future__ import annotations

import re

# Every character markdown, Streamlit's directives (:red[..], :material/..:, $..$) or an
# HTML entity (&lt;) could start; a backslash makes each literal (CommonMark escapes).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
# Escapes do not stop what Streamlit's markdown does to the text after parsing: GFM turns
# http://.., www... and name@host.. into links, remark-emoji turns :name: into an emoji.
# An invisible word joiner where those patterns need two characters side by side (after
# a colon, before an @, between www and its dot) breaks every one of them.
_JOINER = "\u2060"
_AFTER_JOINER = re.compile(r"(?<=:)|(?=@)|(?<=www)(?=\\\.)", re.IGNORECASE)


def plain(text: object) -> str:
    """`text` for a markdown element, shown as typed: no links (also bare URLs and email
    addresses), images, emphasis, HTML, directives or emoji codes. Only an invisible word
    joiner (U+2060) is added where a link or emoji code would otherwise start."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
    return _AFTER_JOINER.sub(_JOINER, escaped)


def destructive(label: str) -> str:
    """A button label that says it destroys something: red, with a delete icon.

    Streamlit has no "danger" button type, and "primary" is the app's green, the colour of
    "go ahead"; a plain button labelled in red says what it destroys. `label` is our own
    text, never the user's (markdown is rendered)."""
    return f":red[:material/delete_forever: {label}]"
