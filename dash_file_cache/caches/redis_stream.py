"""Reading an item's chunks from Redis as a stream, and reaching Redis at all."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from .abstract import BackendUnavailable

if TYPE_CHECKING:
    import redis as redis_lib

__all__ = ("RedisChunkStream", "connect", "reachable")

logger = logging.getLogger("dash_file_cache.caches.redis")


@contextlib.contextmanager
def reachable() -> Iterator[None]:
    """Turn a lost connection to Redis into :class:`BackendUnavailable`."""
    import redis

    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise BackendUnavailable(f"Redis is unreachable: {exc}") from exc


def connect(url_or_client: Any) -> redis_lib.Redis:
    try:
        import redis
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "CacheRedis needs the redis client: pip install 'dash-file-cache[redis]'"
        ) from None
    if isinstance(url_or_client, str):
        return redis.Redis.from_url(url_or_client)
    if isinstance(url_or_client, redis.Redis):
        return url_or_client
    raise TypeError(
        f"url_or_client must be a redis URL or a redis.Redis, not {type(url_or_client).__name__}"
    )


#: Connection settings that travel when a cache is pickled (plain values only).
_PLAIN = (str, int, float, bool, bytes, type(None))


def connection_settings(client: redis_lib.Redis) -> dict[str, Any]:
    """How to open a client like ``client``: its connection class and plain settings
    (host, port or path, database, credentials, timeouts, TLS file names)."""
    pool = client.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if isinstance(v, _PLAIN)}
    return {"connection_class": pool.connection_class, "kwargs": kwargs}


def reconnect(settings: dict[str, Any]) -> redis_lib.Redis:
    """A new client from :func:`connection_settings`."""
    import redis

    pool = redis.ConnectionPool(connection_class=settings["connection_class"], **settings["kwargs"])
    return redis.Redis(connection_pool=pool)


class RedisChunkStream(io.RawIOBase):
    """A seekable, read-only stream over an item's chunks; reads one chunk per call.

    :param client: the Redis client.
    :param key: the hash holding the chunks.
    :param size: the item's size in bytes.
    :param chunk: the size of each stored chunk in bytes.
    :param on_close: called once when the stream closes (release or delete the chunks).
    """

    def __init__(
        self,
        client: redis_lib.Redis,
        key: str,
        size: int,
        chunk: int,
        on_close: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        self._client, self._key, self._size, self._chunk = client, key, size, chunk
        self._on_close = on_close
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        index, skip = divmod(self._pos, self._chunk)
        with reachable():
            data = self._client.hget(self._key, str(index))
        if data is None:  # lost (Redis restarted, or the reader grace ran out)
            raise BackendUnavailable(f"the chunks of {self._key} are gone from Redis")
        piece = memoryview(cast(bytes, data))[skip : skip + len(buffer)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)

    def close(self) -> None:
        on_close, self._on_close = self._on_close, None
        if on_close is not None and not self.closed:
            try:
                with reachable():
                    on_close()
            except BackendUnavailable:
                logger.warning("dash-file-cache could not release %s in Redis", self._key)
        super().close()
