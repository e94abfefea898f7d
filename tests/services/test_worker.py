"""The download worker script, served by ``ServiceData.serve()`` under the service route."""

from __future__ import annotations

import io
import re
from importlib import resources

import dash
import flask
import pytest

import dash_file_cache as dfc
from dash_file_cache.services.worker import allowed_scope, script_route

from .conftest import served

SOURCE = resources.files("dash_file_cache.services").joinpath("worker.js").read_bytes()


def test_the_worker_is_served_under_the_service_path() -> None:
    app = served(dfc.ServiceData(dfc.CachePlain(4)))
    client = app.test_client()
    response = client.get("/cached-data/sw.js")
    assert response.status_code == 200
    assert response.data == SOURCE
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # Its folder is "/cached-data/"; the widest scope allowed is the service path itself,
    # written relative to the script so that it holds behind any prefix.
    assert response.headers["Service-Worker-Allowed"] == "../cached-data"
    etag = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)

    head = client.head("/cached-data/sw.js")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag
    again = client.get("/cached-data/sw.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_worker_takes_nothing_from_another_host() -> None:
    """No import, no URL of another host: everything comes from the service itself."""
    text = SOURCE.decode("utf-8")
    assert "importScripts" not in text
    assert not re.search(r"\bimport\s*[({'\"]", text)
    assert not re.search(r"https?://", text)


def test_the_worker_is_refused_other_methods() -> None:
    app = served(dfc.ServiceData(dfc.CachePlain(4)))
    assert app.test_client().post("/cached-data/sw.js").status_code == 405


def test_the_old_sibling_path_serves_no_worker() -> None:
    """``<route>-sw.js`` sat in the app's root folder: any page could register it for ``/``."""
    app = served(dfc.ServiceData(dfc.CachePlain(4)))
    assert app.test_client().get("/cached-data-sw.js").status_code == 404


@pytest.mark.parametrize(
    ("route", "script", "allowed", "resolved"),
    [
        ("/cached-data", "/cached-data/sw.js", "../cached-data", "/cached-data"),
        ("/exports/files", "/exports/files/sw.js", "../files", "/exports/files"),
        ("/files/", "/files/sw.js", "../files/", "/files/"),
        ("/", "/sw.js", "./", "/"),
    ],
)
def test_the_allowed_scope_is_the_service_path(
    route: str, script: str, allowed: str, resolved: str
) -> None:
    from urllib.parse import urljoin

    assert script_route(route) == script
    assert allowed_scope(route) == allowed
    assert urljoin("http://h" + script, allowed) == "http://h" + resolved
    behind = urljoin("http://h/prefix" + script, allowed)  # a proxy's prefix is kept
    assert behind == "http://h/prefix" + resolved


def test_each_service_serves_its_own_worker_and_items_still_stream() -> None:
    app = flask.Flask(__name__)
    first = dfc.ServiceData(dfc.CachePlain(4))
    second = dfc.ServiceData(dfc.CachePlain(4), service_name="/exports/files")
    first.serve(app)
    second.serve(app)
    client = app.test_client()
    for path, scope in (
        ("/cached-data/sw.js", "../cached-data"),
        ("/exports/files/sw.js", "../files"),
    ):
        response = client.get(path)
        assert response.data == SOURCE
        assert response.headers["Service-Worker-Allowed"] == scope
    address = second.register(io.BytesIO(b"payload"), download=True)
    assert client.get(address).data == b"payload"


def test_the_worker_follows_the_dash_prefixes() -> None:
    """Routed under ``routes_pathname_prefix``: a stripping proxy forwards
    ``/app/cached-data/sw.js`` as ``/cached-data/sw.js``, under the service."""
    app = dash.Dash(__name__, requests_pathname_prefix="/app/", routes_pathname_prefix="/")
    app.layout = dash.html.Div()
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    address = service.register(io.BytesIO(b"x"))
    assert address.startswith("/app/cached-data?uid=")
    client = app.server.test_client()
    assert client.get("/cached-data/sw.js").data == SOURCE
    based = dash.Dash(__name__, url_base_pathname="/base/")
    based.layout = dash.html.Div()
    dfc.ServiceData(dfc.CachePlain(4)).serve(based)
    assert based.server.test_client().get("/base/cached-data/sw.js").data == SOURCE


@pytest.mark.parametrize("extra", ["&dfc_dl=Zx9_ab-12345678", "&dfc_dl=", "&unknown=1&x"])
def test_the_service_ignores_unknown_query_parameters(extra: str) -> None:
    """A navigation the worker did not intercept reaches the server with its ``dfc_dl``."""
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = served(service)
    address = service.register(io.BytesIO(b"body"), file_name="a.bin", download=True)
    response = app.test_client().get(address + extra)
    assert response.status_code == 200
    assert response.data == b"body"
    assert response.headers["Content-Disposition"].startswith("attachment")
