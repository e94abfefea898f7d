"""The service's HTTP contract on ASGI apps under a real uvicorn: Dash's ``fastapi`` and
``quart`` backends and bare FastAPI and Quart apps give the answers Flask gives."""

from __future__ import annotations

import http.client
import io
import json
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import pytest

import dash_file_cache as dfc
from dash_file_cache.services.policy import ERROR_POLICY, ITEM_POLICY

from ..helpers import wait_until
from .apps import KINDS, make_app, served

PAYLOAD = os.urandom(3 * 1024 * 1024 + 17)  # chunks of 1 MiB, and a remainder


def request(
    base: str, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        if "content-length" in found and method != "HEAD":
            assert int(found["content-length"]) == len(body)
        return response.status, found, body
    finally:
        conn.close()


@pytest.mark.parametrize("kind", KINDS)
def test_items_are_answered_as_on_flask(kind: str, serving: Any) -> None:
    service, asgi = served(kind)
    address = service.register(io.BytesIO(PAYLOAD), file_name="data.bin", mime_type="x/y")
    once = service.register(io.BytesIO(b"once"), one_time_service=True)
    with serving(asgi) as base:
        status, headers, body = request(base, "GET", address)
        assert (status, body) == (200, PAYLOAD)
        assert headers["content-type"] == "x/y"
        assert headers["content-security-policy"] == ITEM_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["accept-ranges"] == "bytes"
        etag = headers["etag"]
        head = request(base, "HEAD", address)
        assert head[0] == 200 and head[2] == b"" and head[1]["content-length"] == str(len(PAYLOAD))
        ranged = request(base, "GET", address, {"Range": "bytes=10-19"})
        assert ranged[:1] == (206,) and ranged[2] == PAYLOAD[10:20]
        assert ranged[1]["content-range"] == f"bytes 10-19/{len(PAYLOAD)}"
        assert request(base, "GET", address, {"If-None-Match": etag})[0] == 304
        assert request(base, "GET", address, {"Range": "bytes=99999999-"})[0] == 416
        for path, code in (("/cached-data", 400), ("/cached-data?uid=" + "0" * 32, 404)):
            status, headers, body = request(base, "GET", path)
            assert status == code and set(json.loads(body)) == {"code", "message", "error"}
            assert headers["content-security-policy"] == ERROR_POLICY
        refused = request(base, "POST", address)
        assert refused[0] == 405 and refused[1]["allow"] == "GET, HEAD"
        assert json.loads(refused[2])["code"] == 405
        assert request(base, "GET", address, {"Service-Worker": "script"})[0] == 403
        assert request(base, "HEAD", once)[0] == 200  # HEAD never consumes it
        assert request(base, "GET", once)[2] == b"once"
        assert request(base, "GET", once)[0] == 404
        worker = request(base, "GET", "/cached-data/sw.js")
        assert worker[0] == 200 and worker[1]["service-worker-allowed"] == "../cached-data"
        assert worker[2].startswith(b"/*")


@pytest.mark.parametrize("kind", ["dash-fastapi", "dash-quart"])
def test_dash_keeps_its_own_routes(kind: str, serving: Any) -> None:
    service, asgi = served(kind)
    with serving(asgi) as base:
        page = request(base, "GET", "/")
        assert page[0] == 200 and b"_dash-config" in page[2]
        assert request(base, "GET", "/_dash-layout")[0] == 200
        other = request(base, "GET", "/some/page")  # Dash's catch-all: the index
        assert other[0] == 200


@pytest.mark.parametrize("kind", ["dash-fastapi", "dash-quart"])
def test_dash_prefixes(kind: str, serving: Any) -> None:
    app, asgi = make_app(kind, url_base_pathname="/app/")
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    address = service.register(io.BytesIO(b"prefixed"))
    assert address.startswith("/app/cached-data?uid=")
    with serving(asgi) as base:
        assert request(base, "GET", address)[2] == b"prefixed"


@pytest.mark.parametrize("kind", KINDS)
def test_cross_origin_reads(kind: str, serving: Any) -> None:
    service, asgi = served(kind, allowed_cross_origin="https://app.example")
    address = service.register(io.BytesIO(b"x"))
    with serving(asgi) as base:
        status, headers, _ = request(base, "GET", address, {"Origin": "https://app.example"})
        assert headers["access-control-allow-origin"] == "https://app.example"
        assert headers["cross-origin-resource-policy"] == "cross-origin"
        status, headers, _ = request(base, "OPTIONS", address, {"Origin": "https://app.example"})
        assert status == 204 and "GET" in headers["access-control-allow-methods"]


@pytest.mark.parametrize("kind", KINDS)
def test_slow_downloads_do_not_hold_the_server(kind: str, serving: Any) -> None:
    """Eight clients that read nothing of a 3 MiB body do not stop a ninth request."""
    service, asgi = served(kind)
    big = service.register(io.BytesIO(PAYLOAD))
    small = service.register(io.BytesIO(b"small"))
    with serving(asgi) as base:
        parts = urlsplit(base)
        stalled = []
        for _ in range(8):
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            conn.request("GET", big)
            stalled.append((conn, conn.getresponse()))  # headers read, body left unread
        try:
            answered: list[Any] = []
            probe = threading.Thread(target=lambda: answered.append(request(base, "GET", small)))
            probe.start()
            probe.join(10)
            assert answered and answered[0][2] == b"small"
        finally:
            for conn, response in stalled:
                response.close()
                conn.close()


def test_serve_refuses_what_it_cannot_do_on_asgi() -> None:
    app, _ = make_app("fastapi")
    dfc.ServiceData(dfc.CachePlain(2)).serve(app)
    with pytest.raises(ValueError, match="already answered on this app"):
        dfc.ServiceData(dfc.CachePlain(2)).serve(app)
    with pytest.raises(TypeError, match="FastAPI/Starlette or a Quart app, not object"):
        dfc.ServiceData(dfc.CachePlain(2)).serve(object())  # type: ignore[arg-type]


def _open_handles(path: str) -> int:
    """How many file descriptors of this process (uvicorn runs in a thread of it) are
    open on ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == path:
                count += 1
        except OSError:
            continue
    return count


def _bytes_read() -> int:
    """Bytes this process has read so far (``rchar`` of ``/proc/self/io``)."""
    with open("/proc/self/io") as io_counts:
        for line in io_counts:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


@pytest.mark.parametrize("kind", ["dash-fastapi", "dash-quart"])
def test_a_client_that_goes_away_ends_the_read(kind: str, serving: Any, tmp_path: Any) -> None:
    """A client that reads 1 MiB of a 1 GiB file and hangs up: the server stops reading
    and closes the file (uvicorn drops what is sent after a disconnect without an error,
    so an adapter that did not watch for it would read the whole file)."""
    big = tmp_path / "big.bin"
    with open(big, "wb") as sparse:
        sparse.truncate(1024 * 1024 * 1024)
    service, asgi = served(kind)
    address = service.register(str(big))
    with serving(asgi) as base:
        parts = urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", address)
        response = conn.getresponse()
        assert len(response.read(1024 * 1024)) == 1024 * 1024
        assert _open_handles(str(big)) == 1  # being served
        before = _bytes_read()
        response.close()
        conn.close()
        wait_until(lambda: _open_handles(str(big)) == 0, timeout=20, what="the file closed")
        assert _bytes_read() - before < 128 * 1024 * 1024, "the body was read on and on"
