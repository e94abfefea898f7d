"""Zip archives written as they stream (:func:`zip_stream`).

Nothing is ever sought back to: each entry's local header carries the data-descriptor
flag (bit 3) and its CRC-32 and sizes follow its data, in a data descriptor. Written
from PKWARE's APPNOTE (6.3.10): an entry whose size is not known in advance, or may pass
4 GiB, has a ZIP64 extended-information field in its local header and 8-byte sizes in
its data descriptor; the central directory records an entry's sizes or offset in a
ZIP64 field when they pass 32 bits; an archive of 65535 entries or more, or whose
central directory starts or ends past 4 GiB, ends with the ZIP64 end records.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
import struct
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Literal, TypeAlias

__all__ = ("ZipEntry", "ZipSource", "zip_stream")

#: What an entry holds: a path (read in chunks when the entry is reached), bytes, a
#: binary file object, or an iterable of ``bytes``/``str`` chunks (``str`` as UTF-8).
ZipSource: TypeAlias = (
    "str | os.PathLike[str] | bytes | bytearray | memoryview | io.IOBase"
    " | Iterable[bytes | bytearray | memoryview | str]"
)
#: ``(name, source)`` or ``(name, source, modified)``; ``modified`` is a ``datetime``
#: (an aware one is taken in local time) or a POSIX timestamp.
ZipEntry: TypeAlias = "tuple[str, ZipSource] | tuple[str, ZipSource, dt.datetime | float]"

_LOCAL, _DESCRIPTOR, _CENTRAL = 0x04034B50, 0x08074B50, 0x02014B50
_END, _END64, _LOCATOR64 = 0x06054B50, 0x06064B50, 0x07064B50
_FLAGS = 0x0008 | 0x0800  # bit 3: sizes in a data descriptor; bit 11: UTF-8 names
_METHODS = {"store": 0, "deflate": 8}
_V20, _V45 = 20, 45  # versions needed: 2.0 (deflate, data descriptor), 4.5 (ZIP64)
_MADE_BY = (3 << 8) | _V45  # UNIX (external attributes hold the mode), APPNOTE 4.5
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF
_DRIVE = re.compile(r"^[A-Za-z]:")


def zip_stream(
    entries: Iterable[ZipEntry],
    *,
    compression: Literal["deflate", "store"] = "deflate",
    compresslevel: int = 6,
    chunk_size: int = 1 << 20,
) -> Iterator[bytes]:
    """A zip archive of ``entries``, made as it is read: pass it to ``register()``.

    Memory stays flat: each entry is read ``chunk_size`` bytes at a time (a path is
    opened when its turn comes), never whole; only the central directory (about 100
    bytes an entry) is kept until the end. Names are UTF-8 (flag bit 11); a name ending
    in ``/`` is a directory (its source ``b""``). Every entry is followed by a data
    descriptor, so read the archive from its central directory (any unzip tool does);
    readers that stream entries in order (Java's ``ZipInputStream``) need ``"deflate"``.

    :param entries: ``(name, source)`` or ``(name, source, modified)`` tuples, read
        lazily: ``source`` is a path, ``bytes``, a binary file object or an iterable of
        ``bytes``/``str`` chunks (a generated entry); ``modified`` a ``datetime`` or a
        POSIX timestamp (default: a path's modification time, else now).
    :param compression: ``"deflate"`` or ``"store"`` (no compression).
    :param compresslevel: the deflate level, 0 to 9.
    :param chunk_size: bytes read from a source at a time, and the size the archive's
        chunks are gathered to (a larger stored chunk passes through as it is).
    :returns: a generator of ``bytes`` chunks.
    :raises ValueError: (while iterating, or at once when ``entries`` is a sequence) for
        a name that is empty, absolute, has a ``..`` component or a backslash, or comes
        twice, naming the entry.
    :raises TypeError: for an entry or a chunk of the wrong type.
    """
    if compression not in _METHODS:
        raise ValueError(f"compression must be 'deflate' or 'store', not {compression!r}")
    if not (isinstance(compresslevel, int) and 0 <= compresslevel <= 9):
        raise ValueError(f"compresslevel must be an int from 0 to 9, not {compresslevel!r}")
    if not (isinstance(chunk_size, int) and chunk_size >= 1):
        raise ValueError(f"chunk_size must be a positive int, not {chunk_size!r}")
    if isinstance(entries, (str, bytes)) or not isinstance(entries, Iterable):
        raise TypeError("entries must be an iterable of (name, source) tuples")
    if isinstance(entries, Sequence):  # refuse a bad name now, not halfway through
        seen: set[str] = set()
        for entry in entries:
            _check_name(_unpack(entry)[0], seen)
    return _stream(entries, _METHODS[compression], compresslevel, chunk_size)


def _unpack(entry: object) -> tuple[str, object, object]:
    if not isinstance(entry, tuple) or len(entry) not in (2, 3):
        raise TypeError(f"a zip entry is a (name, source[, modified]) tuple, not {entry!r:.80}")
    return entry[0], entry[1], entry[2] if len(entry) == 3 else None


def _check_name(name: object, seen: set[str]) -> bytes:
    """``name`` as UTF-8, once checked that it stays inside the archive's folder."""
    if not isinstance(name, str):
        raise TypeError(f"a zip entry's name is a str, not {type(name).__name__}")
    problem = ""
    if not name or "\0" in name:
        problem = "is empty or holds a NUL character"
    elif "\\" in name:
        problem = "holds a backslash (separate folders with /)"
    elif name.startswith("/") or _DRIVE.match(name):
        problem = "is absolute"
    elif ".." in name.split("/"):
        problem = "has a '..' component"
    elif name in seen:
        problem = "comes twice"
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        problem = "is not valid Unicode"
    if not problem and len(encoded) > _MAX16:
        problem = "is longer than 65535 bytes"
    if problem:
        raise ValueError(f"zip entry {name!r} {problem}: it could be extracted elsewhere")
    seen.add(name)
    return encoded


def _dos_time(moment: dt.datetime) -> tuple[int, int]:
    """MS-DOS (time, date) of ``moment``, local time, clamped to 1980-2107."""
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    moment = min(max(moment, dt.datetime(1980, 1, 1)), dt.datetime(2107, 12, 31, 23, 59, 58))
    return (
        (moment.hour << 11) | (moment.minute << 5) | (moment.second // 2),
        ((moment.year - 1980) << 9) | (moment.month << 5) | moment.day,
    )


def _bytes(piece: object, name: str) -> bytes | bytearray | memoryview:
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return piece
    if isinstance(piece, str):
        return piece.encode("utf-8")
    raise TypeError(f"zip entry {name!r} yielded a {type(piece).__name__}; yield bytes or str")


class _Source:
    """An entry's chunks, its size when known, its default time and mode, and close()."""

    def __init__(self, name: str, source: object, chunk_size: int) -> None:
        self.size: int | None = None
        self.mtime: float | None = None
        self.mode = 0o644
        self.close: Callable[[], None] = lambda: None
        if isinstance(source, (str, os.PathLike)):
            handle = open(source, "rb")  # noqa: SIM115 - closed by close()
            info = os.fstat(handle.fileno())
            self.size, self.mtime, self.mode = info.st_size, info.st_mtime, info.st_mode & 0o777
            self.close = handle.close
            self.chunks: Iterator[object] = iter(lambda: handle.read(chunk_size), b"")
        elif isinstance(source, (bytes, bytearray, memoryview)):
            view = memoryview(source).cast("B")
            self.size = len(view)
            self.chunks = (view[i : i + chunk_size] for i in range(0, len(view), chunk_size))
        elif isinstance(source, io.IOBase) or hasattr(source, "read"):
            read = source.read
            self.chunks = iter(lambda: read(chunk_size) or b"", b"")  # text files end on ""
        elif isinstance(source, Iterable):
            self.chunks = iter(source)
            closer = getattr(self.chunks, "close", None)
            self.close = closer if callable(closer) else self.close
        else:
            raise TypeError(
                f"zip entry {name!r}: a source is a path, bytes, a file object or an "
                f"iterable of bytes/str chunks, not {type(source).__name__}"
            )


def _may_pass_4gib(size: int | None, method: int) -> bool:
    """Whether an entry of ``size`` bytes (``None``: unknown) may need ZIP64 sizes: its
    size, or its deflated size at worst (zlib's ``deflateBound``), reaches 0xFFFFFFFF."""
    if size is None:
        return True
    worst = size if method == 0 else size + (size >> 12) + (size >> 14) + (size >> 25) + 13
    return worst >= _MAX32


class _Output:
    """The archive's bytes: gathered until ``size`` of them, and counted (the offset)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.out = bytearray()
        self.offset = 0

    def put(self, data: bytes | bytearray | memoryview) -> None:
        self.out.extend(data)
        self.offset += len(data)

    def take(self) -> bytes:
        data = bytes(self.out)
        self.out.clear()
        return data


def _stream(entries: Iterable[object], method: int, level: int, size: int) -> Iterator[bytes]:
    output = _Output(size)
    central: list[bytes] = []
    seen: set[str] = set()
    started = time.time()
    try:
        for entry in entries:
            name, given, modified = _unpack(entry)
            encoded = _check_name(name, seen)
            if name.endswith("/") and given != b"":
                raise ValueError(f"zip entry {name!r} is a folder (ends in /): give it b''")
            source = _Source(name, given, size)
            try:
                if not isinstance(modified, dt.datetime):
                    stamp = modified if modified is not None else source.mtime or started
                    modified = dt.datetime.fromtimestamp(float(stamp))  # type: ignore[arg-type]
                record = yield from _entry(output, name, encoded, source, method, level, modified)
            finally:
                source.close()
            central.append(record)
        start = output.offset
        for record in central:
            output.put(record)
            if len(output.out) >= size:
                yield output.take()
        _end(output.put, len(central), output.offset - start, start, output.offset)
        yield output.take()
    finally:
        closer = getattr(entries, "close", None)
        if callable(closer):
            closer()


def _entry(
    output: _Output, name: str, encoded: bytes, source: _Source, method: int, level: int,
    modified: dt.datetime,
) -> Generator[bytes, None, bytes]:  # fmt: skip
    """Write an entry: local header (APPNOTE 4.3.7), data, data descriptor (4.3.9);
    yield the archive's chunks meanwhile; return the entry's central directory record."""
    dos_time, dos_date = _dos_time(modified)
    header_offset = output.offset
    zip64 = _may_pass_4gib(source.size, method)
    version = _V45 if zip64 else _V20
    extra = struct.pack("<HHQQ", 1, 16, 0, 0) if zip64 else b""  # sizes: in the descriptor
    local_size = _MAX32 if zip64 else 0  # 0xFFFFFFFF: see the ZIP64 field (4.5.3)
    output.put(
        struct.pack("<IHHHHHIIIHH", _LOCAL, version, _FLAGS, method, dos_time, dos_date, 0,
                    local_size, local_size, len(encoded), len(extra))
        + encoded + extra
    )  # fmt: skip
    crc = usize = csize = 0
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15) if method else None
    for piece in source.chunks:
        data = _bytes(piece, name)
        crc = zlib.crc32(data, crc)
        usize += len(data)
        if deflate is not None:
            data = deflate.compress(data)
        csize += len(data)
        if deflate is None and len(data) >= output.size:  # a big stored chunk, as it is
            if output.out:
                yield output.take()
            output.offset += len(data)
            yield bytes(data)
            continue
        output.put(data)
        if len(output.out) >= output.size:
            yield output.take()
    if deflate is not None:
        tail = deflate.flush()
        csize += len(tail)
        output.put(tail)
    if not zip64 and max(usize, csize) >= _MAX32:
        raise RuntimeError(f"zip entry {name!r} grew past 4 GiB while it was read")
    output.put(struct.pack("<IIQQ" if zip64 else "<IIII", _DESCRIPTOR, crc, csize, usize))
    folder = name.endswith("/")
    mode = (stat.S_IFDIR | 0o755) if folder else (stat.S_IFREG | source.mode)
    attributes = (mode << 16) | (0x10 if folder else 0)  # UNIX mode, MS-DOS folder bit
    return _central(encoded, version, method, dos_time, dos_date, crc, csize, usize,
                    header_offset, attributes)  # fmt: skip


def _central(
    name: bytes,
    version: int,
    method: int,
    dos_time: int,
    dos_date: int,
    crc: int,
    csize: int,
    usize: int,
    offset: int,
    attributes: int,
) -> bytes:
    """The central directory record of an entry (APPNOTE 4.3.12), with a ZIP64 field
    (4.5.3) holding, in this order, each of its sizes and offset that passes 32 bits."""
    wide = [value for value in (usize, csize, offset) if value >= _MAX32]
    extra = struct.pack(f"<HH{len(wide)}Q", 1, 8 * len(wide), *wide) if wide else b""
    usize, csize, offset = (min(value, _MAX32) for value in (usize, csize, offset))
    version = _V45 if wide else version
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            _CENTRAL,
            _MADE_BY,
            version,
            _FLAGS,
            method,
            dos_time,
            dos_date,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
            0,
            0,
            0,
            attributes,
            offset,
        )
        + name
        + extra
    )


def _end(put: Callable[[bytes], None], count: int, size: int, start: int, here: int) -> None:
    """The end records (APPNOTE 4.3.14-16): ZIP64 ones first when a count, size or
    offset does not fit, the classic fields then set to their maximum."""
    if count >= _MAX16 or size >= _MAX32 or start >= _MAX32:
        put(struct.pack("<IQHHIIQQQQ", _END64, 44, _MADE_BY, _V45, 0, 0, count, count, size, start))
        put(struct.pack("<IIQI", _LOCATOR64, 0, here, 1))
    count, size, start = min(count, _MAX16), min(size, _MAX32), min(start, _MAX32)
    put(struct.pack("<IHHHHIIH", _END, 0, 0, count, count, size, start, 0))
