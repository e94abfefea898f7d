"""CacheRedis against the backend contract, with and without a custom key prefix."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import redis

import dash_file_cache as dfc

from .contract import BackendContract, key, make_info, read_all


@pytest.fixture
def client(redis_server: str) -> Any:
    connection = redis.Redis.from_url(redis_server)
    connection.flushdb()
    yield connection
    connection.close()


class TestCacheRedis(BackendContract):
    refreshes_on_load = False
    copies_paths = True

    @pytest.fixture(autouse=True, params=["dash-file-cache:", "tenant-a/"])
    def _client(self, client: Any, request: pytest.FixtureRequest) -> None:
        self.client = client
        self.prefix = request.param

    def make_cache(self, **bounds: Any) -> dfc.CacheRedis:
        return dfc.CacheRedis(self.client, key_prefix=self.prefix, **bounds)


def test_from_url_and_keys_carry_the_prefix(redis_server: str, client: Any) -> None:
    cache = dfc.CacheRedis(redis_server, key_prefix="app1:")
    cache.dump(key(1), make_info(3), b"abc")
    assert all(k.startswith(b"app1:") for k in client.keys("*"))
    other = dfc.CacheRedis(redis_server, key_prefix="app2:")
    assert key(1) not in other
    assert key(1) in cache


def test_data_is_stored_in_chunks_and_ranges_read_only_what_they_need(client: Any) -> None:
    cache = dfc.CacheRedis(client, chunk_size=1)
    payload = os.urandom(3 * 1024 * 1024 + 7)
    cache.dump(key(1), make_info(len(payload)), io.BytesIO(payload))
    (name,) = client.keys("dash-file-cache:" + key(1) + ":chunks:*")
    chunks = client.hgetall(name)
    assert sorted(len(v) for v in chunks.values()) == [7] + [1024 * 1024] * 3
    stream = cache.load(key(1))[1]()
    stream.seek(2 * 1024 * 1024 + 5)
    calls: list[Any] = []
    original = client.hget
    client.hget = lambda *args: calls.append(args) or original(*args)  # count round trips
    try:
        assert stream.read(10) == payload[2 * 1024 * 1024 + 5 : 2 * 1024 * 1024 + 15]
    finally:
        client.hget = original
        stream.close()
    assert [c[1] for c in calls] == ["2"]


def test_path_is_copied_so_another_host_can_serve_it(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    cache = dfc.CacheRedis(client)
    cache.dump(key(1), make_info(8, kind="path"), str(path))
    path.unlink()
    info, loader = cache.load(key(1))
    assert info["kind"] == "bytes"
    assert read_all(loader()) == b"a,b\n1,2\n"


def test_shared_filesystem_mode_keeps_the_path(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "shared.bin"
    path.write_bytes(b"shared")
    cache = dfc.CacheRedis(client, copy_paths=False)
    cache.dump(key(1), make_info(6, kind="path"), str(path))
    assert cache.load(key(1))[1]() == str(path)
    assert cache.nbytes == 0


def test_claimed_chunks_are_deleted_when_the_stream_closes(client: Any) -> None:
    cache = dfc.CacheRedis(client)
    cache.dump(key(1), make_info(5), b"claim")
    _, loader = cache.pop(key(1))
    stream = loader()
    names = sorted(k.decode() for k in client.keys("*" + key(1) + "*"))
    assert names == [stream._key, stream._key + ":readers"]
    assert stream.read() == b"claim"
    stream.close()
    assert client.keys("*" + key(1) + "*") == []


def test_redis_expiry_is_set(client: Any) -> None:
    cache = dfc.CacheRedis(client, ttl=100)
    cache.dump(key(1), make_info(4), b"ttl!")
    for name in client.keys("dash-file-cache:" + key(1) + ":*"):
        remaining = client.pttl(name)
        assert 90_000 < remaining <= 100_000


def test_abandoned_write_leaves_no_item(client: Any) -> None:
    class Broken(io.RawIOBase):
        sent = 0

        def read(self, size: int = -1) -> bytes:
            self.sent += 1
            if self.sent > 2:
                raise OSError("disk went away")
            return bytes(1024)

    cache = dfc.CacheRedis(client)
    with pytest.raises(OSError, match="disk went away"):
        cache.dump(key(1), make_info(10_000), Broken())
    assert key(1) not in cache
    assert client.keys("*pending*") == []


def test_bad_arguments(redis_server: str) -> None:
    with pytest.raises(TypeError, match="url_or_client"):
        dfc.CacheRedis(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="key_prefix"):
        dfc.CacheRedis(redis_server, key_prefix=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_size"):
        dfc.CacheRedis(redis_server, chunk_size=0)


def test_storing_a_key_twice_keeps_exact_byte_accounting(client: Any) -> None:
    cache = dfc.CacheRedis(client, max_bytes=1000)
    cache.dump(key(1), make_info(100), bytes(100))
    cache.dump(key(1), make_info(100), bytes(100))
    assert cache.nbytes == 100 and len(cache) == 1
    cache.remove(key(1))
    assert cache.nbytes == 0
    for n in range(10):  # no phantom bytes: ten items of 100 fit in 1000
        cache.dump(key(n), make_info(100), bytes(100))
    assert len(cache) == 10


@pytest.mark.parametrize("how", ["remove", "evict", "expire", "store again"])
def test_an_item_being_streamed_stays_readable_until_closed(
    client: Any, clock: Any, how: str
) -> None:
    cache = dfc.CacheRedis(client, cache_size=1, ttl=60)
    payload = os.urandom(4 * 1024 * 1024)
    cache.dump(key(1), make_info(len(payload)), payload)
    stream = cache.load(key(1))[1]()
    first = stream.read(1024 * 1024)
    if how == "remove":
        assert cache.remove(key(1))
    elif how == "evict":
        cache.dump(key(2), make_info(3), b"new")
    elif how == "expire":
        clock.advance(61)
        assert key(1) not in cache
    else:
        cache.dump(key(1), make_info(5), b"again")
    assert key(1) not in cache or read_all(cache.load(key(1))[1]()) == b"again"
    rest = stream.read()
    stream.close()
    assert first + rest == payload
    leftovers = [k for k in client.keys("*" + key(1) + "*") if not k.endswith(b":info")]
    if how == "store again":
        assert len(leftovers) == 1  # the new version's chunks only
    else:
        assert leftovers == []  # the last reader deleted the old version's chunks


def test_concurrent_registers_never_empty_a_full_cache(client: Any) -> None:
    """Four threads register into a full cache_size=1 cache: one item survives, each time."""
    cache = dfc.CacheRedis(client, cache_size=1)
    for trial in range(100):
        barrier = threading.Barrier(4)

        def register(n: int, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            cache.dump(key(n), make_info(1), b"x")

        threads = [threading.Thread(target=register, args=(trial * 4 + n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(cache) == 1
        assert cache.nbytes == 1
