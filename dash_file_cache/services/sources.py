"""What a generated item's source is, and how its chunks are read: an iterable or
generator of ``bytes``/``str``, an async iterable (run on an event loop of its own), or a
callable returning one of these; and :class:`OnePass`, the body of a one-time generated
item (one pass of the source, a few chunks ahead of its one reader, storing nothing).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from contextlib import closing
from typing import Any

__all__ = ("OnePass", "as_bytes", "checked_bytes", "is_generated", "sync_chunks")

logger = logging.getLogger("dash_file_cache.services")
_TEXT_CHUNK = 1024 * 1024  # characters read at a time from a StringIO a callable returns
#: The most bytes a one-time item's source makes ahead of its reader.
AHEAD = 4 * 1024 * 1024


def is_generated(fobj: object) -> bool:
    """Whether ``fobj`` is generated content (not a path, ``bytes`` or a file object)."""
    if isinstance(fobj, (str, bytes, bytearray, memoryview, os.PathLike, io.IOBase)):
        return False
    return callable(fobj) or hasattr(fobj, "__aiter__") or isinstance(fobj, Iterable)


def as_bytes(chunk: object, charset: str) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode(charset)
    if isinstance(chunk, (bytearray, memoryview)):
        return bytes(chunk)
    raise TypeError(f"the source yielded a {type(chunk).__name__}; yield bytes or str")


def sync_chunks(result: object) -> tuple[Iterator[object], Callable[[], None]]:
    """Chunks of what a source is (or a callable returned), and how to close it."""
    if isinstance(result, (bytes, bytearray, memoryview, str)):
        return iter([result]), lambda: None
    if isinstance(result, io.IOBase):
        size = _TEXT_CHUNK
        return iter(lambda: result.read(size), result.read(0)), result.close
    if hasattr(result, "__aiter__"):
        return _from_async(result)
    if isinstance(result, Iterable):
        chunks = iter(result)
        return chunks, getattr(chunks, "close", lambda: None)
    raise TypeError(
        f"the callable returned a {type(result).__name__}; return bytes, str or an "
        "iterable (or async iterable) of them"
    )


def _from_async(source: Any) -> tuple[Iterator[object], Callable[[], None]]:
    """An async iterable as a sync iterator, on an event loop of its own."""
    loop = asyncio.new_event_loop()
    chunks: AsyncIterator[object] = source.__aiter__()

    def pull() -> Iterator[object]:
        while True:
            try:
                yield loop.run_until_complete(chunks.__anext__())
            except StopAsyncIteration:
                return

    def close() -> None:
        try:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                loop.run_until_complete(aclose())
        finally:
            loop.close()

    return pull(), close


def checked_bytes(
    source: object, charset: str, size: int | None, limit: int | None = None
) -> Generator[bytes, None, None]:
    """Run ``source`` (calling it first if it is a callable) and yield its chunks as bytes.

    :raises ValueError: once the bytes pass ``size`` (what ``register(size=...)``
        promised) or ``limit`` (the cache's ``max_bytes``), or end short of ``size``.
    :raises TypeError: for a chunk that is not bytes or str.

    The source is closed (its ``close()``/``aclose()`` runs, a failure of it logged) when
    this generator ends or is closed: close it with ``contextlib.closing``.
    """
    close: Callable[[], None] = lambda: None  # noqa: E731
    made = 0
    try:
        chunks, close = sync_chunks(source() if callable(source) else source)
        for chunk in chunks:
            data = as_bytes(chunk, charset)
            made += len(data)
            if size is not None and made > size:
                raise ValueError(f"the source made more bytes than size={size}")
            if limit is not None and made > limit:
                raise ValueError(f"the item made more bytes than max_bytes={limit}")
            yield data
        if size is not None and made != size:
            raise ValueError(f"the source made {made} bytes, not size={size}")
    finally:
        try:
            close()
        except Exception:
            logger.exception("dash-file-cache: closing the source of an item failed")


class OnePass:
    """The body of a one-time generated item: one pass of the source, storing nothing.

    The source runs in a thread of its own at most :data:`AHEAD` bytes ahead of the
    reader, so making the bytes and sending them overlap (the reader's thread waits on
    the socket while the source makes the next chunk). :meth:`close` (the reader went
    away, or the body ended) stops the source and waits for its ``close()`` to run.
    """

    def __init__(self, source: object, size: int | None, charset: str, chunk: int) -> None:
        self.chunk = chunk
        self._source, self._size, self._charset = source, size, charset
        self._ready: deque[bytes] = deque()
        self._queued = 0  # bytes in ``_ready``
        self._ended = False  # the source ended, every byte it made is queued
        self._failure: BaseException | None = None
        self._stop = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        with self._changed:
            if self._thread is None and not self._stop:
                self._thread = threading.Thread(
                    target=self._run, name="dash-file-cache-one-pass", daemon=True
                )
                self._thread.start()
            while not (self._ready or self._ended or self._failure or self._stop):
                self._changed.wait()
            if self._ready:
                data = self._ready.popleft()
                self._queued -= len(data)
                self._changed.notify_all()
                return data
            failure = self._failure
        if failure is not None:
            self.close()
            raise OSError(f"the item's source failed: {type(failure).__name__}") from failure
        self.close()
        raise StopIteration

    def _run(self) -> None:
        """The source's thread: its chunks into the queue, at most AHEAD bytes ahead."""
        try:
            with closing(checked_bytes(self._source, self._charset, self._size)) as chunks:
                for data in chunks:
                    with self._changed:
                        while self._queued >= AHEAD and not self._stop:
                            self._changed.wait()
                        if self._stop:
                            return
                        self._ready.append(data)
                        self._queued += len(data)
                        self._changed.notify_all()
            with self._changed:
                self._ended = True
                self._changed.notify_all()
        except Exception as exc:
            logger.exception("dash-file-cache: the source of a one-time generated item failed")
            with self._changed:
                self._failure = exc
                self._changed.notify_all()

    def close(self) -> None:
        """Stop the source and wait until its ``close()`` has run (idempotent)."""
        with self._changed:
            self._stop = True
            self._ready.clear()
            self._changed.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
