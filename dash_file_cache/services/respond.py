"""Answering one request for one item: describe it, apply the conditions, send the body.

What is described is what is sent: a registered path is opened first and its size and
ETag come from the open handle (``fstat``), so a file replaced on disk meanwhile is
either served whole under its own validator or not at all, and the body never holds
more (or, without the connection being cut, fewer) bytes than ``Content-Length`` says.
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO

from ..caches.abstract import CacheAbstract
from ..caches.typehints import CachedData, CachedFileInfo
from .conditions import FULL, Outcome, evaluate
from .generated import OnePass, Producer, ProducerTable, answer_generated
from .http import NOT_FOUND, REVALIDATE, ByteRangeStream, content_disposition, json_error
from .offload import Offload, readable_by_others
from .ownership import OwnerResolver, may_fetch
from .policy import item_policy
from .register import path_etag
from .remote import answer_remote
from .shared_generated import answer_shared, is_shared
from .wire import Answer, RequestView

__all__ = ("NOT_FOUND", "SMALL_BODY", "respond")

MEGABYTE = 1024 * 1024  # bytes
SMALL_BODY = 64 * 1024  # bytes: a whole body up to this size is read and sent as bytes
#: Request headers that make a request conditional or partial.
_CONDITIONAL_HEADERS = ("range", "if-none-match", "if-match")
#: Headers a 304 does not carry (RFC 9110, section 15.4.5: it describes no content).
_NOT_IN_304 = ("Content-Type", "Content-Length", "Content-Range")


def _open(data: CachedData) -> BinaryIO:
    """A readable binary stream over any form of cached data."""
    if isinstance(data, str):
        try:
            return open(data, "rb", buffering=0)  # one read(2) per chunk, no copy
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise FileNotFoundError(NOT_FOUND) from None
    if isinstance(data, bytes):
        return io.BytesIO(data)
    return data


def _open_path(path: str) -> tuple[BinaryIO, os.stat_result]:
    """Open a registered path; return the handle and its ``fstat``."""
    handle = _open(path)
    try:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FileNotFoundError(NOT_FOUND)
    except BaseException:
        handle.close()
        raise
    return handle, st


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    """``size`` bytes of ``source`` (raw streams may return fewer per read).

    :raises OSError: if the stream ends first (a file truncated since it was described).
    """
    pieces, left = [], size
    while left > 0:
        piece = source.read(left)
        if not piece:
            raise OSError(f"the item ended {left} bytes short of its Content-Length")
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _real_file(stream: BinaryIO) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def respond(
    cache: CacheAbstract[CachedFileInfo, CachedData],
    uid: str,
    download: bool,
    chunk_mb: int,
    offload: Offload | None,
    resolve_owner: OwnerResolver | None,
    view: RequestView,
    producers: ProducerTable | None = None,
) -> Answer:
    """The answer for item ``uid`` to the GET or HEAD ``view`` (see
    :meth:`ServiceData.stream`): its ``Range`` and conditional headers are answered.

    With ``offload``, a file-backed item (a registered path, a ``CacheFile`` item) is
    answered with a header handing the file to the front server instead of a body.
    A remote item is requested from its server and relayed (:mod:`.remote`); a
    generated one is made by its source while it is sent (:mod:`.generated`, whose
    producers ``producers`` holds), and once complete served like a file.

    :raises FileNotFoundError: if no live item has this uid (or its file is gone).
    :raises BackendUnavailable: if the cache cannot be reached.
    """
    try:
        info, loader = cache.load(uid)
    except KeyError:
        raise FileNotFoundError(NOT_FOUND) from None
    if not may_fetch(info, resolve_owner, view):  # answered as if the uid did not exist
        raise FileNotFoundError(NOT_FOUND)
    download = download or bool(info.get("download"))  # the item's own choice holds
    if info["kind"] == "remote":  # fetched from its server now; never offloaded
        return answer_remote(cache, uid, info, loader, download, chunk_mb * MEGABYTE, view)
    one_time = bool(info["one_time_service"])
    source: BinaryIO | None = None
    path: str | None = None  # the file behind the item, when it has one
    size, etag = int(info["size"]), str(info["etag"])
    if info["kind"] == "generated" and is_shared(cache):
        answer = _headers(info, None, "", download, one_time)
        running = answer_shared(
            cache, uid, info, answer.headers, view, chunk_mb * MEGABYTE, one_time
        )
        if running is not None:
            return running
        try:  # published meanwhile: served as stored
            info, loader = cache.load(uid)
        except KeyError:
            raise FileNotFoundError(NOT_FOUND) from None
        if info["kind"] == "generated":
            return json_error(500, f"the item's source failed: {info.get('error', '')}")
        size, etag = int(info["size"]), str(info["etag"])
    if info["kind"] == "generated":
        producer = producers.get(uid) if producers is not None else None
        running = _generated(
            cache, producers, uid, info, producer, download, one_time, view, chunk_mb
        )
        if running is not None:
            return running
        assert producer is not None and producer.path is not None
        path = producer.path  # complete: served as the file it was written to
        source, st = _open_path(path)
        size, etag = st.st_size, path_etag(uid, st)
    elif info["kind"] == "path":
        path = str(loader())
        source, st = _open_path(path)
        size, etag = st.st_size, path_etag(uid, st)
    elif offload is not None and offload.handles(one_time):
        source = _open(loader())
        name = getattr(source, "name", None)
        if _real_file(source) and isinstance(name, str) and os.path.isabs(name):
            path, st = name, os.fstat(source.fileno())
            size = st.st_size
    # Handed to the front server only if it can read the file: else Python streams it
    # (a refused hand-over would answer 403, and consume a one-time item).
    handover = (
        offload is not None
        and path is not None
        and offload.handles(one_time)
        and readable_by_others(path, st)
    )
    try:
        if handover:
            assert offload is not None
            etag = offload.etag(st)
        answer = _headers(info, size, etag, download, one_time)
        outcome = _conditional(answer, view, etag, size, one_time)
        if outcome.kind not in ("full", "partial") or view.method == "HEAD":
            if source is not None:
                source.close()
            return answer
        if handover:
            assert offload is not None and path is not None
            if source is not None:
                source.close()
            return _offloaded(answer, cache, uid, info, path, one_time, offload)
        if one_time:
            if source is not None and info["kind"] != "path":
                source.close()  # the claim below hands back its own handle
                source = None
            try:
                info, loader = cache.pop(uid)
            except KeyError:
                raise FileNotFoundError(NOT_FOUND) from None
        if source is None:
            source = _open(loader())
    except BaseException:
        if source is not None:
            source.close()
        raise
    answer.body = _body(source, outcome, size, chunk_mb * MEGABYTE)
    return answer


def _generated(
    cache: CacheAbstract[CachedFileInfo, CachedData],
    producers: ProducerTable | None,
    uid: str,
    info: CachedFileInfo,
    producer: Producer | None,
    download: bool,
    one_time: bool,
    view: RequestView,
    chunk_mb: int,
) -> Answer | None:
    """The answer for a generated item that is not complete yet (or an error); ``None``
    once it is complete."""
    answer = _headers(info, None, "", download, one_time)
    if one_time and producer is not None:  # one pass, straight from the source
        if view.method == "HEAD":
            return answer
        try:
            cache.pop(uid)
        except KeyError:
            raise FileNotFoundError(NOT_FOUND) from None
        if producers is not None:
            producers.pop(uid)  # its one pass is this response's
        if producer.size is not None:
            answer.headers.append(("Content-Length", str(producer.size)))
        answer.body = OnePass(producer.source, producer.size, producer.charset, chunk_mb * MEGABYTE)
        return answer
    return answer_generated(producer, answer.headers, view, chunk_mb * MEGABYTE)


def _offloaded(
    answer: Answer,
    cache: CacheAbstract[CachedFileInfo, CachedData],
    uid: str,
    info: CachedFileInfo,
    path: str,
    one_time: bool,
    offload: Offload,
) -> Answer:
    """Hand ``path`` to the front server; a one-time item is claimed first."""
    if one_time:
        try:
            if info["kind"] != "path" and hasattr(cache, "claim_file"):
                _, path = cache.claim_file(uid)
            else:
                cache.pop(uid)
        except KeyError:
            raise FileNotFoundError(NOT_FOUND) from None
    name, value = offload.header(path, whole=one_time)
    answer.status = 200  # the front server answers Range itself
    answer.drop_header("Content-Range")
    answer.set_header("Content-Length", "0")
    answer.headers.append((name, value))
    answer.body = b""
    return answer


def _headers(
    info: CachedFileInfo, size: int | None, etag: str, download: bool, one_time: bool
) -> Answer:
    """The headers of an item's 200; ``size=None`` for content still being made: no
    ``Content-Length``, ``Accept-Ranges`` or ``ETag`` yet (the caller adds what it knows)."""
    content_type = info["content_type"]
    headers = [("Content-Type", content_type)]
    if size is not None:
        headers.append(("Content-Length", str(size)))
    headers += [
        ("Content-Disposition", content_disposition(info["file_name"], download)),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store" if one_time else REVALIDATE),
    ]
    if size is not None:
        headers += [("Accept-Ranges", "none" if one_time else "bytes"), ("ETag", f'"{etag}"')]
    policy = item_policy(content_type, bool(info.get("trusted")))
    if policy is not None:
        headers.append(("Content-Security-Policy", policy))
    return Answer(200, headers)


def _conditional(
    answer: Answer, view: RequestView, etag: str, size: int, one_time: bool
) -> Outcome:
    """Apply Range and the conditional headers to ``answer`` (status and headers).

    A request with none of those headers (most of them) is a plain 200, decided without
    parsing anything.
    """
    headers = view.headers
    if not any(name in headers for name in _CONDITIONAL_HEADERS):
        return FULL
    outcome = evaluate(headers, etag, size, ranges=not one_time)
    if outcome.kind == "partial":
        answer.status = 206
        answer.set_header("Content-Length", str(outcome.length))
        end = outcome.start + outcome.length - 1
        answer.headers.append(("Content-Range", f"bytes {outcome.start}-{end}/{size}"))
    elif outcome.kind == "not_modified":
        answer.status = 304
        answer.drop_header(*_NOT_IN_304)
    elif outcome.kind == "unsatisfiable":
        refused = json_error(416, "the requested range is not satisfiable")
        refused.headers.append(("Content-Range", f"bytes */{size}"))
        _replace(answer, refused)
    elif outcome.kind == "failed":
        refused = json_error(412, "the item does not match the request's If-Match")
        refused.headers.append(("ETag", f'"{etag}"'))
        _replace(answer, refused)
    return outcome


def _replace(answer: Answer, other: Answer) -> None:
    answer.status, answer.headers, answer.body = other.status, other.headers, other.body


def _body(source: BinaryIO, outcome: Outcome, size: int, chunk: int) -> bytes | ByteRangeStream:
    """The body: exactly the declared bytes.

    Bodies are read and written ``chunk`` bytes at a time, not handed to the server's
    ``wsgi.file_wrapper``: under gunicorn, ``sendfile`` (``flask.send_file``) gave 0.87x
    to 1.02x the throughput of 1 MiB reads and writes at the same or more worker CPU
    per GiB (``benchmarks/compare_gunicorn.py``, loopback). Front servers send files
    best: see ``serve(offload=...)``.
    """
    if outcome.kind == "partial":
        return ByteRangeStream(source, outcome.start, outcome.length, chunk)
    if size <= SMALL_BODY:
        with source:  # a small body is cheaper as one piece of bytes
            return _read_exactly(source, size)
    return ByteRangeStream(source, 0, size, chunk)
