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


@pytest.fixture(params=["plain", "file", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dfc.CacheAbstract]:
    if request.param == "plain":
        yield dfc.CachePlain(32)
    elif request.param == "file":
        yield dfc.CacheFile(tmp_path / "cache")
    else:
        url = request.getfixturevalue("redis_server")
        cache = dfc.CacheRedis(url, key_prefix=f"{request.node.name}:")
        yield cache
        cache.client.flushdb()
        cache.client.close()


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


@pytest.fixture(params=["plain", "file"])
def path_service(request: pytest.FixtureRequest, tmp_path: Path) -> dfc.ServiceData:
    """A service on a cache that keeps registered paths as references."""
    if request.param == "plain":
        return dfc.ServiceData(dfc.CachePlain(8))
    return dfc.ServiceData(dfc.CacheFile(tmp_path / "cache"))
