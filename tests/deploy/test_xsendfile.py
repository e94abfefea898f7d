"""Offload to Apache httpd (mod_xsendfile), real gunicorn behind a real Apache
(docs/deploy/apache-xsendfile.conf verbatim)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dash_file_cache.services.policy import ITEM_POLICY

from ..multiprocess.servers import gunicorn
from .apache import apache
from .nginx import DEPLOY
from .test_offload import ERROR_KEYS, PAYLOAD, Stack, basic, deployed_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(redis_server: str) -> Iterator[Stack]:
    # Apache's workers (www-data) must reach the files.
    with deployed_files(redis_server, DFC_OFFLOAD="x-sendfile") as (work, cache, path, env):
        config = str(DEPLOY / "gunicorn.conf.py")
        with gunicorn("tests.deploy.offload_app:server", env, "-c", config) as app:
            with apache(work / "apache", app) as front:
                yield Stack(front, app, cache, path)


@pytest.mark.parametrize("kind", ["path", "bytes"])
def test_the_app_hands_file_items_to_apache(stack: Stack, kind: str) -> None:
    address = stack.register(kind)
    status, headers, body = stack.request("GET", address, port=stack.app)
    assert status == 200 and body == b"" and headers["x-sendfile"].startswith("/")
    expected = stack.path.read_bytes() if kind == "path" else PAYLOAD
    status, headers, body = stack.request("GET", address)
    assert status == 200 and body == expected
    assert "x-sendfile" not in headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == ITEM_POLICY
    assert headers["cross-origin-resource-policy"] == "same-origin"
    if kind == "path":
        assert "donn%C3%A9es.csv" in headers["content-disposition"]


def test_head_range_416_and_conditionals_through_apache(stack: Stack) -> None:
    address = stack.register("path")
    data = stack.path.read_bytes()
    status, headers, body = stack.request("HEAD", address)
    assert status == 200 and body == b"" and headers["content-length"] == str(len(data))
    etag = headers["etag"]
    status, headers, body = stack.request("GET", address, {"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    status, _, body = stack.request("GET", address, {"Range": "bytes=10-19", "If-Range": etag})
    assert status == 206 and body == data[10:20]
    status, _, body = stack.request("GET", address, {"Range": "bytes=10-19", "If-Range": '"x"'})
    assert status == 200 and body == data
    status, _, body = stack.request("GET", address, {"Range": f"bytes={len(data)}-"})
    assert status == 416 and set(json.loads(body)) == ERROR_KEYS
    assert stack.request("GET", address, {"If-None-Match": etag})[0] == 304
    assert stack.request("GET", address, {"If-Match": '"other"'})[0] == 412


def test_one_time_items_are_streamed_whole_exactly_once(stack: Stack) -> None:
    """Apache would answer Range on them: Python sends one-time items itself."""
    address = stack.register("bytes", once=True)
    status, headers, _ = stack.request("HEAD", address, port=stack.app)
    assert status == 200 and "x-sendfile" not in headers
    clients = 12
    results = stack.race(address, clients, {"Range": "bytes=0-9"})
    assert sorted(r[0] for r in results) == [200] + [404] * (clients - 1)
    assert [r[2] for r in results if r[0] == 200] == [PAYLOAD]


def test_owned_items_are_checked_before_apache_gets_them(stack: Stack) -> None:
    address = stack.register("owned", user="alice")
    assert stack.request("GET", address, basic("bob"))[0] == 404
    assert stack.request("GET", address, basic("alice"))[2] == stack.path.read_bytes()
