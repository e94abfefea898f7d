"""Fixtures of the DownloadLink download tests."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import dash
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from server_control import Control, control_server

import dash_file_cache as dfc

WAIT_SECONDS = 20
#: Dash's backends: Flask (WSGI, served by Werkzeug), FastAPI (ASGI, uvicorn) and Quart
#: (ASGI, hypercorn), as ``dash_duo.start_server`` runs each in a thread.
BACKENDS = ["flask", "fastapi", "quart"]

Served = tuple[dash.Dash, dfc.ServiceData, Control]


def make_served(backend: str) -> Served:
    """A Dash app on ``backend`` with a ``ServiceData`` (``CachePlain``) at /cached-data,
    whose bodies the backend's ``ServerControl`` paces, cuts and records."""
    if backend == "flask":
        app = dash.Dash(__name__)
    else:
        pytest.importorskip(backend)
        if "backend" not in inspect.signature(dash.Dash.__init__).parameters:
            pytest.skip(f"Dash {dash.__version__} has no backend= (4.2+)")
        app = dash.Dash(__name__, backend=backend)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    return app, service, control_server(app)


@pytest.fixture
def served() -> Served:
    """``make_served`` on Flask."""
    return make_served("flask")


@pytest.fixture(params=BACKENDS)
def served_each(request: pytest.FixtureRequest) -> Served:
    """``make_served`` on each backend in turn (ids ``flask``, ``fastapi``, ``quart``)."""
    return make_served(request.param)


@pytest.fixture
def wait_until(dash_duo) -> Callable[..., object]:
    """``wait_until(predicate, message, timeout)``: poll ``predicate()`` until truthy."""

    def _wait(predicate: Callable[[], object], message: str, timeout: float = WAIT_SECONDS):
        return WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.05).until(
            lambda _driver: predicate(), message
        )

    return _wait
