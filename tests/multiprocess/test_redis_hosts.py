"""Two separate app servers (standing in for two hosts) sharing one real redis-server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from .servers import gunicorn, race, request

PAIRS = 1000


@pytest.fixture
def hosts(redis_server: str) -> Iterator[list[int]]:
    """Two independent gunicorn servers (2 gthread workers each) on one Redis."""
    redis.Redis.from_url(redis_server).flushdb()
    env = {"DFC_REDIS_URL": redis_server, "DFC_CACHE_SIZE": "5000"}
    options = ("--workers=2", "--worker-class=gthread", "--threads=4")
    target = "tests.multiprocess.gunicorn_app:app"
    with gunicorn(target, env, *options) as first, gunicorn(target, env, *options) as second:
        yield [first, second]


def register_and_fetch(ports: list[int], n: int) -> tuple[bool, bool]:
    payload = os.urandom(200 + (n * 7919) % 60_000)
    origin, other = ports[n % 2], ports[(n + 1) % 2]
    status, body, _ = request(origin, "POST", "/register", payload)
    assert status == 200
    address = json.loads(body)["addr"]
    target = other if n % 3 else origin  # two thirds fetched from the other host
    status, fetched, _ = request(target, "GET", address)
    return status == 200 and fetched == payload, target != origin


def test_a_thousand_register_fetch_pairs_across_hosts(hosts: list[int]) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: register_and_fetch(hosts, n), range(PAIRS)))
    assert all(ok for ok, _ in results), [n for n, (ok, _) in enumerate(results) if not ok][:10]
    assert sum(crossed for _, crossed in results) > PAIRS // 2


def test_one_time_items_requested_from_both_hosts_are_served_once(hosts: list[int]) -> None:
    for round_ in range(5):
        payload = os.urandom(1024 * 1024 + round_)
        address = json.loads(request(hosts[0], "POST", "/register?one_time=1", payload)[1])["addr"]
        clients = 10
        results = race(hosts, address, clients)
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [200] + [404] * (clients - 1)
        assert [body for status, body, _ in results if status == 200] == [payload]
