"""The data service: register files, stream them back over HTTP (:class:`ServiceData`)."""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import os
import re
import secrets
import stat
from collections.abc import Iterable
from typing import Any, BinaryIO

import dash
import flask
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from ..caches.abstract import CacheAbstract, check_positive
from ..caches.typehints import CachedData, CachedFileInfo
from .cors import Origins, add_cors_headers, parse_origins
from .http import (
    UID_PATTERN,
    ByteRangeStream,
    check_media_type,
    content_disposition,
    error_response,
    media_charset,
    parse_bool,
    single_range_environ,
    with_charset,
)

__all__ = ("ServiceData",)

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024  # bytes
_SERVICE_NAME = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@/-]*")
_ALLOWED_METHODS = ("GET", "HEAD")
_NOT_FOUND = "no cached item has this uid: it may have expired, been evicted or served once"


def _path_etag(uid: str, st: os.stat_result) -> str:
    """A strong validator of a registered path: changes when the file does."""
    token = f"{uid}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()
    return hashlib.sha256(token).hexdigest()[:32]


def _stat_file(path: str) -> os.stat_result:
    """``os.stat`` a regular file, raising :class:`FileNotFoundError` for anything else."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"no such file: {path!r}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(f"not a regular file: {path!r}")
    return st


def _open(data: CachedData) -> BinaryIO:
    """A readable binary stream over any form of cached data."""
    if isinstance(data, str):
        return open(data, "rb")
    if isinstance(data, bytes):
        return io.BytesIO(data)
    return data


def _real_file(stream: BinaryIO) -> bool:
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


class ServiceData:
    """Service provider for streaming data.

    It keeps temporary items in a cache and serves each at an address of its own, to be
    shown in the page or downloaded.

    :param cache: the cache hosting the items: a ``CachePlain``, ``CacheQueue`` or
        ``CacheFile`` (any :class:`~dash_file_cache.caches.abstract.CacheAbstract`).
    :param service_name: the URL path the service is mounted at.
    :param chunk_size: the chunk size, in MB, when streaming an item to users (``>= 1``).
    :raises TypeError: if ``cache`` is not a cache, or an argument has the wrong type.
    :raises ValueError: if ``service_name`` is not a URL path or ``chunk_size < 1``.
    """

    def __init__(
        self,
        cache: CacheAbstract[CachedFileInfo, CachedData],
        service_name: str = "/cached-data",
        chunk_size: int = 1,
    ) -> None:
        if not isinstance(cache, CacheAbstract):
            raise TypeError(
                "cache must be a CachePlain, CacheQueue, CacheFile or another CacheAbstract, "
                f"not {type(cache).__name__}"
            )
        if not isinstance(service_name, str):
            raise TypeError(f"service_name must be a str, not {type(service_name).__name__}")
        if not _SERVICE_NAME.fullmatch(service_name):
            raise ValueError(
                "service_name must be a URL path starting with '/' without query or fragment, "
                f"got {service_name!r}"
            )
        self._cache = cache
        self._service_name = service_name
        self._chunk_size = 1
        self.chunk_size = chunk_size

    @property
    def cache(self) -> CacheAbstract[CachedFileInfo, CachedData]:
        """The cache of this service."""
        return self._cache

    @property
    def service_name(self) -> str:
        """The URL path this service is mounted at."""
        return self._service_name

    @property
    def chunk_size(self) -> int:
        """The chunk size when streaming the cached file to users. The unit is MB."""
        return self._chunk_size

    @chunk_size.setter
    def chunk_size(self, value: int) -> None:
        self._chunk_size = check_positive("chunk_size", value)

    # -- registering -----------------------------------------------------------------

    def register(
        self,
        fobj: str | os.PathLike[str] | io.StringIO | io.BytesIO,
        file_name: str = "",
        content_type: str = "",
        mime_type: str = "image/jpeg",
        one_time_service: bool = False,
        download: bool = False,
    ) -> str:
        """Register a new file (a path or a file-like object) to the cache.

        A ``StringIO`` is encoded with the charset that ``content_type`` states, else
        UTF-8 (stated in ``Content-Type`` for textual types). A ``BytesIO`` is registered
        whole, whatever its position. A path is served from disk as it is when fetched.

        :param fobj: the path, or a ``StringIO``/``BytesIO`` holding the file.
        :param file_name: the name when downloaded; empty: the path's base name, or a
            generated name with an extension guessed from ``mime_type``.
        :param content_type: the ``Content-Type`` of the response (may carry a charset);
            empty: ``mime_type``.
        :param mime_type: the MIME type of the file.
        :param one_time_service: remove the item once it has been served (its body sent)
            once; recommended for one-time downloads.
        :param download: mark the returned address as a download link.
        :returns: the URL (``{service_name}?uid=…``) for fetching the item.
        :raises TypeError: if an argument has the wrong type.
        :raises ValueError: if a media type is malformed, a ``StringIO`` cannot be encoded
            in its charset, a path is not a regular file, or the item exceeds the cache's
            ``max_bytes``.
        :raises FileNotFoundError: if the path does not exist.
        """
        for name, value in (
            ("file_name", file_name),
            ("content_type", content_type),
            ("mime_type", mime_type),
        ):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        for name, flag in (("one_time_service", one_time_service), ("download", download)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be a bool, not {type(flag).__name__}")
        check_media_type("mime_type", mime_type)
        if content_type:
            check_media_type("content_type", content_type)
        content_type = content_type or mime_type
        uid = secrets.token_hex(16)

        data: CachedData
        if isinstance(fobj, (str, os.PathLike)):
            path = os.path.abspath(os.fspath(fobj))
            st = _stat_file(path)
            data, size, etag = path, st.st_size, _path_etag(uid, st)
            file_name = file_name or os.path.basename(path)
        elif isinstance(fobj, io.StringIO):
            charset = media_charset(content_type) or "utf-8"
            try:
                data = fobj.getvalue().encode(charset)
            except LookupError:
                raise ValueError(f"content_type names an unknown charset: {charset!r}") from None
            except UnicodeEncodeError as exc:
                raise ValueError(f"the StringIO cannot be encoded as {charset}: {exc}") from None
            content_type = with_charset(content_type, charset)
            size, etag = len(data), uid
        elif isinstance(fobj, io.BytesIO):
            data = fobj.getvalue()
            size, etag = len(data), uid
        else:
            raise TypeError(
                "fobj must be a path (str or os.PathLike), io.StringIO or io.BytesIO, "
                f"not {type(fobj).__name__}"
            )
        if not file_name:
            extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ""
            file_name = f"file-{uid[:8]}{extension}"

        info: CachedFileInfo = {
            "kind": "path" if isinstance(data, str) else "bytes",
            "size": size,
            "file_name": file_name,
            "content_type": content_type,
            "mime_type": mime_type,
            "one_time_service": one_time_service,
            "created": self._cache.clock(),
            "etag": etag,
        }
        self._cache.dump(uid, info, data)
        address = f"{self._service_name}?uid={uid}"
        return f"{address}&download=true" if download else address

    # -- serving -----------------------------------------------------------------------

    def stream(self, uid: str, download: bool = False) -> flask.Response:
        """Wrap a cached data item in a streaming response.

        Users do not need to call this: the service calls it for each request. Inside a
        request it answers ``Range``, ``If-None-Match`` and ``HEAD`` as the HTTP contract
        says; a one-time item is claimed (removed) only by a response that sends its body.

        :param uid: the uid of the item.
        :param download: serve the data as an attachment to be saved.
        :returns: the response.
        :raises FileNotFoundError: if no live item has this uid (or its file is gone).
        """
        try:
            info, loader = self._cache.load(uid)
        except KeyError:
            raise FileNotFoundError(_NOT_FOUND) from None
        one_time = bool(info["one_time_service"])
        size, etag = int(info["size"]), str(info["etag"])
        if info["kind"] == "path":
            st = _stat_file(str(loader()))
            size, etag = st.st_size, _path_etag(uid, st)

        response = flask.Response(status=200, direct_passthrough=True)
        headers = response.headers
        headers["Content-Type"] = info["content_type"]
        headers["Content-Length"] = str(size)
        headers["Content-Disposition"] = content_disposition(info["file_name"], download)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Cache-Control"] = "no-store" if one_time else "private, no-cache"
        headers["Accept-Ranges"] = "none" if one_time else "bytes"
        response.set_etag(etag)

        environ: dict[str, Any] | None = None
        if flask.has_request_context():
            environ = single_range_environ(flask.request.environ)
            try:
                response.make_conditional(environ, accept_ranges=not one_time, complete_length=size)
            except RequestedRangeNotSatisfiable:
                refused = error_response(416, "the requested range is not satisfiable")
                refused.headers["Content-Range"] = f"bytes */{size}"
                return refused
            if environ["REQUEST_METHOD"] == "HEAD" or response.status_code not in (200, 206):
                return response

        if one_time:
            try:
                info, loader = self._cache.pop(uid)
            except KeyError:
                raise FileNotFoundError(_NOT_FOUND) from None
        try:
            source = _open(loader())
        except FileNotFoundError:  # deleted since it was stat'ed; other errors are ours: 500
            raise FileNotFoundError(_NOT_FOUND) from None

        chunk = self._chunk_size * MEGABYTE
        content_range = response.content_range
        if response.status_code == 206 and content_range.start is not None:
            start, stop = content_range.start, content_range.stop or size
            response.response = ByteRangeStream(source, start, stop - start, chunk)
        elif (
            environ is not None and _real_file(source) and os.fstat(source.fileno()).st_size == size
        ):
            response.response = wrap_file(environ, source, chunk)
        else:
            response.response = ByteRangeStream(source, 0, size, chunk)
        return response

    def _view(self, origins: Origins) -> flask.Response:
        """The Flask view bound by :meth:`serve`: answer, then add the CORS headers."""
        request = flask.request
        if request.method == "OPTIONS":
            response = flask.Response(status=204)
            response.headers["Allow"] = ", ".join(_ALLOWED_METHODS)
        else:
            response = self._answer()
        add_cors_headers(response, request.headers.get("Origin"), origins)
        return response

    def _answer(self) -> flask.Response:
        """The response to a GET or HEAD (or a JSON error)."""
        request = flask.request
        if request.method not in _ALLOWED_METHODS:
            refused = error_response(405, f"{request.method} is not supported; use GET or HEAD")
            refused.headers["Allow"] = ", ".join(_ALLOWED_METHODS)
            return refused
        uid = request.args.get("uid")
        if not uid:
            return error_response(400, "the query parameter 'uid' is required")
        if not UID_PATTERN.fullmatch(uid):
            return error_response(400, "the query parameter 'uid' must be 32 lowercase hex digits")
        try:
            download = parse_bool(request.args.get("download"))
        except ValueError as exc:
            return error_response(400, f"the query parameter 'download' is invalid: {exc}")
        try:
            return self.stream(uid, download)
        except FileNotFoundError:
            return error_response(404, _NOT_FOUND)
        except OSError:
            logger.exception("dash-file-cache could not read item %s", uid)
            return error_response(500, "the cached item could not be read")

    def serve(
        self,
        app: dash.Dash | flask.Flask,
        endpoint: str | None = None,
        *,
        allowed_cross_origin: str | Iterable[str] | None = None,
    ) -> None:
        """Add the service to the Flask application (or the Flask server of a Dash app).

        :param app: the application where the service will be bound.
        :param endpoint: the endpoint name; ``None`` derives one from ``service_name``.
        :param allowed_cross_origin: keyword-only; origins (``"https://host:port"``) whose
            pages may fetch the items with ``fetch()``/XHR, as used by ``CachedImage`` and
            ``DownloadLink``; ``"*"`` allows any origin; ``None`` (default) sends no CORS
            headers, so only same-origin pages can read the responses.
        :raises TypeError: if ``app`` is neither a ``dash.Dash`` nor a ``flask.Flask``.
        :raises ValueError: if the endpoint is already bound on that app, or an origin is
            malformed.
        """
        origins = parse_origins(allowed_cross_origin)
        if isinstance(app, dash.Dash):
            server = app.server
            if not isinstance(server, flask.Flask):
                raise ValueError("the Dash app has no Flask server yet (server=False?)")
        elif isinstance(app, flask.Flask):
            server = app
        else:
            raise TypeError(f"app must be a dash.Dash or flask.Flask, not {type(app).__name__}")
        if endpoint is None:
            endpoint = "dash_file_cache" + re.sub(r"\W", "_", self._service_name)
        elif not isinstance(endpoint, str) or not endpoint:
            raise TypeError("endpoint must be a non-empty str or None")
        if endpoint in server.view_functions:
            raise ValueError(f"the endpoint {endpoint!r} is already bound on this app")

        def view() -> flask.Response:
            return self._view(origins)

        server.add_url_rule(
            self._service_name,
            endpoint=endpoint,
            view_func=view,
            methods=["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"],
            provide_automatic_options=False,
        )
