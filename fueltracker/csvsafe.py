"""Spreadsheet-safe text cells (OWASP "CSV injection"): shared by export and import.

A cell a spreadsheet would run as a formula gets a leading quote. So that reading back is
exact, text that merely looks like an already-quoted formula (quotes, then a formula
character) gets one more quote, and `unneutralise` always removes exactly one.
"""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _formula_like(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_PREFIXES)


def neutralise(text: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a quote."""
    return "'" + text if _formula_like(text) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise` for a cell read back from our own export."""
    return text[1:] if text.startswith("'") and _formula_like(text) else text
