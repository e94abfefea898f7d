"""Example 5 run as documented (``python examples/ex5_cache_file.py``) removes its
temporary cache directory when stopped with SIGTERM, as systemd and docker stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[3]
PREFIX = "dash-file-cache-"


def cache_dirs() -> set[Path]:
    return {p for p in Path(tempfile.gettempdir()).glob(PREFIX + "*") if p.is_dir()}


def answers() -> bool:
    try:
        with urllib.request.urlopen("http://127.0.0.1:8050/", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_ex005_cleans_up_when_stopped(stop: signal.Signals) -> None:
    before = cache_dirs()
    command = [sys.executable, str(ROOT / "examples" / "ex5_cache_file.py")]
    with subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}) as app:
        try:
            wait_until(answers, timeout=60, what="example 5 to answer on port 8050")
            (made,) = cache_dirs() - before
            app.send_signal(stop)
            app.wait(30)
        finally:
            if app.poll() is None:
                app.kill()
                app.wait(30)
    assert not made.exists(), f"{made} was left behind after {stop.name}"
