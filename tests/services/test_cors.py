"""Cross-origin access: only allowed origins get CORS headers, errors included."""

from __future__ import annotations

import io
from typing import Any

import flask
import pytest

import dash_file_cache as dfc

from .conftest import ClosingClient

PAGE = "http://127.0.0.1:8050"


def app_with(allowed: Any) -> tuple[dfc.ServiceData, Any]:
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = flask.Flask(__name__)
    app.test_client_class = ClosingClient
    service.serve(app, allowed_cross_origin=allowed)
    return service, app.test_client()


@pytest.mark.parametrize("allowed", ["*", PAGE, [PAGE, "https://example.org"]])
def test_allowed_origin_can_read_the_item_and_its_headers(allowed: Any) -> None:
    service, client = app_with(allowed)
    address = service.register(io.BytesIO(b"img"), file_name="a.png", download=True)
    response = client.get(address, headers={"Origin": PAGE})
    assert response.data == b"img"
    assert response.headers["Access-Control-Allow-Origin"] == ("*" if allowed == "*" else PAGE)
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "Content-Disposition" in exposed and "Content-Length" in exposed
    assert "Origin" in response.headers.get_all("Vary")


def test_errors_carry_cors_headers_too() -> None:
    _, client = app_with(PAGE)
    response = client.get("/cached-data?uid=" + "0" * 32, headers={"Origin": PAGE})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == PAGE


def test_other_origins_get_no_cors_headers() -> None:
    service, client = app_with(PAGE)
    address = service.register(io.BytesIO(b"img"))
    response = client.get(address, headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_without_allowed_cross_origin_no_cors_headers() -> None:
    service, client = app_with(None)
    response = client.get(service.register(io.BytesIO(b"x")), headers={"Origin": PAGE})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_is_answered() -> None:
    service, client = app_with(PAGE)
    address = service.register(io.BytesIO(b"x"))
    response = client.options(
        address,
        headers={
            "Origin": PAGE,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == PAGE
    assert "Range" in response.headers["Access-Control-Allow-Headers"]


def test_preflight_allows_a_bearer_token() -> None:
    """``DownloadLink(headers={"Authorization": …})`` against a service on another origin."""
    service, client = app_with(PAGE)
    response = client.options(
        service.register(io.BytesIO(b"x")),
        headers={
            "Origin": PAGE,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code == 204
    allowed = [
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    ]
    assert "authorization" in allowed


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (42, TypeError),
        (["http://ok", 3], TypeError),
        ("example.org", ValueError),
        (["https://a.org/path"], ValueError),
        ("http://a\r\nX: y", ValueError),
    ],
)
def test_bad_allowed_cross_origin_is_refused(value: Any, error: type) -> None:
    service = dfc.ServiceData(dfc.CachePlain(1))
    with pytest.raises(error, match="allowed_cross_origin"):
        service.serve(flask.Flask(__name__), allowed_cross_origin=value)


def test_credentials_are_allowed_only_when_asked_for() -> None:
    """``allow_credentials=True`` (explicit origins only) answers
    ``Access-Control-Allow-Credentials: true`` on GETs, errors and preflights, and only
    to allowed origins; without it the header never appears."""
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = flask.Flask(__name__)
    app.test_client_class = ClosingClient
    service.serve(app, allowed_cross_origin=PAGE, allow_credentials=True)
    client = app.test_client()
    address = service.register(io.BytesIO(b"x"))
    preflight = {"Access-Control-Request-Method": "GET", "Origin": PAGE}
    for response in (
        client.get(address, headers={"Origin": PAGE}),
        client.get("/cached-data?uid=" + "0" * 32, headers={"Origin": PAGE}),
        client.options(address, headers=preflight),
    ):
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Access-Control-Allow-Origin"] == PAGE
    other = client.get(address, headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Credentials" not in other.headers
    _, plain = app_with(PAGE)
    response = plain.get("/cached-data?uid=" + "0" * 32, headers={"Origin": PAGE})
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("origins", "credentials", "error"),
    [("*", True, ValueError), (None, True, ValueError), (PAGE, "yes", TypeError)],
)
def test_bad_allow_credentials_is_refused(origins: Any, credentials: Any, error: type) -> None:
    service = dfc.ServiceData(dfc.CachePlain(1))
    with pytest.raises(error, match="allow_credentials"):
        service.serve(
            flask.Flask(__name__), allowed_cross_origin=origins, allow_credentials=credentials
        )
