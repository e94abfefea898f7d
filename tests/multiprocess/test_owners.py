"""Owner binding across real processes: gunicorn workers on CacheFile, hosts on CacheRedis."""

from __future__ import annotations

import base64
import http.client
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from .servers import gunicorn

TARGET = "tests.multiprocess.gunicorn_app:app"


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:pw".encode()).decode()}


def call(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # a fresh connection
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(params=["file", "redis"])
def ports(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[int]]:
    """CacheFile: one server, two workers; CacheRedis: two servers (hosts)."""
    options = ("--workers=2", "--worker-class=gthread", "--threads=2")
    if request.param == "file":
        env = {"DFC_CACHE_DIR": str(tmp_path / "shared"), "DFC_OWNERS": "1"}
        with gunicorn(TARGET, env, *options) as port:
            yield [port, port]
    else:
        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        env = {"DFC_REDIS_URL": url, "DFC_OWNERS": "1"}
        with gunicorn(TARGET, env, *options) as first, gunicorn(TARGET, env, *options) as second:
            yield [first, second]


def test_binding_holds_across_workers_and_hosts(ports: list[int]) -> None:
    for n in range(10):
        payload = os.urandom(5000 + n)
        status, body = call(ports[n % 2], "POST", "/register", basic("alice"), payload)
        assert status == 200
        address = json.loads(body)["addr"]
        other = ports[(n + 1) % 2]
        assert call(other, "GET", address, basic("alice")) == (200, payload)
        assert call(other, "GET", address, basic("bob"))[0] == 404
        assert call(other, "HEAD", address, basic("bob"))[0] == 404
        assert call(other, "GET", address, {})[0] == 404


def test_one_time_item_survives_refused_requests_on_every_process(ports: list[int]) -> None:
    payload = os.urandom(100_000)
    status, body = call(ports[0], "POST", "/register?one_time=1", basic("alice"), payload)
    address = json.loads(body)["addr"]
    for port in ports * 3:
        assert call(port, "GET", address, basic("bob"))[0] == 404
        assert call(port, "GET", address, {**basic("bob"), "Range": "bytes=0-9"})[0] == 404
    assert call(ports[1], "GET", address, basic("alice")) == (200, payload)
    assert call(ports[0], "GET", address, basic("alice"))[0] == 404
