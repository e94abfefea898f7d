"""Storage backends; each is a :class:`~dash_file_cache.caches.abstract.CacheAbstract`."""

from . import abstract, file, memory, redis, tempfile, typehints
from .abstract import BackendUnavailable, CacheAbstract
from .file import CacheFile
from .memory import CachePlain, CacheQueue
from .redis import CacheRedis
from .typehints import CachedData, CachedFileInfo

__all__ = (
    "abstract",
    "file",
    "memory",
    "redis",
    "tempfile",
    "typehints",
    "BackendUnavailable",
    "CacheAbstract",
    "CacheFile",
    "CachePlain",
    "CacheQueue",
    "CacheRedis",
    "CachedData",
    "CachedFileInfo",
)
