"""Addresses under a path prefix: Dash's prefixes, Flask's SCRIPT_NAME, refused setups."""

from __future__ import annotations

import io

import dash
import flask
import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

import dash_file_cache as dfc


def dash_app(**prefixes: str) -> dash.Dash:
    app = dash.Dash(__name__, **prefixes)
    app.layout = dash.html.Div()
    return app


def service() -> dfc.ServiceData:
    return dfc.ServiceData(dfc.CachePlain(8))


def uid_of(address: str) -> str:
    return address.split("uid=")[1]


def test_default_dash_app_keeps_the_plain_address() -> None:
    app, svc = dash_app(), service()
    svc.serve(app)
    address = svc.register(io.BytesIO(b"x"))
    assert address.startswith("/cached-data?uid=")
    assert app.server.test_client().get(address).data == b"x"


def test_stripping_proxy_prefix_at_start_up() -> None:
    """requests /app/, routes /: the browser asks /app/…, the proxy forwards /…."""
    app = dash_app(requests_pathname_prefix="/app/", routes_pathname_prefix="/")
    svc = service()
    svc.serve(app)
    address = svc.register(io.BytesIO(b"stripped"))  # outside any request
    assert address == f"/app/cached-data?uid={uid_of(address)}"
    forwarded = address.removeprefix("/app")
    assert app.server.test_client().get(forwarded).data == b"stripped"


def test_url_base_pathname_routes_and_addresses_under_the_prefix() -> None:
    app, svc = dash_app(url_base_pathname="/app/"), service()
    svc.serve(app)
    address = svc.register(io.BytesIO(b"based"))
    assert address.startswith("/app/cached-data?uid=")
    assert app.server.test_client().get(address).data == b"based"


def test_a_service_name_already_under_the_routes_prefix_is_kept() -> None:
    app = dash_app(url_base_pathname="/app/")
    svc = dfc.ServiceData(dfc.CachePlain(8), service_name="/app/files")
    svc.serve(app)
    address = svc.register(io.BytesIO(b"kept"))
    assert address.startswith("/app/files?uid=")
    assert app.server.test_client().get(address).data == b"kept"


def test_a_service_name_holding_the_requests_prefix_is_refused() -> None:
    app = dash.Dash(__name__, requests_pathname_prefix="/app/", routes_pathname_prefix="/")
    svc = dfc.ServiceData(dfc.CachePlain(8), service_name="/app/cached-data")
    with pytest.raises(ValueError, match=r"requests_pathname_prefix.*service_name='/cached-data'"):
        svc.serve(app)


@pytest.mark.parametrize("name", ["/_dash-layout", "/_dash-files", "/assets/files", "/"])
def test_a_service_name_on_dash_routes_is_refused(name: str) -> None:
    app = dash.Dash(__name__)
    with pytest.raises(ValueError, match="collides with Dash's own routes"):
        dfc.ServiceData(dfc.CachePlain(8), service_name=name).serve(app)


def test_flask_behind_proxyfix_uses_the_forwarded_prefix() -> None:
    app, svc = flask.Flask(__name__), service()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_prefix=1)  # type: ignore[method-assign]
    svc.serve(app)

    @app.post("/make")
    def make() -> dict[str, str]:
        return {"addr": svc.register(io.BytesIO(b"fixed"))}

    client = app.test_client()
    address = client.post("/make", headers={"X-Forwarded-Prefix": "/tools"}).get_json()["addr"]
    assert address.startswith("/tools/cached-data?uid=")
    assert client.get(address.removeprefix("/tools")).data == b"fixed"
    direct = client.post("/make").get_json()["addr"]
    assert direct.startswith("/cached-data?uid=")


def test_flask_outside_a_request_uses_application_root_or_the_explicit_prefix() -> None:
    app, svc = flask.Flask(__name__), service()
    app.config["APPLICATION_ROOT"] = "/tools"
    svc.serve(app)
    assert svc.register(io.BytesIO(b"x")).startswith("/tools/cached-data?uid=")
    other, explicit = flask.Flask(__name__), service()
    explicit.serve(other, public_prefix="/proxied/")
    assert explicit.register(io.BytesIO(b"x")).startswith("/proxied/cached-data?uid=")


@pytest.mark.parametrize("prefix", ["app", "/a?b", 3])
def test_bad_public_prefix(prefix: object) -> None:
    with pytest.raises((TypeError, ValueError), match="public_prefix"):
        service().serve(flask.Flask(__name__), public_prefix=prefix)  # type: ignore[arg-type]


def test_each_app_gets_its_own_prefix_inside_its_requests() -> None:
    svc = service()
    first = dash.Dash(__name__, requests_pathname_prefix="/one/", routes_pathname_prefix="/")
    second = dash.Dash(__name__, requests_pathname_prefix="/two/", routes_pathname_prefix="/")
    svc.serve(first)
    svc.serve(second)
    with first.server.test_request_context("/"):
        assert svc.register(io.BytesIO(b"1")).startswith("/one/")
    with second.server.test_request_context("/"):
        assert svc.register(io.BytesIO(b"2")).startswith("/two/")
    assert svc.register(io.BytesIO(b"3")).startswith("/two/")  # outside: the last bound
