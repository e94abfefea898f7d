"""Types shared by the caches and the service: what one cached item holds."""

from __future__ import annotations

from typing import BinaryIO, Literal, TypedDict

__all__ = ("CachedData", "CachedFileInfo", "CachedKind")

#: Where the bytes of an item live: a file path the user registered, bytes the cache holds,
#: a remote HTTP(S) file (the cache holds a small description of the request), or
#: generated content (made by its source in the registering process; nothing is stored).
CachedKind = Literal["path", "bytes", "remote", "generated"]


class _CachedFileInfoBase(TypedDict):
    """The keys every item has."""

    #: ``"path"``: the data is a file path read at serve time; ``"bytes"``: the cache holds
    #: it; ``"remote"``: the data describes a request, made when the item is served.
    kind: CachedKind
    #: Size of the data in bytes (for ``"path"`` items, the size when registered; for
    #: ``"remote"`` items 0, unknown until fetched: caches may store their description's).
    size: int
    #: Name offered to the browser when the item is downloaded.
    file_name: str
    #: The ``Content-Type`` header (may carry a charset).
    content_type: str
    #: The MIME type given at registration.
    mime_type: str
    #: Remove the item once one response has sent its body.
    one_time_service: bool
    #: Creation time, seconds since the epoch.
    created: float
    #: Strong validator of the content, without quotes.
    etag: str


#: The data of one item as a cache hands it back: a file path (``kind == "path"``),
#: the bytes themselves, or a readable binary stream positioned at 0.
CachedData = str | bytes | BinaryIO


class CachedFileInfo(_CachedFileInfoBase, total=False):
    """Metadata of one cached item (JSON-serialisable, so every backend can store it)."""

    #: A digest of the item's owner: only requests resolved to the same owner may fetch it.
    owner: str
    #: The item's own expiry time (seconds since the epoch), if shorter than the cache's.
    expires: float
    #: Always served as an attachment, whatever the address's query says.
    download: bool
    #: Served without the sandbox policy (the app vouches for the content).
    trusted: bool
    #: Generated content: the length ``register(size=...)`` stated.
    stated_size: int
    #: Generated content whose source failed: why (later requests answer it).
    error: str
