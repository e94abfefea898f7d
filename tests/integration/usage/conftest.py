"""Fixtures of the demo test: ``usage.py`` started as a user starts it, and the browser's
download folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from demo_page import BIG_DOWNLOAD_NAME, ROOT, SERVER_HEADER, START_TIMEOUT, WAIT

from tests.conftest import free_port
from tests.helpers import stop, wait_until


@pytest.fixture
def demo_backend() -> str:
    """The Dash backend of :func:`demo`; tests parametrize it."""
    return "flask"


@pytest.fixture
def demo(tmp_path: Path, demo_backend: str) -> Iterator[tuple[str, Path, Path]]:
    """``python usage.py`` from the repository root, on a free port, on ``demo_backend``
    (chosen by ``DFC_DEMO_BACKEND``); yields its URL, the folder of the files it
    generated (``DFC_DEMO_DIR``) and its log file."""
    port = free_port()
    files = tmp_path / "demo-files"
    env = {
        **os.environ,
        "DFC_DEMO_PORT": str(port),
        "DFC_DEMO_DIR": str(files),
        "DFC_DEMO_BACKEND": demo_backend,
    }
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "usage.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "usage.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:

            def up() -> bool:
                if process.poll() is not None:
                    return True
                try:
                    return requests.get(url + "/", timeout=2).status_code == 200
                except requests.ConnectionError:
                    return False

            wait_until(up, timeout=START_TIMEOUT, what="usage.py to serve its page")
            assert process.poll() is None, log_path.read_text(errors="replace")
            server = requests.get(url + "/", timeout=WAIT).headers.get("server", "")
            assert server.startswith(SERVER_HEADER[demo_backend]), server
            yield url, files, log_path
        finally:
            stop(process)
            (files / BIG_DOWNLOAD_NAME).unlink(missing_ok=True)  # pytest keeps tmp_path


@pytest.fixture
def downloads(dash_br: Any) -> Iterator[Path]:
    """The browser's download folder; the 1 GiB copy is deleted afterwards."""
    folder = Path(dash_br.download_path)
    yield folder
    (folder / BIG_DOWNLOAD_NAME).unlink(missing_ok=True)
