"""Generated items: content the app makes while it is sent (``register()`` given an
iterable or generator of ``bytes``/``str``, an async iterable, or a callable returning
one of these, run when the browser first asks).

The first GET starts a :class:`Producer`: a thread of its own that runs the source once
and writes each chunk to a spool file (a temporary file of this process), while every
reader (the first and any that arrive meanwhile) follows the spool behind it, so nobody
waits for the end and the source never runs twice. Until the end is known the answer
has no ``Content-Length`` (chunked; ``size=`` given at registration states it) and no
``ETag``, and a ``Range`` is answered with the whole item. Once complete, the item is
served from the spool like a file: ``Content-Length``, a strong ``ETag``, Range, HEAD,
conditional requests, resume.

Faults are visible: a source that raises, yields something other than bytes or str, or
makes another number of bytes than ``size=`` said, fails the item: each reader's
connection is cut (an incomplete transfer, never a clean short end), the exception is
logged once with its traceback, and later requests get a JSON 500 naming it. The source runs
at most :data:`LEAD` bytes ahead of its furthest reader (back-pressure). When the
last reader goes away before the end, the source is stopped (its ``close()`` or
``aclose()`` runs): a callable runs again on the next request, a generator (which
cannot) leaves the item answering a JSON 410. A one-time item streams one pass straight
from the source to its one reader and stores nothing.

An async iterable runs in the producer's thread, on an event loop of its own.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import closing

from ..caches.typehints import CachedFileInfo
from .http import NOT_FOUND, json_error, media_charset, with_charset
from .sources import OnePass, checked_bytes, is_generated
from .wire import Answer, RequestView

__all__ = (
    "OnePass",
    "Producer",
    "ProducerTable",
    "answer_generated",
    "is_generated",
    "make_generated",
)

logger = logging.getLogger("dash_file_cache.services")

#: States of a producer.
IDLE, RUNNING, COMPLETE, FAILED, STOPPED = "idle", "running", "complete", "failed", "stopped"
#: The most bytes a producer runs ahead of its furthest reader: a reader that goes away
#: (Cancel) stops the source within this much of where it was, and a slow reader does
#: not make the spool grow faster than it reads.
LEAD = 16 * 1024 * 1024


class Producer:
    """Runs one generated item's source once, into a spool file readers follow.

    :param source: the registered source (see the module).
    :param size: the length ``register(size=...)`` promised, if any.
    :param charset: how ``str`` chunks are encoded.
    :param folder: where the spool file goes.
    """

    def __init__(self, source: object, size: int | None, charset: str, folder: str) -> None:
        self.source = source
        self.size = size
        self.charset = charset
        self.folder = folder
        self.state = IDLE
        self.error = ""
        #: The most bytes the spool may take (the cache's ``max_bytes``), or ``None``.
        self.limit: int | None = None
        self.path: str | None = None
        self.written = 0
        self._readers = 0
        self._front = 0  # the furthest byte a reader has asked for
        self._stop = False
        self._changed = threading.Condition()

    @property
    def rerunnable(self) -> bool:
        """Whether the source can run again (a callable) after being stopped."""
        return callable(self.source)

    def follow(self, chunk: int) -> Follower:
        """A body following the spool from its start; starts the source if idle."""
        with self._changed:
            if self.state in (IDLE, STOPPED) and (self.state == IDLE or self.rerunnable):
                self._start()
            self._readers += 1
        return Follower(self, chunk)

    def _start(self) -> None:
        stale = self.path  # the spool of a run stopped before its end (readers keep theirs)
        handle, self.path = tempfile.mkstemp(prefix="item-", dir=self.folder)
        if stale is not None:
            os.unlink(stale)
        self.written, self._stop, self.state, self.error = 0, False, RUNNING, ""
        self._front = 0
        thread = threading.Thread(
            target=self._run, args=(handle,), name="dash-file-cache-producer", daemon=True
        )
        thread.start()

    def _run(self, handle: int) -> None:
        """The producer thread: the source's chunks into the spool file."""
        try:
            chunks = checked_bytes(self.source, self.charset, self.size, self.limit)
            with closing(chunks):
                for data in chunks:
                    os.write(handle, data)
                    with self._changed:
                        self.written += len(data)
                        self._changed.notify_all()
                        # back-pressure: at most LEAD bytes ahead of the furthest reader
                        while self.written - self._front > LEAD and not self._stop:
                            self._changed.wait()
                        if self._stop:
                            self.state = STOPPED
                            return
            with self._changed:
                self.state = COMPLETE
        except Exception as exc:
            logger.exception("dash-file-cache: the source of a generated item failed")
            with self._changed:
                self.state, self.error = FAILED, f"{type(exc).__name__}: {exc}"[:300]
        finally:
            os.close(handle)
            with self._changed:
                self._changed.notify_all()

    def read(self, offset: int, most: int, reader: int) -> bytes:
        """Up to ``most`` bytes at ``offset`` of the spool, waiting for the producer.

        :returns: ``b""`` at the end of a complete item.
        :raises OSError: if the item failed or was stopped before ``offset``.
        """
        with self._changed:
            if offset + most > self._front:
                self._front = offset + most
                self._changed.notify_all()  # the producer may go on
            while self.written <= offset and self.state == RUNNING:
                self._changed.wait()
            available, state = self.written - offset, self.state
        if available > 0:
            return os.pread(reader, min(most, available), offset)
        if state == COMPLETE:
            return b""
        raise OSError(f"the item's source stopped short: {self.error or state}")

    def leave(self) -> None:
        """A reader went away: with none left before the end, stop the source."""
        with self._changed:
            self._readers -= 1
            if self._readers <= 0 and self.state == RUNNING:
                self._stop = True
                self._changed.notify_all()

    def discard(self) -> None:
        """Delete the spool (the item left the cache); readers keep their open handles."""
        with self._changed:
            self._stop = True
            self._changed.notify_all()
            path, self.path = self.path, None
        if path is not None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


