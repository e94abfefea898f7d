"""CachedImage against a plain ``html.Img``: page open to decoded image, headless Chromium.

A Dash app with ``ServiceData(CachePlain)`` runs under gunicorn (one worker, four
threads, 127.0.0.1). It serves two pages of the same app: page A shows the PNG through
``html.Img(src=address)``, page B through ``dfc.CachedImage(src=address)``. Every page
load registers the PNG again, so each load fetches a fresh address (no HTTP cache hit),
while the page's own scripts stay cached as on any repeat visit.

The PNG has random pixels stored with zlib level 0, so it is about ``--size-mb`` MB on
the wire. A script injected before the page's own (CDP
``Page.addScriptToEvaluateOnNewDocument``) watches for the ``<img>`` and records, with
``performance.now()`` (milliseconds since navigation start), when its ``decode()``
resolves with a non-zero natural width: the picture is ready to paint. Pages A and B
alternate (A B, then B A, ...) in one browser after one unmeasured warm-up load of each.

Printed: a Markdown table of the medians (and min/max) of ``--repeats`` loads of each
page, the ratio of the medians B/A, and PASS when it is at most ``--limit`` (1.05),
else FAIL. The exit status is 0 either way.

Run: ``python benchmarks/cached_image.py [--size-mb 20] [--repeats 31]``
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from measure import free_port
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

#: The checkout this script belongs to: its server imports this ``dash_file_cache``.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import CHROMIUM  # noqa: E402  (the same browser as the tests)
from tests.conftest import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_ARGS = ("--headless=new", *TEST_CHROMIUM_ARGS)
MB = 1000 * 1000  # bytes
BYTES_PER_PIXEL = 3  # RGB, 8 bits per sample
START_SECONDS = 30  # gunicorn has this long to answer
LOAD_SECONDS = 120  # one page load, open to decoded image
POLL_SECONDS = 0.05

#: The app gunicorn runs (``app:server``); the PNG's path comes in DFC_BENCH_PNG.
APP = r"""
import os

import dash
import flask
from dash import html

import dash_file_cache as dfc

PNG = os.environ["DFC_BENCH_PNG"]
app = dash.Dash(__name__)
service = dfc.ServiceData(dfc.CachePlain(64))
service.serve(app)
server = app.server


def layout():
    if not flask.has_request_context():  # Dash's own check of the layout at startup
        return html.Div(id="page")
    address = service.register(PNG, mime_type="image/png")
    # The layout is asked for by the page itself: its address says which page it is.
    if (flask.request.referrer or "").rstrip("/").endswith("/b"):
        return html.Div(dfc.CachedImage(id="picture", src=address, alt="noise"), id="page")
    return html.Div(html.Img(id="picture", src=address, alt="noise"), id="page")


app.layout = layout
"""

#: Runs before the page's scripts: records when the picture's <img> is decoded.
PROBE = r"""
window.__dfcDecodedAt = null;
(() => {
    const tried = new WeakMap();
    const attempt = (img) => {
        const src = img.getAttribute("src");
        if (!src || tried.get(img) === src) {
            return;
        }
        tried.set(img, src);
        img.decode().then(
            () => {
                if (window.__dfcDecodedAt === null && img.naturalWidth > 0) {
                    window.__dfcDecodedAt = performance.now();
                }
            },
            () => {
                // Not decodable yet (or replaced): try again once it has loaded.
                tried.delete(img);
                img.addEventListener("load", () => attempt(img), { once: true });
            }
        );
    };
    const scan = () => document.querySelectorAll("#picture, #picture img").forEach((node) => {
        if (node.tagName === "IMG") {
            attempt(node);
        }
    });
    new MutationObserver(scan).observe(document, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["src"],
    });
})();
"""


def write_png(path: Path, size_bytes: int) -> int:
    """A square RGB PNG of random pixels, stored uncompressed: ~``size_bytes`` bytes."""
    side = max(1, math.isqrt(size_bytes // BYTES_PER_PIXEL))
    pixels = os.urandom(side * side * BYTES_PER_PIXEL)
    Image.frombytes("RGB", (side, side), pixels).save(path, compress_level=0)
    return path.stat().st_size


@contextmanager
def gunicorn(work: Path, png: Path) -> Iterator[str]:
    """Serve the app under gunicorn; yield its base URL."""
    (work / "app.py").write_text(APP)
    port = free_port()
    env = {
        **os.environ,
        "DFC_BENCH_PNG": str(png),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4"]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(work), "app:server"]
    with open(work / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(base + "/_dash-layout", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((work / "gunicorn.log").read_text()[-2000:]) from None
                time.sleep(POLL_SECONDS)
        yield base
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        yield driver
    finally:
        driver.quit()


def open_to_decoded(driver: webdriver.Chrome, url: str) -> float:
    """Open ``url``; seconds from navigation start to the picture decoded."""
    driver.get(url)
    at = WebDriverWait(driver, LOAD_SECONDS, POLL_SECONDS).until(
        lambda d: d.execute_script("return window.__dfcDecodedAt;"),
        f"{url}: the picture was never decoded",
    )
    return float(at) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=20, help="PNG size, MB (10^6 B)")
    parser.add_argument("--repeats", type=int, default=31, help="loads of each page")
    parser.add_argument("--limit", type=float, default=1.05, help="ratio B/A that passes")
    args = parser.parse_args()
    pages = {"html.Img": "/a", "dfc.CachedImage": "/b"}
    times: dict[str, list[float]] = {name: [] for name in pages}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        png = work / "noise.png"
        size = write_png(png, int(args.size_mb * MB))
        with gunicorn(work, png) as base, chromium() as driver:
            for path in pages.values():  # warm-up: scripts cached, first decode done
                open_to_decoded(driver, base + path)
            names = list(pages)
            for round_ in range(args.repeats):
                for name in names if round_ % 2 == 0 else names[::-1]:
                    times[name].append(open_to_decoded(driver, base + pages[name]))
    print(f"PNG {size / MB:.1f} MB, {args.repeats} loads each, page open to decoded image")
    print()
    print("| page | median | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in times.items():
        print(
            f"| {name} | {statistics.median(values):.3f} s | {min(values):.3f} s "
            f"| {max(values):.3f} s |"
        )
    ratio = statistics.median(times["dfc.CachedImage"]) / statistics.median(times["html.Img"])
    verdict = "PASS" if ratio <= args.limit else "FAIL"
    print()
    print(f"ratio CachedImage / html.Img: {ratio:.2f}x ({verdict}: limit {args.limit:.2f}x)")


if __name__ == "__main__":
    main()
