"""A cache shared by many hosts through a Redis server: :class:`CacheRedis`.

Layout under the key prefix ``P`` (``uid`` is the item's key):

- ``P{uid}:info``: the item's metadata (JSON), written last, so its presence means the
  item is complete; ``P{uid}:chunks``: a hash of chunk index → bytes.
- ``Pindex``: sorted set of uids by store order (eviction: least recently stored);
  ``Pexpiry``: sorted set of uids by expiry time; ``Psizes``: hash uid → bytes held;
  ``Pbytes``: total bytes held; ``Pseq``: store-order counter.

Writes go to ``P{uid}:pending`` (which expires by itself if the writer dies) and are
published by one Lua script. A one-time claim renames the chunks to a private key in one
script, so exactly one caller, on any host, gets them.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from .abstract import CacheAbstract, check_positive
from .typehints import CachedData, CachedFileInfo

if TYPE_CHECKING:
    import redis as redis_lib

__all__ = ("CacheRedis",)

MEGABYTE = 1024 * 1024  # bytes
PENDING_TTL_MS = 3_600_000  # 1 hour: an abandoned write disappears by itself
CLAIMED_TTL_MS = 3_600_000  # 1 hour: a claimed item whose response never closed
CULL_LIMIT = 1000  # most items dropped by one cull

# KEYS: pending, chunks, info, index, expiry, sizes, bytes, seq
# ARGV: uid, info json, size, expire-at score ("" = never), ttl ms ("" = never)
_PUBLISH = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  if ARGV[5] == '' then redis.call('PERSIST', KEYS[2]) end
end
redis.call('SET', KEYS[3], ARGV[2])
if ARGV[5] ~= '' then
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  redis.call('ZADD', KEYS[5], ARGV[4], ARGV[1])
end
redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[8]), ARGV[1])
redis.call('HSET', KEYS[6], ARGV[1], ARGV[3])
redis.call('INCRBY', KEYS[7], ARGV[3])
return 1
"""

# KEYS: info, chunks, index, expiry, sizes, bytes ; ARGV: uid
_REMOVE = """
local size = redis.call('HGET', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
if not size then return 0 end
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('DECRBY', KEYS[6], size)
return 1
"""

# KEYS: info, chunks, index, expiry, sizes, bytes, claimed ; ARGV: uid, claimed ttl ms
_CLAIM = """
local info = redis.call('GET', KEYS[1])
if not info then return false end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], KEYS[7])
  redis.call('PEXPIRE', KEYS[7], ARGV[2])
end
local size = redis.call('HGET', KEYS[5], ARGV[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
if size then
  redis.call('HDEL', KEYS[5], ARGV[1])
  redis.call('DECRBY', KEYS[6], size)
end
return info
"""


def _connect(url_or_client: Any) -> redis_lib.Redis:
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


class RedisChunkStream(io.RawIOBase):
    """A seekable, read-only stream over an item's chunks; reads one chunk per call.

    :param client: the Redis client.
    :param key: the hash holding the chunks.
    :param size: the item's size in bytes.
    :param chunk: the size of each stored chunk in bytes.
    :param owned: delete ``key`` on close (a claimed one-time item).
    """

    def __init__(
        self, client: redis_lib.Redis, key: str, size: int, chunk: int, owned: bool = False
    ) -> None:
        super().__init__()
        self._client, self._key, self._size, self._chunk = client, key, size, chunk
        self._owned = owned
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
        data = self._client.hget(self._key, str(index))
        if data is None:  # removed while being read: end the body early
            return 0
        piece = memoryview(cast(bytes, data))[skip : skip + len(buffer)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)

    def close(self) -> None:
        if not self.closed and self._owned:
            self._client.delete(self._key)
        super().close()


