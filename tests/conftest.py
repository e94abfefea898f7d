"""Shared fixtures: headless Chromium options for ``dash_duo`` and a fake clock."""

from __future__ import annotations

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
