"""Items are data, never the app: the sandbox policy, no service worker from an item,
the item's own attachment disposition, and cross-origin embedding only when opted in."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import flask
import pytest

import dash_file_cache as dfc
from dash_file_cache.services.policy import ERROR_POLICY, ITEM_POLICY, MEDIA_POLICY

from .conftest import served

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_every_item_answer_carries_the_sandbox_policy(
    service: dfc.ServiceData, client: Any
) -> None:
    address = service.register(io.BytesIO(SVG), mime_type="image/svg+xml")
    full = client.get(address)
    etag = full.headers["ETag"]
    answers = [
        full,
        client.head(address),
        client.get(address, headers={"Range": "bytes=0-9"}),
        client.get(address, headers={"If-None-Match": etag}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 206, 304]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == ITEM_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("mime_type", "policy"),
    [
        ("text/html", ITEM_POLICY),
        ("application/javascript", ITEM_POLICY),
        ("application/pdf", ITEM_POLICY),
        ("image/png", ITEM_POLICY),
        ("video/mp4", MEDIA_POLICY),
        ("audio/wav", MEDIA_POLICY),
        ("Video/WebM", MEDIA_POLICY),
    ],
)
def test_the_policy_by_type(mime_type: str, policy: str) -> None:
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = served(service)
    address = service.register(io.BytesIO(b"x" * 100), mime_type=mime_type)
    assert app.test_client().get(address).headers["Content-Security-Policy"] == policy
    assert "allow-scripts" not in policy


def test_a_trusted_item_has_no_policy_but_is_still_no_worker() -> None:
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = served(service)
    client = app.test_client()
    trusted = service.register(io.StringIO("<p>report</p>"), mime_type="text/html", trusted=True)
    answer = client.get(trusted)
    assert answer.status_code == 200
    assert "Content-Security-Policy" not in answer.headers
    assert client.get(trusted, headers={"Service-Worker": "script"}).status_code == 403
    with pytest.raises(TypeError, match="trusted must be a bool"):
        service.register(io.BytesIO(b"x"), trusted="yes")  # type: ignore[arg-type]


def test_errors_carry_a_policy_too(client: Any) -> None:
    for address in ("/cached-data", "/cached-data?uid=" + "0" * 32):
        answer = client.get(address)
        assert answer.status_code in (400, 404)
        assert answer.headers["Content-Security-Policy"] == ERROR_POLICY
        assert answer.headers["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "headers",
    [
        {"Service-Worker": "script"},
        {"Service-Worker": " Script "},
        {"Sec-Fetch-Dest": "serviceworker"},
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_no_item_becomes_a_service_worker(
    service: dfc.ServiceData, client: Any, headers: dict[str, str], method: str
) -> None:
    """Refused before the lookup, whatever the type: a one-time item is not consumed."""
    address = service.register(
        io.StringIO("self.onfetch = () => {};"),
        mime_type="application/javascript",
        one_time_service=True,
    )
    refused = client.open(address, method=method, headers=headers)
    assert refused.status_code == 403
    assert refused.mimetype == "application/json"
    if method == "GET":
        assert refused.json["error"] == "an item cannot be installed as a service worker"
    assert client.get(address).data == b"self.onfetch = () => {};"
    assert client.get(address).status_code == 404


def test_a_download_item_is_always_an_attachment(service: dfc.ServiceData, client: Any) -> None:
    address = service.register(io.BytesIO(b"report"), file_name="r.csv", download=True)
    assert address.endswith("&download=true")
    bare = address.removesuffix("&download=true")
    for url in (address, bare, bare + "&download=false", bare + "&download=0"):
        disposition = client.get(url).headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), url
    assert client.head(bare).headers["Content-Disposition"].startswith("attachment;")
    inline = service.register(io.BytesIO(b"view"), file_name="v.txt")
    assert client.get(inline).headers["Content-Disposition"].startswith("inline;")
    asked = client.get(inline + "&download=true").headers["Content-Disposition"]
    assert asked.startswith("attachment;")
    assert (
        service.stream(bare.rsplit("=", 1)[1])
        .headers["Content-Disposition"]
        .startswith("attachment;")
    )


def test_a_download_path_item_is_always_an_attachment(
    path_service: dfc.ServiceData, tmp_path: Path
) -> None:
    target = tmp_path / "page.html"
    target.write_text("<script>alert(1)</script>")
    app = served(path_service)
    address = path_service.register(target, mime_type="text/html", download=True)
    answer = app.test_client().get(address.removesuffix("&download=true"))
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Content-Security-Policy"] == ITEM_POLICY


@pytest.mark.parametrize(
    ("origins", "expected"),
    [(None, "same-origin"), ("*", "cross-origin"), ("https://app.example", "cross-origin")],
)
def test_cross_origin_embedding_is_opt_in(origins: Any, expected: str) -> None:
    service = dfc.ServiceData(dfc.CachePlain(4))
    app = flask.Flask(__name__)
    service.serve(app, allowed_cross_origin=origins)
    address = service.register(io.BytesIO(b"x"), mime_type="image/png")
    client = app.test_client()
    for headers in ({}, {"Origin": "https://app.example"}, {"Origin": "https://evil.example"}):
        answer = client.get(address, headers=headers)
        assert answer.status_code == 200
        assert answer.headers["Cross-Origin-Resource-Policy"] == expected
