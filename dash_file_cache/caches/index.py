"""The SQLite index under :class:`~dash_file_cache.caches.file.CacheFile`: a diskcache
``Cache`` whose connections can all be closed.

diskcache opens one SQLite connection per thread and closes only the calling thread's on
``close()``; the others are left to the garbage collector, which Python 3.13 reports as a
``ResourceWarning``. Here every connection is opened with ``check_same_thread=False`` and
remembered, so :meth:`StoreIndex.close_all` (called by ``CacheFile.close()`` and when the
cache is garbage-collected) closes them all, whichever thread opened them. Each thread
still uses only its own connection.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

import diskcache

__all__ = ("StoreIndex",)


class StoreIndex(diskcache.Cache):  # type: ignore[misc]
    """A ``diskcache.Cache`` that tracks the connections of every thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def _con(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # new thread, or a forked child
            local.pid = os.getpid()
            local.con = None  # a connection inherited through fork is the parent's
        con: sqlite3.Connection | None = getattr(local, "con", None)
        if con is None:
            con = sqlite3.connect(
                os.path.join(self._directory, diskcache.core.DBNAME),
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            local.con = con
            with self._opened_lock:
                self._opened.append(con)
            try:  # per-connection pragmas stored in the Settings table (if it exists yet)
                settings = con.execute("SELECT key, value FROM Settings").fetchall()
            except sqlite3.OperationalError:
                settings = []
            for key, value in settings:
                if key.startswith("sqlite_"):
                    self.reset(key, value, update=False)
        return con

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this thread's connection: it changes when
        any *other* connection (thread or process) commits a change to the index."""
        row = self._con.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the calling thread's connection."""
        con = getattr(self._local, "con", None)
        if con is not None:
            self._local.con = None
            self._forget(con)

    def close_all(self) -> None:
        """Close the connections of every thread of this process."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for con in opened:
            con.close()
        self._local = threading.local()

    def _forget(self, con: sqlite3.Connection) -> None:
        with self._opened_lock:
            if con in self._opened:
                self._opened.remove(con)
        con.close()
