"""Fixtures for the service tests: a Flask app with a service on each kind of cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import flask.testing
import pytest

import dash_file_cache as dfc


class ClosingClient(flask.testing.FlaskClient):
    """A test client that reads each response whole and closes it, as a server does."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def served(service: dfc.ServiceData) -> flask.Flask:
    """A Flask app with ``service`` bound, whose test client closes responses."""
    app = flask.Flask(__name__)
    app.test_client_class = ClosingClient
    service.serve(app)
    return app


@pytest.fixture(params=["plain", "file"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> dfc.CacheAbstract:
    if request.param == "plain":
        return dfc.CachePlain(32)
    return dfc.CacheFile(tmp_path / "cache")


@pytest.fixture
def service(cache: dfc.CacheAbstract) -> dfc.ServiceData:
    return dfc.ServiceData(cache)


@pytest.fixture
def app(service: dfc.ServiceData) -> flask.Flask:
    return served(service)


@pytest.fixture
def client(app: flask.Flask) -> Iterator[flask.testing.FlaskClient]:
    with app.test_client() as client:
        yield client
