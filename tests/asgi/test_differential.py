"""The same generated requests to the service on Flask, FastAPI and Quart give the same
answers: status, headers (but ``Date``, ``Server`` and the connection's own) and body.

One cache is shared by three services, each served on a Dash app of one backend under a
real server (Werkzeug's for Flask, uvicorn for the ASGI two), so every uid and ETag is
valid on all three. The requests are the fuzz suite's (any method, raw query strings,
``Range`` and conditional headers), made valid HTTP/1.1 on the wire: bytes a request
line cannot carry are percent-encoded, and header values with control characters
(which uvicorn's parser refuses before any app sees them) are not sent, nor methods
that uvicorn's httptools parser does not know (``FOO``, ``get``: it answers them 400
itself; the Flask side's 405 for them is in the fuzz suite).
"""

from __future__ import annotations

import http.client
import io
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dash
import pytest
from hypothesis import HealthCheck, assume, given, note, settings

import dash_file_cache as dfc

from ..fuzz.strategies import Req, render, requests
from ..fuzz.target import Item
from ..helpers import live_server
from .apps import DASH_BACKENDS
from .conftest import uvicorn_serving

pytestmark = pytest.mark.skipif(not DASH_BACKENDS, reason="Dash 4.2+ has backend=")

EXAMPLES = settings(
    max_examples=int(os.environ.get("DFC_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
#: Headers each server adds of its own.
SERVER_HEADERS = {"date", "server", "connection", "keep-alive"}
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LINE_SAFE = frozenset(range(0x21, 0x7F)) - {ord("#"), ord("%")}


#: Methods every server's parser takes (llhttp, behind httptools, refuses the others).
_PARSED = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"})


class Items:
    """The registered items, under the keys the fuzz strategies name."""

    def __init__(self, service: dfc.ServiceData, folder: Path) -> None:
        self.service = service
        self.items: dict[str, Item] = {}
        blob = os.urandom(3000)
        self.add(service, "bytes", io.BytesIO(blob), blob, file_name="données.bin")
        text = "Grüße, 世界! ½ €\n" * 30
        self.add(service, "text", io.StringIO(text), text.encode(), content_type="text/plain")
        path = folder / "fichier-é.bin"
        path.write_bytes(os.urandom(70_000))  # above the small-body size: streamed
        self.add(service, "path", path, path.read_bytes())
        self.add(service, "empty", io.BytesIO(b""), b"", file_name="vide.bin")
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        # "once" (a one-time item in the fuzz suite) is an SVG here: three servers share
        # each item, and a one-time item can only be answered once.
        self.add(service, "once", io.BytesIO(svg), svg, content_type="image/svg+xml")

    def add(self, service: dfc.ServiceData, key: str, source: Any, data: bytes, **kw: Any) -> None:
        uid = service.register(source, **kw).split("uid=")[1]
        self.items[key] = Item(uid, data, "")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Items, dict[str, str]]]:
    cache = dfc.CachePlain(32)
    services = {}
    apps = {}
    for backend in ("flask", "fastapi", "quart"):
        app = dash.Dash(__name__, backend=backend)
        app.layout = dash.html.Div("page")
        service = dfc.ServiceData(cache)
        service.serve(app)
        services[backend], apps[backend] = service, app.server
    items = Items(services["flask"], tmp_path_factory.mktemp("differential"))
    with ExitStack() as stack:
        urls = {
            "flask": stack.enter_context(live_server(apps["flask"])),
            "fastapi": stack.enter_context(uvicorn_serving(apps["fastapi"])),
            "quart": stack.enter_context(uvicorn_serving(apps["quart"])),
        }
        for item in items.items.values():  # the ETags, as the servers send them
            status, headers, _ = send(urls["flask"], "HEAD", f"uid={item.uid}", {})
            assert status == 200
            item.etag = headers["etag"]
        yield items, urls
    cache.close()


def line_safe(query: str) -> str:
    """``query`` as a request line can carry it: other bytes percent-encoded."""
    return "".join(chr(b) if b in _LINE_SAFE else f"%{b:02X}" for b in query.encode("utf-8"))


def send(
    base: str, method: str, query: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: status, headers (lower case, joined), body."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, f"/cached-data?{query}", skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        received: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            received[key] = f"{received[key]}, {value}" if key in received else value
        return response.status, received, body
    finally:
        connection.close()


def comparable(answer: tuple[int, dict[str, str], bytes]) -> tuple[Any, ...]:
    status, headers, body = answer
    kept = sorted((k, v) for k, v in headers.items() if k not in SERVER_HEADERS)
    return status, kept, body


def test_flask_fastapi_and_quart_answer_alike(servers: tuple[Items, dict[str, str]]) -> None:
    items, urls = servers
    seen: dict[int, int] = {}

    @EXAMPLES
    @given(req=requests)
    def differential(req: Req) -> None:
        query = line_safe("".join(render(items, part) for part in req.query))  # type: ignore[arg-type]
        headers = {
            name: "".join(render(items, p, req.query) for p in value)  # type: ignore[arg-type]
            for name, value in req.headers
        }
        assume(not any(_CONTROL.search(v) for v in headers.values()))
        assume(req.method in _PARSED)
        headers = {name: value.strip(" \t") for name, value in headers.items()}
        note(f"{req.method} ?{query[:200]} {headers!r}")
        answers = {
            kind: comparable(send(url, req.method, query, headers)) for kind, url in urls.items()
        }
        assert answers["fastapi"] == answers["flask"]
        assert answers["quart"] == answers["flask"]
        seen[answers["flask"][0]] = seen.get(answers["flask"][0], 0) + 1

    differential()
    print(f"differential: statuses {dict(sorted(seen.items()))}")
    # The generated requests reached the item answers, not only the errors.
    assert {200, 206, 304, 400} <= set(seen), seen


def test_every_kind_of_answer_alike(servers: tuple[Items, dict[str, str]]) -> None:
    """One request of each kind of answer, the same on the three servers."""
    items, urls = servers
    uid, path_uid = items.items["bytes"].uid, items.items["path"].uid
    etag = items.items["bytes"].etag
    table = [
        ("GET", f"uid={uid}", {}, 200),
        ("GET", f"uid={path_uid}&download=true", {}, 200),
        ("GET", f"uid={path_uid}&reuse=1", {}, 200),
        ("GET", f"reuse=1&uid={uid}", {}, 200),
        ("GET", f"uid={uid}&reuse=yes", {}, 400),
        ("GET", f"uid={path_uid}", {"Range": "bytes=100-65635"}, 206),
        ("GET", f"uid={path_uid}", {"Range": "bytes=-10", "If-Range": etag}, 200),
        ("HEAD", f"uid={uid}", {"If-None-Match": etag}, 304),
        ("GET", f"uid={uid}", {"If-Match": '"other"'}, 412),
        ("GET", f"uid={uid}", {"Range": "bytes=5000-"}, 416),
        ("GET", f"uid={uid}", {"Service-Worker": "script"}, 403),
        ("GET", "uid=" + "0" * 32, {}, 404),
        ("GET", "uid=XYZ", {}, 400),
        ("OPTIONS", f"uid={uid}", {}, 204),
        ("DELETE", f"uid={uid}", {}, 405),
        ("TRACE", f"uid={uid}", {}, 405),
    ]
    for method, query, headers, status in table:
        answers = [comparable(send(url, method, query, headers)) for url in urls.values()]
        assert answers[0][0] == status, (method, query, headers, answers[0])
        assert answers[1] == answers[0], (method, query, headers)
        assert answers[2] == answers[0], (method, query, headers)


def test_one_time_items_answer_alike(servers: tuple[Items, dict[str, str]]) -> None:
    """A one-time item (one per server: each can be fetched once) gets the same answers,
    uid and ETag aside: a HEAD that leaves it, a GET that takes it whole (Range ignored),
    then a 404."""
    items, urls = servers
    answers = []
    for url in urls.values():
        address = items.service.register(
            io.BytesIO(b"once and only once"),
            file_name="once.txt",
            content_type="text/plain",
            one_time_service=True,
        )
        uid = address.split("uid=")[1]
        exchange = (
            send(url, "HEAD", f"uid={uid}", {}),
            send(url, "GET", f"uid={uid}", {"Range": "bytes=0-3"}),
            send(url, "GET", f"uid={uid}", {}),
        )
        normalised = []
        for status, headers, body in exchange:
            headers = {k: v for k, v in headers.items() if k != "etag"}
            normalised.append(comparable((status, headers, body)))
        answers.append(normalised)
    head, first, second = answers[0]
    assert head[0] == 200 and head[2] == b""
    assert first[0] == 200 and first[2] == b"once and only once"
    assert second[0] == 404
    assert answers[1] == answers[0]
    assert answers[2] == answers[0]
