"""Turning what ``register()`` receives into a cache item: checks, metadata, data."""

from __future__ import annotations

import hashlib
import io
import json
import math
import mimetypes
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from ..caches.typehints import CachedData, CachedFileInfo
from .http import check_media_type, media_charset, with_charset

__all__ = (
    "RemoteSource",
    "Source",
    "host_allowed",
    "make_item",
    "make_remote_item",
    "parse_remote_hosts",
    "path_etag",
    "stat_file",
)

#: What ``register()`` accepts as the file.
Source = str | os.PathLike[str] | io.StringIO | io.BytesIO


def path_etag(uid: str, st: os.stat_result) -> str:
    """A strong validator of a registered path: changes when the file does."""
    token = f"{uid}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()
    return hashlib.sha256(token).hexdigest()[:32]


#: A ``str`` that reads like a file's content rather than its path.
_CONTENT_HINTS = ("<", "\n", "{", ",")


def _looks_like_content(text: str) -> bool:
    return len(text) > 1024 or any(mark in text for mark in _CONTENT_HINTS)


def stat_file(path: str) -> os.stat_result:
    """``os.stat`` a regular file, raising :class:`FileNotFoundError` for anything else.

    A string that reads like content (markup, several lines, CSV or JSON) gets a hint
    that a ``str`` is taken as a path and content goes in an ``io.StringIO``.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError, OSError) as exc:
        shown = path if len(path) <= 80 else path[:77] + "..."
        if _looks_like_content(path):
            raise FileNotFoundError(
                f"no such file: {shown!r}. A str is taken as a file's path; to register "
                "text you have in memory, pass io.StringIO(text) (or io.BytesIO(data) "
                "for bytes)"
            ) from None
        if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            raise
        raise FileNotFoundError(f"no such file: {path!r}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(f"not a regular file: {path!r}")
    return st


def _source_hint(fobj: object) -> str:
    """Why ``fobj`` is refused, and what to pass instead."""
    kind = type(fobj).__name__
    base = (
        "fobj must be a path (str or os.PathLike), io.StringIO, io.BytesIO or generated "
        "content (an iterable or async iterable of bytes or str, or a callable returning "
        f"one), not {kind}"
    )
    name = getattr(fobj, "name", None)
    if hasattr(fobj, "read"):
        if isinstance(name, str) and os.path.isfile(name):
            return (
                f"{base}: for an open file, pass its path instead "
                f"(register({name!r}) or register(fobj.name)), which is streamed from disk"
            )
        return f"{base}: pass the data it holds as io.BytesIO(fobj.read())"
    if isinstance(fobj, (bytes, bytearray, memoryview)):
        return f"{base}: wrap bytes as io.BytesIO(data)"
    return base


def check_arguments(
    file_name: object, content_type: object, mime_type: object, **flags: object
) -> None:
    """Refuse wrong types and malformed media types, naming the argument.

    :raises TypeError: if a name or type is not a ``str``, or a flag not a ``bool``.
    :raises ValueError: if a media type is malformed.
    """
    for name, value in (
        ("file_name", file_name),
        ("content_type", content_type),
        ("mime_type", mime_type),
    ):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    for name, flag in flags.items():
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, not {type(flag).__name__}")
    check_media_type("mime_type", str(mime_type))
    if content_type:
        check_media_type("content_type", str(content_type))


def make_item(
    uid: str,
    fobj: Source,
    file_name: str,
    content_type: str,
    mime_type: str,
    one_time_service: bool,
    created: float,
) -> tuple[CachedFileInfo, CachedData]:
    """The metadata and data of a new item (arguments already checked).

    :raises TypeError: if ``fobj`` is of no accepted type.
    :raises ValueError: if a ``StringIO`` cannot be encoded in its charset.
    :raises FileNotFoundError: if a path is missing or not a regular file.
    """
    content_type = content_type or mime_type
    data: CachedData
    if isinstance(fobj, (str, os.PathLike)):
        path = os.path.abspath(os.fspath(fobj))
        st = stat_file(path)
        data, size, etag = path, st.st_size, path_etag(uid, st)
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
        raise TypeError(_source_hint(fobj))
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
        "created": created,
        "etag": etag,
    }
    return info, data


# -- remote items (``register_request``) ----------------------------------------------

#: A header name (RFC 9110 ``token``).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Headers the service sets itself on the request to the remote (framing, connection,
#: the client's range): an app may not register them.
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "range",
        "if-range",
    }
)


@dataclass(frozen=True)
class RemoteSource:
    """What a remote item stores: the request to make when it is served.

    ``hosts`` are the service's ``remote_hosts`` when the item was registered (``None``:
    any host), checked again on every redirect.
    """

    url: str
    headers: tuple[tuple[str, str], ...]
    file_name_fallback: str
    timeout: float
    hosts: tuple[str, ...] | None

    def encode(self) -> bytes:
        """The item's data: small JSON bytes that every cache stores unchanged."""
        state = {
            "url": self.url,
            "headers": [list(pair) for pair in self.headers],
            "file_name_fallback": self.file_name_fallback,
            "timeout": self.timeout,
            "hosts": None if self.hosts is None else list(self.hosts),
        }
        return json.dumps(state, separators=(",", ":")).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes) -> RemoteSource:
        """The source :meth:`encode` wrote."""
        state = json.loads(data.decode("utf-8"))
        hosts = state["hosts"]
        return cls(
            url=str(state["url"]),
            headers=tuple((str(name), str(value)) for name, value in state["headers"]),
            file_name_fallback=str(state["file_name_fallback"]),
            timeout=float(state["timeout"]),
            hosts=None if hosts is None else tuple(str(host) for host in hosts),
        )


