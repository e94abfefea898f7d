"""In-process caches: :class:`CachePlain` and the queue-fed :class:`CacheQueue`."""

from __future__ import annotations

import multiprocessing.managers
import os
import pickle
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from . import shared_queue
from .abstract import CacheAbstract
from .typehints import CachedData, CachedFileInfo

__all__ = ("CachePlain", "CacheQueue")


class _Entry(NamedTuple):
    info: CachedFileInfo
    data: str | bytes
    expires: float | None
    nbytes: int


def _memory_data(data: object) -> str | bytes:
    """Memory caches hold a path (a reference) or the bytes themselves."""
    if isinstance(data, (str, bytes)):
        return data
    raise TypeError(f"data must be a path (str) or bytes, not {type(data).__name__}")


class CachePlain(CacheAbstract[CachedFileInfo, CachedData]):
    """An in-process, thread-safe cache that keeps the ``cache_size`` most recently used items.

    Bytes are held in memory as registered (not copied again on load); items registered
    by path hold only the path and are read from disk when served.

    :param cache_size: the most items kept (``>= 1``); the least recently used is evicted.
    :param max_bytes: keyword-only; the most bytes held in memory (``None``: no limit).
    :param ttl: keyword-only; seconds an item lives (``None``: never expires).
    :raises TypeError: if a bound is not an ``int`` (``ttl``: a number).
    :raises ValueError: if a bound is not positive.
    """

    process_private = True

    def __init__(
        self, cache_size: int, *, max_bytes: int | None = None, ttl: float | None = None
    ) -> None:
        super().__init__(cache_size, max_bytes=max_bytes, ttl=ttl)
        self._items: OrderedDict[str, _Entry] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.RLock()

    def __len__(self) -> int:
        with self._lock:
            self._remove_expired()
            return len(self._items)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled: the bounds and a copy of the items (not the lock)."""
        with self._lock:
            state = dict(self.__dict__)
            state["_items"] = OrderedDict(self._items)
        del state["_lock"], state["_pop_lock"]
        state.setdefault("_creator", os.getpid())
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._pop_lock = threading.Lock()

    def _check_writable(self) -> None:
        """Refuse writes into a copy unpickled in another process: they would be lost.

        :raises RuntimeError: naming the caches that share items across processes.
        """
        creator = self.__dict__.get("_creator")
        if creator is not None and creator != os.getpid() and type(self) is CachePlain:
            raise RuntimeError(
                "this CachePlain was pickled in process "
                f"{creator} and unpickled in process {os.getpid()} (a background callback "
                "started with the spawn method?): items registered here would never reach "
                "the web process. Use CacheQueue, CacheFile or CacheRedis, which share "
                "items across processes"
            )

    @property
    def nbytes(self) -> int:
        """Bytes of data currently held in memory."""
        return self._nbytes

    def _remove_expired(self) -> None:
        now = self.clock()
        for key in [
            k for k, e in self._items.items() if e.expires is not None and e.expires <= now
        ]:
            self._discard(key)

    def _discard(self, key: str) -> _Entry | None:
        entry = self._items.pop(key, None)
        if entry is not None:
            self._nbytes -= entry.nbytes
        return entry

    def _live(self, key: str) -> _Entry:
        entry = self._items.get(key)
        if entry is None:
            raise KeyError(key)
        if entry.expires is not None and entry.expires <= self.clock():
            self._discard(key)
            raise KeyError(key)
        return entry

    def _store(self, key: str, info: CachedFileInfo, data: object) -> None:
        value = _memory_data(data)
        nbytes = len(value) if isinstance(value, bytes) else 0
        self._check_fits(nbytes)
        with self._lock:
            self._discard(key)
            self._remove_expired()
            self._items[key] = _Entry(info, value, self._expiry(info), nbytes)
            self._nbytes += nbytes
            while (self.cache_size is not None and len(self._items) > self.cache_size) or (
                self.max_bytes is not None and self._nbytes > self.max_bytes
            ):
                oldest = next(iter(self._items))
                self._discard(oldest)

    def is_in(self, key: str) -> bool:
        """Whether ``key`` names a live item (does not count as a use)."""
        with self._lock:
            try:
                self._live(key)
            except KeyError:
                return False
            return True

    def dump(self, key: str, info: CachedFileInfo, data: CachedData) -> None:
        """Store an item under ``key``; ``data`` is a path (``str``) or ``bytes``.

        :raises RuntimeError: in a copy unpickled in another process (see
            :meth:`_check_writable`).
        """
        self._check_writable()
        self._store(key, info, data)

    def load(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Return ``(info, loader)`` and mark the item as recently used.

        :raises KeyError: if the item is missing or expired.
        """
        with self._lock:
            entry = self._live(key)
            self._items.move_to_end(key)
        data = entry.data
        return entry.info, lambda: data

    def remove(self, key: str) -> bool:
        """Forget an item; return whether it was there."""
        with self._lock:
            return self._discard(key) is not None

    def pop(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        """Atomically remove an item and return ``(info, loader)``.

        :raises KeyError: if the item is missing or expired.
        """
        with self._lock:
            entry = self._live(key)
            self._discard(key)
        data = entry.data
        return entry.info, lambda: data


QueueFactory = Callable[[], Any]
WATCHDOG_INTERVAL = 0.5  # seconds between the manager's checks that its parent lives


def _exit_with_parent(parent: int) -> None:
    """In the manager process: exit as soon as the process that started it is gone.

    A parent stopped by SIGTERM (how gunicorn and systemd stop apps) runs no clean-up,
    and a manager would otherwise outlive it.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="dash-file-cache-watchdog", daemon=True).start()


def start_manager() -> multiprocessing.managers.SyncManager:
    """A ``multiprocessing`` manager that ends with this process, however it ends."""
    manager = multiprocessing.managers.SyncManager()
    manager.start(initializer=_exit_with_parent, initargs=(os.getpid(),))
    return manager


class CacheQueue(CachePlain):
    """A :class:`CachePlain` in the process that creates it, fed by worker processes.

    Worker processes (for example Dash background callbacks under ``DiskcacheManager``)
    cannot write into the creator's memory, so their :meth:`dump` and :meth:`remove` calls
    travel through a process-shared queue, which the creating process drains whenever it
    reads the cache. Reading the cache from a worker raises :class:`RuntimeError`.

    It works with every start method of worker processes: forked workers inherit it;
    under ``spawn`` (macOS and Windows), where a worker re-imports the app's module and so
    makes a new ``CacheQueue``, that new one feeds the web process's queue (see
    :mod:`dash_file_cache.caches.shared_queue`); pickled (``pickle`` or ``dill``), it
    carries its queue and feeds it from wherever it is unpickled. A worker that cannot
    reach the web process's queue raises :class:`RuntimeError` at ``register()``
    instead of handing out an address that would answer 404.

    :param cache_size: the most items kept (``>= 1``), least recently used evicted first.
    :param qobj: a queue shared by processes (such as ``multiprocessing.Manager().Queue()``)
        or a zero-argument factory returning one. ``None`` starts a ``multiprocessing``
        manager now and uses a queue of it; that manager process ends with :meth:`close`,
        or by itself once the creating process is gone (also after SIGTERM or SIGKILL).
        It can be replaced later through :attr:`qobj`.
    :param max_bytes: keyword-only; the most bytes held in memory (``None``: no limit).
    :param ttl: keyword-only; seconds an item lives (``None``: never expires).
    """

    def __init__(
        self,
        cache_size: int,
        qobj: Any = None,
        *,
        max_bytes: int | None = None,
        ttl: float | None = None,
    ) -> None:
        super().__init__(cache_size, max_bytes=max_bytes, ttl=ttl)
        self._owner = os.getpid()
        self._manager: Any = None
        self._qobj: Any = None
        self._qpid = self._owner
        self._spec: bytes | None = None
        self._drain_lock = threading.Lock()
        #: Why this cache cannot reach the web process's queue (``None``: it can).
        self._unreachable: str | None = None
        site = self._site = shared_queue.creation_site()
        if shared_queue.in_spawned_import():
            found = shared_queue.inherited(site)
            if found is None:
                self._unreachable = (
                    "this CacheQueue was made while a spawned worker process re-imported "
                    "the app's module, and the web process published no queue for it (is "
                    "it made at the same line in the web process, before the worker "
                    "starts?)"
                )
                return
            self._owner, self._spec = found
            self._qobj = shared_queue.rebuild_proxy(found.spec)
            return
        self.qobj = qobj

    @property
    def qobj(self) -> Any:
        """The process-shared queue through which workers send their items."""
        if self._qpid != os.getpid():
            # A forked worker must not share the parent's connection to the manager:
            # a proxy rebuilt here has a connection of its own.
            if self._spec is not None:
                self._qobj = shared_queue.rebuild_proxy(self._spec)
            else:
                self._qobj = pickle.loads(pickle.dumps(self._qobj))
            self._qpid = os.getpid()
        return self._qobj

    @qobj.setter
    def qobj(self, value: Any) -> None:
        if value is None:
            if self._manager is None:
                self._manager = start_manager()
            value = self._manager.Queue()
        elif callable(value) and not hasattr(value, "put"):
            value = value()
        if not (hasattr(value, "put") and hasattr(value, "get_nowait")):
            raise TypeError(
                f"qobj must be a process-shared queue or a factory of one, "
                f"not {type(value).__name__}"
            )
        self._qobj = value
        self._qpid = os.getpid()
        self._spec = shared_queue.proxy_spec(value)
        if self._spec is not None and os.getpid() == self._owner:  # also when replaced
            shared_queue.publish(self._site, self._spec)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled: the bounds, the owner and the queue's spec; not the items (they stay
        in the owner), the manager process or the connection.

        :raises TypeError: if the queue cannot travel (not a manager's queue).
        """
        if self._spec is None and self._unreachable is None:
            raise TypeError(
                "this CacheQueue's qobj is not a multiprocessing manager's queue, so it "
                "cannot be pickled: use the default (qobj=None) or a "
                "multiprocessing.Manager().Queue()"
            )
        state = dict(self.__dict__)
        del state["_lock"], state["_pop_lock"], state["_drain_lock"]
        state["_items"] = OrderedDict()
        state["_nbytes"] = 0
        state["_manager"] = None
        state["_qobj"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._pop_lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._copy = True  # never the holder of the items, even in the owner's process
        if self._spec is not None:
            self._qobj = shared_queue.rebuild_proxy(self._spec)
            self._qpid = os.getpid()

    def close(self) -> None:
        """Stop the manager process this cache started, if any (in the creating process)."""
        manager, self._manager = self._manager, None
        if manager is not None and self.is_owner:
            manager.shutdown()

    @property
    def is_owner(self) -> bool:
        """Whether this object holds the items (in the process that made it; an unpickled
        copy feeds the queue wherever it is)."""
        return os.getpid() == self._owner and not self.__dict__.get("_copy", False)

    def _require_owner(self) -> None:
        if not self.is_owner:
            raise RuntimeError("CacheQueue can only be read in the process that created it")
        self._drain()

    def _drain(self) -> None:
        """Store what workers sent. One thread drains at a time, and a reader waits for
        a drain in progress: a message taken off the queue is stored before anyone can
        miss it (two concurrent requests would otherwise 404 each other's item)."""
        with self._drain_lock:
            q = self.qobj
            while True:
                try:
                    message = q.get_nowait()
                except queue.Empty:
                    return
                if message[0] == "dump":
                    _, key, info, data = message
                    self._store(key, info, data)
                else:
                    CachePlain.remove(self, message[1])

    def is_in(self, key: str) -> bool:
        self._require_owner()
        return super().is_in(key)

    def dump(self, key: str, info: CachedFileInfo, data: CachedData) -> None:
        """Store an item; in a worker process, send it to the creating process.

        :raises RuntimeError: if this process cannot reach the web process's queue.
        """
        if self._unreachable is not None:
            raise RuntimeError(
                f"{self._unreachable}; an item registered here would answer 404. Make the "
                "CacheQueue at module level of the app (the same line runs in the web "
                "process and in its workers), or use CacheFile or CacheRedis"
            )
        if self.is_owner:
            self._store(key, info, data)
            return
        value = _memory_data(data)
        self._check_fits(len(value) if isinstance(value, bytes) else 0)
        self.qobj.put(("dump", key, info, value))

    def load(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        self._require_owner()
        return super().load(key)

    def remove(self, key: str) -> bool:
        """Forget an item; in a worker, ask the creating process to (returns ``False``)."""
        if not self.is_owner:
            if self._unreachable is None:
                self.qobj.put(("remove", key))
            return False
        self._drain()
        return super().remove(key)

    def pop(self, key: str) -> tuple[CachedFileInfo, Callable[[], CachedData]]:
        self._require_owner()
        return super().pop(key)

    def __len__(self) -> int:
        self._require_owner()
        return super().__len__()
