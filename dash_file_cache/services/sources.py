"""What a generated item's source is, and how its chunks are read: an iterable or
generator of ``bytes``/``str``, an async iterable (run on an event loop of its own), or a
callable returning one of these; and :class:`OnePass`, the body of a one-time generated
item (the source itself, run by its one reader, storing nothing).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

__all__ = ("OnePass", "as_bytes", "is_generated", "sync_chunks")

logger = logging.getLogger("dash_file_cache.services")
_TEXT_CHUNK = 1024 * 1024  # characters read at a time from a StringIO a callable returns


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


class OnePass:
    """The body of a one-time generated item: the source itself, run by its one reader."""

    def __init__(self, source: object, size: int | None, charset: str, chunk: int) -> None:
        self.chunk = chunk
        self._charset, self._size, self._sent = charset, size, 0
        self._chunks: Iterator[object] | None = None
        self._close: Callable[[], None] = lambda: None
        self._source = source

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            if self._chunks is None:
                source = self._source() if callable(self._source) else self._source
                self._chunks, self._close = sync_chunks(source)
            try:
                data = as_bytes(next(self._chunks), self._charset)
            except StopIteration:
                if self._size is not None and self._sent != self._size:
                    raise ValueError(
                        f"the source made {self._sent} bytes, not size={self._size}"
                    ) from None
                self.close()
                raise
        except StopIteration:
            raise
        except Exception as exc:
            logger.exception("dash-file-cache: the source of a one-time generated item failed")
            self.close()
            raise OSError(f"the item's source failed: {type(exc).__name__}") from exc
        self._sent += len(data)
        return data

    def close(self) -> None:
        """Close the source (idempotent)."""
        close, self._close = self._close, lambda: None
        self._chunks = iter(())
        close()
