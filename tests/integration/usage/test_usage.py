"""The demo, ``usage.py``, started as a user starts it, works in real Chromium.

One test, in the order a visitor would try things: the large image loads with visible
progress (on a network slowed down with the DevTools protocol), each swap button
changes the shown image, the small downloads land in the download folder with the right
name and bytes, and the 1 GiB file is written on the server only when asked for, then
downloads with progress (on the demo's "Slow network"), is cancelled, downloads whole
and byte-exact at full speed, and fails visibly once its file is gone. axe-core finds no
WCAG 2.x A/AA violation on the whole page idle, mid-transfer and after that error. Along
the way it saves the screenshot committed as ``docs/demo.png``. This runs on Flask, the
default backend; ``test_backends.py`` runs the demo on each of Dash's backends.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from demo_page import (
    BIG_DOWNLOAD_NAME,
    BIG_DOWNLOAD_SIZE,
    BIG_DOWNLOAD_TIMEOUT,
    BIG_IMAGE_SIZE,
    CLOSED_LOG,
    MIN_PROGRESS_VALUES,
    PREPARE_TIMEOUT,
    RECORDER,
    SCREENSHOT,
    SWAPS,
    UNICODE_CSV,
    UNICODE_NAME,
    WAIT,
    WINDOW,
    Page,
    found_partial,
    report_csv,
    sha256,
    sha256_file,
    wait_for_download,
)

from tests.helpers import AXE, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
        assert shown[0].endswith("&reuse=1"), shown  # the same transfer as the fetch
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
