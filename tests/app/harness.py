"""Runs app.py from a folder without pages/ (AppTest quirk: with a pages/ folder beside the
main script, AppTest runs the entry script only on the first run)."""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
