"""The service's route answered before Flask's routing (``services/direct.py``), and when not.

A cache that records whether a Flask request context exists when an item is loaded
tells which way each request went: none when answered directly, one through Flask.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

import dash
import dash_auth
import flask
import pytest
from dash import html

import dash_file_cache as dfc
from dash_file_cache.caches.typehints import CachedData, CachedFileInfo
from dash_file_cache.services.direct import DirectRoute

from .conftest import ClosingClient

BODY = b"0123456789" * 100
Load = tuple[CachedFileInfo, Callable[[], CachedData]]


class Spy(dfc.CachePlain):
    """A ``CachePlain`` noting, at each load, whether Flask's request context exists."""

    def __init__(self) -> None:
        super().__init__(8)
        self.in_flask: list[bool] = []

    def load(self, key: str) -> Load:
        self.in_flask.append(flask.has_request_context())
        return super().load(key)


def bound(app: flask.Flask | dash.Dash | None = None, **kw: Any) -> tuple[Any, Spy, str]:
    """A Flask app (or ``app``) serving a spied service, and one item's address."""
    cache = Spy()
    service = dfc.ServiceData(cache, **kw)
    app = flask.Flask(__name__) if app is None else app
    service.serve(app)
    server = app.server if isinstance(app, dash.Dash) else app
    server.test_client_class = ClosingClient
    owner = {"owner": "someone"} if "resolve_owner" in kw else {}
    return server, cache, service.register(io.BytesIO(BODY), **owner)


def test_a_flask_app_without_hooks_is_answered_directly() -> None:
    server, cache, address = bound()
    assert isinstance(vars(server)["wsgi_app"], DirectRoute)
    response = server.test_client().get(address)
    assert response.status_code == 200 and response.data == BODY
    assert cache.in_flask == [False]
    other = server.test_client().get("/nowhere")  # every other path goes through Flask
    assert other.status_code == 404


def test_a_dash_app_is_answered_directly_and_still_set_up() -> None:
    app = dash.Dash(__name__)
    app.layout = html.Div("page")
    server, cache, address = bound(app)
    client = server.test_client()
    assert client.get(address).data == BODY
    assert cache.in_flask == [False]
    assert client.get("/").status_code == 200  # Dash's first-request set-up ran now
    assert client.get("/_dash-layout").get_json()["props"]["children"] == "page"
    assert client.get(address).data == BODY
    assert cache.in_flask == [False, False]


def test_dash_pages_routers_do_not_hold_the_route_back() -> None:
    app = dash.Dash(__name__, use_pages=True, pages_folder="")
    dash.register_page("home", path="/", layout=html.Div("home"))
    try:
        app.layout = html.Div(dash.page_container)
        server, cache, address = bound(app)
        assert len(server.before_request_funcs[None]) >= 3  # Dash's two and ours
        assert server.test_client().get(address).data == BODY
        assert cache.in_flask == [False]
    finally:
        dash.page_registry.pop("home", None)


def test_an_authentication_hook_guards_the_route() -> None:
    server, cache, address = bound()

    @server.before_request
    def login_required() -> Any:
        if flask.request.headers.get("Authorization") != "Bearer good":
            return flask.Response("who are you?", status=401)
        return None

    client = server.test_client()
    assert client.get(address).status_code == 401
    assert cache.in_flask == []  # refused before the item was looked at
    allowed = client.get(address, headers={"Authorization": "Bearer good"})
    assert allowed.data == BODY and cache.in_flask == [True]
    server.before_request_funcs[None].remove(login_required)
    assert client.get(address).data == BODY  # the hook gone: direct again
    assert cache.in_flask == [True, False]


@pytest.mark.parametrize("auth_first", [True, False])
def test_dash_auth_guards_the_route(auth_first: bool) -> None:
    app = dash.Dash(__name__)
    app.layout = html.Div("private")
    if auth_first:
        dash_auth.BasicAuth(app, {"alice": "alice-pw"})
    server, cache, address = bound(app)
    if not auth_first:  # added after serve(): seen on the next request all the same
        dash_auth.BasicAuth(app, {"alice": "alice-pw"})
    client = server.test_client()
    assert client.get(address).status_code == 401
    assert client.head(address).status_code == 401
    assert cache.in_flask == []
    alice = {"Authorization": "Basic " + base64.b64encode(b"alice:alice-pw").decode()}
    assert client.get(address, headers=alice).data == BODY
    assert cache.in_flask == [True]


def test_an_after_request_hook_sees_the_route() -> None:
    server, cache, address = bound()

    @server.after_request
    def frame_options(response: flask.Response) -> flask.Response:
        response.headers["X-Frame-Options"] = "DENY"
        return response

    response = server.test_client().get(address)
    assert response.headers["X-Frame-Options"] == "DENY" and response.data == BODY
    assert cache.in_flask == [True]


