"""Serve the app: `python -m fueltracker.ui.server [streamlit options]` runs `streamlit run
app.py` in this process after switching off Streamlit's legacy pages/ folder mode, with the
JSON API mounted beside the pages under /api/v1 on the same port (ui/asgi.py).

It also installs the timing of every script run (fueltracker.ui.run_timing: one log line
per run with its wait, duration, page and correlation id).

app.py routes with st.navigation, but Streamlit only learns that when a first script run
calls it: until then a fresh server treats pages/ as an old-style multipage folder, and a
deep link such as /history opens pages/history.py without the router (no sidebar, no sign-in
form; the page itself still refuses a signed-out visitor). Setting the flag Streamlit sets
on its first st.navigation call, before any session starts, makes every run go through app.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import bootstrap, cli
from streamlit.web.bootstrap import run_asgi_app

from fueltracker.config import ConfigurationError, get_settings
from fueltracker.logging_setup import configure_logging, resolve_format
from fueltracker.ui import run_timing

APP = Path(__file__).resolve().parents[2] / "app.py"
# The pages and the JSON API in one ASGI app (imported by uvicorn once the server starts).
ASGI_APP = "fueltracker.ui.asgi:app"


def main(argv: list[str] | None = None) -> None:
    """Run the Streamlit server on app.py with the given extra options; refuse to start
    with an unsafe configuration (e.g. a missing or short cookie key)."""
    try:
        get_settings().resolved_cookie_key()
    except ConfigurationError as exc:
        sys.exit(f"error: {exc}")
    # Our handler before Streamlit starts, so its startup lines are JSON lines too.
    configure_logging(to_stdout=True)
    # uvicorn would install plain-text handlers of its own when the server starts; its
    # Config binds this dict as a default argument, hence emptied in place.
    import uvicorn.config

    uvicorn.config.LOGGING_CONFIG.update(handlers={}, loggers={})
    options = list(sys.argv[1:] if argv is None else argv)
    if resolve_format(get_settings().log_format, sys.stdout) == "json":
        # The welcome banner is plain text printed to stdout (not a log record).
        options += ["--logger.hideWelcomeMessage", "true"]
    PagesManager.uses_pages_directory = False
    run_timing.install()
    # Serve app.py as st.App with the JSON API mounted beside it (ui/asgi.py): `streamlit
    # run` does the same for a script that defines an st.App, here with app.py staying the
    # main script (its folder's .streamlit/config.toml, sys.path, the pages).
    bootstrap.run = _serve_with_api
    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


def _serve_with_api(
    main_script_path: str,
    is_hello: bool,
    args: list[str],
    flag_options: dict[str, Any],
    *,
    stop_immediately_for_testing: bool = False,
) -> None:
    """bootstrap.run's stand-in: what `streamlit run` calls for a script with an ASGI app
    (bootstrap.run_asgi_app), given our app object by its import string."""
    del is_hello, stop_immediately_for_testing  # `streamlit hello` and its tests only
    run_asgi_app(main_script_path, ASGI_APP, args, flag_options)


if __name__ == "__main__":
    main()
