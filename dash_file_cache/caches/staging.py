"""Writing item files for :class:`~dash_file_cache.caches.file.CacheFile`, and sweeping
what killed writers left behind.

A writer copies the data into ``staging/<random>.part`` under the cache directory while
holding an exclusive ``flock`` on it, outside any database transaction. Publishing is a
``rename`` into diskcache's tree, done by :class:`StagedDisk` inside the transaction that
inserts the item's row, so a file in the tree always has a row (bar a crash in the
instant between rename and commit), and a file in ``staging/`` is either being written
(locked) or an orphan of a writer that died (unlocked: the kernel drops a dead process's
locks). A write that fails (a full disk, a source that raises) removes its file at once.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Callable
from typing import Any, BinaryIO

import diskcache

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: fall back to the age of the file
    fcntl = None  # type: ignore[assignment]

__all__ = (
    "CLAIMED_DIR",
    "STAGING_DIR",
    "Staged",
    "StagedDisk",
    "claim",
    "stage",
    "sweep_claimed",
    "sweep_staging",
)

RENAME_ATTEMPTS = 10  # tries to move a staged file into a folder that a removal may empty
STAGING_DIR = "staging"
CLAIMED_DIR = "claimed"
#: How long a claimed file is kept for the front server to open it.
CLAIMED_GRACE = 30.0  # seconds
#: A staging file younger than this is never swept: its writer may be between creating
#: it and locking it.
MIN_ORPHAN_AGE = 60.0  # seconds
#: Without ``fcntl`` (Windows), a staging file untouched for this long is an orphan.
UNLOCKED_ORPHAN_AGE = 3600.0  # seconds


class Staged:
    """A finished staging file, handed to ``diskcache.Cache.set`` as the value.

    It stays locked (its descriptor open) until :meth:`close`, so no sweep takes it
    while it waits for the database lock.
    """

    def __init__(self, path: str, size: int, fd: int) -> None:
        self.path = path
        self.size = size
        self._fd: int | None = fd
        #: Where :class:`StagedDisk` moved the file (``None`` until then).
        self.final_path: str | None = None

    def discard(self) -> None:
        """Remove the file wherever it is now (after a failed publish)."""
        for path in (self.path, self.final_path):
            if path is not None:
                with contextlib.suppress(OSError):
                    os.remove(path)

    def close(self) -> None:
        """Release the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


class StagedDisk(diskcache.Disk):  # type: ignore[misc]
    """diskcache's ``Disk``, which also takes a :class:`Staged` file by renaming it."""

    def store(self, value: Any, read: bool, key: Any = diskcache.UNKNOWN) -> Any:
        if not isinstance(value, Staged):
            return super().store(value, read, key=key)
        filename, full_path = self.filename(key, value)
        for attempt in range(RENAME_ATTEMPTS):
            # diskcache removes a folder once its last file is deleted (``os.removedirs``),
            # possibly between our makedirs and rename, or between the two levels that
            # makedirs creates (``ff/`` removed before ``ff/cc/`` is made): make it again
            # and retry.
            try:
                os.makedirs(os.path.dirname(full_path), exist_ok=True)
                os.rename(value.path, full_path)
                break
            except FileNotFoundError:
                if attempt == RENAME_ATTEMPTS - 1 or not os.path.exists(value.path):
                    raise
        value.final_path = full_path
        return value.size, diskcache.core.MODE_BINARY, filename, None


def stage(directory: str, source: BinaryIO, chunk: int) -> Staged:
    """Copy ``source`` into a new locked file of ``directory/staging``, ``chunk`` bytes a read.

    :raises OSError: if writing fails (the partial file is removed first).
    """
    staging = os.path.join(directory, STAGING_DIR)
    os.makedirs(staging, exist_ok=True)
    path = os.path.join(staging, secrets.token_hex(16) + ".part")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    size = 0
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        with open(fd, "wb", closefd=False) as writer:
            while data := source.read(chunk):
                writer.write(data)
                size += len(data)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.remove(path)
        raise
    return Staged(path, size, fd)


def _orphaned(path: str, now: float) -> bool:
    """Whether no live writer holds ``path`` (and it is old enough to be sure)."""
    try:
        age = now - os.stat(path).st_mtime
    except OSError:
        return False
    if age < MIN_ORPHAN_AGE:
        return False
    if fcntl is None:  # pragma: no cover - Windows
        return age >= UNLOCKED_ORPHAN_AGE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds it
    else:
        return True
    finally:
        os.close(fd)


def _sweep(folder: str, useless: Callable[[str, float], bool], now: float | None) -> int:
    """Remove the files of ``folder`` for which ``useless(path, now)``; return the count."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return 0
    now = time.time() if now is None else now
    removed = 0
    for name in names:
        path = os.path.join(folder, name)
        with contextlib.suppress(FileNotFoundError):  # raced by another sweep
            if useless(path, now):
                os.remove(path)
                removed += 1
    return removed


def sweep_staging(directory: str, now: float | None = None) -> int:
    """Remove the staging files of writers that died; return how many were removed.

    A writer keeps its file locked until it is published (renamed into the tree) or
    removed, so only files of dead writers are ever taken.
    """

    def orphaned(path: str, at: float) -> bool:
        return path.endswith(".part") and _orphaned(path, at)

    return _sweep(os.path.join(directory, STAGING_DIR), orphaned, now)


def claim(directory: str, path: str) -> str:
    """Hard-link a data file into ``directory/claimed``; return the new path."""
    claimed = os.path.join(directory, CLAIMED_DIR)
    os.makedirs(claimed, exist_ok=True)
    target = os.path.join(claimed, secrets.token_hex(16) + ".val")
    os.link(path, target)
    return target


def sweep_claimed(directory: str, now: float | None = None) -> int:
    """Remove claimed files older than :data:`CLAIMED_GRACE`; return how many."""

    def expired(path: str, at: float) -> bool:
        return at - os.stat(path).st_ctime >= CLAIMED_GRACE

    return _sweep(os.path.join(directory, CLAIMED_DIR), expired, now)