class CacheRedis(CacheAbstract[CachedFileInfo, CachedData]):
    """Items kept in Redis, shared by every process and host that uses the same server.

    Data is stored in chunks, so neither registering nor serving holds a whole file in
    memory, and a range request reads only the chunks it needs. Expiry uses Redis' own
    TTLs; eviction drops the least recently stored items; a one-time item is claimed
    atomically, so exactly one response, on any host, serves it.

    :param url_or_client: a Redis URL (``redis://host:port/db``) or a ``redis.Redis``.
    :param key_prefix: keyword-only; prefix of every key, so several caches can share a
        database.
    :param chunk_size: keyword-only; chunk size in MB of the stored data (``>= 1``).
    :param copy_paths: keyword-only; copy the bytes of items registered by path into
        Redis, so any host can serve them (default). ``False`` stores the path only, for
        hosts that share a filesystem at the same mount point.
    :param cache_size: keyword-only; the most items kept (``None``: no limit).
    :param max_bytes: keyword-only; the most bytes held in Redis (``None``: no limit).
    :param ttl: keyword-only; seconds an item lives (``None``: never expires).
    :raises RuntimeError: if the ``redis`` package is not installed.
    :raises TypeError: if an argument has the wrong type.
    :raises ValueError: if a bound is not positive.
    """

    def __init__(
        self,
        url_or_client: str | redis_lib.Redis = "redis://127.0.0.1:6379/0",
        *,
        key_prefix: str = "dash-file-cache:",
        chunk_size: int = 1,
        copy_paths: bool = True,
        cache_size: int | None = None,
        max_bytes: int | None = None,
        ttl: float | None = None,
    ) -> None:
        super().__init__(cache_size, max_bytes=max_bytes, ttl=ttl, size_optional=True)
        if not isinstance(key_prefix, str):
            raise TypeError(f"key_prefix must be a str, not {type(key_prefix).__name__}")
        if not isinstance(copy_paths, bool):
            raise TypeError(f"copy_paths must be a bool, not {type(copy_paths).__name__}")
        self._chunk = check_positive("chunk_size", chunk_size) * MEGABYTE
        self._client = _connect(url_or_client)
        self._prefix = key_prefix
        self._copy_paths = copy_paths
        self._publish = self._client.register_script(_PUBLISH)
        self._remove = self._client.register_script(_REMOVE)
        self._claim = self._client.register_script(_CLAIM)

    @property
    def client(self) -> redis_lib.Redis:
        """The Redis client."""
        return self._client

    @property
    def key_prefix(self) -> str:
        """The prefix of every key of this cache."""
        return self._prefix

    def _key(self, name: str) -> str:
        return self._prefix + name

    def _item_keys(self, key: str) -> list[str]:
        return [
            self._key(f"{key}:info"),
            self._key(f"{key}:chunks"),
            self._key("index"),
            self._key("expiry"),
            self._key("sizes"),
            self._key("bytes"),
        ]

    def __len__(self) -> int:
        self._cull()
        return int(self._client.zcard(self._key("index")))

    @property
    def nbytes(self) -> int:
        """Bytes of data held in Redis."""
        return int(self._client.get(self._key("bytes")) or 0)

    # -- helpers --------------------------------------------------------------------------

    def _record(self, key: str) -> dict[str, Any]:
        raw = self._client.get(self._key(f"{key}:info"))
        if raw is None:
            raise KeyError(key)
        record: dict[str, Any] = json.loads(raw)
        expires = record.get("expires")
        if expires is not None and expires <= self.clock():
            self.remove(key)
            raise KeyError(key)
        return record

    def _stream(self, key: str, record: dict[str, Any], owned: bool = False) -> CachedData:
        info = record["info"]
        if info["kind"] == "path":
            return str(record["path"])
        stream = RedisChunkStream(self._client, key, int(info["size"]), record["chunk"], owned)
        return cast(BinaryIO, stream)

    def _cull(self) -> None:
        """Drop expired items, then the oldest ones beyond the bounds."""
        index = self._key("index")
        expired: Any = self._client.zrangebyscore(
            self._key("expiry"), "-inf", self.clock(), start=0, num=CULL_LIMIT
        )
        for uid in expired:
            self.remove(uid.decode())
        for _ in range(CULL_LIMIT):
            over_count = self.cache_size is not None and (
                self._client.zcard(index) > self.cache_size
            )
            over_bytes = self.max_bytes is not None and self.nbytes > self.max_bytes
            if not (over_count or over_bytes):
                return
            oldest: Any = self._client.zrange(index, 0, 0)
            if not oldest:
                return
            self.remove(oldest[0].decode())

    # -- the contract ---------------------------------------------------------------------

    def is_in(self, key: str) -> bool:
        try:
            self._record(key)
        except KeyError:
            return False
        return True

    def dump(self, key: str, info: CachedFileInfo, data: CachedData) -> None:
        """Store an item, copying its data into Redis chunk by chunk.

        :raises ValueError: if the item alone is larger than ``max_bytes``.
        """
        record: dict[str, Any] = {"info": dict(info), "chunk": self._chunk}
        pending = self._key(f"{key}:pending")
        size = 0
        if isinstance(data, str) and not self._copy_paths:
            record["path"] = data
        else:
            if isinstance(data, str):
                self._check_fits(os.path.getsize(data))
                source: Any = open(data, "rb")  # closed below
                record["info"]["kind"] = "bytes"
            elif isinstance(data, bytes):
                self._check_fits(len(data))
                source = io.BytesIO(data)
            else:
                self._check_fits(int(info["size"]))
                source = data
            try:
                with source:
                    size = self._write_chunks(pending, source)
                self._check_fits(size)
            except BaseException:
                self._client.delete(pending)
                raise
            record["info"]["size"] = size
        expires = self._expiry()
        record["expires"] = expires
        ttl_ms = "" if expires is None else str(max(int((expires - time.time()) * 1000), 1))
        keys = self._item_keys(key)
        self._publish(
            keys=[pending, keys[1], keys[0], *keys[2:], self._key("seq")],
            args=[key, json.dumps(record), size, "" if expires is None else expires, ttl_ms],
        )
        self._cull()

    def _write_chunks(self, pending: str, source: Any) -> int:
        """Copy ``source`` into the hash ``pending``, one chunk per round trip."""
        size = index = 0
        while chunk := source.read(self._chunk):
            pipe = self._client.pipeline(transaction=False)
            pipe.hset(pending, str(index), chunk)
            pipe.pexpire(pending, PENDING_TTL_MS)
            pipe.execute()
            size += len(chunk)
            index += 1
        return size

    def load(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Return ``(info, loader)``; the loader gives a stream over the chunks.

        :raises KeyError: if the item is missing or expired.
        """
        record = self._record(key)
        info: CachedFileInfo = record["info"]
        return info, lambda: self._stream(self._key(f"{key}:chunks"), record)

    def remove(self, key: str) -> bool:
        """Delete an item and its chunks; return whether it was there."""
        return bool(self._remove(keys=self._item_keys(key), args=[key]))

    def pop(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Atomically (across hosts) claim an item: remove it and return its data.

        The chunks move to a private key that is deleted when the returned stream is
        closed (or after an hour, if it never is).

        :raises KeyError: if the item is missing or expired.
        """
        record = self._record(key)
        claimed = self._key(f"{key}:claimed:{secrets.token_hex(8)}")
        raw = self._claim(keys=[*self._item_keys(key), claimed], args=[key, CLAIMED_TTL_MS])
        if raw is None:
            raise KeyError(key)
        record = json.loads(raw)
        stream = self._stream(claimed, record, owned=True)
        return record["info"], lambda: stream
