"""Caches private to one process (CachePlain, CacheQueue, ``CacheFile()`` without a
directory) refuse to register under a server with several worker processes (real
gunicorn), naming the fix, instead of handing out addresses the other workers 404."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ..conftest import free_port
from ..helpers import stop, wait_until
from .servers import ROOT, gunicorn, ready, request

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


#: ASGI servers with several worker processes (no ``wsgi.multiprocess`` to read): uvicorn's
#: own supervisor, and gunicorn with uvicorn workers.
ASGI_WORKERS = {
    "uvicorn": [sys.executable, "-m", "uvicorn", "--workers=2", "--log-level=warning"],
    "gunicorn-uvicorn": [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=2",
        "--worker-class=uvicorn_worker.UvicornWorker",
        "--log-level=warning",
    ],
}


@contextmanager
def asgi_server(server: str, env: dict[str, str], workers: int) -> Iterator[int]:
    port = free_port()
    command = [arg.replace("=2", f"={workers}") for arg in ASGI_WORKERS[server]]
    if server == "uvicorn":
        command += ["--host=127.0.0.1", f"--port={port}", "tests.multiprocess.asgi_app:app"]
    else:
        command += [f"--bind=127.0.0.1:{port}", "tests.multiprocess.asgi_app:app"]
    with subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}) as process:
        try:
            wait_until(lambda: ready(port), timeout=60, what=f"{server} to answer")
            yield port
        finally:
            stop(process)


@pytest.mark.parametrize("server", sorted(ASGI_WORKERS))
@pytest.mark.parametrize("kind", ["private", "plain"])
def test_several_asgi_workers_refuse_a_private_cache(server: str, kind: str) -> None:
    with asgi_server(server, {"DFC_CACHE": kind}, workers=2) as port:
        status, body, _ = request(port, "POST", "/register", b"payload")
    assert status == 200
    error = json.loads(body)["error"]
    assert "this server runs several worker processes (2 worker processes" in error


@pytest.mark.parametrize("server", sorted(ASGI_WORKERS))
def test_one_asgi_worker_keeps_a_private_cache(server: str) -> None:
    with asgi_server(server, {"DFC_CACHE": "plain"}, workers=1) as port:
        status, body, _ = request(port, "POST", "/register", b"payload")
        address = json.loads(body)["addr"]
        status, served, _ = request(port, "GET", address)
    assert (status, served) == (200, b"payload")
