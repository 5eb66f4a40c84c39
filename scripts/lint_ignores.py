"""Every `# noqa: CODE` and `# type: ignore[code]` must say why (part of `make lint`).

    python scripts/lint_ignores.py [PATH ...]     (default: app.py pages fueltracker scripts tests)

ruff (PGH003, PGH004) and mypy (ignore-without-code) already refuse an ignore without its
code; this refuses one with nothing after the code: the reason follows it on the same line,
e.g. `# noqa: E402 - the checkout is put on sys.path first` or
`# type: ignore[override]  # the base class types it as a plain attribute`.
Exit status 1 when one lacks its reason, each listed as path:line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = ("app.py", "pages", "fueltracker", "scripts", "tests")
# An ignore (with or without its codes) and nothing after it but white space.
_BARE = re.compile(
    r"#\s*(?:type:\s*ignore(?:\[[^\]]*\])?|noqa(?::\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)?)"
    r"\s*$"
)


def lacks_reason(line: str) -> bool:
    """Whether a source line ends with an ignore that gives no reason."""
    return _BARE.search(line) is not None


def unexplained(paths: list[Path]) -> Iterator[tuple[Path, int, str]]:
    """(file, line number, line) of every ignore without a reason in these files/folders."""
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            for number, line in enumerate(file.read_text().splitlines(), start=1):
                if lacks_reason(line):
                    yield file, number, line.strip()


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or [ROOT / name for name in DEFAULT_PATHS]
    found = list(unexplained(paths))
    for file, number, line in found:
        shown = file.relative_to(ROOT) if file.is_relative_to(ROOT) else file
        print(f"{shown}:{number}: an ignore without its reason: {line}")
    if found:
        print(
            f"{len(found)} ignore(s) without a reason: say why after the code, "
            "e.g. '# noqa: E402 - why' or '# type: ignore[attr-defined]  # why'"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
