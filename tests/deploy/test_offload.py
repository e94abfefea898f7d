"""Offloaded transfers: real gunicorn workers behind a real nginx (docs/deploy verbatim)."""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from dash_file_cache.caches.staging import sweep_claimed
from dash_file_cache.services.policy import ITEM_POLICY

from ..multiprocess.servers import gunicorn
from .nginx import DEPLOY, nginx

pytestmark = pytest.mark.slow

ERROR_KEYS = {"code", "message", "error"}
NOBODY = "nobody nogroup"  # Debian's unprivileged user, as nginx's workers run
PAYLOAD = bytes(range(256)) * 4096  # what offload_app registers for bytes items


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:pw".encode()).decode()}


class Stack:
    def __init__(self, front: int, app: int, cache_dir: Path, path: Path) -> None:
        self.front, self.app, self.cache_dir, self.path = front, app, cache_dir, path

    def request(
        self, method: str, address: str, headers: dict[str, str] | None = None, port: int = 0
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port or self.front, timeout=30)
        try:
            conn.request(method, address, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            found = {k.lower(): v for k, v in response.getheaders()}
            if "content-length" in found:
                assert int(found["content-length"]) == len(body) or method == "HEAD"
            return response.status, found, body
        finally:
            conn.close()

    def race(
        self, address: str, clients: int, headers: dict[str, str]
    ) -> list[tuple[int, dict[str, str], bytes]]:
        """GET ``address`` from ``clients`` threads released together."""
        barrier = threading.Barrier(clients)
        results: list[tuple[int, dict[str, str], bytes]] = []

        def fetch() -> None:
            barrier.wait()
            results.append(self.request("GET", address, headers))

        threads = [threading.Thread(target=fetch) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return results

    def register(self, kind: str, once: bool = False, user: str | None = None) -> str:
        headers = {} if user is None else basic(user)
        path = f"/register?kind={kind}&once={int(once)}"
        status, _, body = self.request("POST", path, headers)
        assert status == 200
        return str(json.loads(body)["addr"])


@contextmanager
def deployed_files(
    redis_server: str, **env: str
) -> Iterator[tuple[Path, Path, Path, dict[str, str]]]:
    """A folder of /tmp others may enter (front servers run as another user: not pytest's
    private folders), with a registered file in it: ``(work, cache_dir, path, env)``,
    ``env`` being what ``offload_app`` reads (plus ``env``)."""
    work = Path(tempfile.mkdtemp(prefix="dfc-offload-", dir="/tmp"))
    try:
        work.chmod(0o755)
        cache_dir, path = work / "cache", work / "exports" / "report 1?.csv"
        path.parent.mkdir()
        path.write_bytes(os.urandom(3 * 1024 * 1024))
        names = {"DFC_DIR": str(cache_dir), "DFC_FILE": str(path), "DFC_REDIS_URL": redis_server}
        yield work, cache_dir, path, {**names, **env}
    finally:
        shutil.rmtree(work, ignore_errors=True)


#: The apps deployed: Flask on gunicorn's sync workers, and Dash's FastAPI backend on
#: gunicorn with uvicorn workers (``docs/deploy/gunicorn.conf.py`` either way).
SERVERS = {
    "flask": ("tests.deploy.offload_app:server", ()),
    "fastapi": (
        "tests.deploy.offload_asgi_app:app",
        ("--worker-class=uvicorn_worker.UvicornWorker",),
    ),
}


@contextmanager
def offload_stack(
    redis_server: str, *options: str, server: str = "flask", **env: str
) -> Iterator[Stack]:
    """gunicorn (``docs/deploy/gunicorn.conf.py``, then ``options``) running the ``server``
    app behind nginx whose workers run as ``nobody``, as deployed."""
    target, own_options = SERVERS[server]
    with deployed_files(redis_server, **env) as (work, cache_dir, path, names):
        config = str(DEPLOY / "gunicorn.conf.py")
        with gunicorn(target, names, "-c", config, *own_options, *options) as app:
            with nginx(work / "nginx", "nginx-offload.conf", app, worker_user=NOBODY) as front:
                yield Stack(front, app, cache_dir, path)


@pytest.fixture(scope="module", params=sorted(SERVERS))
def stack(request: pytest.FixtureRequest, redis_server: str) -> Iterator[Stack]:
    with offload_stack(redis_server, server=request.param) as running:
        yield running


@pytest.mark.parametrize("kind", ["path", "bytes"])
def test_the_app_hands_file_items_to_nginx(stack: Stack, kind: str) -> None:
    address = stack.register(kind)
    status, headers, body = stack.request("GET", address, port=stack.app)  # the app itself
    assert status == 200 and body == b""
    assert headers["x-accel-redirect"].startswith("/_dash_file_cache/ranged/")
    expected = stack.path.read_bytes() if kind == "path" else PAYLOAD
    status, headers, body = stack.request("GET", address)  # through nginx
    assert status == 200 and body == expected
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == ITEM_POLICY  # carried over by add_header
    assert headers["cross-origin-resource-policy"] == "same-origin"
    assert "x-accel-redirect" not in headers
    assert headers["etag"].startswith('"')
    if kind == "path":
        disposition = headers["content-disposition"]
        assert disposition.startswith("attachment;") and "donn%C3%A9es.csv" in disposition
        assert headers["content-type"].startswith("image/jpeg")  # as registered (default)


def test_redis_items_still_stream_from_python(stack: Stack) -> None:
    address = stack.register("redis")
    status, headers, body = stack.request("GET", address, port=stack.app)
    assert status == 200 and body == PAYLOAD and "x-accel-redirect" not in headers
    assert stack.request("GET", address)[2] == PAYLOAD


def test_head_range_416_and_304_through_nginx(stack: Stack) -> None:
    address = stack.register("path")
    data = stack.path.read_bytes()
    status, headers, body = stack.request("HEAD", address)
    assert status == 200 and body == b"" and headers["content-length"] == str(len(data))
    etag = headers["etag"]
    status, headers, body = stack.request("GET", address, {"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    assert headers["content-range"] == f"bytes 100-199/{len(data)}"
    status, _, body = stack.request("GET", address, {"Range": "bytes=10-19", "If-Range": etag})
    assert status == 206 and body == data[10:20]
    status, _, body = stack.request("GET", address, {"Range": "bytes=10-19", "If-Range": '"x"'})
    assert status == 200 and body == data
    status, headers, body = stack.request("GET", address, {"Range": f"bytes={len(data)}-"})
    assert status == 416 and set(json.loads(body)) == ERROR_KEYS
    assert headers["content-range"] == f"bytes */{len(data)}"
    status, _, body = stack.request("GET", address, {"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, body = stack.request("GET", address, {"If-Match": etag})
    assert status == 200 and body == data
    status, _, body = stack.request("GET", address, {"If-Match": '"other"'})
    assert status == 412 and set(json.loads(body)) == ERROR_KEYS


@pytest.mark.parametrize("kind", ["path", "bytes"])
def test_one_time_items_are_sent_exactly_once(stack: Stack, kind: str) -> None:
    address = stack.register(kind, once=True)
    expected = stack.path.read_bytes() if kind == "path" else PAYLOAD
    assert stack.request("HEAD", address)[0] == 200  # HEAD does not consume it
    clients = 16
    results = stack.race(address, clients, {"Range": "bytes=0-9"})
    served = [r for r in results if r[0] == 200]
    assert len(results) == clients and len(served) == 1
    assert served[0][2] == expected  # whole, ranges ignored
    assert served[0][1]["cache-control"] == "no-store"
    for status, _, body in results:
        if status != 200:
            assert status == 404 and set(json.loads(body)) == ERROR_KEYS
    if kind == "bytes":
        claimed = list((stack.cache_dir / "claimed").iterdir())
        assert len(claimed) >= 1
        assert sweep_claimed(str(stack.cache_dir), now=time.time() + 31) >= 1
        assert list((stack.cache_dir / "claimed").iterdir()) == []
    else:
        assert stack.path.exists()  # a registered path is the user's file: kept


def test_no_data_file_is_left_behind(stack: Stack) -> None:
    before = sorted(stack.cache_dir.rglob("*.val"))
    address = stack.register("bytes", once=True)
    assert stack.request("GET", address)[2] == PAYLOAD
    sweep_claimed(str(stack.cache_dir), now=time.time() + 31)
    assert sorted(stack.cache_dir.rglob("*.val")) == before
    assert list((stack.cache_dir / "staging").glob("*.part")) == []


def test_internal_locations_are_not_reachable_by_clients(stack: Stack) -> None:
    status, _, body = stack.request("GET", "/_dash_file_cache/ranged" + quote(str(stack.path)))
    assert status == 404 and stack.path.read_bytes() not in body
    assert json.loads(body)["code"] == 404  # the service's JSON, as docs/deploy.md says


def test_owned_items_are_checked_before_nginx_gets_them(stack: Stack) -> None:
    address = stack.register("owned", once=True, user="alice")
    for headers in (basic("bob"), {}, {**basic("bob"), "Range": "bytes=0-9"}):
        status, _, body = stack.request("GET", address, headers)
        assert status == 404 and set(json.loads(body)) == ERROR_KEYS
    status, _, body = stack.request("GET", address, basic("alice"))
    assert status == 200 and body == stack.path.read_bytes()  # not consumed before
