"""Shared fixtures: headless Chromium options for ``dash_duo`` and a fake clock."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.chrome.options import Options

from dash_file_cache.caches.abstract import CacheAbstract

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    # http://dfc.test:PORT reaches the test server as an insecure context (plain HTTP on
    # a host other than localhost), where service workers are unavailable.
    "--host-resolver-rules=MAP dfc.test 127.0.0.1",
)


def pytest_setup_options() -> Options:
    """Make ``dash_duo`` drive Debian's Chromium (no browser is ever downloaded)."""
    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    return options


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    """Replace the clock every cache reads expiry times from."""
    fake = FakeClock()
    monkeypatch.setattr(CacheAbstract, "clock", staticmethod(fake))
    yield fake


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A real ``redis-server`` on ``127.0.0.1:port`` keeping nothing on disk, once it answers."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (scripts/setup.sh installs it)")
    command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
    command += ["--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return server
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    server.wait(30)
                    raise
                time.sleep(0.05)
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """A real ``redis-server`` on a free port of 127.0.0.1 for the whole session."""
    port = free_port()
    server = start_redis(port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(30)


@pytest.fixture(autouse=True)
def package_loggers_enabled() -> None:
    """Dash's Quart backend, started by ``app.run`` (as ``dash_duo`` does), calls
    ``logging.config.dictConfig`` without ``disable_existing_loggers=False``, which
    disables every logger that exists then, the package's included, for the rest of the
    process. Each test starts with the package's loggers on again."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("dash_file_cache"):
            logging.getLogger(name).disabled = False
