"""CacheFile shared by real gunicorn workers: register in one, fetch from any."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import wait_until
from .servers import gunicorn, race, request

WORKERS = 3


@pytest.fixture(params=["sync", "gthread"])
def gunicorn_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    cache_dir = tmp_path / "shared"
    env = {"DFC_CACHE_DIR": str(cache_dir), "DFC_CACHE_SIZE": "50"}
    options = (f"--workers={WORKERS}", f"--worker-class={request.param}", "--threads=4")
    with gunicorn("tests.multiprocess.gunicorn_app:app", env, *options) as port:
        yield port, cache_dir


def test_register_in_any_worker_fetch_from_any(gunicorn_app: tuple[int, Path]) -> None:
    port, _ = gunicorn_app
    crossed = 0
    for n in range(20):
        payload = os.urandom(1000 + n * 37)
        status, body, registered_by = request(port, "POST", "/register", payload)
        assert status == 200
        address = json.loads(body)["addr"]
        # concurrent fetches: a busy sync worker cannot take them all, whatever the kernel
        for status, fetched, served_by in race([port], address, WORKERS * 2):
            assert status == 200
            assert fetched == payload
            crossed += registered_by != served_by
    assert crossed > 0, "every fetch landed on the registering worker: nothing was shared"


def test_one_time_item_is_served_once_across_workers(gunicorn_app: tuple[int, Path]) -> None:
    port, cache_dir = gunicorn_app
    payload = os.urandom(2 * 1024 * 1024)
    address = json.loads(request(port, "POST", "/register?one_time=1", payload)[1])["addr"]
    clients = 12
    results = race([port], address, clients)
    assert sorted(status for status, _, _ in results) == [200] + [404] * (clients - 1)
    assert [body for status, body, _ in results if status == 200] == [payload]
    leftovers = [p for p in cache_dir.rglob("*.val")]
    assert leftovers == []


def test_bounds_hold_across_workers(gunicorn_app: tuple[int, Path]) -> None:
    port, cache_dir = gunicorn_app
    addresses = []
    for n in range(80):
        body = request(port, "POST", "/register", n.to_bytes(4, "big") * 100)[1]
        addresses.append(json.loads(body)["addr"])
    statuses = [request(port, "GET", address)[0] for address in addresses]
    assert statuses == [404] * 30 + [200] * 50  # cache_size=50, oldest evicted first
    assert len(list(cache_dir.rglob("*.val"))) == 50


def test_max_bytes_and_ttl_hold_across_workers(tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared"
    env = {"DFC_CACHE_DIR": str(cache_dir), "DFC_MAX_BYTES": "25000", "DFC_TTL": "3"}
    with gunicorn("tests.multiprocess.gunicorn_app:app", env, "--workers=3") as port:
        addresses = [
            json.loads(request(port, "POST", "/register", bytes([n]) * 10_000)[1])["addr"]
            for n in range(5)
        ]
        statuses = [request(port, "GET", address)[0] for address in addresses]
        assert statuses == [404, 404, 404, 200, 200]  # 25,000 bytes hold two items
        assert len(list(cache_dir.rglob("*.val"))) == 2
        wait_until(
            lambda: all(request(port, "GET", a)[0] == 404 for a in addresses[3:]),
            timeout=20,
            what="the items to expire",
        )
        request(port, "POST", "/register", b"x")  # a write culls what expired
        assert len(list(cache_dir.rglob("*.val"))) == 1
