"""The contract every cache backend fulfils, and the checks of its bounds."""

from __future__ import annotations

import abc
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

__all__ = ("BackendUnavailable", "CacheAbstract", "check_bound", "check_positive", "check_ttl")

S = TypeVar("S")
T = TypeVar("T")
C = TypeVar("C", bound="CacheAbstract[Any, Any]")


class BackendUnavailable(ConnectionError):
    """The cache's storage cannot be reached right now (for example Redis is down).

    The service answers ``503`` with ``Retry-After`` while it lasts; ``register()``
    raises it to the caller.
    """


def check_positive(name: str, value: object) -> int:
    """Validate a required integer bound (``>= 1``) and return it.

    :param name: the argument's name, used in the error message.
    :raises TypeError: if ``value`` is not an ``int`` (``bool`` is refused).
    :raises ValueError: if ``value`` is below 1.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def check_bound(name: str, value: object, *, optional: bool) -> int | None:
    """Validate an integer bound (``>= 1``); ``None`` (no bound) when ``optional``.

    :raises TypeError: if ``value`` is not an ``int`` (or ``None`` when optional).
    :raises ValueError: if ``value`` is below 1.
    """
    if value is None and optional:
        return None
    try:
        return check_positive(name, value)
    except TypeError:
        if optional:
            raise TypeError(f"{name} must be an int or None, not {type(value).__name__}") from None
        raise


def check_ttl(value: object) -> float | None:
    """Validate a time-to-live in seconds: ``None`` (never expires) or a number ``> 0``.

    :raises TypeError: if ``ttl`` is not a number.
    :raises ValueError: if ``ttl`` is not positive.
    """
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"ttl must be a number of seconds or None, not {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"ttl must be > 0 seconds, got {value}")
    return float(value)


class CacheAbstract(abc.ABC, Generic[S, T]):
    """A store of items, each a pair of metadata ``S`` and data ``T`` under a string key.

    Every backend supports ``key in cache``, :meth:`dump`, :meth:`load` (metadata now, data
    deferred), :meth:`remove` and the atomic :meth:`pop`, and enforces three bounds given
    as keyword-only arguments: an item count (``cache_size``), the bytes the cache itself
    holds (``max_bytes``; items registered by path are references and count 0) and a
    time-to-live (``ttl``, seconds). ``None`` means unbounded / never expires.
    """

    #: The time source (seconds since the epoch) used for expiry; tests swap it.
    clock: Callable[[], float] = staticmethod(time.time)

    def __init__(
        self,
        cache_size: int | None,
        *,
        max_bytes: int | None = None,
        ttl: float | None = None,
        size_optional: bool = False,
    ) -> None:
        self._cache_size = check_bound("cache_size", cache_size, optional=size_optional)
        self._max_bytes = check_bound("max_bytes", max_bytes, optional=True)
        self._ttl = check_ttl(ttl)
        self._pop_lock = threading.Lock()

    #: Whether the items live where only this process sees them (in its memory, or in a
    #: temporary directory of its own): several server processes would split them.
    process_private: bool = False

    @property
    def cache_size(self) -> int | None:
        """The most items kept; the oldest are evicted beyond it (``None``: no limit)."""
        return self._cache_size

    @property
    def max_bytes(self) -> int | None:
        """The most bytes of data held by the cache (``None``: no limit)."""
        return self._max_bytes

    @property
    def ttl(self) -> float | None:
        """Seconds an item lives after it is stored (``None``: it never expires)."""
        return self._ttl

    def _expiry(self, info: Mapping[str, Any] | None = None) -> float | None:
        """The absolute expiry time of an item stored now: the cache's ``ttl`` or the
        item's own ``expires`` (``register(..., ttl=)``), whichever comes first."""
        times = [] if self._ttl is None else [self.clock() + self._ttl]
        own = None if info is None else info.get("expires")
        if own is not None:
            times.append(float(own))
        return min(times) if times else None

    def _check_fits(self, nbytes: int) -> None:
        """Refuse an item that could never fit under ``max_bytes``."""
        if self._max_bytes is not None and nbytes > self._max_bytes:
            raise ValueError(f"the item has {nbytes} bytes, more than max_bytes={self._max_bytes}")

    def close(self) -> None:
        """Release what the cache holds open (connections, helper processes).

        Items stored in shared storage (a directory, Redis) stay there. Idempotent; a
        cache is also a context manager that closes on exit.
        """

    def __enter__(self: C) -> C:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.is_in(key)

    @abc.abstractmethod
    def is_in(self, key: str) -> bool:
        """Whether ``key`` names a live (stored, not expired) item."""

    @abc.abstractmethod
    def dump(self, key: str, info: S, data: T) -> None:
        """Store an item, evicting old ones as the bounds require.

        :raises ValueError: if the item alone is larger than ``max_bytes``.
        """

    @abc.abstractmethod
    def load(self, key: str) -> tuple[S, Callable[[], T]]:
        """Return an item's metadata and a function that gives its data.

        :raises KeyError: if the item is missing or expired.
        """

    @abc.abstractmethod
    def remove(self, key: str) -> bool:
        """Delete an item and its storage; return whether it was there."""

    def pop(self, key: str) -> tuple[S, Callable[[], T]]:
        """Remove an item and return it, atomically: of concurrent callers, one wins.

        The returned data stays readable after removal; storage is released when it is
        dropped or closed. This fallback is atomic within one process only; backends
        shared by processes override it.

        :raises KeyError: if the item is missing or expired.
        """
        with self._pop_lock:
            info, loader = self.load(key)
            data = loader()
            self.remove(key)
        return info, lambda: data
