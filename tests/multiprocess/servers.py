"""Real gunicorn servers for the multi-process tests, and plain HTTP helpers for them."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..conftest import free_port
from ..helpers import stop, wait_until

ROOT = Path(__file__).resolve().parents[2]


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, str]:
    """One request on a fresh connection (so the kernel may hand it to any worker)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("X-Worker-Pid", "")
    finally:
        conn.close()


def race(ports: list[int], address: str, clients: int) -> list[tuple[int, bytes, str]]:
    """GET ``address`` from ``clients`` threads at once, spread over ``ports``."""
    barrier = threading.Barrier(clients)
    results: list[tuple[int, bytes, str]] = []

    def fetch(port: int) -> None:
        barrier.wait()
        results.append(request(port, "GET", address))

    threads = [
        threading.Thread(target=fetch, args=(ports[i % len(ports)],)) for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def ready(port: int) -> bool:
    """Whether the service answers (a request without uid gets its 400)."""
    try:
        return request(port, "GET", "/cached-data")[0] == 400
    except OSError:
        return False


def gunicorn_command(target: str, port: int, *options: str) -> list[str]:
    """The command that runs ``gunicorn target`` on ``port`` of 127.0.0.1."""
    bind = f"--bind=127.0.0.1:{port}"
    return [sys.executable, "-m", "gunicorn", bind, "--log-level=warning", *options, target]


@contextmanager
def gunicorn(target: str, env: dict[str, str], *options: str) -> Iterator[int]:
    """Run ``gunicorn target`` on a free port of 127.0.0.1 until the block ends; yield the port."""
    port = free_port()
    command = gunicorn_command(target, port, *options)
    with subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}) as server:
        try:
            wait_until(lambda: ready(port), timeout=60, what=f"gunicorn {target} to answer")
            yield port
        finally:
            stop(server)


@contextmanager
def celery_worker(app: str, pool: str = "solo") -> Iterator[subprocess.Popen[bytes]]:
    """Run a real Celery worker for ``app`` (``module:celery_app``) until the block ends,
    with this process's environment (its Redis broker URL included)."""
    command = [sys.executable, "-m", "celery", "-A", app, "worker", f"--pool={pool}"]
    command += ["--concurrency=1", "--loglevel=warning", "--without-heartbeat"]
    command += ["--without-gossip", "--without-mingle"]
    with subprocess.Popen(command, cwd=ROOT, env=dict(os.environ)) as worker:
        try:
            yield worker
        finally:
            stop(worker)