def test_a_teardown_function_sees_the_route() -> None:
    server, cache, address = bound()
    torn_down: list[str] = []
    server.teardown_request(lambda exc: torn_down.append(flask.request.path))
    assert server.test_client().get(address).data == BODY
    assert torn_down == ["/cached-data"] and cache.in_flask == [True]


def test_request_signal_receivers_see_the_route() -> None:
    server, cache, address = bound()
    seen: list[str] = []

    def started(sender: flask.Flask, **extra: Any) -> None:
        seen.append(flask.request.full_path)

    flask.request_started.connect(started, server)
    try:
        assert server.test_client().get(address).data == BODY
    finally:
        flask.request_started.disconnect(started, server)
    assert seen == [address] and cache.in_flask == [True]


@pytest.mark.filterwarnings("ignore:Current server name:UserWarning")  # Werkzeug < 3.1
def test_server_name_is_checked_by_flask() -> None:
    server, cache, address = bound()
    server.add_url_rule("/ping", "ping", lambda: "pong")
    server.config["SERVER_NAME"] = "files.example"
    client = server.test_client()
    elsewhere = client.get(address, base_url="http://other.example").status_code
    # Flask < 3.1 refuses other hosts (404); 3.1 serves them: either way, as its own routes
    assert elsewhere == client.get("/ping", base_url="http://other.example").status_code
    assert client.get(address, base_url="http://files.example").data == BODY
    assert cache.in_flask == [True] * len(cache.in_flask) and len(cache.in_flask) >= 1


def test_a_flask_class_handling_requests_its_own_way_is_left_alone() -> None:
    class Audited(flask.Flask):
        seen: list[str] = []

        def full_dispatch_request(self) -> flask.Response:
            self.seen.append(flask.request.path)
            return super().full_dispatch_request()

    server, cache, address = bound(Audited(__name__))
    assert "wsgi_app" not in vars(server)
    assert server.test_client().get(address).data == BODY
    assert Audited.seen == ["/cached-data"] and cache.in_flask == [True]


class Gate:
    """A WSGI middleware refusing requests without a ticket, as an auth layer would."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seen: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.seen.append(environ["PATH_INFO"])
        if "HTTP_X_TICKET" not in environ:
            start_response("403 Forbidden", [("Content-Length", "0")])
            return [b""]
        return self.app(environ, start_response)


def test_middleware_set_before_serve_is_never_skipped() -> None:
    server = flask.Flask(__name__)
    gate = Gate(server.wsgi_app)
    server.wsgi_app = gate  # type: ignore[method-assign]
    server, cache, address = bound(server)
    assert vars(server)["wsgi_app"] is gate
    client = server.test_client()
    assert client.get(address).status_code == 403
    assert client.get(address, headers={"X-Ticket": "1"}).data == BODY
    assert gate.seen == ["/cached-data"] * 2 and cache.in_flask == [True]


def test_middleware_set_after_serve_runs_first() -> None:
    server, cache, address = bound()
    gate = Gate(server.wsgi_app)
    server.wsgi_app = gate  # type: ignore[method-assign]
    client = server.test_client()
    assert client.get(address).status_code == 403
    assert client.get(address, headers={"X-Ticket": "1"}).data == BODY
    assert gate.seen == ["/cached-data"] * 2 and cache.in_flask == [False]


def test_owner_resolution_goes_through_flask() -> None:
    server, cache, address = bound(resolve_owner=lambda: flask.request.headers.get("X-User"))
    client = server.test_client()
    assert client.get(address, headers={"X-User": "someone"}).data == BODY
    assert client.get(address, headers={"X-User": "intruder"}).status_code == 404
    assert cache.in_flask == [True, True]


def test_two_services_on_one_app_are_both_answered_directly() -> None:
    server, first, address = bound()
    server, second, other = bound(server, service_name="/other-data")
    client = server.test_client()
    assert client.get(address).data == BODY and client.get(other).data == BODY
    assert first.in_flask == [False] and second.in_flask == [False]


class Broken(dfc.CachePlain):
    def load(self, key: str) -> Load:
        raise RuntimeError("a bug in a cache")


@pytest.mark.parametrize("through_flask", [False, True])
def test_an_unexpected_fault_is_a_json_500(
    through_flask: bool, caplog: pytest.LogCaptureFixture
) -> None:
    service = dfc.ServiceData(Broken(4))
    server = flask.Flask(__name__)
    service.serve(server)
    if through_flask:
        server.before_request(lambda: None)
    with caplog.at_level(logging.ERROR, "dash_file_cache.services"):
        response = server.test_client().get("/cached-data?uid=" + "0" * 32)
    assert response.status_code == 500
    assert response.get_json()["error"] == "the service failed to answer this request"
    assert len(response.data) == int(response.headers["Content-Length"])
    assert "a bug in a cache" in caplog.text
