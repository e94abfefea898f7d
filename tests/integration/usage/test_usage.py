"""The demo, ``usage.py``, started as a user starts it, works in real Chromium.

One test, in the order a visitor would try things: the large image loads with visible
progress (on a network slowed down with the DevTools protocol), each swap button
changes the shown image, the small downloads land in the download folder with the right
name and bytes, and the 1 GiB file is written on the server only when asked for, then
downloads with progress (on the demo's "Slow network"), is cancelled, downloads whole
and byte-exact at full speed, and fails visibly once its file is gone. axe-core finds no
WCAG 2.x A/AA violation on the whole page idle, mid-transfer and after that error. Along
the way it saves the screenshot committed as ``docs/demo.png``.
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
from tests.helpers import AXE, axe_violations, stop, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOT = ROOT / "docs" / "demo.png"
WINDOW = (1200, 1800)  # CSS pixels: every section of the demo fits
START_TIMEOUT = 60  # s: imports, then ~6 MB of generated images
WAIT = 20  # s: default wait for the page
PREPARE_TIMEOUT = 120  # s: the server writes 1 GiB (well under 2 s here)
BIG_DOWNLOAD_TIMEOUT = 120  # s: 1 GiB through the download worker to disk (~5 s here)
MIN_PROGRESS_VALUES = 10  # distinct progress values the big download must show

# What the demo promises (see usage.py): names, sizes and contents.
BIG_IMAGE_SIZE = (1600, 1200)
SWAPS = {  # button -> natural size of the image it shows
    "swap-path": (800, 450),
    "swap-bytes": (640, 360),
    "swap-svg": (480, 270),
}
BIG_DOWNLOAD_NAME = "big-data.bin"
BIG_DOWNLOAD_SIZE = 1024**3  # bytes
UNICODE_NAME = "données-été-Ωμέγα.csv"
UNICODE_CSV = "ville,température °C\nZürich,21\nΑθήνα,31\nМосква,18\nSão Paulo,26\n"
CLOSED_LOG = "Slow network: the client closed"  # the demo's log line for a stopped transfer


def report_csv(number: int) -> str:
    lines = [f"# report {number}", "n,square,cube"]
    lines += [f"{n},{n * n},{n * n * n}" for n in range(1, 20_001)]
    return "\n".join(lines) + "\n"


def mbit_per_s(megabits: float) -> float:
    return megabits * 1_000_000 / 8  # bytes per second, as the DevTools protocol wants


# Installed before any page script: for each status view in window.__recorded, every
# distinct (status, loaded, total) its callback writes, in order.
RECORDER = """
window.__recorded = {"#big-status": [], "#dl-big-status": []};
window.__prepareLabels = [];  // and each label of the "Prepare" button
new MutationObserver(() => {
    for (const [selector, history] of Object.entries(window.__recorded)) {
        const view = document.querySelector(selector + " [data-status]");
        if (!view) { continue; }
        const entry = [view.dataset.status, view.dataset.loaded, view.dataset.total];
        const last = history[history.length - 1];
        if (!last || last.join("|") !== entry.join("|")) { history.push(entry); }
    }
    const prepare = document.querySelector("#big-prepare");
    if (prepare) {
        const entry = prepare.textContent + (prepare.disabled ? " (disabled)" : "");
        const labels = window.__prepareLabels;
        if (labels[labels.length - 1] !== entry) { labels.push(entry); }
    }
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
            stop(process)
            (files / BIG_DOWNLOAD_NAME).unlink(missing_ok=True)  # pytest keeps tmp_path


@pytest.fixture
def downloads(dash_br: Any) -> Iterator[Path]:
    """The browser's download folder; the 1 GiB copy is deleted afterwards."""
    folder = Path(dash_br.download_path)
    yield folder
    (folder / BIG_DOWNLOAD_NAME).unlink(missing_ok=True)


class Page:
    """The demo page in ``dash_br``'s Chromium."""

    def __init__(self, dash_br: Any) -> None:
        self.br = dash_br
        self.driver = dash_br.driver

    def throttle(self, megabits: float | None) -> None:
        """Limit the page's download rate (None: no limit). The download worker's
        transfers are the browser's own, which this does not slow."""
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

    def history(self, selector: str) -> list[list[str]]:
        """What the recorder saw of the status view ``selector``."""
        return self.driver.execute_script("return window.__recorded[arguments[0]]", selector)

    def image(self, selector: str) -> tuple[str, int, int] | None:
        found = self.driver.execute_script(IMAGE, selector)
        return tuple(found) if found else None

    def click(self, selector: str) -> None:
        self.br.find_element(selector).click()

    def text(self, selector: str) -> str:
        return self.br.find_element(selector).text

    def set_slow(self, on: bool) -> None:
        """Flip the demo's "Slow network" switch to ``on``."""
        if ("switch--on" in self.br.find_element("#slow-toggle").get_attribute("class")) == on:
            return
        self.click("#slow-toggle")
        wait_until(
            lambda: (
                ("switch--on" in self.br.find_element("#slow-toggle").get_attribute("class")) == on
            ),
            timeout=WAIT,
            what=f"the slow-network switch to turn {'on' if on else 'off'}",
        )
        assert self.br.find_element("#slow-toggle").get_attribute("aria-pressed") == str(on).lower()

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's WCAG 2.x A/AA violations on the whole document."""
        return axe_violations(self.driver)


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


def check_big_image(page: Page, files: Path) -> None:
    """Section 1: the image loads with progress, throttled by DevTools, then again on
    the demo's "Slow network"."""
    big_size = (files / "big-image.png").stat().st_size
    assert big_size > 4_000_000
    page.wait_status("#big-status", "loaded", timeout=30)
    history = page.history("#big-status")
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

    page.set_slow(True)  # slows this browser's transfers on the server side
    page.click("#big-reload")
    page.wait_status("#big-status", "loading")
    _, loaded, total = wait_until(
        lambda: (found := page.status("#big-status")) and found[1] and found,
        timeout=WAIT,
        what="progress of the reloaded image",
    )
    assert found_partial(loaded, total, big_size)
    page.wait_status("#big-status", "loaded")
    page.set_slow(False)


def check_swaps(page: Page) -> None:
    """Section 2: each swap button's callback registers another source for the same
    CachedImage."""
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
        caption = page.text("#swap-caption")
        assert "/cached-data?uid=" in caption, caption


def check_small_downloads(page: Page, downloads: Path) -> None:
    """Section 3: the non-ASCII name, then the report made by a callback."""
    page.click("#dl-unicode .dfc-download-link__button")
    page.wait_status("#dl-unicode-status", "completed")
    saved = wait_for_download(downloads, UNICODE_NAME)
    assert sha256(saved.read_bytes()) == sha256(UNICODE_CSV.encode())

    page.click("#make-report")
    page.wait_status("#dl-report-status", "completed")
    saved = wait_for_download(downloads, "report-1.csv")
    assert sha256(saved.read_bytes()) == sha256(report_csv(1).encode())


def save_screenshot(page: Page, scratch: Path) -> None:
    """The whole page, no scroll bar: ``docs/demo.png`` is rewritten only on request (or
    when missing), so runs leave git clean."""
    height = page.driver.execute_script(
        "return Math.ceil(document.querySelector('main').getBoundingClientRect().bottom"
        " + window.scrollY)"
    )
    page.viewport(WINDOW[0], height)
    update = os.environ.get("DFC_UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists()
    target = SCREENSHOT if update else scratch / "demo.png"
    target.parent.mkdir(exist_ok=True)
    assert page.driver.save_screenshot(str(target))
    assert target.stat().st_size > 10_000


def prepare_big_file(page: Page, files: Path) -> None:
    """The first click writes the 1 GiB file on the server, never start-up."""
    big_file = files / BIG_DOWNLOAD_NAME
    assert not big_file.exists()
    assert page.text("#big-file-state") == "Not on the server yet."
    page.click("#big-prepare")
    state = wait_until(
        lambda: (text := page.text("#big-file-state")).startswith("Written") and text,
        timeout=PREPARE_TIMEOUT,
        what="the server to write the 1 GiB file",
    )
    assert state.startswith("Written on the server in "), state
    labels = page.driver.execute_script("return window.__prepareLabels")
    # While the callback runs, the button is disabled and says so (Dash's running=).
    assert "Preparing 1 GiB… (disabled)" in labels, labels
    assert labels[-1] == "Prepare & download 1 GiB", labels
    assert big_file.stat().st_size == BIG_DOWNLOAD_SIZE


def watch_big_download(page: Page) -> None:
    """On the "Slow network", the download started by "Prepare" shows progress and a
    Cancel button."""

    def progressing() -> bool:
        found = page.status("#dl-big-status")
        if not found or found[0] != "downloading":
            return False
        values = {
            int(loaded)
            for status, loaded, total in page.history("#dl-big-status")
            if status == "downloading" and loaded and total == str(BIG_DOWNLOAD_SIZE)
        }
        # ... and at least 1% done, for the picture
        return len(values) >= MIN_PROGRESS_VALUES and max(values) >= BIG_DOWNLOAD_SIZE // 100

    wait_until(progressing, timeout=WAIT, what="progress values of the 1 GiB download")
    assert found_partial(*page.status("#dl-big-status")[1:], BIG_DOWNLOAD_SIZE)
    page.br.find_element("#dl-big .dfc-download-link__cancel")


def cancel_big_download(page: Page, downloads: Path, log_path: Path) -> None:
    """Cancel stops the download: status ``aborted``, the server sees the connection
    close, nothing is saved."""
    closed_before = log_path.read_text(errors="replace").count(CLOSED_LOG)
    page.click("#dl-big .dfc-download-link__cancel")
    _, loaded, total = page.wait_status("#dl-big-status", "aborted")
    assert found_partial(loaded, total, BIG_DOWNLOAD_SIZE)
    wait_until(
        lambda: log_path.read_text(errors="replace").count(CLOSED_LOG) > closed_before,
        timeout=WAIT,
        what="the demo to log that the browser closed the 1 GiB transfer",
    )
    closed = [line for line in log_path.read_text().splitlines() if CLOSED_LOG in line]
    assert "download=true" in closed[-1], closed
    wait_until(
        lambda: not any(p.name.endswith(".crdownload") for p in downloads.iterdir()),
        timeout=WAIT,
        what="the browser to drop the partial download",
    )
    assert sorted(p.name for p in downloads.iterdir()) == sorted(["report-1.csv", UNICODE_NAME])


def download_big_file_whole(page: Page, files: Path, downloads: Path) -> float:
    """At full speed, "Download again" lands the whole file byte-exact.

    :returns: the seconds from the click to the file complete on disk.
    """
    page.set_slow(False)
    started = time.monotonic()
    page.click("#dl-big .dfc-download-link__button")
    page.wait_status("#dl-big-status", "completed", timeout=BIG_DOWNLOAD_TIMEOUT)
    saved = wait_for_download(downloads, BIG_DOWNLOAD_NAME, timeout=BIG_DOWNLOAD_TIMEOUT)
    elapsed = time.monotonic() - started
    assert saved.stat().st_size == BIG_DOWNLOAD_SIZE
    assert sha256_file(saved) == sha256_file(files / BIG_DOWNLOAD_NAME)
    saved.unlink()
    return elapsed


def fail_big_download(page: Page, files: Path) -> None:
    """Once the file is gone from the server's disk, a download ends in ``error`` with
    the service's message."""
    (files / BIG_DOWNLOAD_NAME).unlink()
    page.click("#dl-big .dfc-download-link__button")
    page.wait_status("#dl-big-status", "error")
    message = page.text("#dl-big-status")
    assert "no cached item has this uid" in message, message


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_demo_sections_work_in_chromium(
    dash_br: Any, demo: tuple[str, Path, Path], downloads: Path
) -> None:
    url, files, log_path = demo
    page = Page(dash_br)
    page.viewport(*WINDOW)
    page.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    page.driver.execute_cdp_cmd("Network.enable", {})
    page.throttle(30)  # ~3.75 MB/s: the ~5 MB image takes over a second
    dash_br.server_url = url  # opens the page, waits for Dash's entry point

    check_big_image(page, files)
    assert page.axe_violations() == []  # idle
    check_swaps(page)
    check_small_downloads(page, downloads)

    page.set_slow(True)  # the worker's transfer is the browser's: DevTools cannot slow it
    prepare_big_file(page, files)
    watch_big_download(page)
    assert page.axe_violations() == []  # mid-transfer
    save_screenshot(page, files.parent)
    cancel_big_download(page, downloads, log_path)
    elapsed = download_big_file_whole(page, files, downloads)
    print(f"1 GiB downloaded whole in {elapsed:.1f} s")
    fail_big_download(page, files)
    assert page.axe_violations() == []  # after an error

    assert dash_br.get_logs() == [], log_path.read_text(errors="replace")
