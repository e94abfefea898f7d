"""The service behind a real threaded HTTP server: concurrency and aborted clients."""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import dash_file_cache as dfc

from ..helpers import live_server, wait_until
from .conftest import served

BIG = 32 * 1024 * 1024  # bytes: much more than socket buffers hold


def open_fds_under(directory: str) -> list[str]:
    """Open files of this process under ``directory`` (not diskcache's own index files)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(directory) and ".db" not in target:
            found.append(target)
    return found


@pytest.fixture
def file_cache(tmp_path: Path) -> dfc.CacheFile:
    return dfc.CacheFile(tmp_path / "cache")


@pytest.fixture
def base_url(file_cache: dfc.CacheFile) -> Iterator[tuple[dfc.ServiceData, str]]:
    service = dfc.ServiceData(file_cache)
    with live_server(served(service)) as url:
        yield service, url


def get(url: str, address: str) -> tuple[int, bytes]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", address)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["plain", "file", "redis"])
def test_one_time_item_reaches_exactly_one_of_many_clients(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    cache: dfc.CacheAbstract
    if kind == "plain":
        cache = dfc.CachePlain(8)
    elif kind == "file":
        cache = dfc.CacheFile(tmp_path)
    else:
        cache = dfc.CacheRedis(request.getfixturevalue("redis_server"), key_prefix="race:")
    service = dfc.ServiceData(cache)
    payload = os.urandom(3 * 1024 * 1024)
    address = service.register(io.BytesIO(payload), one_time_service=True)
    clients = 16
    barrier = threading.Barrier(clients)
    results: list[tuple[int, bytes]] = []
    with live_server(served(service)) as url:

        def fetch() -> None:
            barrier.wait()
            results.append(get(url, address))

        threads = [threading.Thread(target=fetch) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    winners = [body for status, body in results if status == 200]
    losers = [json.loads(body) for status, body in results if status == 404]
    assert len(results) == clients
    assert winners == [payload]
    assert len(losers) == clients - 1
    assert all(set(body) == {"code", "message", "error"} for body in losers)


def abort_after_headers(url: str, address: str) -> None:
    """Send a GET, read the status line and a little body, then drop the connection."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(f"GET {address} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def test_aborted_one_time_download_frees_its_storage(
    base_url: tuple[dfc.ServiceData, str], file_cache: dfc.CacheFile
) -> None:
    service, url = base_url
    address = service.register(io.BytesIO(bytes(BIG)), one_time_service=True)
    assert file_cache.nbytes == BIG
    abort_after_headers(url, address)
    assert file_cache.nbytes == 0
    assert len(file_cache) == 0
    wait_until(lambda: not open_fds_under(file_cache.cache_dir + os.sep), what="file closed")
    assert get(url, address)[0] == 404


def test_aborted_download_of_a_kept_item_closes_its_file(
    base_url: tuple[dfc.ServiceData, str], file_cache: dfc.CacheFile
) -> None:
    service, url = base_url
    address = service.register(io.BytesIO(bytes(BIG)))
    abort_after_headers(url, address)
    wait_until(lambda: not open_fds_under(file_cache.cache_dir + os.sep), what="file closed")
    status, body = get(url, address)
    assert status == 200 and len(body) == BIG


def test_aborted_download_of_a_path_item_closes_it(tmp_path: Path) -> None:
    path = tmp_path / "data" / "big.bin"
    path.parent.mkdir()
    path.write_bytes(bytes(BIG))
    service = dfc.ServiceData(dfc.CachePlain(2))
    with live_server(served(service)) as url:
        address = service.register(path)
        abort_after_headers(url, address)
        wait_until(lambda: not open_fds_under(str(path.parent)), what="file closed")
