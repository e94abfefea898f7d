"""Pure helpers for the HTTP side of the service: headers, query values, bodies, errors."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote, unquote

from .policy import ERROR_POLICY
from .wire import Answer, phrase

__all__ = (
    "NOT_FOUND",
    "REVALIDATE",
    "ByteRangeStream",
    "check_media_type",
    "content_disposition",
    "disposition_file_name",
    "is_textual",
    "json_error",
    "media_charset",
    "parse_bool",
    "with_charset",
    "UID_PATTERN",
)

#: ``Cache-Control`` of an item's answer (one-time items: ``no-store``): the browser may
#: keep it but asks again before using it (a 304 while unchanged).
REVALIDATE = "private, no-cache"
#: The error of an unknown uid (and of an item its requester may not see).
NOT_FOUND = "no cached item has this uid: it may have expired, been evicted or served once"
#: A uid is 128 random bits written as 32 lowercase hex digits.
UID_PATTERN = re.compile(r"[0-9a-f]{32}")

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})
#: RFC 5987 ``attr-char`` beyond letters and digits: left unescaped in ``filename*``.
_ATTR_CHARS = "!#$&+-.^_`|~"
#: What may stand in the quoted ASCII ``filename=`` fallback; anything else becomes ``_``.
_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9 !#$&'()+,\-.=@\[\]^_`{}~]")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w!#$&^.+-]*/[\w!#$&^.+-]+(\s*;\s*[^;\x00-\x1f\x7f]*)*")
_DISPOSITION_PARAMETER = re.compile(r';\s*([^\s;=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_TEXTUAL = frozenset({"application/json", "application/xml", "application/javascript"})


def parse_bool(value: str | None) -> bool:
    """Read a boolean query value: ``1/true/yes/on`` or ``0/false/no/off``/empty/absent.

    :raises ValueError: for any other value.
    """
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected one of true/false/1/0/yes/no/on/off")


def check_media_type(name: str, value: str) -> str:
    """Check that ``value`` is a ``type/subtype[; params]`` with no control characters.

    :raises ValueError: naming the argument ``name`` otherwise.
    """
    if not _MEDIA_TYPE.fullmatch(value):
        raise ValueError(f"{name} must be a media type such as 'text/plain; charset=utf-8'")
    return value


def media_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a media type, if any."""
    for param in content_type.split(";")[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            return val.strip().strip('"')
    return None


def is_textual(content_type: str) -> bool:
    """Whether a media type carries text (so a charset belongs to it)."""
    base = content_type.split(";")[0].strip().lower()
    return base.startswith("text/") or base.endswith(("+xml", "+json")) or base in _TEXTUAL


def with_charset(content_type: str, charset: str) -> str:
    """Add ``charset`` to a textual media type that states none."""
    if is_textual(content_type) and media_charset(content_type) is None:
        return f"{content_type}; charset={charset}"
    return content_type


@functools.lru_cache(maxsize=4096)
def content_disposition(file_name: str, attachment: bool) -> str:
    """A ``Content-Disposition`` value that no file name can break or inject into.

    It carries an ASCII ``filename=`` fallback and the exact name as RFC 5987
    ``filename*=UTF-8''…``. Folders in the name and control characters are dropped. A
    name with no ASCII letters left in its stem (``日本語.csv``) falls back to
    ``download.csv``, never to a hidden ``.csv``.
    """
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not name.strip("."):
        name = "download"
    stem, ext = os.path.splitext(name)
    if not stem:  # ".bashrc": the whole name is the stem
        stem, ext = ext, ""
    stem, ext = _ascii_fallback(stem).strip(), _ascii_fallback(ext)
    if not stem.strip("._ -"):
        stem = "download"
    if not ext.strip("._ "):
        ext = ""
    kind = "attachment" if attachment else "inline"
    encoded = quote(name, safe=_ATTR_CHARS)
    return f"{kind}; filename=\"{stem}{ext}\"; filename*=UTF-8''{encoded}"


def disposition_file_name(value: str) -> str:
    """The file name a ``Content-Disposition`` value gives, or ``""``.

    RFC 6266: ``filename*`` (RFC 5987, ``charset'lang'percent-encoded``) wins over
    ``filename``; the name is returned as sent (:func:`content_disposition` cleans it).
    """
    params: dict[str, str] = {}
    for match in _DISPOSITION_PARAMETER.finditer(value):
        raw = match.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params.setdefault(match.group(1).lower(), raw)
    extended = params.get("filename*", "")
    charset, _, rest = extended.partition("'")
    encoded = rest.partition("'")[2]
    if encoded:
        try:
            return unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    return params.get("filename", "")


def _ascii_fallback(text: str) -> str:
    """``text`` folded to the characters allowed in a quoted ASCII ``filename=``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE_FALLBACK.sub("_", ascii_text)


def json_error(status: int, error: str) -> Answer:
    """A JSON error: ``{"code": status, "message": reason phrase, "error": error}``."""
    body = json.dumps({"code": status, "message": phrase(status), "error": error}).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
        ("Content-Security-Policy", ERROR_POLICY),
    ]
    return Answer(status, headers, body)


#: ``os.RWF_NOWAIT`` where the system has it (Linux): a read that fails rather than wait.
_RWF_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None) if hasattr(os, "preadv") else None


def _file_descriptor(stream: BinaryIO) -> int | None:
    """The descriptor of a regular file opened for this stream, else ``None``."""
    if not isinstance(stream, (io.FileIO, io.BufferedReader)):
        return None
    try:
        fd = stream.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError):
        return None


class ByteRangeStream:
    """A WSGI body: ``length`` bytes of ``stream`` from ``start``, read ``chunk`` at a time.

    The stream is closed when the body is exhausted or when the server closes the
    response (also when the client went away), whichever comes first. If the stream
    ends before ``length`` bytes (a file truncated while served), iterating raises
    :class:`OSError`, so the server cuts the connection instead of leaving the client
    waiting for bytes that never come, or reading the next response as this one's.
    """

    def __init__(self, stream: BinaryIO, start: int, length: int, chunk: int) -> None:
        self._stream: BinaryIO | None = stream
        self._left = length
        #: The most bytes read at a time (an adapter may change it between chunks).
        self.chunk = chunk
        #: Where the body starts in the stream, and its length (for zero-copy sends).
        self.offset, self.count = start, length
        self._position = start
        #: The descriptor of a file stream, read by position (``pread``); else ``None``.
        self._fd = _file_descriptor(stream)
        self._nowait = self._fd is not None and _RWF_NOWAIT is not None
        if start and self._fd is None:
            stream.seek(start)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self._stream is None or self._left <= 0:
            self.close()
            raise StopIteration
        most = min(self.chunk, self._left)
        if self._fd is not None:
            data = os.pread(self._fd, most, self._position)
        else:
            data = self._stream.read(most)
        if not data:
            self.close()
            raise OSError(f"the item ended {self._left} bytes short of its Content-Length")
        self._left -= len(data)
        self._position += len(data)
        return data

    def next_cached(self) -> bytes | None:
        """The next chunk if it can be read without waiting for a disk, else ``None``.

        A file's bytes that are in the page cache are read at once (``preadv2`` with
        ``RWF_NOWAIT``, Linux); anything else (bytes not cached yet, the end of the
        body, a stream that is not a file, another system) gives ``None``, and the
        caller reads with :meth:`__next__` in a thread. An event loop may call this
        on its own thread: it never blocks.
        """
        if not self._nowait or self._fd is None or _RWF_NOWAIT is None or self._left <= 0:
            return None
        buffer = bytearray(min(self.chunk, self._left))
        try:
            got = os.preadv(self._fd, [buffer], self._position, _RWF_NOWAIT)
        except BlockingIOError:  # not in the page cache: a read would wait for the disk
            return None
        except OSError:  # the file system does not support it
            self._nowait = False
            return None
        if got <= 0:
            return None  # the end, or a truncated file: __next__ says which
        self._left -= got
        self._position += got
        return bytes(memoryview(buffer)[:got])

    def fileno(self) -> int:
        """The file descriptor of the stream (:class:`OSError` if it has none)."""
        if self._stream is None:
            raise OSError("the body is closed")
        try:
            return self._stream.fileno()
        except (AttributeError, ValueError, io.UnsupportedOperation):
            raise OSError("the body is not a file") from None

    def close(self) -> None:
        """Release the underlying stream (idempotent)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
