"""A cache in a directory that several processes share: :class:`CacheFile`."""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from .abstract import CacheAbstract, check_positive
from .growing import FileGrowingReader, FileGrowingWriter
from .index import StoreIndex
from .staging import Staged, StagedDisk, claim, stage, sweep_claimed, sweep_staging
from .typehints import CachedData, CachedFileInfo

__all__ = ("CacheFile",)

MEGABYTE = 1024 * 1024  # bytes
SWEEP_INTERVAL = 600.0  # seconds between sweeps of orphaned staging files
_MISSING = object()
MEMO_ITEMS = 1024  # index rows a thread remembers between two changes of the index


class _ReadMemo(threading.local):
    """Index rows one thread has read, valid while the index is unchanged.

    ``version`` is (pid, this process's write count, SQLite's ``data_version`` of the
    thread's connection): any write, by another connection (thread, worker, host
    process) or through this one, changes it and empties ``rows``.
    """

    def __init__(self) -> None:
        self.version: tuple[int, int, int] | None = None
        #: uid -> (info, the registered path or the data file's name, is_path, expires)
        self.rows: dict[str, tuple[CachedFileInfo, str, bool, float | None]] = {}


def _remove_tree(path: str, owner: int) -> None:
    # Forked workers inherit atexit handlers; only the creating process removes the folder.
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


