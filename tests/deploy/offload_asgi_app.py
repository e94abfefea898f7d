"""The app of the offload tests on Dash's FastAPI backend (gunicorn with uvicorn workers):
the services and ``POST /register`` of ``offload_app.py``."""

from __future__ import annotations

import dash

from .offload_app import build

dash_app = dash.Dash(__name__, backend="fastapi")
dash_app.layout = dash.html.Div("offload")
register_item = build(dash_app)
app = dash_app.server


@app.post("/register")
def register(kind: str = "path", once: str = "0") -> dict[str, str]:
    """Sync, so it runs in a thread with the request current (owners read it)."""
    return {"addr": register_item(kind, once == "1")}
