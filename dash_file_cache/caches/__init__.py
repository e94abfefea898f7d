"""Storage backends; each is a :class:`~dash_file_cache.caches.abstract.CacheAbstract`."""

from . import abstract, file, memory, typehints
from .abstract import CacheAbstract
from .file import CacheFile
from .memory import CachePlain, CacheQueue
from .typehints import CachedData, CachedFileInfo

__all__ = (
    "abstract",
    "file",
    "memory",
    "typehints",
    "CacheAbstract",
    "CacheFile",
    "CachePlain",
    "CacheQueue",
    "CachedData",
    "CachedFileInfo",
)
