"""A cache shared by many hosts through a Redis server: :class:`CacheRedis`.

Layout under the key prefix ``P`` (``uid`` is the item's key, ``gen`` a random token
of one stored version):

- ``P{uid}:info``: the item's record (JSON, naming its chunks key), written last, so
  its presence means the item is complete; ``P{uid}:chunks:{gen}``: a hash of chunk
  index → bytes; ``P{uid}:chunks:{gen}:readers``: how many responses stream it now.
- ``Pindex``: sorted set of uids by store order (eviction: least recently stored);
  ``Pexpiry``: sorted set of uids by expiry time; ``Psizes``: hash uid → bytes held;
  ``Pbytes``: total bytes held; ``Pseq``: store-order counter.

Writes go to ``P{uid}:pending:{gen}`` (which expires by itself if the writer dies) and
are published, with the cull that keeps the bounds, by one Lua script: bounds hold at
every instant and the newest items survive, whatever the number of writers. Removing,
evicting or expiring an item whose chunks a response is still reading leaves those
chunks (no longer counted in ``nbytes``) until the last reader closes, or for an hour.
A one-time claim removes the record in one script, so exactly one caller, on any host,
gets the chunks, which its stream deletes on close.

The scripts (:mod:`.redis_scripts`) compute key names from the prefix, so Redis Cluster
is not supported. Streams over the chunks: :mod:`.redis_stream`.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from . import redis_scripts as scripts
from .abstract import CacheAbstract, check_positive
from .growing_redis import RedisGrowingReader, RedisGrowingWriter
from .redis_scripts import READER_GRACE_MS
from .redis_stream import (
    RedisChunkStream,
    connect,
    connection_settings,
    reachable,
    reconnect,
)
from .typehints import CachedData, CachedFileInfo

if TYPE_CHECKING:
    import redis as redis_lib

__all__ = ("CacheRedis",)

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024  # bytes
PENDING_TTL_MS = 3_600_000  # 1 hour: an abandoned write disappears by itself
SMALL = 64 * 1024  # bytes: items up to this size are read with their record, in one trip
#: What does not travel when the cache is pickled (re-made on the other side).
_PROCESS_LOCAL = frozenset(
    {"_client", "_owns_client", "_pop_lock", "_publish", "_remove", "_cull_script"}
    | {"_claim", "_pin", "_release", "_load"}
)
CLAIMED_TTL_MS = 3_600_000  # 1 hour: a claimed item whose response never closed


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
        self._prefix = key_prefix
        self._copy_paths = copy_paths
        self._bind(connect(url_or_client), owns=isinstance(url_or_client, str))

    def _bind(self, client: redis_lib.Redis, owns: bool) -> None:
        """Use ``client`` (closed by :meth:`close` when ``owns``), with our scripts."""
        self._client = client
        self._owns_client = owns
        register = self._client.register_script
        self._publish, self._remove, self._cull_script = (
            register(scripts.PUBLISH),
            register(scripts.REMOVE),
            register(scripts.CULL),
        )
        self._claim, self._pin, self._release, self._load = (
            register(scripts.CLAIM),
            register(scripts.PIN),
            register(scripts.RELEASE),
            register(scripts.LOAD),
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickled as its settings and how to connect (not the connections): unpickled,
        it opens a client of its own to the same server and database, closed by
        :meth:`close`."""
        state = {
            key: value
            for key, value in self.__dict__.items()
            if key not in _PROCESS_LOCAL and not key.startswith("_script")
        }
        state["_connection"] = connection_settings(self._client)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        settings = state.pop("_connection")
        self.__dict__.update(state)
        self._pop_lock = threading.Lock()
        self._bind(reconnect(settings), owns=True)

    @property
    def client(self) -> redis_lib.Redis:
        """The Redis client."""
        return self._client

    @property
    def key_prefix(self) -> str:
        """The prefix of every key of this cache."""
        return self._prefix

    def close(self) -> None:
        """Close the connections of a client made from a URL (the items stay in Redis).

        A ``redis.Redis`` passed in is left open for its owner to close.
        """
        if self._owns_client:
            self._client.close()

    def _key(self, name: str) -> str:
        return self._prefix + name

    def _lib_keys(self) -> list[str]:
        return [self._key(name) for name in ("index", "expiry", "sizes", "bytes", "seq")]

    def _lib_args(self) -> list[Any]:
        bound = ("" if b is None else b for b in (self.cache_size, self.max_bytes))
        return [self._prefix, self.clock(), *bound]

    def __len__(self) -> int:
        with reachable():
            return int(self._cull_script(keys=self._lib_keys(), args=self._lib_args()))

    @property
    def nbytes(self) -> int:
        """Bytes of data held in Redis for live items."""
        with reachable():
            return int(self._client.get(self._key("bytes")) or 0)

    # -- helpers --------------------------------------------------------------------------

    def _record(self, key: str) -> dict[str, Any]:
        return self._record_and_data(key)[0]

    def _record_and_data(self, key: str) -> tuple[dict[str, Any], bytes | None]:
        """The item's record and, for an item of at most :data:`SMALL` bytes, its data."""
        with reachable():
            reply = self._load(keys=[self._key(f"{key}:info")], args=[SMALL])
        if not reply:
            raise KeyError(key)
        record: dict[str, Any] = json.loads(reply[0])
        expires = record.get("expires")
        if expires is not None and expires <= self.clock():
            self.remove(key)
            raise KeyError(key)
        return record, (bytes(reply[1]) if len(reply) > 1 else None)

    def _stream(self, key: str, record: dict[str, Any], claimed: bool = False) -> CachedData:
        """The item's data; a stream over chunks counts as a reader until it closes."""
        info = record["info"]
        if info["kind"] == "path":
            return str(record["path"])
        chunks = str(record["chunks"])
        info_key = self._key(f"{key}:info")
        if not claimed:  # a claim counted this reader already
            with reachable():
                if not self._pin(keys=[info_key, chunks], args=[READER_GRACE_MS]):
                    raise FileNotFoundError(key)

        def release() -> object:
            return self._release(keys=[info_key, chunks])

        size = int(info["size"])
        stream = RedisChunkStream(self._client, chunks, size, record["chunk"], release)
        return cast(BinaryIO, stream)

    # -- the contract ---------------------------------------------------------------------

    def is_in(self, key: str) -> bool:
        try:
            self._record(key)
        except KeyError:
            return False
        return True

    def dump(self, key: str, info: CachedFileInfo, data: CachedData) -> None:
        """Store an item, copying its data into Redis chunk by chunk.

        Publishing the item and evicting what the bounds require is one atomic step.

        :raises ValueError: if the item alone is larger than ``max_bytes``.
        :raises BackendUnavailable: if Redis cannot be reached.
        """
        gen = secrets.token_hex(8)
        record: dict[str, Any] = {"info": dict(info), "chunk": self._chunk}
        pending, chunks = self._key(f"{key}:pending:{gen}"), ""
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
                with source, reachable():
                    size = self._write_chunks(pending, source)
                self._check_fits(size)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._client.delete(pending)
                raise
            record["info"]["size"] = size
            chunks = record["chunks"] = self._key(f"{key}:chunks:{gen}")
        self._publish_record(key, info, record, size, pending, chunks)

    def publish_pending(self, key: str, info: CachedFileInfo, gen: str, size: int) -> None:
        """Publish the chunks written to ``P{key}:pending:{gen}`` (a :mod:`.growing_redis`
        write) as the item ``key`` of ``size`` bytes.

        :raises ValueError: if it is larger than ``max_bytes`` (the chunks are deleted).
        :raises BackendUnavailable: if Redis cannot be reached.
        """
        pending = self._key(f"{key}:pending:{gen}")
        try:
            self._check_fits(size)
        except ValueError:
            with contextlib.suppress(Exception):
                self._client.delete(pending)
            raise
        info["size"] = size
        chunks = self._key(f"{key}:chunks:{gen}")
        record: dict[str, Any] = {"info": dict(info), "chunk": self._chunk, "chunks": chunks}
        self._publish_record(key, info, record, size, pending, chunks)

    def begin_growing(self, key: str) -> RedisGrowingWriter | None:
        """The one writer of item ``key`` being made (see :mod:`.growing`), or ``None``
        while a live one (on any host) holds it."""
        return RedisGrowingWriter.begin(self, key)

    def follow_growing(self, key: str) -> RedisGrowingReader | None:
        """A reader of item ``key`` being made (see :mod:`.growing`), or ``None``."""
        return RedisGrowingReader.follow(self, key)

    def _publish_record(
        self,
        key: str,
        info: CachedFileInfo,
        record: dict[str, Any],
        size: int,
        pending: str,
        chunks: str,
    ) -> None:
        expires = self._expiry(info)
        record["expires"] = expires
        ttl_ms = "" if expires is None else str(max(int((expires - time.time()) * 1000), 1))
        args: list[Any] = [
            key,
            json.dumps(record),
            size,
            "" if expires is None else expires,
            ttl_ms,
        ]
        with reachable():
            self._publish(keys=self._lib_keys(), args=[*self._lib_args(), *args, pending, chunks])

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

        The stream keeps the chunks readable until it is closed, even if the item is
        removed, evicted, expired or stored again meanwhile; the loader raises
        :class:`FileNotFoundError` if that happened before it was called. Items of at
        most 64 KiB come with their record, in one round trip, as ``bytes``.

        :raises KeyError: if the item is missing or expired.
        :raises BackendUnavailable: if Redis cannot be reached.
        """
        record, data = self._record_and_data(key)
        info: CachedFileInfo = record["info"]
        if data is not None and len(data) == int(info["size"]):
            return info, lambda: data  # a small item, read with its record
        return info, lambda: self._stream(key, record)

    def remove(self, key: str) -> bool:
        """Delete an item (its chunks once no response reads them); return whether it was there."""
        with reachable():
            return bool(self._remove(keys=self._lib_keys(), args=[*self._lib_args(), key]))

    def pop(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Atomically (across hosts) claim an item: remove it and return its data.

        The chunks are deleted when the returned stream is closed (or after an hour, if
        it never is).

        :raises KeyError: if the item is missing or expired.
        :raises BackendUnavailable: if Redis cannot be reached.
        """
        self._record(key)
        with reachable():
            raw = self._claim(keys=self._lib_keys(), args=[*self._lib_args(), key, CLAIMED_TTL_MS])
        if raw is None:
            raise KeyError(key)
        record = json.loads(raw)
        stream = self._stream(key, record, claimed=True)
        return record["info"], lambda: stream
