"""Generated items on caches that several processes or hosts share (``CacheFile`` with a
directory, ``CacheRedis``).

Such an item is registered as its source pickled (a callable that pickles: a
module-level function, or ``functools.partial`` of one; a generator cannot travel, and
is refused with a :class:`ValueError` saying so). The first GET, in whichever worker or
host gets it, takes the item's one writer (:mod:`dash_file_cache.caches.growing`) and
runs the source there, in a thread, writing each chunk into the cache's own storage (a
file of the cache's directory; chunks in Redis). Every reader, in that process or any
other, follows what is written, so the source runs once. When the source ends, the
bytes are published as an ordinary item under the same address: from then on any
worker or host answers it with a ``Content-Length``, an ``ETag``, ``Range`` and resume,
and the source is not run again.

Faults: a source that raises (or makes another number of bytes than ``size=`` said)
cuts every reader's transfer, is logged once with its traceback in the process that ran
it, and the item's record keeps the error: later requests, anywhere, get a JSON 500
naming it. When the readers of the producing process have all gone before the end, the
source is stopped (its ``close()`` runs; it runs at most ``LEAD`` bytes ahead of
that process's furthest reader), what it wrote is dropped and readers in other
processes are cut; the next request runs it again. A producing process that dies
releases the item the same way (a file lock; a Redis lease of 15 s). A one-time item is
claimed by one request (atomically, across processes) and streamed straight from its
source, storing nothing.
"""

from __future__ import annotations

import io
import logging
import pickle
import threading
import time
from contextlib import closing
from typing import Any, BinaryIO

from ..caches.typehints import CachedData, CachedFileInfo
from .generated import COMPLETE, FAILED, LEAD, RUNNING, STOPPED
from .http import NOT_FOUND, json_error, media_charset
from .sources import OnePass, checked_bytes
from .wire import Answer, RequestView

__all__ = ("SharedFollower", "SharedRun", "answer_shared", "is_shared", "pack_source")

logger = logging.getLogger("dash_file_cache.services")
POLL_FIRST, POLL_MOST = 0.005, 0.1  # seconds between two looks at another process's write
_runs: dict[str, SharedRun] = {}  # the items this process makes now, by uid
_runs_lock = threading.Lock()


def is_shared(cache: object) -> bool:
    """Whether generated items of ``cache`` take the shared path of this module."""
    return not getattr(cache, "process_private", True) and hasattr(cache, "begin_growing")


def pack_source(source: object, cache_name: str) -> bytes:
    """``source`` pickled, to be run by whichever process gets the first request.

    :raises ValueError: if it does not pickle (a generator, a lambda, a closure).
    """
    try:
        return pickle.dumps(source)
    except Exception as exc:
        raise ValueError(
            f"{cache_name} items are served by whichever worker (or host) gets the request, "
            "so generated content must travel there: register a callable that pickles (a "
            "module-level function, or functools.partial of one, returning the chunks), not "
            f"a {type(source).__name__} ({type(exc).__name__}: {exc}); it runs when the "
            "browser first asks"
        ) from None


def _read_all(data: CachedData) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        with open(data, "rb") as handle:
            return handle.read()
    with data:
        return data.read()


class SharedRun:
    """This process running one item's source into the cache's growing write."""

    def __init__(
        self, cache: Any, uid: str, info: CachedFileInfo, packed: bytes, writer: Any
    ) -> None:
        self.cache, self.uid, self.info, self.packed, self.writer = cache, uid, info, packed, writer
        self.size: int | None = info.get("stated_size")
        self.charset = media_charset(info["content_type"]) or "utf-8"
        self.state, self.error = RUNNING, ""
        self.visible = 0  # bytes readers can read now
        self.readers = 0
        self._front = 0  # the furthest byte a reader of this process asked for
        self._stop = False
        self.changed = threading.Condition()

    def start(self) -> None:
        """Run the source in a thread of its own."""
        threading.Thread(target=self._run, name="dash-file-cache-producer", daemon=True).start()

    def _run(self) -> None:
        written = 0
        try:
            chunks = checked_bytes(pickle.loads(self.packed), self.charset, self.size)
            with closing(chunks):
                for data in chunks:
                    self.writer.append(data)
                    written += len(data)
                    with self.changed:
                        self.visible = self.writer.visible
                        self.changed.notify_all()
                        # back-pressure: at most LEAD bytes ahead of this process's readers
                        while written - self._front > LEAD and not self._stop:
                            self.changed.wait()
                        if self._stop:
                            self.state = STOPPED
                            break
            if self.state == STOPPED or self.uid not in self.cache:  # stopped; or removed
                self.writer.abort()  # (or evicted) while it was made
                self.state = STOPPED
                return
            final: CachedFileInfo = {**self.info, "kind": "bytes", "size": written}
            final.pop("stated_size", None)
            self.writer.commit(final)
            self.state = COMPLETE
        except Exception as exc:
            logger.exception("dash-file-cache: the source of a generated item failed")
            self.writer.abort()
            self.error = f"{type(exc).__name__}: {exc}"[:300]
            try:  # later requests, in any process, answer the failure
                self.cache.dump(self.uid, {**self.info, "error": self.error}, self.packed)
            except Exception:
                logger.exception("dash-file-cache: could not record a generated item's failure")
            self.state = FAILED
        finally:
            with _runs_lock:
                if _runs.get(self.uid) is self:
                    del _runs[self.uid]
            with self.changed:
                self.changed.notify_all()

    def reached(self, offset: int) -> None:
        """A reader of this process asks for bytes up to ``offset``: the source may go on."""
        with self.changed:
            if offset > self._front:
                self._front = offset
                self.changed.notify_all()

    def wait(self, offset: int, timeout: float) -> None:
        """Wait until bytes beyond ``offset`` are readable or the run ended."""
        with self.changed:
            if self.visible <= offset and self.state == RUNNING:
                self.changed.wait(timeout)

    def leave(self) -> None:
        """A reader of this process went away: with none left, stop the source."""
        with self.changed:
            self.readers -= 1
            if self.readers <= 0 and self.state == RUNNING:
                self._stop = True
                self.changed.notify_all()