class CacheFile(CacheAbstract[CachedFileInfo, CachedData]):
    """Items kept as files in a directory, shared by every process that opens it.

    Built on :mod:`diskcache`: an item's data is written to a locked file in
    ``staging/`` first, outside any lock of the index. Then one SQLite transaction moves
    it into place, inserts the index row (holding the metadata) and evicts what the
    bounds require, so no reader ever sees a half-written item and the bounds hold at
    every instant, across processes. Removing, evicting or expiring an item deletes its
    file; a response already reading it keeps its open handle until it ends. Items
    registered by path are stored as references to that path. Eviction drops the least
    recently *stored* items (reads never write to the index).

    Reads of a thread skip SQLite while the index is unchanged: each load asks SQLite
    only whether any connection changed the index since (``PRAGMA data_version``) and
    answers from the rows this thread read before, so a removal, an eviction or a new
    version of an item anywhere is seen by the next load, exactly as without the memo.

    A write that fails (a full disk, a source that raises) removes its partial file. A
    writer killed mid-write leaves an unlocked file in ``staging/``: it is swept (once it
    is a minute old, and never while a live writer holds its lock) when a cache is
    opened on the directory and every ten minutes while items are stored; see
    :meth:`sweep`.

    :param cache_dir: the directory; ``None`` creates a temporary one, removed at exit,
        which only this process (and workers it forks) can find: registering into it
        from a server running several worker processes raises :class:`RuntimeError`
        (give a directory shared by all of them).
    :param chunk_size: chunk size in MB used when copying data into the cache (``>= 1``).
    :param cache_size: keyword-only; the most items kept (``None``: no limit).
    :param max_bytes: keyword-only; the most bytes of files the cache holds (``None``: none).
    :param ttl: keyword-only; seconds an item lives (``None``: never expires).
    :raises TypeError: if an argument has the wrong type.
    :raises ValueError: if a bound is not positive.
    :raises PermissionError: if the directory cannot be created or written, naming it.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        chunk_size: int = 1,
        *,
        cache_size: int | None = None,
        max_bytes: int | None = None,
        ttl: float | None = None,
    ) -> None:
        super().__init__(cache_size, max_bytes=max_bytes, ttl=ttl, size_optional=True)
        self._chunk_size: int = check_positive("chunk_size", chunk_size)
        #: ``True`` for the temporary directory of ``cache_dir=None``: only this process
        #: (and processes forked from it) know where it is.
        self.process_private = cache_dir is None
        if cache_dir is None:
            cache_dir = tempfile.mkdtemp(prefix="dash-file-cache-")
            atexit.register(_remove_tree, cache_dir, os.getpid())
        elif not isinstance(cache_dir, (str, os.PathLike)):
            raise TypeError(f"cache_dir must be a path or None, not {type(cache_dir).__name__}")
        self._dir = os.path.abspath(os.fspath(cache_dir))
        self._writes = 0  # index writes made by this process (see _ReadMemo)
        self._memo = _ReadMemo()
        try:
            if os.path.isdir(self._dir) and not os.access(self._dir, os.W_OK | os.X_OK):
                raise PermissionError("this process may not create files in it")
            self._store = self._open_store()
        except (OSError, sqlite3.Error) as exc:
            raise PermissionError(
                f"CacheFile cannot keep its files in {self._dir!r} ({exc}): give it a "
                "directory this process can create (or that exists and it can write), "
                "e.g. CacheFile('/var/cache/my-app') owned by the app's user"
            ) from exc
        self._swept = 0.0
        self.sweep()

    def open_to_front_server(self) -> None:
        """Let a front server running as another user read the items (``offload=``).

        Only for the temporary directory of ``cache_dir=None``, which is created for
        this process alone (``0700``): it becomes ``0755``. A directory you gave is left
        as it is.
        """
        if self.process_private:
            os.chmod(self._dir, 0o755)

    def _open_store(self) -> StoreIndex:
        # Culling is ours (exact counts and bytes, our clock), so diskcache's is off.
        store = StoreIndex(
            self._dir,
            disk=StagedDisk,
            eviction_policy="none",
            cull_limit=0,
            size_limit=2**62,
        )
        self._finalizer = weakref.finalize(self, store.close_all)
        return store

    def sweep(self) -> int:
        """Remove data files nobody needs any more; return the count.

        Those are files in ``staging/`` that no live process holds locked and that are
        at least a minute old (writers killed mid-write; a write in progress is never
        touched), and files in ``claimed/`` (see :meth:`claim_file`) past their grace.
        """
        self._swept = time.monotonic()
        return sweep_staging(self._dir) + sweep_claimed(self._dir)

    def close(self) -> None:
        """Close the connections to the index, of every thread (the items stay on disk).

        The cache opens new ones if it is used again.
        """
        self._store.close_all()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_store"]
        del state["_finalizer"]
        del state["_pop_lock"]
        del state["_memo"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._store = self._open_store()
        self._pop_lock = threading.Lock()
        self._memo = _ReadMemo()

    @property
    def cache_dir(self) -> str:
        """The directory holding the items."""
        return self._dir

    @property
    def chunk_size(self) -> int:
        """Chunk size in MB used when copying data into the cache."""
        return self._chunk_size

    def __len__(self) -> int:
        return len(self._store)

    @property
    def nbytes(self) -> int:
        """Bytes of files the cache holds."""
        return int(self._store.reset("size"))

    # -- storage helpers -------------------------------------------------------------

    def _decode(
        self, value: Any, tag: Any, key: str
    ) -> tuple[CachedFileInfo, CachedData, float | None]:
        record = json.loads(tag)
        expires = record.get("expires")
        if expires is not None and expires <= self.clock():
            if hasattr(value, "close"):
                value.close()
            self._delete(key)
            raise KeyError(key)
        info: CachedFileInfo = record["info"]
        return info, value, expires

    def _get(self, key: str) -> tuple[CachedFileInfo, CachedData]:
        info, value, _ = self._get_row(key)
        return info, value

    def _get_row(self, key: str) -> tuple[CachedFileInfo, CachedData, float | None]:
        value, tag = self._store.get(key, default=_MISSING, read=True, tag=True)
        if value is _MISSING:
            raise KeyError(key)
        return self._decode(value, tag, key)

    def _delete(self, key: str) -> bool:
        self._writes += 1
        return bool(self._store.delete(key))

    def _memo_rows(self) -> dict[str, tuple[CachedFileInfo, str, bool, float | None]]:
        """This thread's remembered rows, emptied if the index changed since."""
        memo = self._memo
        version = (os.getpid(), self._writes, self._store.data_version())
        if memo.version != version:
            memo.version = version
            memo.rows = {}
        return memo.rows

    def _cull(self) -> None:
        """Drop expired items, then the oldest ones beyond the bounds.

        Call it inside ``self._store.transact()``, so it is one transaction with the write.
        """
        store = self._store
        self._writes += 1
        store.expire(now=self.clock())
        while len(store) and (
            (self.cache_size is not None and len(store) > self.cache_size)
            or (self.max_bytes is not None and store.reset("size") > self.max_bytes)
        ):
            store.delete(next(iter(store)))

    # -- the contract ------------------------------------------------------------------

    def is_in(self, key: str) -> bool:
        try:
            _, value = self._get(key)
        except KeyError:
            return False
        if hasattr(value, "close"):
            value.close()
        return True

    def dump(self, key: str, info: CachedFileInfo, data: CachedData) -> None:
        """Store an item: a path (``str``, kept as a reference), ``bytes`` or a binary stream.

        :raises ValueError: if the item alone is larger than ``max_bytes``.
        :raises OSError: if the data cannot be written (nothing is left behind).
        """
        expires = self._expiry(info)
        record: dict[str, Any] = {"info": info, "expires": expires}
        value: Any
        if isinstance(data, str):
            value = data
            self._check_fits(0)
        else:
            stream = io.BytesIO(data) if isinstance(data, bytes) else data
            if not hasattr(stream, "read"):
                raise TypeError(
                    f"data must be a path, bytes or a binary stream, not {type(data).__name__}"
                )
            self._check_fits(int(info["size"]))
            value = stage(self._dir, stream, self._chunk_size * MEGABYTE)
        self._publish(key, record, value, expires)

    def publish_staged(self, key: str, info: CachedFileInfo, staged: Staged) -> None:
        """Store a file already written to ``staging/`` (a :class:`.growing` write) as
        the item ``key``, moving it into place; it is closed (and unlocked) either way.

        :raises ValueError: if it is larger than ``max_bytes`` (the file is removed).
        """
        expires = self._expiry(info)
        try:
            self._check_fits(staged.size)
        except ValueError:
            staged.discard()
            staged.close()
            raise
        self._publish(key, {"info": info, "expires": expires}, staged, expires)

    def begin_growing(self, key: str) -> FileGrowingWriter | None:
        """The one writer of item ``key`` being made (see :mod:`.growing`), or ``None``
        while a live one (in any process) holds it."""
        return FileGrowingWriter.begin(self, key)

    def follow_growing(self, key: str) -> FileGrowingReader | None:
        """A reader of item ``key`` being made (see :mod:`.growing`), or ``None``."""
        return FileGrowingReader.follow(self, key)

    def _publish(self, key: str, record: dict[str, Any], value: Any, expires: float | None) -> None:
        """One transaction: the row of ``key`` (a path or a staged file), and the cull."""
        try:
            # diskcache dates expiry by the real clock: give it our time as a duration.
            duration = None if expires is None else max(expires - time.time(), 1e-6)
            self._writes += 1
            with self._store.transact(retry=True):
                # storing a key again makes it the newest (diskcache would keep its place)
                self._store.delete(key)
                self._store.set(key, value, tag=json.dumps(record), expire=duration)
                self._cull()
        except BaseException:
            if isinstance(value, Staged):
                value.discard()
            raise
        finally:
            if isinstance(value, Staged):
                value.close()
        if time.monotonic() - self._swept > SWEEP_INTERVAL:
            self.sweep()

    def load(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Return ``(info, loader)``; the loader opens the item's file (or gives its path).

        One index look-up at most (none while the index is unchanged, see the class): the
        loader opens the data file by the name it had then, and raises
        :class:`FileNotFoundError` if the item was removed meanwhile.

        :raises KeyError: if the item is missing or expired.
        """
        rows = self._memo_rows()
        row = rows.get(key)
        if row is None or (row[3] is not None and row[3] <= self.clock()):
            info, value, expires = self._get_row(key)
            if isinstance(value, str):
                row = (info, value, True, expires)
            else:
                handle = cast(BinaryIO, value)
                row = (info, handle.name, False, expires)
                handle.close()
            if len(rows) < MEMO_ITEMS:
                rows[key] = row
        info, name, is_path = row[0], row[1], row[2]
        if is_path:
            return info, lambda: name

        def loader() -> CachedData:
            try:
                return open(name, "rb", buffering=0)  # one read(2) per chunk
            except FileNotFoundError:
                raise FileNotFoundError(key) from None

        return info, loader

    def remove(self, key: str) -> bool:
        """Delete an item and its file; return whether it was there."""
        return self._delete(key)

    def pop(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Atomically (across processes) remove an item and return it.

        The file is opened before it is deleted, so the data stays readable through the
        returned handle; the disk space is freed when that handle is closed.

        :raises KeyError: if the item is missing or expired.
        """
        with self._store.transact():
            info, value = self._get(key)
            self._delete(key)
        return info, lambda: value

    def claim_file(self, key: str) -> tuple[CachedFileInfo, str]:
        """Atomically remove an item and keep its data file for a front server to send.

        For offloaded one-time items (``X-Accel-Redirect``): the data file is linked
        into ``claimed/`` before its row is deleted, and the path returned. A registered
        path is returned as it is. Claimed files are deleted by :meth:`sweep` once they
        are :data:`~dash_file_cache.caches.staging.CLAIMED_GRACE` seconds old (the front
        server opens the file within moments of the response, and keeps it open).

        :raises KeyError: if the item is missing or expired.
        """
        with self._store.transact():
            info, value = self._get(key)
            if isinstance(value, str):
                path = value
            else:
                handle = cast(BinaryIO, value)
                with handle:
                    path = claim(self._dir, handle.name)
            self._delete(key)
        self.sweep()
        return info, path
