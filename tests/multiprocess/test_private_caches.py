"""Caches private to one process (CachePlain, CacheQueue, ``CacheFile()`` without a
directory) refuse to register under a server with several worker processes (real
gunicorn), naming the fix, instead of handing out addresses the other workers 404."""

from __future__ import annotations

import json

import pytest

from .servers import gunicorn, request

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("kind", "fix"),
    [
        ("private", "give every worker the same directory: CacheFile('/var/cache/my-app')"),
        ("plain", "use CacheFile('/a/shared/directory') (one host) or CacheRedis"),
    ],
)
def test_several_workers_refuse_a_private_cache(kind: str, fix: str) -> None:
    env = {"DFC_CACHE": kind}
    with gunicorn("tests.multiprocess.gunicorn_app:app", env, "--workers=2") as port:
        status, body, _ = request(port, "POST", "/register", b"payload")
    assert status == 500
    error = json.loads(body)["error"]
    assert "this server runs several worker processes (wsgi.multiprocess)" in error
    assert fix in error


@pytest.mark.parametrize("kind", ["private", "plain"])
def test_one_worker_keeps_a_private_cache(kind: str) -> None:
    with gunicorn("tests.multiprocess.gunicorn_app:app", {"DFC_CACHE": kind}) as port:
        status, body, _ = request(port, "POST", "/register", b"payload")
        assert status == 200
        address = json.loads(body)["addr"]
        status, served, _ = request(port, "GET", address)
    assert (status, served) == (200, b"payload")
