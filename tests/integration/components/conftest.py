"""Fixtures of the ``dash_duo`` tests of CachedImage and DownloadLink."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import dash
import pytest
from component_helpers import WAIT_SECONDS
from selenium.webdriver.support.ui import WebDriverWait

import dash_file_cache as dfc


@pytest.fixture
def app_service() -> tuple[dash.Dash, dfc.ServiceData]:
    """A Dash app with a ``ServiceData`` over ``CachePlain`` bound at /cached-data."""
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    return app, service


@pytest.fixture
def wait_until(dash_duo) -> Callable[..., object]:
    """``wait_until(predicate, message)``: poll ``predicate()`` until truthy."""

    def _wait(predicate: Callable[[], object], message: str, timeout: float = WAIT_SECONDS):
        return WebDriverWait(dash_duo.driver, timeout).until(lambda _driver: predicate(), message)

    return _wait


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """Holds a gated response (see ``add_gated_route``) until set; set at teardown."""
    event = threading.Event()
    yield event
    event.set()
