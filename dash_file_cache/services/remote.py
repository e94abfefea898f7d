"""Answering a remote item (:meth:`ServiceData.register_request`): a file on another
HTTP(S) server, requested when a browser asks for the item and streamed through.

The request to the remote carries the registered headers, plus the browser's single
``Range`` (and ``If-Range``) unless the item is one-time; HEAD stays HEAD. Up to
:data:`REDIRECTS` redirects are followed, each target checked against the hosts the
service allowed at registration (``remote_hosts``); the registered headers are sent to
the registered origin only. The remote's answer is mapped to the service's own:

- 200 and 206 are relayed with the remote's length (none: chunked), type, range,
  strong ``ETag`` and ``Accept-Ranges`` (only if the remote says it), under the item's
  own ``Content-Disposition``, sandbox policy and caching headers;
- 416 gives the JSON 416, 404 and 410 the JSON 404, any other status a JSON 502 naming
  it; a refused connection, a DNS or TLS failure a JSON 502; a timeout a JSON 504.

The body of a remote error is never relayed, and no error names the URL. A one-time item
is claimed only once the remote has answered a GET with its body.
"""

from __future__ import annotations

import functools
import http.client
import logging
import mimetypes
import re
import ssl
from collections.abc import Callable, Iterator
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit

from ..caches.abstract import CacheAbstract
from ..caches.typehints import CachedData, CachedFileInfo
from .http import (
    NOT_FOUND,
    REVALIDATE,
    check_media_type,
    content_disposition,
    disposition_file_name,
    json_error,
)
from .policy import item_policy
from .register import RemoteSource, host_allowed
from .wire import Answer, RequestView, phrase

__all__ = (
    "DEFAULT_TYPE",
    "REDIRECTS",
    "RemoteBody",
    "RemoteFailed",
    "answer_remote",
    "open_remote",
)

logger = logging.getLogger("dash_file_cache.services")

#: Redirects followed before the remote is given up (a JSON 502).
REDIRECTS = 5
#: The ``Content-Type`` of a remote file whose server states none (or a malformed one).
DEFAULT_TYPE = "application/octet-stream"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_STRONG_ETAG = re.compile(r'"[\x21\x23-\x7e]*"')
_VISIBLE = re.compile(r"[\x20-\x7e]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_UNSATISFIED = re.compile(r"bytes \*/[0-9]+")
_ONE_RANGE = re.compile(r"bytes=([0-9]+-[0-9]*|-[0-9]+)", re.ASCII)
_CONTENT_RANGE = re.compile(r"bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)", re.ASCII)
#: Characters left as they are when a redirect's ``Location`` is made a valid URL.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


class RemoteFailed(Exception):
    """The remote gave no file: the JSON error the service answers instead."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The system's trust store, verified host names: made once, shared by requests."""
    return ssl.create_default_context()


def _origin(parts: SplitResult) -> tuple[str, str, int]:
    scheme = parts.scheme.lower()
    return scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80)


def _connect(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    host, port = parts.hostname or "", parts.port
    if parts.scheme.lower() == "https":
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls_context())
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _redirected(url: str, location: str, hosts: tuple[str, ...] | None) -> str:
    """The absolute URL a redirect points to, if the item may follow it.

    :raises RemoteFailed: (502) for a target that is not an allowed http(s) URL.
    """
    target = urljoin(url, quote(location.strip(), safe=_URL_SAFE))
    try:
        parts = urlsplit(target)
        parts.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError:
        raise RemoteFailed(502, "the remote server redirected to a malformed address") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise RemoteFailed(502, "the remote server redirected to an address that is not http(s)")
    if not host_allowed(parts, hosts):
        raise RemoteFailed(502, "the remote server redirected to a host not in remote_hosts")
    return target


