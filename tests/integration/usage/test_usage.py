"""The demo, ``usage.py``, started as a user starts it, works in real Chromium.

One test, in the order a visitor would try things: the large image loads with visible
progress (on a network slowed down with the DevTools protocol), each swap button
changes the shown image, each download lands in the download folder with the right
name and bytes, and Cancel stops the 100 MiB one. Along the way it saves the
screenshot committed as ``docs/demo.png``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import free_port
from tests.helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOT = ROOT / "docs" / "demo.png"
WINDOW = (1200, 1800)  # CSS pixels: every section of the demo fits
START_TIMEOUT = 60  # s: imports, then ~110 MB of generated files
WAIT = 20  # s: default wait for the page
BIG_DOWNLOAD_TIMEOUT = 60  # s: 100 MiB through the browser's memory, then to disk

# What the demo promises (see usage.py): names, sizes and contents.
BIG_IMAGE_SIZE = (1600, 1200)
SWAPS = {  # button -> natural size of the image it shows
    "swap-path": (800, 450),
    "swap-bytes": (640, 360),
    "swap-svg": (480, 270),
}
BIG_DOWNLOAD_NAME = "big-data.bin"
UNICODE_NAME = "données-été-Ωμέγα.csv"
UNICODE_CSV = "ville,température °C\nZürich,21\nΑθήνα,31\nМосква,18\nSão Paulo,26\n"


def report_csv(number: int) -> str:
    lines = [f"# report {number}", "n,square,cube"]
    lines += [f"{n},{n * n},{n * n * n}" for n in range(1, 20_001)]
    return "\n".join(lines) + "\n"


def mbit_per_s(megabits: float) -> float:
    return megabits * 1_000_000 / 8  # bytes per second, as the DevTools protocol wants


# Installed before any page script: records each distinct (status, loaded, total) the
# big image's status callback writes into #big-status.
RECORDER = """
window.__bigStatusHistory = [];
new MutationObserver(() => {
    const view = document.querySelector("#big-status [data-status]");
    if (!view) { return; }
    const entry = [view.dataset.status, view.dataset.loaded, view.dataset.total];
    const history = window.__bigStatusHistory;
    const last = history[history.length - 1];
    if (!last || last.join("|") !== entry.join("|")) { history.push(entry); }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""

STATUS = """
const view = document.querySelector(arguments[0] + " [data-status]");
return view ? [view.dataset.status, view.dataset.loaded, view.dataset.total] : null;
"""

IMAGE = """
const img = document.querySelector(arguments[0] + " img");
if (!img || !img.complete || img.naturalWidth === 0) { return null; }
return [img.getAttribute("src"), img.naturalWidth, img.naturalHeight];
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """``python usage.py`` from the repository root, on a free port; yields its URL, the
    folder of the files it generated (``DFC_DEMO_DIR``) and its log file."""
    port = free_port()
    files = tmp_path / "demo-files"
    env = {**os.environ, "DFC_DEMO_PORT": str(port), "DFC_DEMO_DIR": str(files)}
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
            yield url, files, log_path
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(30)


class Page:
    """The demo page in ``dash_br``'s Chromium."""

    def __init__(self, dash_br: Any) -> None:
        self.br = dash_br
        self.driver = dash_br.driver

    def throttle(self, megabits: float | None) -> None:
        """Limit the page's download rate (None: no limit)."""
        rate = -1 if megabits is None else mbit_per_s(megabits)
        self.driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 0 if megabits is None else 2,
                "downloadThroughput": rate,
                "uploadThroughput": -1,
            },
        )

    def viewport(self, width: int, height: int) -> None:
        """Size the window so that the page area is ``width`` x ``height``."""
        self.driver.set_window_size(width, height)
        inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])

    def status(self, selector: str) -> tuple[str, int | None, int | None] | None:
        found = self.driver.execute_script(STATUS, selector)
        if not found:
            return None
        status, loaded, total = found
        return status, int(loaded) if loaded else None, int(total) if total else None

    def wait_status(self, selector: str, wanted: str, timeout: float = WAIT) -> Any:
        return wait_until(
            lambda: (found := self.status(selector)) and found[0] == wanted and found,
            timeout=timeout,
            what=f"{selector} to show status {wanted!r}",
        )

    def image(self, selector: str) -> tuple[str, int, int] | None:
        found = self.driver.execute_script(IMAGE, selector)
        return tuple(found) if found else None

    def click(self, selector: str) -> None:
        self.br.find_element(selector).click()


def found_partial(loaded: int | None, total: int | None, size: int) -> bool:
    return total == size and loaded is not None and 0 < loaded < size


def wait_for_download(folder: Path, name: str, timeout: float = WAIT) -> Path:
    """Wait until ``name`` is complete in ``folder`` (Chromium renames it when done)."""
    path = folder / name

    def done() -> bool:
        partial = [p for p in folder.iterdir() if p.name.endswith(".crdownload")]
        return path.is_file() and not partial

    wait_until(done, timeout=timeout, what=f"{name} in {sorted(os.listdir(folder))}")
    return path