class Follower:
    """The body of one reader of a producer (see :class:`Producer.follow`)."""

    def __init__(self, producer: Producer, chunk: int) -> None:
        self.chunk = chunk
        self._producer: Producer | None = producer
        assert producer.path is not None
        self._handle = os.open(producer.path, os.O_RDONLY)
        self._offset = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        producer = self._producer
        if producer is None:
            raise StopIteration
        try:
            data = producer.read(self._offset, self.chunk, self._handle)
        except BaseException:
            self.close()
            raise
        if not data:
            self.close()
            raise StopIteration
        self._offset += len(data)
        return data

    def close(self) -> None:
        """Stop following (idempotent)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            os.close(self._handle)
            producer.leave()


def make_generated(
    uid: str,
    source: object,
    file_name: str,
    content_type: str,
    mime_type: str,
    one_time_service: bool,
    created: float,
    size: object,
) -> tuple[CachedFileInfo, Producer]:
    """The metadata of a new generated item, and its (idle) producer.

    :raises TypeError: if ``size`` is not an int or None.
    :raises ValueError: if ``size`` is negative, or the charset is unknown.
    """
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise TypeError(f"size must be an int or None, not {type(size).__name__}")
    if size is not None and size < 0:
        raise ValueError(f"size must be 0 or more, got {size}")
    content_type = content_type or mime_type
    charset = media_charset(content_type) or "utf-8"
    try:
        "".encode(charset)
    except LookupError:
        raise ValueError(f"content_type names an unknown charset: {charset!r}") from None
    content_type = with_charset(content_type, charset)
    if not file_name:
        extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ""
        file_name = f"file-{uid[:8]}{extension}"
    info: CachedFileInfo = {
        "kind": "generated",
        "size": size or 0,
        "file_name": file_name,
        "content_type": content_type,
        "mime_type": mime_type,
        "one_time_service": one_time_service,
        "created": created,
        "etag": uid,
    }
    return info, Producer(source, size, charset, "")


class ProducerTable:
    """The producers of one service's generated items in this process, by uid, and the
    folder of their spool files (removed when the service is collected or at exit)."""

    def __init__(self) -> None:
        self._producers: dict[str, Producer] = {}
        self._lock = threading.Lock()
        self.folder = tempfile.mkdtemp(prefix="dash-file-cache-generated-")
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, True)

    def add(self, uid: str, producer: Producer) -> None:
        with self._lock:
            self._producers[uid] = producer

    def get(self, uid: str) -> Producer | None:
        with self._lock:
            return self._producers.get(uid)

    def pop(self, uid: str) -> Producer | None:
        with self._lock:
            return self._producers.pop(uid, None)

    def sweep(self, alive: Callable[[str], bool]) -> None:
        """Forget the producers of items that left the cache, deleting their spools."""
        with self._lock:
            gone = [uid for uid in self._producers if not alive(uid)]
            dropped = [self._producers.pop(uid) for uid in gone]
        for producer in dropped:
            producer.discard()


def answer_generated(
    producer: Producer | None, headers: list[tuple[str, str]], view: RequestView, chunk: int
) -> Answer | None:
    """The answer for a generated item still running (or never run), or an error; ``None``
    when the item is complete (served as a file from ``producer.path``)."""
    if producer is None:  # its process forgot it (another process, or swept)
        return json_error(404, NOT_FOUND)
    if producer.state == FAILED:
        return json_error(500, f"the item's source failed: {producer.error}")
    if producer.state == STOPPED and not producer.rerunnable:
        return json_error(
            410, "the item's generator was stopped when its last reader left; register it again"
        )
    if producer.state == COMPLETE and producer.path is not None:
        return None
    if producer.size is not None:
        headers.append(("Content-Length", str(producer.size)))
    headers.append(("Accept-Ranges", "none"))
    if view.method == "HEAD":
        return Answer(200, headers)
    return Answer(200, headers, producer.follow(chunk))
