"""Showing user-typed text safely in Streamlit's markdown elements (never as HTML or markup)."""

from __future__ import annotations

import re

# Every character markdown, Streamlit's directives (:red[..], :material/..:, $..$) or an
# HTML entity (&lt;) could start; a backslash makes each literal (CommonMark escapes).
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")


def plain(text: object) -> str:
    """Escape markdown so `text` shows literally (no links, images, emphasis or HTML)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
