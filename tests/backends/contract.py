"""One contract every cache backend passes; each ``test_<backend>.py`` supplies the factory."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dash_file_cache.caches.abstract import CacheAbstract
from dash_file_cache.caches.typehints import CachedData, CachedFileInfo


def make_info(size: int, kind: str = "bytes", **extra: Any) -> CachedFileInfo:
    info: dict[str, Any] = {
        "kind": kind,
        "size": size,
        "file_name": "x.bin",
        "content_type": "application/octet-stream",
        "mime_type": "application/octet-stream",
        "one_time_service": False,
        "created": time.time(),
        "etag": "e" * 32,
    }
    info.update(extra)
    return info  # type: ignore[return-value]


def read_all(data: CachedData) -> bytes:
    """The bytes behind any form of cached data (closing what it opens)."""
    if isinstance(data, str):
        return Path(data).read_bytes()
    if isinstance(data, bytes):
        return data
    with data:
        return data.read()


def key(n: int) -> str:
    return f"{n:032x}"


class BackendContract:
    """Tests only call ``self.make_cache(**bounds)``; flags describe capabilities."""

    #: ``load`` refreshes an item (least-recently-used), else least-recently-stored.
    refreshes_on_load = True
    #: Items registered by path are copied into the cache (else kept as references).
    copies_paths = False

    def make_cache(self, **bounds: Any) -> CacheAbstract[CachedFileInfo, CachedData]:
        raise NotImplementedError

    def put(self, cache: Any, n: int, payload: bytes) -> None:
        cache.dump(key(n), make_info(len(payload)), payload)

    # -- the basic contract ------------------------------------------------------------

    def test_dump_then_load_gives_info_and_bytes(self) -> None:
        cache = self.make_cache()
        payload = bytes(range(256)) * 100
        info = make_info(len(payload))
        cache.dump(key(1), info, payload)
        loaded, loader = cache.load(key(1))
        assert loaded == info
        assert read_all(loader()) == payload

    def test_path_item_is_a_reference(self, tmp_path: Path) -> None:
        cache = self.make_cache()
        path = tmp_path / "a.txt"
        path.write_bytes(b"on disk")
        cache.dump(key(1), make_info(7, kind="path"), str(path))
        info, loader = cache.load(key(1))
        if self.copies_paths:
            assert info["kind"] == "bytes"
            assert read_all(loader()) == b"on disk"
        else:
            assert info["kind"] == "path"
            assert loader() == str(path)

    def test_contains_and_remove(self) -> None:
        cache = self.make_cache()
        assert key(1) not in cache
        self.put(cache, 1, b"abc")
        assert key(1) in cache
        assert cache.is_in(key(1))
        assert cache.remove(key(1)) is True
        assert key(1) not in cache
        assert cache.remove(key(1)) is False

    def test_missing_key_raises_key_error(self) -> None:
        cache = self.make_cache()
        with pytest.raises(KeyError):
            cache.load(key(9))
        with pytest.raises(KeyError):
            cache.pop(key(9))

    def test_pop_removes_and_keeps_data_readable(self) -> None:
        cache = self.make_cache()
        self.put(cache, 1, b"x" * 100_000)
        info, loader = cache.pop(key(1))
        assert key(1) not in cache
        assert info["size"] == 100_000
        assert read_all(loader()) == b"x" * 100_000
        with pytest.raises(KeyError):
            cache.pop(key(1))

    def test_pop_has_exactly_one_winner_among_threads(self) -> None:
        cache = self.make_cache()
        self.put(cache, 1, b"once")
        contenders = 8
        barrier = threading.Barrier(contenders)
        wins: list[bytes] = []
        losses: list[str] = []

        def contend() -> None:
            barrier.wait()
            try:
                _, loader = cache.pop(key(1))
            except KeyError:
                losses.append("lost")
            else:
                wins.append(read_all(loader()))

        threads = [threading.Thread(target=contend) for _ in range(contenders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert wins == [b"once"]
        assert len(losses) == contenders - 1

    # -- bounds --------------------------------------------------------------------------

    def test_cache_size_evicts_the_oldest(self) -> None:
        cache = self.make_cache(cache_size=2)
        for n in (1, 2, 3):
            self.put(cache, n, b"data")
        assert key(1) not in cache
        assert key(2) in cache and key(3) in cache

    def test_storing_a_key_again_makes_it_the_newest(self) -> None:
        cache = self.make_cache(cache_size=2)
        self.put(cache, 1, b"a")
        self.put(cache, 2, b"b")
        self.put(cache, 1, b"A")
        self.put(cache, 3, b"c")
        assert key(2) not in cache
        assert key(1) in cache and key(3) in cache
        assert read_all(cache.load(key(1))[1]()) == b"A"

    def test_load_refreshes_only_in_lru_caches(self) -> None:
        cache = self.make_cache(cache_size=2)
        self.put(cache, 1, b"a")
        self.put(cache, 2, b"b")
        cache.load(key(1))
        self.put(cache, 3, b"c")
        survivor, evicted = (1, 2) if self.refreshes_on_load else (2, 1)
        assert key(survivor) in cache
        assert key(evicted) not in cache

    def test_max_bytes_evicts_until_it_fits(self) -> None:
        cache = self.make_cache(max_bytes=250)
        for n in (1, 2, 3):
            self.put(cache, n, bytes(100))
        assert key(1) not in cache
        assert key(2) in cache and key(3) in cache
        assert cache.nbytes == 200  # type: ignore[attr-defined]

    def test_path_items_count_against_max_bytes_only_if_copied(self, tmp_path: Path) -> None:
        cache = self.make_cache(max_bytes=10)
        path = tmp_path / "big.bin"
        path.write_bytes(bytes(1000))
        if self.copies_paths:
            with pytest.raises(ValueError, match="max_bytes"):
                cache.dump(key(1), make_info(1000, kind="path"), str(path))
            return
        cache.dump(key(1), make_info(1000, kind="path"), str(path))
        self.put(cache, 2, bytes(10))
        assert key(1) in cache and key(2) in cache

    def test_item_larger_than_max_bytes_is_refused(self) -> None:
        cache = self.make_cache(max_bytes=10)
        self.put(cache, 1, bytes(5))
        with pytest.raises(ValueError, match="max_bytes"):
            self.put(cache, 2, bytes(11))
        assert key(1) in cache

    def test_items_expire_after_ttl(self, clock: Any) -> None:
        cache = self.make_cache(ttl=60)
        self.put(cache, 1, b"short-lived")
        clock.advance(59)
        assert key(1) in cache
        clock.advance(2)
        assert key(1) not in cache
        with pytest.raises(KeyError):
            cache.load(key(1))
        with pytest.raises(KeyError):
            cache.pop(key(1))

    def test_expired_items_free_their_storage(self, clock: Any) -> None:
        cache = self.make_cache(ttl=10)
        self.put(cache, 1, bytes(100))
        clock.advance(11)
        self.put(cache, 2, bytes(30))
        assert cache.nbytes == 30  # type: ignore[attr-defined]
        assert len(cache) == 1  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("bounds", "error", "match"),
        [
            ({"max_bytes": 0}, ValueError, "max_bytes"),
            ({"max_bytes": "1"}, TypeError, "max_bytes"),
            ({"max_bytes": True}, TypeError, "max_bytes"),
            ({"ttl": 0}, ValueError, "ttl"),
            ({"ttl": -1.5}, ValueError, "ttl"),
            ({"ttl": "60"}, TypeError, "ttl"),
            ({"cache_size": 0}, ValueError, "cache_size"),
            ({"cache_size": 2.5}, TypeError, "cache_size"),
        ],
    )
    def test_bad_bounds_are_refused(self, bounds: dict[str, Any], error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            self.make_cache(**bounds)
