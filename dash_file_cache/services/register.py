"""Turning what ``register()`` receives into a cache item: checks, metadata, data."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import os
import stat

from ..caches.typehints import CachedData, CachedFileInfo
from .http import check_media_type, media_charset, with_charset

__all__ = ("Source", "make_item", "path_etag", "stat_file")

#: What ``register()`` accepts as the file.
Source = str | os.PathLike[str] | io.StringIO | io.BytesIO


def path_etag(uid: str, st: os.stat_result) -> str:
    """A strong validator of a registered path: changes when the file does."""
    token = f"{uid}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}".encode()
    return hashlib.sha256(token).hexdigest()[:32]


def stat_file(path: str) -> os.stat_result:
    """``os.stat`` a regular file, raising :class:`FileNotFoundError` for anything else."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(f"no such file: {path!r}") from None
    if not stat.S_ISREG(st.st_mode):
        raise FileNotFoundError(f"not a regular file: {path!r}")
    return st


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
        "created": created,
        "etag": etag,
    }
    return info, data
