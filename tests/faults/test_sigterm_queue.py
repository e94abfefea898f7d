"""Fault: an app holding a ``CacheQueue`` is stopped by a signal (no clean-up runs in it).

``CacheQueue(4)`` starts a ``multiprocessing`` manager process; it must not outlive the
app, whether the app is stopped by SIGTERM (how gunicorn and systemd stop apps), by
SIGKILL, or closes the cache itself.
"""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
import time

import psutil
import pytest

import dash_file_cache as dfc

from ..backends.contract import make_info
from ..helpers import wait_until
from .procs import ROOT, gone

DEADLINE = 10.0  # seconds the manager may take to notice its parent is gone


def read_line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    assert process.stdout is not None
    readable, _, _ = select.select([process.stdout], [], [], timeout)
    assert readable, "the app printed nothing"
    return process.stdout.readline()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_manager_ends_with_the_app(signum: signal.Signals) -> None:
    command = [sys.executable, "-m", "tests.faults.queue_app"]
    manager: psutil.Process | None = None
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as app:
        try:
            started = json.loads(read_line(app))
            assert started["pid"] == app.pid
            (manager_pid,) = started["manager"]  # the manager is the app's only child
            manager = psutil.Process(manager_pid)
            assert manager.ppid() == app.pid and not gone(manager)

            app.send_signal(signum)
            assert app.wait(DEADLINE) == -signum  # it died of the signal: no clean-up ran
            wait_until(lambda: gone(manager), timeout=DEADLINE, what="the manager to end")
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(30)
            if manager is not None and not gone(manager):
                manager.kill()  # do not leak it when the test fails


def test_close_stops_the_manager_at_once() -> None:
    before = {child.pid for child in psutil.Process().children()}
    cache = dfc.CacheQueue(4)
    try:
        (manager,) = [c for c in psutil.Process().children() if c.pid not in before]
        assert not gone(manager)
        cache.dump("0" * 32, make_info(4), b"data")
    finally:
        started = time.monotonic()
        cache.close()
    assert time.monotonic() - started < 2
    assert gone(manager)  # right after close() returns, no polling
    cache.close()  # idempotent
    assert manager.pid not in {child.pid for child in psutil.Process().children()}
