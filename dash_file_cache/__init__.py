"""Serve files made at run time to Dash and Flask apps by URL, streamed.

``import dash_file_cache as dfc``: register a file with :class:`dfc.ServiceData`, cached in
:class:`dfc.CachePlain`, :class:`dfc.CacheQueue` or :class:`dfc.CacheFile`, and show or
download it in the browser with :class:`dfc.CachedImage` and :class:`dfc.DownloadLink`.
``Downloader``, ``PlainDownloader``, ``ServiceDownloader``, ``DownloaderURL`` and
``DownloaderStatus`` are the dash-file-cache 0.2.0 compatibility API.
"""

from . import caches, generate, owners, services, utilities, version
from .caches import CacheAbstract, CacheFile, CachePlain, CacheQueue, CacheRedis
from .components import (
    CachedImage,
    Downloader,
    DownloaderStatus,
    DownloaderURL,
    DownloadLink,
    PlainDownloader,
    __version__,
    _css_dist,
    _js_dist,
)
from .services import ServiceData, ServiceDownloader

__all__ = (
    "caches",
    "generate",
    "owners",
    "services",
    "utilities",
    "version",
    "CacheAbstract",
    "CacheFile",
    "CachePlain",
    "CacheQueue",
    "CacheRedis",
    "ServiceData",
    "ServiceDownloader",
    "CachedImage",
    "DownloadLink",
    "Downloader",
    "DownloaderStatus",
    "DownloaderURL",
    "PlainDownloader",
    "__version__",
    "_css_dist",
    "_js_dist",
)
