"""The API is an entry layer beside fueltracker/ui: no Streamlit, and no SQL of its own
(it reaches the database only through the services)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("streamlit", "sqlalchemy", "psycopg")


def _runtime_imports(tree: ast.Module) -> list[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def test_the_api_imports_neither_streamlit_nor_the_database_driver():
    paths = sorted((ROOT / "fueltracker" / "api").rglob("*.py"))
    assert len(paths) >= 5
    for path in paths:
        for name in _runtime_imports(ast.parse(path.read_text())):
            assert name.split(".")[0] not in FORBIDDEN, (path.name, name)


def test_the_check_sees_an_import():
    tree = ast.parse("import sqlalchemy\nif TYPE_CHECKING:\n    import streamlit\n")
    assert _runtime_imports(tree) == ["sqlalchemy"]


def test_the_import_route_offers_the_clis_formats():
    from typing import get_args

    from fueltracker.api.imports import ImportFormatName
    from fueltracker.importers.registry import cli_formats

    assert set(get_args(ImportFormatName)) == {f.name for f in cli_formats()}