def parse_remote_hosts(hosts: Iterable[str] | None) -> frozenset[str] | None:
    """Validate ``ServiceData(remote_hosts=...)``: host names, or ``host:port``.

    :raises TypeError: if ``hosts`` is a single ``str`` or holds anything but ``str``.
    :raises ValueError: if an entry is empty or looks like a URL rather than a host.
    """
    if hosts is None:
        return None
    if isinstance(hosts, (str, bytes)):
        raise TypeError("remote_hosts must be an iterable of host names, not a single str")
    parsed = set()
    for host in hosts:
        if not isinstance(host, str):
            raise TypeError(f"remote_hosts must hold str, not {type(host).__name__}")
        entry = host.strip().lower()
        if not entry.isprintable() or any(ch in "/?#@\\ " for ch in entry or " "):
            raise ValueError(
                "remote_hosts entries must be host names or host:port, such as "
                f"'files.example.com' or 'files.example.com:8443', got {host!r}"
            )
        parsed.add(entry.rstrip("."))
    return frozenset(parsed)


def host_allowed(parts: SplitResult, hosts: Iterable[str] | None) -> bool:
    """Whether the host of a split http(s) URL is listed (``None``: any host is).

    An entry ``host`` allows every port of that host, ``host:port`` that port only (the
    scheme's default port when the URL names none).

    :param parts: the URL, split by :func:`urllib.parse.urlsplit`.
    :param hosts: the allowed entries, as :func:`parse_remote_hosts` returns them.
    """
    if hosts is None:
        return True
    host = (parts.hostname or "").rstrip(".")
    shown = f"[{host}]" if ":" in host else host
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    allowed = set(hosts)
    return host in allowed or shown in allowed or f"{shown}:{port}" in allowed


def _check_url(url: object, hosts: frozenset[str] | None) -> str:
    """An absolute http(s) URL with a host, allowed by ``hosts``."""
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    if not url.isascii() or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ValueError(
            "url must be ASCII without spaces or control characters (percent-encode them)"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a malformed port
    except ValueError as exc:
        raise ValueError(f"url is malformed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "a relative URL"
        raise ValueError(f"url must be an http:// or https:// URL, not {scheme!r}")
    if not parts.hostname:
        raise ValueError("url must name a host (http://host/path)")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "url must not carry credentials (user:password@host); pass them in headers, "
            "e.g. {'Authorization': ...}"
        )
    if not host_allowed(parts, hosts):
        raise ValueError(f"url's host {parts.netloc!r} is not in the service's remote_hosts")
    return url


def _check_headers(headers: object) -> tuple[tuple[str, str], ...]:
    """The registered request headers as pairs, each name once."""
    if headers is None:
        return ()
    if not isinstance(headers, Mapping):
        raise TypeError(f"headers must be a mapping of str to str, not {type(headers).__name__}")
    pairs, seen = [], set()
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(
                f"headers must map str to str, got {type(name).__name__} -> {type(value).__name__}"
            )
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError(f"headers: the value of {name!r} holds CR, LF or NUL")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise ValueError(f"headers: the value of {name!r} is not Latin-1 text") from None
        lowered = name.lower()
        if lowered in _RESERVED_HEADERS:
            raise ValueError(f"headers: {name!r} is set by the service, it cannot be registered")
        if lowered in seen:
            raise ValueError(f"headers: {name!r} is given twice (names are case-insensitive)")
        seen.add(lowered)
        pairs.append((name, value.strip()))
    return tuple(pairs)


def make_remote_item(
    uid: str,
    url: object,
    headers: object,
    file_name_fallback: object,
    timeout: object,
    hosts: frozenset[str] | None,
    created: float,
    *,
    one_time_service: object,
    download: object,
) -> tuple[CachedFileInfo, bytes]:
    """The metadata and data of a remote item, every argument checked (``download`` is
    only checked: the service sets the flag).

    :raises TypeError: if an argument has the wrong type.
    :raises ValueError: if ``url`` is not an allowed http(s) URL, a header is malformed
        or reserved, or ``timeout`` is not a positive number.
    """
    for name, flag in (("one_time_service", one_time_service), ("download", download)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, not {type(flag).__name__}")
    checked_url = _check_url(url, hosts)
    pairs = _check_headers(headers)
    if not isinstance(file_name_fallback, str):
        raise TypeError(
            f"file_name_fallback must be a str, not {type(file_name_fallback).__name__}"
        )
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    source = RemoteSource(
        checked_url,
        pairs,
        file_name_fallback,
        float(timeout),
        None if hosts is None else tuple(sorted(hosts)),
    )
    info: CachedFileInfo = {
        "kind": "remote",
        "size": 0,  # unknown until fetched
        "file_name": file_name_fallback,
        "content_type": "application/octet-stream",
        "mime_type": "application/octet-stream",
        "one_time_service": bool(one_time_service),
        "created": created,
        "etag": uid,
    }
    return info, source.encode()
