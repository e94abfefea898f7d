"""Fixtures for the fuzz suite: one cache of each kind (the pattern of tests/services)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import dash_file_cache as dfc

from .target import Target


@pytest.fixture(params=["plain", "file", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dfc.CacheAbstract]:
    """A fresh cache of each kind; the Redis one lives on the session's real redis-server."""
    if request.param == "plain":
        plain = dfc.CachePlain(32)
        yield plain
        plain.close()
    elif request.param == "file":
        on_disk = dfc.CacheFile(tmp_path / "cache")
        yield on_disk
        on_disk.close()
    else:
        url = request.getfixturevalue("redis_server")
        prefix = f"fuzz-{request.node.name}:"
        shared = dfc.CacheRedis(url, key_prefix=prefix)
        yield shared
        keys = list(shared.client.scan_iter(match=f"{prefix}*"))
        if keys:
            shared.client.delete(*keys)
        shared.close()


@pytest.fixture
def cache_kind(request: pytest.FixtureRequest, cache: dfc.CacheAbstract) -> str:
    """The name of the ``cache`` parameter of this test (plain, file or redis)."""
    return str(request.node.callspec.params["cache"])


@pytest.fixture
def target(cache: dfc.CacheAbstract, tmp_path: Path) -> Target:
    """A service on ``cache`` with one registered item of each kind."""
    return Target(cache, tmp_path)
