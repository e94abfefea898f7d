"""The :class:`CacheRedis` side of items written while they are read (see :mod:`.growing`).

Under the prefix ``P``: ``P{key}:growing`` holds the writer's token ``gen`` while it
writes (``SET NX`` with a lease its writer renews from a thread every few seconds, so a
dead writer's key lapses); the bytes go, one full chunk at a time, to
``P{key}:pending:{gen}``, the hash an ordinary write uses, which :meth:`commit`
publishes as the item.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from typing import TYPE_CHECKING, Any

from .redis_stream import reachable

if TYPE_CHECKING:
    from .redis import CacheRedis
    from .typehints import CachedFileInfo

__all__ = ("RedisGrowingReader", "RedisGrowingWriter")

LEASE_MS = 15_000  # a writer not heard of for this long is dead
RENEW_EVERY = 5.0  # seconds between two renewals of the lease
PENDING_TTL_MS = 3_600_000  # 1 hour: an abandoned write disappears by itself


def _text(value: object) -> str | None:
    """A token as Redis gives it back (``bytes``, or ``str`` with ``decode_responses``)."""
    return value.decode() if isinstance(value, bytes) else None if value is None else str(value)


def _lease_key(cache: CacheRedis, key: str) -> str:
    return cache._key(f"{key}:growing")


class RedisGrowingWriter:
    """:class:`~.growing.GrowingWriter` of a :class:`CacheRedis` (see the module)."""

    def __init__(self, cache: CacheRedis, key: str, gen: str) -> None:
        self._cache, self._key, self._gen = cache, key, gen
        self._lease = _lease_key(cache, key)
        self._pending = cache._key(f"{key}:pending:{gen}")
        self._chunk = cache._chunk
        self._buffer = bytearray()
        self._index = 0
        self.size = 0
        self._done = threading.Event()
        self._renewer = threading.Thread(
            target=self._renew, name="dash-file-cache-lease", daemon=True
        )
        self._renewer.start()

    @classmethod
    def begin(cls, cache: CacheRedis, key: str) -> RedisGrowingWriter | None:
        """The writer of ``key``, or ``None`` while a live one holds it."""
        gen = secrets.token_hex(8)
        with reachable():
            if not cache.client.set(_lease_key(cache, key), gen, nx=True, px=LEASE_MS):
                return None
        return cls(cache, key, gen)

    def _renew(self) -> None:
        while not self._done.wait(RENEW_EVERY):
            with contextlib.suppress(Exception):
                self._cache.client.pexpire(self._lease, LEASE_MS)

    def _flush(self, final: bool) -> None:
        while len(self._buffer) >= self._chunk or (final and self._buffer):
            piece = bytes(self._buffer[: self._chunk])
            del self._buffer[: self._chunk]
            with reachable():
                pipe = self._cache.client.pipeline(transaction=False)
                pipe.hset(self._pending, str(self._index), piece)
                pipe.pexpire(self._pending, PENDING_TTL_MS)
                pipe.execute()
            self._index += 1

    def append(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        self._flush(final=False)

    @property
    def visible(self) -> int:
        return self._index * self._chunk

    def commit(self, info: CachedFileInfo) -> None:
        try:
            self._flush(final=True)
            self._cache.publish_pending(self._key, info, self._gen, self.size)
        finally:
            self._release()

    def abort(self) -> None:
        if not self._done.is_set():
            with contextlib.suppress(Exception):
                self._cache.client.delete(self._pending)
            self._release()

    def _release(self) -> None:
        self._done.set()
        with contextlib.suppress(Exception):  # only our own lease
            if _text(self._cache.client.get(self._lease)) == self._gen:
                self._cache.client.delete(self._lease)


class RedisGrowingReader:
    """:class:`~.growing.GrowingReader` of a :class:`CacheRedis`: the full chunks written
    so far (the last, partial one comes with the commit)."""

    def __init__(self, cache: CacheRedis, key: str, gen: str) -> None:
        self._client: Any = cache.client
        self._lease, self._gen = _lease_key(cache, key), gen
        self._pending = cache._key(f"{key}:pending:{gen}")
        self._chunk = cache._chunk

    @classmethod
    def follow(cls, cache: CacheRedis, key: str) -> RedisGrowingReader | None:
        """A reader of ``key``'s write in progress, or ``None`` if there is none."""
        with reachable():
            gen = cache.client.get(_lease_key(cache, key))
        token = _text(gen)
        return None if token is None else cls(cache, key, token)

    def read(self, offset: int, most: int) -> bytes:
        index, skip = divmod(offset, self._chunk)
        with reachable():
            data = self._client.hget(self._pending, str(index))
        return b"" if data is None else bytes(data[skip : skip + most])

    def writing(self) -> bool:
        with reachable():
            return _text(self._client.get(self._lease)) == self._gen

    def close(self) -> None:
        pass
