"""Register and fetch throughput of each cache, against CachePlain in the same run.

For each cache and item size, registers items (``ServiceData.register`` of a BytesIO)
and fetches each one whole through the WSGI app (Werkzeug's test client, so no network
stack is measured). CacheRedis runs on a ``redis-server`` this script starts on a free
port of 127.0.0.1 (no data on disk). Results are ratios against CachePlain.

Run: ``python benchmarks/cache_throughput.py [--seconds 2]``
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import flask

import dash_file_cache as dfc

KIB = 1024  # bytes
MIB = 1024 * KIB  # bytes
SIZES = (10 * KIB, 1 * MIB, 16 * MIB)  # item sizes measured


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (scripts/setup.sh installs it)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    with subprocess.Popen(args, stdout=subprocess.DEVNULL) as server:
        import redis

        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()


def rate(action: Callable[[], None], seconds: float) -> float:
    """Calls per second of ``action`` over about ``seconds``."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        action()
        count += 1
    return count / elapsed


def measure(cache: dfc.CacheAbstract, size: int, seconds: float) -> tuple[float, float]:
    """(registers per second, fetched MiB per second) for one cache and item size."""
    service = dfc.ServiceData(cache)
    app = flask.Flask(__name__)
    service.serve(app)
    client = app.test_client()
    payload = os.urandom(size)
    addresses: list[str] = []

    def register() -> None:
        addresses.append(service.register(io.BytesIO(payload)))

    registers = rate(register, seconds)
    recent = addresses[-32:]  # still cached under every bound used here
    cycle = iter(recent * 100_000)

    def fetch() -> None:
        response = client.get(next(cycle), buffered=True)
        assert len(response.data) == size

    fetches = rate(fetch, seconds)
    return registers, fetches * size / MIB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    with redis_server() as url, tempfile.TemporaryDirectory() as folder:
        factories: dict[str, Callable[[], dfc.CacheAbstract]] = {
            "CachePlain": lambda: dfc.CachePlain(10_000, max_bytes=2 * 1024 * MIB),
            "CacheFile": lambda: dfc.CacheFile(folder, cache_size=10_000),
            "CacheRedis": lambda: dfc.CacheRedis(url, cache_size=10_000, max_bytes=1024 * MIB),
        }
        print(
            f"{'size':>8} {'cache':11} {'register/s':>11} {'vs plain':>9} "
            f"{'fetch MiB/s':>12} {'vs plain':>9}"
        )
        for size in SIZES:
            reference: tuple[float, float] | None = None
            for name, factory in factories.items():
                registers, fetch_speed = measure(factory(), size, args.seconds)
                reference = reference or (registers, fetch_speed)
                print(
                    f"{size // KIB:>6}Ki {name:11} {registers:11.0f} "
                    f"{registers / reference[0]:8.2f}x {fetch_speed:12.0f} "
                    f"{fetch_speed / reference[1]:8.2f}x"
                )


if __name__ == "__main__":
    main()