def open_remote(
    source: RemoteSource, method: str, extra: dict[str, str]
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send ``method`` to the remote, following redirects: the connection and its answer.

    :param source: the registered request.
    :param method: ``"GET"`` or ``"HEAD"``.
    :param extra: headers of this request (``Range``, ``If-Range``).
    :raises RemoteFailed: 504 on a timeout, 502 if the remote cannot be reached or
        redirects too often or where the item may not go.
    """
    url, home = source.url, _origin(urlsplit(source.url))
    for _ in range(REDIRECTS + 1):
        parts = urlsplit(url)
        headers = dict(source.headers) if _origin(parts) == home else {}
        connection = _connect(parts, source.timeout)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(method, target, headers={**headers, **extra, "Connection": "close"})
            answer = connection.getresponse()
        except TimeoutError:
            connection.close()
            error = f"the remote server did not answer within {source.timeout:g} s"
            raise RemoteFailed(504, error) from None
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            error = f"the remote server could not be reached ({type(exc).__name__})"
            raise RemoteFailed(502, error) from None
        except BaseException:
            connection.close()
            raise
        location = answer.getheader("Location")
        if answer.status not in _REDIRECT_STATUSES or not location:
            return connection, answer
        answer.close()
        connection.close()
        url = _redirected(url, location, source.hosts)
    raise RemoteFailed(502, f"the remote server redirected more than {REDIRECTS} times")


def _range_headers(view: RequestView) -> dict[str, str]:
    """The request's single, valid ``Range`` (and its ``If-Range``) to forward."""
    value = view.header("range")
    if value is None:
        return {}
    units, _, spec = value.partition("=")
    spec = spec.replace(" ", "").replace("\t", "")
    candidate = f"{units.strip().lower()}={spec}"
    match = _ONE_RANGE.fullmatch(candidate)
    if match is None:  # none, several, or malformed: ignored, as RFC 9110 allows
        return {}
    first, _, last = match.group(1).partition("-")
    if first and last and int(first) > int(last):
        return {}
    headers = {"Range": candidate}
    if_range = view.header("if-range")
    if if_range is not None and if_range.strip():
        if_range = if_range.strip()
        if not _VISIBLE.fullmatch(if_range) or if_range.startswith(("W/", "w/")):
            return {}  # a weak validator never matches: the whole file
        headers["If-Range"] = if_range
    return headers


def _file_name(answer: http.client.HTTPResponse, source: RemoteSource, uid: str, ctype: str) -> str:
    """The remote's name, else the URL's last segment, the fallback, or a made-up one."""
    name = disposition_file_name(answer.getheader("Content-Disposition") or "")
    if not name.strip(". "):
        name = unquote(urlsplit(source.url).path.rsplit("/", 1)[-1], errors="replace")
    if not name.strip(". "):
        name = source.file_name_fallback
    if not name.strip(". "):
        extension = mimetypes.guess_extension(ctype.split(";")[0].strip().lower()) or ""
        name = f"file-{uid[:8]}{extension}"
    return name


def _content_length(answer: http.client.HTTPResponse) -> int | None:
    value = (answer.getheader("Content-Length") or "").strip()
    return int(value) if value.isdigit() and value.isascii() else None


def _relay(
    answer: http.client.HTTPResponse,
    ranged: bool,
    uid: str,
    source: RemoteSource,
    download: bool,
    one_time: bool,
) -> Answer:
    """The service's answer (no body yet) to the remote's ``answer``.

    :raises RemoteFailed: (502) for any status but 200, 206, 404, 410 and 416, or a
        malformed 206.
    """
    status = answer.status
    if status == 416:
        refused = json_error(416, "the requested range is not satisfiable")
        unsatisfied = (answer.getheader("Content-Range") or "").strip()
        if _UNSATISFIED.fullmatch(unsatisfied):
            refused.headers.append(("Content-Range", unsatisfied))
        return refused
    if status in (404, 410):
        return json_error(404, f"the remote server answered {status}: the file is not there")
    if status not in (200, 206):
        reason = phrase(status) if 100 <= status < 600 else "Unknown Status"
        raise RemoteFailed(502, f"the remote server answered {status} ({reason})")
    length = _content_length(answer)
    content_type = (answer.getheader("Content-Type") or "").strip()
    try:
        check_media_type("Content-Type", content_type if content_type.isascii() else "")
    except ValueError:
        content_type = DEFAULT_TYPE
    name = _file_name(answer, source, uid, content_type)
    headers = [
        ("Content-Type", content_type),
        ("Content-Disposition", content_disposition(name, download)),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store" if one_time else REVALIDATE),
    ]
    if status == 206:
        part = _CONTENT_RANGE.fullmatch((answer.getheader("Content-Range") or "").strip())
        first, last = (int(part.group(1)), int(part.group(2))) if part else (1, 0)
        total = part.group(3) if part else "*"
        if not ranged or first > last or (total != "*" and last >= int(total)):
            raise RemoteFailed(502, "the remote server answered 206 without a valid range")
        if length is not None and length != last + 1 - first:
            raise RemoteFailed(502, "the remote server's 206 length disagrees with its range")
        length = last + 1 - first
        headers.append(("Content-Range", f"bytes {first}-{last}/{total}"))
    if length is not None:
        headers.append(("Content-Length", str(length)))
    accept = (answer.getheader("Accept-Ranges") or "").strip().lower()
    if one_time or accept in ("bytes", "none"):
        headers.append(("Accept-Ranges", "none" if one_time else accept))
    for header, pattern in (
        ("ETag", _STRONG_ETAG),
        ("Last-Modified", _VISIBLE),
        ("Content-Encoding", _TOKEN),
    ):
        value = (answer.getheader(header) or "").strip()
        if pattern.fullmatch(value):
            headers.append((header, value))
    policy = item_policy(content_type)
    if policy is not None:
        headers.append(("Content-Security-Policy", policy))
    return Answer(status, headers)  # no Content-Length: chunked


def _claim(cache: CacheAbstract[CachedFileInfo, CachedData], uid: str) -> None:
    """Remove a one-time item for good (the response sending its body owns it now).

    :raises FileNotFoundError: if another response claimed it first.
    """
    try:
        _, loader = cache.pop(uid)
    except KeyError:
        raise FileNotFoundError(NOT_FOUND) from None
    data = loader()
    if not isinstance(data, (str, bytes)):
        data.close()  # a stream over the description (CacheFile, CacheRedis)


def _description(data: CachedData) -> RemoteSource:
    """The registered request, from the item's data in any form a cache hands back."""
    if isinstance(data, str):
        raise FileNotFoundError(NOT_FOUND)  # never stored as a path
    if not isinstance(data, bytes):
        with data:
            data = data.read()
    return RemoteSource.decode(data)


def answer_remote(
    cache: CacheAbstract[CachedFileInfo, CachedData],
    uid: str,
    info: CachedFileInfo,
    loader: Callable[[], CachedData],
    download: bool,
    chunk: int,
    view: RequestView,
) -> Answer:
    """The answer for remote item ``uid``, its owner already checked.

    :param cache: the cache holding the item (for claiming a one-time item).
    :param uid: the item's uid.
    :param info: the item's metadata, as loaded.
    :param loader: the loader of its data (the registered request).
    :param download: serve as an attachment.
    :param chunk: the most bytes read from the remote at a time.
    :param view: the request.
    :raises FileNotFoundError: if a one-time item was claimed by another response.
    :raises BackendUnavailable: if the cache cannot be reached.
    """
    source = _description(loader())
    head = view.method == "HEAD"
    one_time = bool(info["one_time_service"])
    ranged = {} if one_time else _range_headers(view)
    try:
        connection, answer = open_remote(source, "HEAD" if head else "GET", ranged)
    except RemoteFailed as exc:
        logger.warning("dash-file-cache: remote item %s: %s", uid, exc.error)
        return json_error(exc.status, exc.error)
    try:
        relayed = _relay(answer, bool(ranged), uid, source, download, one_time)
        if head or relayed.status not in (200, 206):
            answer.close()
            connection.close()
            return relayed
        if one_time:
            _claim(cache, uid)
    except RemoteFailed as exc:
        answer.close()
        connection.close()
        logger.warning("dash-file-cache: remote item %s: %s", uid, exc.error)
        return json_error(exc.status, exc.error)
    except BaseException:
        answer.close()
        connection.close()
        raise
    length = relayed.header("Content-Length")
    relayed.body = RemoteBody(connection, answer, None if length is None else int(length), chunk)
    return relayed


class RemoteBody:
    """A WSGI body relaying a remote answer, at most ``chunk`` bytes a read.

    Each read returns what the remote has sent so far, so the client gets the first bytes
    before the remote has sent them all. The remote connection is closed when the body
    ends or when the server closes the response (also when the client went away). If the
    remote ends before ``length`` bytes, or breaks its chunked framing, iterating raises
    :class:`OSError`, so the server cuts the connection rather than end the body short.

    :param connection: the connection to the remote, closed with the body.
    :param answer: the remote's answer, its headers read.
    :param length: the bytes the response declares (``None``: until the remote ends).
    :param chunk: the most bytes read at a time.
    """

    def __init__(
        self,
        connection: http.client.HTTPConnection,
        answer: http.client.HTTPResponse,
        length: int | None,
        chunk: int,
    ) -> None:
        self._connection: http.client.HTTPConnection | None = connection
        self._answer = answer
        self._left = length
        #: The most bytes read at a time (an adapter may change it between chunks).
        self.chunk = chunk

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._connection is None or (self._left is not None and self._left <= 0):
            self.close()
            raise StopIteration
        size = self.chunk if self._left is None else min(self.chunk, self._left)
        try:
            data = self._answer.read1(size)
        except http.client.HTTPException as exc:
            self.close()
            raise OSError(f"the remote answer broke off ({type(exc).__name__})") from None
        except BaseException:
            self.close()
            raise
        if not data:
            left = self._left
            self.close()
            if left is None:
                raise StopIteration
            raise OSError(f"the remote file ended {left} bytes short of its Content-Length")
        if self._left is not None:
            self._left -= len(data)
        return data

    def close(self) -> None:
        """Close the remote answer and its connection (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._answer.close()
            connection.close()
