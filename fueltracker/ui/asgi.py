"""The one ASGI application the server runs: the Streamlit app (app.py) with the JSON API
mounted beside it under /api/v1 (fueltracker/api), on the same process and port.

Streamlit 1.67's `st.App(script, routes=[...])` puts our routes before its own, so
/api/v1/... reaches the API and everything else the pages; Streamlit refuses routes under
its reserved prefixes (/_stcore/, /media/, /component/, /static/). ui/server.py has
`streamlit run app.py` start this object instead of the plain app (see there); this module
only builds it, so it is the one place that knows both halves."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.routing import Mount

from fueltracker.api.app import PREFIX, create_api

APP = Path(__file__).resolve().parents[2] / "app.py"
# uvicorn imports this by name (IMPORT_STRING) when the server starts.
IMPORT_STRING = f"{__name__}:app"

app = st.App(APP, routes=[Mount(PREFIX, app=create_api())])
