"""`make lint`'s rule that an ignore says why (scripts/lint_ignores.py)."""

from __future__ import annotations

import pytest

from scripts.lint_ignores import lacks_reason, unexplained


@pytest.mark.parametrize(
    "line",
    [
        "import x  # noqa: F401",
        "import x  # noqa: E501,I001   ",
        "import x  # noqa",
        "value = f()  # type: ignore[attr-defined]",
        "value = f()  # type: ignore",
        "value = f()  #type:ignore[misc]",
    ],
)
def test_an_ignore_with_nothing_after_it_is_refused(line):
    assert lacks_reason(line)


@pytest.mark.parametrize(
    "line",
    [
        "import x  # noqa: F401 - registers the tables",
        "import x  # noqa: F401  (registers the tables)",
        "value = f()  # type: ignore[attr-defined]  # set by the first call",
        "text = 'no ignore here'",
        "# a comment that mentions noqa: in passing",
    ],
)
def test_an_ignore_with_its_reason_or_no_ignore_passes(line):
    assert not lacks_reason(line)


def test_files_are_listed_by_line(tmp_path):
    (tmp_path / "a.py").write_text("ok = 1\nbad = 2  # noqa: E501\n")
    (tmp_path / "b.py").write_text("fine = 3  # noqa: E501 - a URL\n")
    assert [(path.name, number) for path, number, _ in unexplained([tmp_path])] == [("a.py", 2)]
