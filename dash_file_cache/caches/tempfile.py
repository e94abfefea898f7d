"""dash-file-cache 0.2.0's import path of :class:`CacheFile`.

``from dash_file_cache.caches.tempfile import CacheFile`` keeps working; the class is
:class:`dash_file_cache.caches.file.CacheFile` (new code imports it from
:mod:`dash_file_cache.caches`).
"""

from .file import CacheFile

__all__ = ("CacheFile",)
