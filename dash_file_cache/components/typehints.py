"""Typed values of the 0.2.0 compatibility components (``Downloader``), as in 0.2.0.

Hand-written (not generated): ``dash_file_cache.components.typehints`` is where
dash-file-cache 0.2.0 kept them; they are also ``dfc.DownloaderURL`` and
``dfc.DownloaderStatus``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = ("DownloaderStatus", "DownloaderURL", "StatusType")

#: The outcome of a ``Downloader`` download.
StatusType = Literal["success", "error-connect", "error-config", "error-io", "error-unknown"]


class _DownloaderURLBase(TypedDict):
    #: The address to download.
    url: str


class DownloaderURL(_DownloaderURLBase, total=False):
    """``Downloader(url=...)`` as a dict: the address, and a file name for when the
    response names none (useful for addresses of other origins)."""

    file_name_fallback: str


class _DownloaderStatusBase(TypedDict):
    #: ``"success"`` or the kind of failure.
    type: StatusType
    #: The HTTP status of the response (200 for a file handed to the browser's own
    #: download, whose status the page cannot see; 400 when no response came).
    http_code: int


class DownloaderStatus(_DownloaderStatusBase, total=False):
    """``Downloader(status=...)``, set when a download ends."""

    #: The same value as ``type``: what 0.2.0's browser code sent.
    code: StatusType
