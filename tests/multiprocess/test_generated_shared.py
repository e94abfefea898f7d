"""Generated items on shared caches, made by one process and read from another: two
separate gunicorn servers (standing in for two hosts) on one ``CacheFile`` directory or
one real redis-server. The source (``generated_source.blocks``) is a picklable callable,
run by whichever server gets the first request."""

from __future__ import annotations

import http.client
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

import dash_file_cache as dfc

from ..helpers import wait_until
from .generated_source import BLOCK, blocks, expected
from .servers import gunicorn, request

COUNT = 40  # blocks of 100 kB: 4 MB, half of it made before the gate
#: Bytes readers get before the gate: Redis shows whole chunks (1 MiB) while it is made
VISIBLE = 1_000_000


@pytest.fixture(params=["file", "redis"])
def hosts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[int]]:
    """Two independent gunicorn servers (2 gthread workers each) on one shared cache."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_server")
        redis.Redis.from_url(url).flushdb()
        env = {"DFC_REDIS_URL": url}
    else:
        env = {"DFC_CACHE_DIR": str(tmp_path / "cache")}
    options = ("--workers=2", "--worker-class=gthread", "--threads=4")
    target = "tests.multiprocess.gunicorn_app:app"
    with gunicorn(target, env, *options) as first, gunicorn(target, env, *options) as second:
        yield [first, second]


def register(port: int, folder: Path, **args: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"count": COUNT, "folder": folder, **args}.items())
    status, body, _ = request(port, "POST", f"/register-generated?{query}")
    assert status == 200, body
    return str(json.loads(body)["addr"])


class Reader(threading.Thread):
    """A GET read to its end (or its cut) in a thread; ``got`` grows as bytes arrive."""

    def __init__(self, port: int, address: str) -> None:
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", address)
        self.response = self.conn.getresponse()
        self.got = bytearray()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while data := self.response.read1(65536):
                self.got += data
        except (http.client.IncompleteRead, OSError) as exc:
            self.error = exc
        finally:
            self.conn.close()


def runs(folder: Path, kind: str = "run") -> int:
    return sum(name.startswith(f"{kind}-") for name in os.listdir(folder))


def test_a_reader_on_another_host_follows_the_one_run(hosts: list[int], tmp_path: Path) -> None:
    first, second = hosts
    address = register(first, tmp_path)
    here = Reader(first, address)
    assert here.response.status == 200
    assert here.response.getheader("Content-Length") is None  # chunked: length unknown
    assert here.response.getheader("ETag") is None
    here.start()
    wait_until(lambda: len(here.got) >= VISIBLE, timeout=30, what="half made")
    there = Reader(second, address)  # the other host, while the item is half made
    assert there.response.status == 200
    there.start()
    # the other host streams what the first wrote, before the rest exists (Redis: the
    # full 1 MB chunks of it)
    wait_until(lambda: len(there.got) >= VISIBLE, timeout=30, what="the other host's bytes")
    assert runs(tmp_path) == 1
    (tmp_path / "go").touch()
    here.join(60)
    there.join(60)
    whole = expected(COUNT)
    assert (here.error, there.error) == (None, None)
    assert bytes(here.got) == whole and bytes(there.got) == whole
    assert runs(tmp_path) == 1  # made once, for both hosts
    # published: any host answers it as a stored item, and the source does not run again
    for port in hosts:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", address, headers={"Range": "bytes=100-199"})
        response = conn.getresponse()
        assert response.status == 206
        assert response.read() == whole[100:200]
        assert response.getheader("Content-Range") == f"bytes 100-199/{len(whole)}"
        assert response.getheader("ETag")
        conn.close()
        status, body, _ = request(port, "GET", address)
        assert (status, body) == (200, whole)
    assert runs(tmp_path) == 1


def test_a_failing_source_cuts_every_host_and_stays_failed(
    hosts: list[int], tmp_path: Path
) -> None:
    first, second = hosts
    address = register(first, tmp_path, fail_at=COUNT // 2 + 1)
    here = Reader(second, address)
    here.start()
    wait_until(lambda: len(here.got) >= VISIBLE, timeout=30, what="half made")
    there = Reader(first, address)
    there.start()
    wait_until(lambda: len(there.got) >= VISIBLE, timeout=30, what="the other host's bytes")
    (tmp_path / "go").touch()
    here.join(60)
    there.join(60)
    assert isinstance(here.error, http.client.IncompleteRead)  # cut, never a clean end
    assert isinstance(there.error, http.client.IncompleteRead)
    for port in hosts:
        status, body, _ = request(port, "GET", address)
        assert status == 500
        assert "RuntimeError: the rows ran out" in json.loads(body)["error"]
    assert runs(tmp_path) == 1


def test_a_reader_leaving_stops_the_source_and_the_next_runs_it_again(
    hosts: list[int], tmp_path: Path
) -> None:
    first, second = hosts
    # 50 MB before the gate: more than the sockets hold, so the server's writes fail (a
    # WSGI server learns of a client gone only then) long before the gate opens
    count = 1000
    address = register(first, tmp_path, count=count)
    here = Reader(first, address)
    here.response.read(BLOCK)
    here.conn.close()  # gone before the end: the source is stopped (its finally runs)
    (tmp_path / "go").touch()
    wait_until(lambda: runs(tmp_path, "closed") == 1, timeout=30, what="the source closed")
    status, body, _ = request(second, "GET", address)
    assert status == 200 and body == expected(count)
    assert runs(tmp_path) == 2


def test_a_one_time_generated_item_is_streamed_once(hosts: list[int], tmp_path: Path) -> None:
    (tmp_path / "go").touch()
    address = register(hosts[0], tmp_path, one_time=1)
    status, body, _ = request(hosts[1], "GET", address)
    assert (status, body) == (200, expected(COUNT))
    assert request(hosts[0], "GET", address)[0] == 404
    assert runs(tmp_path) == 1


def test_a_source_that_does_not_pickle_is_refused(tmp_path: Path, redis_server: str) -> None:
    caches = [dfc.CacheFile(tmp_path / "cache"), dfc.CacheRedis(redis_server, key_prefix="g:")]
    for cache in caches:
        service = dfc.ServiceData(cache)
        with pytest.raises(ValueError, match="register a callable that pickles"):
            service.register(blocks(2, str(tmp_path)))  # a generator cannot travel
        with pytest.raises(ValueError, match="not a function"):
            service.register(lambda: [b"x"])
        cache.close()
