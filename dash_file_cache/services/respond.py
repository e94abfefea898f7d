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
from typing import Any, BinaryIO

import flask
from werkzeug.datastructures import Headers
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import quote_etag

from ..caches.abstract import CacheAbstract
from ..caches.typehints import CachedData, CachedFileInfo
from .http import (
    NOT_FOUND,
    ByteRangeStream,
    content_disposition,
    error_response,
    single_range_environ,
)
from .offload import Offload, readable_by_others
from .ownership import OwnerResolver, may_fetch
from .policy import item_policy
from .register import path_etag
from .remote import answer_remote

__all__ = ("NOT_FOUND", "ItemResponse", "respond")

MEGABYTE = 1024 * 1024  # bytes
SMALL_BODY = 64 * 1024  # bytes: a whole body up to this size is read and sent as bytes
#: Request headers that make a request conditional or partial (WSGI environ keys).
_CONDITIONAL_HEADERS = (
    "HTTP_RANGE",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
)
_LOCATIONS = frozenset({"location", "content-location"})


class ItemResponse(flask.Response):
    """The response carrying an item: sent with its headers as they are.

    Werkzeug copies a response's headers before sending them, to make ``Location``
    absolute and set a missing ``Content-Length``. An item's 200 and 206 carry neither
    ``Location`` nor a missing length, so the copy (3 of the 25 µs Python spends on a
    small item, validating every header again) is skipped for them; any other status
    is sent as Werkzeug does.
    """

    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        if self.status_code not in (200, 206):
            return super().get_wsgi_headers(environ)
        names = {name.lower() for name, _ in self.headers}
        if "content-length" not in names or not names.isdisjoint(_LOCATIONS):
            return super().get_wsgi_headers(environ)
        return self.headers


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
    offload: Offload | None = None,
    resolve_owner: OwnerResolver | None = None,
    *,
    environ: dict[str, Any] | None = None,
) -> flask.Response:
    """The response for item ``uid`` (see :meth:`ServiceData.stream`).

    ``environ`` is the request's WSGI environ (``None``: the current request's, if any),
    whose ``Range``, conditional headers and method are answered.

    With ``offload``, a file-backed item (a registered path, a ``CacheFile`` item) is
    answered with a header handing the file to the front server instead of a body.
    A remote item is requested from its server and relayed (:mod:`.remote`).

    :raises FileNotFoundError: if no live item has this uid (or its file is gone).
    :raises BackendUnavailable: if the cache cannot be reached.
    """
    try:
        info, loader = cache.load(uid)
    except KeyError:
        raise FileNotFoundError(NOT_FOUND) from None
    if not may_fetch(info, resolve_owner):  # answered as if the uid did not exist
        raise FileNotFoundError(NOT_FOUND)
    download = download or bool(info.get("download"))  # the item's own choice holds
    if info["kind"] == "remote":  # fetched from its server now; never offloaded
        return answer_remote(cache, uid, info, loader, download, chunk_mb * MEGABYTE, environ)
    one_time = bool(info["one_time_service"])
    source: BinaryIO | None = None
    path: str | None = None  # the file behind the item, when it has one
    size, etag = int(info["size"]), str(info["etag"])
    if info["kind"] == "path":
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
        response = _headers(info, size, etag, download, one_time)
        if environ is None and flask.has_request_context():
            environ = flask.request.environ
        if environ is not None:
            environ = single_range_environ(environ)
            early = _conditional(response, environ, size, one_time)
            if early is not None:
                if source is not None:
                    source.close()
                return early
        if handover:
            assert offload is not None and path is not None
            if source is not None:
                source.close()
            return _offloaded(response, cache, uid, info, path, one_time, offload)
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
    response.response = _body(response, source, size, chunk_mb * MEGABYTE)
    return response


def _offloaded(
    response: flask.Response,
    cache: CacheAbstract[CachedFileInfo, CachedData],
    uid: str,
    info: CachedFileInfo,
    path: str,
    one_time: bool,
    offload: Offload,
) -> flask.Response:
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
    response.status_code = 200  # the front server answers Range itself
    del response.headers["Content-Range"]
    response.headers[name] = value
    response.headers["Content-Length"] = "0"
    response.response = []
    return response


def _headers(
    info: CachedFileInfo, size: int, etag: str, download: bool, one_time: bool
) -> flask.Response:
    content_type = info["content_type"]
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(size)),
        ("Content-Disposition", content_disposition(info["file_name"], download)),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store" if one_time else "private, no-cache"),
        ("Accept-Ranges", "none" if one_time else "bytes"),
        ("ETag", quote_etag(etag)),
    ]
    policy = item_policy(content_type, bool(info.get("trusted")))
    if policy is not None:
        headers.append(("Content-Security-Policy", policy))
    return ItemResponse(status=200, headers=headers, direct_passthrough=True)


def _conditional(
    response: flask.Response, environ: dict[str, Any], size: int, one_time: bool
) -> flask.Response | None:
    """Apply Range and the conditional headers; a response to send as it is, or None.

    ``None`` means the request wants a body (200 or 206) and ``response`` is set up
    for it; HEAD, 304, 412 and 416 answers are returned with no body to send. A request
    with none of those headers (most of them) skips Werkzeug's parsing: a plain 200.
    """
    if not any(name in environ for name in _CONDITIONAL_HEADERS):
        return response if environ["REQUEST_METHOD"] == "HEAD" else None
    try:
        response.make_conditional(environ, accept_ranges=not one_time, complete_length=size)
    except RequestedRangeNotSatisfiable:
        refused = error_response(416, "the requested range is not satisfiable")
        refused.headers["Content-Range"] = f"bytes */{size}"
        return refused
    if response.status_code == 412:
        refused = error_response(412, "the item does not match the request's If-Match")
        refused.headers["ETag"] = response.headers["ETag"]
        return refused
    if environ["REQUEST_METHOD"] == "HEAD" or response.status_code not in (200, 206):
        return response
    return None


def _body(response: flask.Response, source: BinaryIO, size: int, chunk: int) -> Any:
    """The WSGI body: exactly the declared bytes.

    Bodies are read and written ``chunk`` bytes at a time, not handed to the server's
    ``wsgi.file_wrapper``: under gunicorn, ``sendfile`` (``flask.send_file``) gave 0.87x
    to 1.02x the throughput of 1 MiB reads and writes at the same or more worker CPU
    per GiB (``benchmarks/compare_gunicorn.py``, loopback). Front servers send files
    best: see ``serve(offload=...)``.
    """
    start, length = 0, size
    if size <= SMALL_BODY and response.status_code == 200:
        with source:  # a small body is cheaper as one piece of bytes
            data = _read_exactly(source, size)
        return [data]
    if response.status_code == 206:
        content_range = response.content_range
        if content_range.start is not None:
            start = content_range.start
            length = (content_range.stop or size) - start
    return ByteRangeStream(source, start, length, chunk)
