"""CachePlain against the backend contract."""

from __future__ import annotations

from typing import Any

import pytest

import dash_file_cache as dfc

from .contract import BackendContract, key, make_info


class TestCachePlain(BackendContract):
    def make_cache(self, **bounds: Any) -> dfc.CachePlain:
        bounds.setdefault("cache_size", 100)
        return dfc.CachePlain(**bounds)


def test_cache_size_is_required_and_positional() -> None:
    with pytest.raises(TypeError):
        dfc.CachePlain()  # type: ignore[call-arg]
    assert dfc.CachePlain(3).cache_size == 3


def test_memory_cache_hands_back_the_same_bytes_object() -> None:
    cache = dfc.CachePlain(2)
    payload = b"z" * 1000
    cache.dump(key(1), make_info(1000), payload)
    _, loader = cache.load(key(1))
    assert loader() is payload


def test_memory_cache_refuses_streams() -> None:
    cache = dfc.CachePlain(2)
    with pytest.raises(TypeError, match="data must be"):
        cache.dump(key(1), make_info(1), object())  # type: ignore[arg-type]