class SharedFollower:
    """The body of one reader of a shared generated item (see the module)."""

    def __init__(self, cache: Any, uid: str, reader: Any, run: SharedRun | None, chunk: int):
        self.chunk = chunk
        self._cache, self._uid, self._reader, self._run = cache, uid, reader, run
        self._offset = 0
        self._stored: BinaryIO | None = None
        self._left = 0
        self._closed = False
        self._pause = POLL_FIRST

    def __iter__(self) -> SharedFollower:
        return self

    def __next__(self) -> bytes:
        try:
            data = self._next()
        except BaseException:  # the end, a failure, or the server stopping the body
            self.close()
            raise
        self._offset += len(data)
        return data

    def _next(self) -> bytes:
        while True:
            if self._closed:
                raise StopIteration
            if self._stored is not None:
                if self._left <= 0:
                    raise StopIteration
                data = self._stored.read(min(self.chunk, self._left))
                if not data:
                    raise OSError("the stored item ended short of its size")
                self._left -= len(data)
                return data
            if self._run is not None:
                self._run.reached(self._offset + self.chunk)
            data = bytes(self._reader.read(self._offset, self.chunk))
            if data:
                self._pause = POLL_FIRST
                return data
            run = self._run
            if run is not None and run.state == RUNNING:
                run.wait(self._offset, POLL_MOST)
                continue
            if run is None and self._reader.writing():
                time.sleep(self._pause)  # another process writes: look again soon
                self._pause = min(self._pause * 2, POLL_MOST)
                continue
            self._switch_to_stored()

    def _switch_to_stored(self) -> None:
        """The write ended: continue from the published item, or fail."""
        try:
            info, loader = self._cache.load(self._uid)
        except KeyError:
            raise OSError("the item left the cache while it was made") from None
        if info["kind"] == "generated":
            reason = info.get("error") or "its producer stopped before the end"
            raise OSError(f"the item's source stopped short: {reason}")
        data = loader()
        stream: BinaryIO = (
            io.BytesIO(data)
            if isinstance(data, bytes)
            else open(data, "rb")
            if isinstance(data, str)  # noqa: SIM115 - closed by close()
            else data
        )
        stream.seek(self._offset)
        self._stored, self._left = stream, int(info["size"]) - self._offset

    def close(self) -> None:
        """Stop reading (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._reader.close()
        if self._stored is not None:
            self._stored.close()
        if self._run is not None:
            self._run.leave()


def answer_shared(
    cache: Any,
    uid: str,
    info: CachedFileInfo,
    headers: list[tuple[str, str]],
    view: RequestView,
    chunk: int,
    one_time: bool,
) -> Answer | None:
    """The answer for a shared generated item not published yet (or an error); ``None``
    when it has been published meanwhile (the caller serves the stored item).

    :raises FileNotFoundError: if the item left the cache.
    """
    if info.get("error"):
        return json_error(500, f"the item's source failed: {info['error']}")
    size = info.get("stated_size")
    if size is not None:
        headers.append(("Content-Length", str(size)))
    if one_time:
        if view.method == "HEAD":
            return Answer(200, headers)
        try:
            claimed, loader = cache.pop(uid)
        except KeyError:
            raise FileNotFoundError(NOT_FOUND) from None
        source = pickle.loads(_read_all(loader()))
        charset = media_charset(claimed["content_type"]) or "utf-8"
        return Answer(200, headers, OnePass(source, size, charset, chunk))
    headers.append(("Accept-Ranges", "none"))
    if view.method == "HEAD":
        return Answer(200, headers)
    with _runs_lock:
        run = _runs.get(uid)
        if run is not None:
            run.readers += 1
    if run is None:
        started = _start(cache, uid)
        if started is False:
            return None
        run = started if isinstance(started, SharedRun) else None
    reader = cache.follow_growing(uid)
    if reader is None:  # published (or failed) between the two looks
        if run is not None:
            run.leave()
        return None
    return Answer(200, headers, SharedFollower(cache, uid, reader, run, chunk))


def _start(cache: Any, uid: str) -> SharedRun | None | bool:
    """Take the item's writer and run its source here; ``None`` when another process
    writes it (follow that); ``False`` when it was published (or failed) meanwhile."""
    writer = cache.begin_growing(uid)
    if writer is None:
        return None
    try:
        info, loader = cache.load(uid)  # again: it may have been published meanwhile
    except KeyError:
        writer.abort()
        raise FileNotFoundError(NOT_FOUND) from None
    if info["kind"] != "generated" or info.get("error"):
        writer.abort()
        return False
    run = SharedRun(cache, uid, info, _read_all(loader()), writer)
    run.readers = 1
    with _runs_lock:
        _runs[uid] = run
    run.start()
    return run
