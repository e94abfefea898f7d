"""The demo on each of Dash's backends: Flask, FastAPI (uvicorn) and Quart (Hypercorn).

``usage.py`` picks the backend from ``DFC_DEMO_BACKEND`` or ``--backend``; the fixture
checks the server's ``Server`` header, so a demo that ignored the choice would fail. In
Chromium, on each backend: the page and its large image load with progress, each swap
button swaps the image, the small downloads land byte-exact, the "Slow network" switch
(a cookie set by a callback, read by WSGI or ASGI middleware) makes a transfer take at
least its size over ``SLOW_RATE`` and switching it off makes it fast again, and a
download on the slow network shows progress, is cancelled, and the server logs that the
client went away. Without a browser: SIGTERM in the middle of a throttled transfer stops
the demo with exit status 0 and removes its temporary folder, and a bad backend name is
refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from demo_page import (
    BACKENDS,
    BIG_DOWNLOAD_NAME,
    CLOSED_LOG,
    RECORDER,
    ROOT,
    SERVER_HEADER,
    SLOW_COOKIE,
    SLOW_RATE,
    START_TIMEOUT,
    WAIT,
    WINDOW,
    Page,
    find_prop,
    found_partial,
)
from test_usage import check_big_image, check_small_downloads, check_swaps

from tests.conftest import free_port
from tests.helpers import stop, wait_until

pytestmark = [pytest.mark.slow]

SMALL_BIG_FILE = 48 * 1024 * 1024  # bytes: the "1 GiB" download, seeded smaller here
STOP_TIMEOUT = 20  # s: SIGTERM to exit, a transfer going on (the demo allows ~2 s + 4 s)


def timed_reload(page: Page) -> float:
    """Click "Load it again" on the large image; the seconds until it is loaded anew."""
    before = len(page.history("#big-status"))
    started = time.monotonic()
    page.click("#big-reload")
    wait_until(
        lambda: any(entry[0] == "loaded" for entry in page.history("#big-status")[before:]),
        timeout=WAIT,
        what="the reloaded image",
    )
    return time.monotonic() - started


def check_slow_switch(page: Page, files: Path) -> None:
    """Throttled, the image cannot arrive faster than its size over ``SLOW_RATE``;
    switched off again, it arrives faster than that."""
    size = (files / "big-image.png").stat().st_size
    floor = size / SLOW_RATE  # s: the pauses alone
    page.set_slow(True)
    slow = timed_reload(page)
    page.set_slow(False)
    fast = timed_reload(page)
    print(f"the {size} bytes image: {slow:.2f} s slow, {fast:.2f} s fast")
    assert slow >= 0.95 * floor, (slow, floor)
    assert fast < floor, (fast, floor)


def cancel_slow_download(page: Page, log_path: Path) -> None:
    """On the slow network, the big download (seeded small, so no GiB is written) shows
    progress and is cancelled; the demo's middleware logs that the client went away."""
    closed_before = log_path.read_text(errors="replace").count(CLOSED_LOG)
    page.set_slow(True)
    page.click("#big-prepare")
    wait_until(
        lambda: page.text("#big-file-state") == "Already on the server's disk: reused.",
        timeout=WAIT,
        what="the callback to register the seeded file",
    )
    wait_until(
        lambda: (
            (found := page.status("#dl-big-status")) and found_partial(*found[1:], SMALL_BIG_FILE)
        ),
        timeout=WAIT,
        what="progress of the big download",
    )
    page.click("#dl-big .dfc-download-link__cancel")
    _, loaded, total = page.wait_status("#dl-big-status", "aborted")
    assert found_partial(loaded, total, SMALL_BIG_FILE)
    wait_until(
        lambda: log_path.read_text(errors="replace").count(CLOSED_LOG) > closed_before,
        timeout=WAIT,
        what="the demo to log that the browser closed the transfer",
    )
    closed = [line for line in log_path.read_text().splitlines() if CLOSED_LOG in line]
    assert "download=true" in closed[-1], closed
    page.set_slow(False)


@pytest.mark.browser
@pytest.mark.parametrize("demo_backend", BACKENDS)
def test_demo_in_chromium_on_each_backend(
    dash_br: Any, demo_backend: str, demo: tuple[str, Path, Path], downloads: Path
) -> None:
    url, files, log_path = demo
    with open(files / BIG_DOWNLOAD_NAME, "wb") as seeded:  # reused by "Prepare"
        seeded.write(os.urandom(SMALL_BIG_FILE))
    page = Page(dash_br)
    page.viewport(*WINDOW)
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    page.driver.execute_cdp_cmd("Network.enable", {})
    page.throttle(30)
    dash_br.server_url = url

    check_big_image(page, files)  # DevTools' throttle, then the demo's, for progress
    check_slow_switch(page, files)
    check_swaps(page)
    check_small_downloads(page, downloads)
    cancel_slow_download(page, log_path)
    assert dash_br.get_logs() == [], log_path.read_text(errors="replace")


def start_usage(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "usage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_mid_transfer_removes_the_files(tmp_path: Path, backend: str) -> None:
    temp = tmp_path / "tmp"  # where the demo makes its temporary folder
    temp.mkdir()
    port = free_port()
    env = {**os.environ, "DFC_DEMO_PORT": str(port), "TMPDIR": str(temp)}
    env.pop("DFC_DEMO_DIR", None)
    env["DFC_DEMO_BACKEND"] = "flask" if backend != "flask" else "quart"  # the flag wins
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "usage.log"
    process = start_usage(["--backend", backend], env, log_path)
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
        assert server.startswith(SERVER_HEADER[backend]), server
        [folder] = temp.glob("dfc-demo-*")
        assert (folder / "big-image.png").stat().st_size > 4_000_000
        layout = requests.get(url + "/_dash-layout", timeout=WAIT).json()
        address = find_prop(layout, "big-image", "src")
        assert address.startswith("/cached-data?uid="), address

        with requests.get(
            url + address, cookies={SLOW_COOKIE: "1"}, stream=True, timeout=WAIT
        ) as held:
            assert held.status_code == 200
            assert next(held.iter_content(64 * 1024))  # the transfer is under way
            started = time.monotonic()
            process.terminate()
            code = process.wait(STOP_TIMEOUT)
            elapsed = time.monotonic() - started
        log = log_path.read_text(errors="replace")
        assert code == 0, log
        print(f"{backend}: stopped in {elapsed:.1f} s")
        assert not folder.exists(), (sorted(p.name for p in folder.iterdir()), log)
        assert list(temp.iterdir()) == []
    finally:
        stop(process)


@pytest.mark.parametrize(
    ("args", "variable"), [(["--backend", "tornado"], ""), ([], "tornado")], ids=["flag", "env"]
)
def test_unknown_backend_is_refused(tmp_path: Path, args: list[str], variable: str) -> None:
    env = {**os.environ, "DFC_DEMO_BACKEND": variable, "DFC_DEMO_DIR": str(tmp_path)}
    env["DFC_DEMO_PORT"] = str(free_port())
    result = subprocess.run(
        [sys.executable, "usage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 2, result
    assert b"tornado" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before any file is written
