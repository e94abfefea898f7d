"""Driving the demo page in Chromium: what the demo promises, and the page's views.

Used by ``test_usage.py`` (the test) and ``conftest.py`` (the demo server).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tests.helpers import axe_violations, wait_until

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
SLOW_COOKIE = "dfc_demo_slow"  # "1": the demo's "Slow network" is on for this browser
SLOW_RATE = 3 * 1024 * 1024  # bytes per second on the "Slow network"

BACKENDS = ["flask", "fastapi", "quart"]  # Dash's backends; each is a test id
SERVER_HEADER = {  # how each backend's server names itself: proof of the backend in use
    "flask": "Werkzeug/",
    "fastapi": "uvicorn",
    "quart": "hypercorn",
}


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


def find_prop(node: Any, component_id: str, prop: str) -> Any:
    """The ``prop`` of the component ``component_id`` in a Dash layout (JSON), or None."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props.get(prop)
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            found = find_prop(child, component_id, prop)
            if found is not None:
                return found
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
