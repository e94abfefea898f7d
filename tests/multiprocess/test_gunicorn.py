"""CacheFile shared by real gunicorn workers: register in one, fetch from any."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    try:
        return request(port, "GET", "/cached-data")[0] == 400
    except OSError:
        return False


@pytest.fixture(params=["sync", "gthread"])
def gunicorn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = free_port()
    cache_dir = tmp_path / "shared"
    env = dict(os.environ, DFC_CACHE_DIR=str(cache_dir), DFC_CACHE_SIZE="50")
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={WORKERS}",
        f"--worker-class={request.param}",
        "--threads=4",
        f"--bind=127.0.0.1:{port}",
        "--log-level=warning",
        "tests.multiprocess.gunicorn_app:app",
    ]
    with subprocess.Popen(command, cwd=ROOT, env=env) as server:
        try:
            wait_until(lambda: ready(port), timeout=60, what="gunicorn to answer")
            yield port, cache_dir
        finally:
            server.terminate()
            server.wait(30)


def test_register_in_any_worker_fetch_from_any(gunicorn: tuple[int, Path]) -> None:
    port, _ = gunicorn
    crossed = 0
    for n in range(60):
        payload = os.urandom(1000 + n * 37)
        status, body, registered_by = request(port, "POST", "/register", payload)
        assert status == 200
        address = json.loads(body)["addr"]
        status, fetched, served_by = request(port, "GET", address)
        assert status == 200
        assert fetched == payload
        crossed += registered_by != served_by
    assert crossed > 0, "every fetch landed on the registering worker: nothing was shared"


def test_one_time_item_is_served_once_across_workers(gunicorn: tuple[int, Path]) -> None:
    port, cache_dir = gunicorn
    payload = os.urandom(2 * 1024 * 1024)
    address = json.loads(request(port, "POST", "/register?one_time=1", payload)[1])["addr"]
    clients = 12
    results = race([port], address, clients)
    assert sorted(status for status, _, _ in results) == [200] + [404] * (clients - 1)
    assert [body for status, body, _ in results if status == 200] == [payload]
    leftovers = [p for p in cache_dir.rglob("*.val")]
    assert leftovers == []


def test_bounds_hold_across_workers(gunicorn: tuple[int, Path]) -> None:
    port, cache_dir = gunicorn
    addresses = []
    for n in range(80):
        body = request(port, "POST", "/register", n.to_bytes(4, "big") * 100)[1]
        addresses.append(json.loads(body)["addr"])
    statuses = [request(port, "GET", address)[0] for address in addresses]
    assert statuses == [404] * 30 + [200] * 50  # cache_size=50, oldest evicted first
    assert len(list(cache_dir.rglob("*.val"))) == 50