def test_demo_sections_work_in_chromium(dash_br: Any, demo: tuple[str, Path, Path]) -> None:
    url, files, log_path = demo
    downloads = Path(dash_br.download_path)
    page = Page(dash_br)
    page.viewport(*WINDOW)
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    page.driver.execute_cdp_cmd("Network.enable", {})
    page.throttle(30)  # ~3.75 MB/s: the ~5 MB image takes over a second
    dash_br.server_url = url  # opens the page, waits for Dash's entry point

    # 1. The large image: loaded after several progress updates.
    big_size = (files / "big-image.png").stat().st_size
    assert big_size > 4_000_000
    page.wait_status("#big-status", "loaded", timeout=30)
    history = page.driver.execute_script("return window.__bigStatusHistory")
    statuses = [entry[0] for entry in history]
    assert "loading" in statuses, history
    first_loaded = statuses.index("loaded")
    partial = {
        int(loaded)
        for status, loaded, total in history[:first_loaded]
        if status == "loading" and loaded and int(loaded) < big_size and total == str(big_size)
    }
    assert len(partial) >= 3, history
    assert history[first_loaded][1:] == [str(big_size), str(big_size)], history
    assert page.image("#big-image")[1:] == BIG_IMAGE_SIZE
    page.throttle(None)

    # Its "Slow network" switch slows this browser's transfers on the server side.
    page.click("#slow-toggle")
    wait_until(
        lambda: "switch--on" in page.br.find_element("#slow-toggle").get_attribute("class"),
        timeout=WAIT,
        what="the slow-network switch to turn on",
    )
    page.click("#big-reload")
    page.wait_status("#big-status", "loading")
    _, loaded, total = wait_until(
        lambda: (found := page.status("#big-status")) and found[1] and found,
        timeout=WAIT,
        what="progress of the reloaded image",
    )
    assert found_partial(loaded, total, big_size)
    page.wait_status("#big-status", "loaded")
    page.click("#slow-toggle")
    wait_until(
        lambda: "switch--on" not in page.br.find_element("#slow-toggle").get_attribute("class"),
        timeout=WAIT,
        what="the slow-network switch to turn off",
    )

    # 2. Each swap button's callback registers another source for the same CachedImage.
    shown = page.image("#swap-image")
    assert shown is None
    for button, size in SWAPS.items():
        before = shown
        page.click(f"#{button}")
        shown = wait_until(
            lambda before=before: (
                (found := page.image("#swap-image")) and found != before and found
            ),
            timeout=WAIT,
            what=f"#{button} to swap the image",
        )
        assert shown[1:] == size, (button, shown)
        assert shown[0].startswith("blob:"), shown
        page.wait_status("#swap-status", "loaded")
        caption = page.br.find_element("#swap-caption").text
        assert "/cached-data?uid=" in caption, caption

    # 3. Downloads: the Unicode name, then the report made by a callback.
    page.click("#dl-unicode .dfc-download-link__button")
    page.wait_status("#dl-unicode-status", "completed")
    saved = wait_for_download(downloads, UNICODE_NAME)
    assert sha256(saved.read_bytes()) == sha256(UNICODE_CSV.encode())

    page.click("#make-report")
    page.wait_status("#dl-report-status", "completed")
    saved = wait_for_download(downloads, "report-1.csv")
    assert sha256(saved.read_bytes()) == sha256(report_csv(1).encode())

    # The 100 MiB file: cancelled while it runs (the "Slow network" switch keeps it
    # running: the download worker's transfer is the browser's, which DevTools
    # throttling does not slow)...
    page.click("#slow-toggle")
    wait_until(
        lambda: "switch--on" in page.br.find_element("#slow-toggle").get_attribute("class"),
        timeout=WAIT,
        what="the slow-network switch to turn on",
    )
    page.click("#dl-big .dfc-download-link__button")
    big_total = (files / BIG_DOWNLOAD_NAME).stat().st_size
    wait_until(
        lambda: (
            (found := page.status("#dl-big-status"))
            and found[0] == "downloading"
            and found_partial(found[1], found[2], big_total)
            and found[1] > big_total // 4
        ),  # a quarter done, for the picture
        timeout=WAIT,
        what="the 100 MiB download to show progress",
    )
    height = page.driver.execute_script(
        "return Math.ceil(document.querySelector('main').getBoundingClientRect().bottom"
        " + window.scrollY)"
    )
    page.viewport(WINDOW[0], height)  # the whole page, no scroll bar
    # docs/demo.png is rewritten only on request (or when missing), so runs leave git clean.
    update = os.environ.get("DFC_UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists()
    target = SCREENSHOT if update else demo[1].parent / "demo.png"
    target.parent.mkdir(exist_ok=True)
    assert page.driver.save_screenshot(str(target))
    assert target.stat().st_size > 10_000
    page.click("#dl-big .dfc-download-link__cancel")
    status, loaded, _ = page.wait_status("#dl-big-status", "aborted")
    assert loaded is not None and 0 < loaded < big_total
    time.sleep(1)  # nothing may arrive late
    assert sorted(p.name for p in downloads.iterdir()) == sorted(["report-1.csv", UNICODE_NAME])

    # ... then downloaded whole at full speed.
    page.click("#slow-toggle")
    wait_until(
        lambda: "switch--on" not in page.br.find_element("#slow-toggle").get_attribute("class"),
        timeout=WAIT,
        what="the slow-network switch to turn off",
    )
    page.click("#dl-big .dfc-download-link__button")
    page.wait_status("#dl-big-status", "completed", timeout=BIG_DOWNLOAD_TIMEOUT)
    saved = wait_for_download(downloads, BIG_DOWNLOAD_NAME, timeout=BIG_DOWNLOAD_TIMEOUT)
    assert saved.stat().st_size == big_total
    assert sha256_file(saved) == sha256_file(files / BIG_DOWNLOAD_NAME)

    assert dash_br.get_logs() == [], log_path.read_text(errors="replace")
