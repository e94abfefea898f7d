"""Items written while they are read, in storage several processes share.

A generated item on a shared cache (see :mod:`dash_file_cache.services.shared_generated`)
is made by one process, whichever got its first request, and read meanwhile by readers
in any process or host. A cache that supports it offers two calls:

- ``begin_growing(key)``: a :class:`GrowingWriter`, or ``None`` while another live
  writer holds the key (at most one at a time, across processes and hosts);
- ``follow_growing(key)``: a :class:`GrowingReader` of the bytes written so far, or
  ``None`` when no write is in progress.

The writer's :meth:`~GrowingWriter.commit` publishes the bytes as an ordinary stored
item under the same key (with the bounds, expiry and eviction of any item); until then
the item's record is the generated one. A writer that dies without committing releases
the key (a lock its process held, or a lease that runs out), so readers see it gone.

Here: the :class:`CacheFile` side (a locked file in the cache's ``staging/`` folder).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from typing import TYPE_CHECKING, Protocol

from .staging import STAGING_DIR, Staged

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .file import CacheFile
    from .typehints import CachedFileInfo

__all__ = ("FileGrowingReader", "FileGrowingWriter", "GrowingReader", "GrowingWriter")


class GrowingWriter(Protocol):
    """The one writer of an item being made (see the module)."""

    #: Bytes a reader can read now (the writer may hold back a partial chunk).
    visible: int

    def append(self, data: bytes) -> None:
        """Add bytes at the end."""

    def commit(self, info: CachedFileInfo) -> None:
        """Publish what was written as the stored item (``info["size"]`` is set)."""

    def abort(self) -> None:
        """Drop what was written and release the key (idempotent; also after commit)."""


class GrowingReader(Protocol):
    """A reader of an item being made (see the module)."""

    def read(self, offset: int, most: int) -> bytes:
        """Up to ``most`` bytes at ``offset`` written so far (``b""``: none yet)."""

    def writing(self) -> bool:
        """Whether the writer is still at work (alive, not committed, not aborted)."""

    def close(self) -> None:
        """Release what the reader holds (idempotent)."""


def _growing_path(directory: str, key: str) -> str:
    return os.path.join(directory, STAGING_DIR, f"growing-{key}.part")


def _locked_by_someone(fd: int) -> bool:
    """Whether another open file holds an exclusive lock on ``fd``'s file."""
    if fcntl is None:  # pragma: no cover - Windows: trust the file's presence
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


class FileGrowingWriter:
    """:class:`GrowingWriter` of a :class:`CacheFile`: a file of ``staging/`` named after
    the key, locked (``flock``) by its writer from before it has its name."""

    def __init__(self, cache: CacheFile, key: str, fd: int, path: str) -> None:
        self._cache, self._key, self._fd, self.path = cache, key, fd, path
        self.size = 0

    @classmethod
    def begin(cls, cache: CacheFile, key: str) -> FileGrowingWriter | None:
        """The writer of ``key``, or ``None`` while a live one holds it."""
        staging = os.path.join(cache.cache_dir, STAGING_DIR)
        os.makedirs(staging, exist_ok=True)
        final = _growing_path(cache.cache_dir, key)
        temporary = os.path.join(staging, secrets.token_hex(16) + ".part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            for _ in range(2):
                try:
                    os.link(temporary, final)  # atomic: one writer gets the name
                    return cls(cache, key, fd, final)
                except FileExistsError:
                    if not _take_stale(final):
                        break
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        finally:
            with contextlib.suppress(OSError):
                os.remove(temporary)

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.size += len(data)

    @property
    def visible(self) -> int:
        return self.size

    def commit(self, info: CachedFileInfo) -> None:
        info["size"] = self.size
        staged = Staged(self.path, self.size, self._fd)
        self._fd = -1
        self._cache.publish_staged(self._key, info, staged)  # closes it, which unlocks

    def abort(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.remove(self.path)
            os.close(self._fd)
            self._fd = -1


def _take_stale(path: str) -> bool:
    """Remove ``path`` if its writer died (no lock on it); whether it did."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return True  # gone meanwhile: try the name again
    try:
        if _locked_by_someone(fd):
            return False
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                os.remove(path)
        return True
    finally:
        os.close(fd)


class FileGrowingReader:
    """:class:`GrowingReader` of a :class:`CacheFile`: the writer's file, read by position
    (it stays readable through this handle after it is published or removed)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def follow(cls, cache: CacheFile, key: str) -> FileGrowingReader | None:
        """A reader of ``key``'s write in progress, or ``None`` if there is none."""
        try:
            fd = os.open(_growing_path(cache.cache_dir, key), os.O_RDONLY)
        except FileNotFoundError:
            return None
        reader = cls(fd)
        if not reader.writing():
            reader.close()
            return None
        return reader

    def read(self, offset: int, most: int) -> bytes:
        return os.pread(self._fd, most, offset)

    def writing(self) -> bool:
        return self._fd >= 0 and _locked_by_someone(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
