"""Fixtures of the DownloadLink download tests."""

from __future__ import annotations

from collections.abc import Callable

import dash
import pytest
from selenium.webdriver.support.ui import WebDriverWait
from server_control import ServerControl

import dash_file_cache as dfc

WAIT_SECONDS = 20


@pytest.fixture
def served() -> tuple[dash.Dash, dfc.ServiceData, ServerControl]:
    """A Dash app with a ``ServiceData`` (``CachePlain``) at /cached-data, whose bodies a
    ``ServerControl`` paces, cuts and records."""
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    return app, service, ServerControl(app)


@pytest.fixture
def wait_until(dash_duo) -> Callable[..., object]:
    """``wait_until(predicate, message, timeout)``: poll ``predicate()`` until truthy."""

    def _wait(predicate: Callable[[], object], message: str, timeout: float = WAIT_SECONDS):
        return WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.05).until(
            lambda _driver: predicate(), message
        )

    return _wait
