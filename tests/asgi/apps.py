"""The ASGI apps under test: Dash on its ``fastapi`` and ``quart`` backends, and bare
FastAPI and Quart apps, each with a service on ``CachePlain``."""

from __future__ import annotations

import inspect
from typing import Any

import dash
import pytest

import dash_file_cache as dfc

#: Dash 4.2+ takes ``backend=``; older Dash has only Flask.
DASH_BACKENDS = "backend" in inspect.signature(dash.Dash.__init__).parameters
KINDS = ["dash-fastapi", "dash-quart", "fastapi", "quart"]


def make_app(kind: str, **dash_options: Any) -> tuple[Any, Any]:
    """``(what serve() takes, the ASGI app uvicorn runs)`` for ``kind``."""
    if kind.startswith("dash-"):
        if not DASH_BACKENDS:
            pytest.skip(f"Dash {dash.__version__} has no backend= (4.2+)")
        app = dash.Dash(__name__, backend=kind.removeprefix("dash-"), **dash_options)
        app.layout = dash.html.Div("page")
        return app, app.server
    if kind == "fastapi":
        import fastapi

        bare: Any = fastapi.FastAPI()
    else:
        import quart

        bare = quart.Quart(__name__)
    return bare, bare


def served(kind: str, **options: Any) -> tuple[dfc.ServiceData, Any]:
    """A service on a new app of ``kind``; ``(service, ASGI app)``."""
    app, asgi = make_app(kind)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app, **options)
    return service, asgi
