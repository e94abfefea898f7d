"""Owners on the ASGI backends, under a real uvicorn: items registered in a Dash callback
are served only to the browser or user that registered them (as on Flask), with the
session of each backend (Starlette's ``SessionMiddleware``, Quart's signed cookie), a
user put on the request by middleware, and HTTP Basic credentials."""

from __future__ import annotations

import base64
import http.client
import io
import json
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dash
import pytest
from dash import Input, Output, html

import dash_file_cache as dfc
from dash_file_cache import owners
from dash_file_cache.services import context

from .apps import DASH_BACKENDS
from .conftest import uvicorn_serving

pytestmark = pytest.mark.skipif(not DASH_BACKENDS, reason="Dash 4.2+ has backend=")
SECRET = "not-a-real-secret"
#: The body of a click on the app's button, as the browser posts it.
CLICK = json.dumps(
    {
        "output": "out.children",
        "outputs": {"id": "out", "property": "children"},
        "inputs": [{"id": "go", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["go.n_clicks"],
        "state": [],
    }
).encode()


class Browser:
    """One HTTP client with its own cookies, on one keep-alive connection."""

    def __init__(self, base: str, headers: dict[str, str] | None = None) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";")[0]
        return response.status, data

    def register(self) -> str:
        """Click the app's button: the address its callback registered."""
        status, data = self.request("POST", "/_dash-update-component", CLICK)
        assert status == 200, data[:300]
        return str(json.loads(data)["response"]["out"]["children"])

    def close(self) -> None:
        self.connection.close()


@contextmanager
def owned_app(
    backend: str, resolver: Callable[[], str | None], setup: Callable[[Any], None]
) -> Iterator[str]:
    """A Dash app on ``backend`` whose button registers an item owned by the clicker."""
    app = dash.Dash(__name__, backend=backend)
    setup(app)
    service = dfc.ServiceData(dfc.CachePlain(8), resolve_owner=resolver)
    service.serve(app)
    app.layout = html.Div([html.Button(id="go"), html.Div(id="out")])

    @app.callback(Output("out", "children"), Input("go", "n_clicks"))
    def make(n_clicks: int | None) -> str:
        return service.register(io.BytesIO(b"private bytes"), file_name="mine.txt")

    with uvicorn_serving(app.server) as base:
        yield base


def with_sessions(app: Any) -> None:
    if hasattr(app.server, "add_middleware"):  # FastAPI
        from starlette.middleware.sessions import SessionMiddleware

        app.server.add_middleware(SessionMiddleware, secret_key=SECRET)
    else:
        app.server.secret_key = SECRET


@pytest.mark.parametrize("backend", ["fastapi", "quart"])
def test_browser_session_owns_items(backend: str) -> None:
    with owned_app(backend, owners.browser_session, with_sessions) as base:
        alice, bob = Browser(base), Browser(base)
        try:
            address = alice.register()
            assert alice.cookies, "the callback's response set the session cookie"
            assert alice.request("GET", address) == (200, b"private bytes")
            status, body = bob.request("GET", address)  # no session at all
            assert status == 404 and json.loads(body)["code"] == 404
            bob.register()  # a session of its own, not alice's
            assert bob.request("GET", address)[0] == 404
            forged = Browser(base)
            forged.cookies = {k: v[:-4] + "AAAA" for k, v in alice.cookies.items()}
            assert forged.request("GET", address)[0] == 404
            forged.close()
        finally:
            alice.close()
            bob.close()


def test_browser_session_says_what_fastapi_needs() -> None:
    """Without SessionMiddleware, registering fails (no item becomes public by mistake)
    and the error names the fix."""
    with owned_app("fastapi", owners.browser_session, lambda app: None) as base:
        browser = Browser(base)
        try:
            status, _ = browser.request("POST", "/_dash-update-component", CLICK)
            assert status == 500
        finally:
            browser.close()
    token = context.enter_asgi(
        context.AsgiRequest({"type": "http", "headers": []}, None, "starlette")
    )
    try:
        with pytest.raises(RuntimeError, match="SessionMiddleware"):
            owners.browser_session()
    finally:
        context.leave_asgi(token)


def with_user_middleware(app: Any) -> None:
    """Authentication of the app's own: the user named by a (trusted) proxy header."""

    @app.server.middleware("http")
    async def user_from_header(request: Any, call_next: Any) -> Any:
        request.state.user = request.headers.get("x-authenticated-user")
        return await call_next(request)


def test_request_user_on_fastapi() -> None:
    resolver = owners.request_user()
    assert pickle.loads(pickle.dumps(resolver))() is None  # picklable; nobody outside a request
    with owned_app("fastapi", resolver, with_user_middleware) as base:
        alice = Browser(base, {"X-Authenticated-User": "alice"})
        bob = Browser(base, {"X-Authenticated-User": "bob"})
        nobody = Browser(base)
        try:
            address = alice.register()
            assert alice.request("GET", address) == (200, b"private bytes")
            assert bob.request("GET", address)[0] == 404
            assert nobody.request("GET", address)[0] == 404
        finally:
            for browser in (alice, bob, nobody):
                browser.close()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize("backend", ["fastapi", "quart"])
def test_basic_auth_users_on_asgi(backend: str) -> None:
    resolver = owners.basic_auth({"alice": "wonderland", "bob": "builder"})
    with owned_app(backend, resolver, lambda app: None) as base:
        alice = Browser(base, basic("alice", "wonderland"))
        impostor = Browser(base, basic("alice", "guess"))
        bob = Browser(base, basic("bob", "builder"))
        try:
            address = alice.register()
            assert alice.request("GET", address) == (200, b"private bytes")
            assert impostor.request("GET", address)[0] == 404
            assert bob.request("GET", address)[0] == 404
        finally:
            for browser in (alice, impostor, bob):
                browser.close()


def test_flask_only_resolvers_say_so_on_asgi() -> None:
    with owned_app("fastapi", owners.basic_auth, lambda app: None) as base:
        browser = Browser(base, basic("alice", "wonderland"))
        try:
            status, _ = browser.request("POST", "/_dash-update-component", CLICK)
            assert status == 500  # the callback raised: no item was made public by mistake
        finally:
            browser.close()
    with pytest.raises(RuntimeError, match="on FastAPI or Quart pass what to verify against"):
        owners.basic_auth()


@pytest.mark.parametrize("route", ["sync", "async"])
def test_owners_in_the_apps_own_routes(route: str) -> None:
    """register() in a route of a bare FastAPI app (no Dash) binds the item to the
    requester: serve() made the app's requests current (CurrentRequest)."""
    import fastapi

    app = fastapi.FastAPI()
    service = dfc.ServiceData(dfc.CachePlain(8), resolve_owner=owners.request_user())
    service.serve(app)

    @app.middleware("http")
    async def user_from_header(request: Any, call_next: Any) -> Any:
        request.state.user = request.headers.get("x-authenticated-user")
        return await call_next(request)

    def make() -> dict[str, str]:
        return {"addr": service.register(io.BytesIO(b"private bytes"), file_name="mine.txt")}

    async def make_async() -> dict[str, str]:
        return make()

    app.post("/make")(make if route == "sync" else make_async)
    with uvicorn_serving(app) as base:
        alice = Browser(base, {"X-Authenticated-User": "alice"})
        bob = Browser(base, {"X-Authenticated-User": "bob"})
        try:
            status, body = alice.request("POST", "/make", b"{}")
            assert status == 200, body
            address = json.loads(body)["addr"]
            assert alice.request("GET", address) == (200, b"private bytes")
            assert bob.request("GET", address)[0] == 404
        finally:
            alice.close()
            bob.close()
