"""DownloadLink in headless Chromium: progress, time to land and tab memory, per file size.

For each size (default 100 MiB, 300 MiB, 1 GiB) a file of random bytes is registered by
path and downloaded by clicking a ``DownloadLink``, at full local speed, in a fresh
Chromium each time:

- ``worker`` mode: the page on http://127.0.0.1 (a secure context), so the service's
  download worker streams the file to disk;
- ``memory`` mode (``--modes worker,memory``): the page on http://dfc.test (an insecure
  context, mapped to 127.0.0.1), where no worker can run, with ``max_in_memory=None``
  so every size goes through memory.

Printed per case: the distinct progress values a Dash callback received before the end,
when ``completed`` reached that callback and when the file had landed (final name, full
size), both from the click, and the peak memory growth over the idle page of Chromium's
renderer processes (sum of the RSS of every ``--type=renderer`` process, sampled every
10 ms with psutil; the page and the worker run there) and of the browser process (which
holds Blob data in memory mode).

Run: ``python benchmarks/download_sizes.py [--sizes-mib 100,300,1024] [--modes worker]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from measure import MIB, free_port, write_random_file
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

#: The checkout this script belongs to: its server imports this ``dash_file_cache``.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import CHROMIUM  # noqa: E402  (the same browser as the tests)
from tests.conftest import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS  # noqa: E402

CHROMEDRIVER = "/usr/bin/chromedriver"
#: The browser the tests drive (tests/conftest.py), headless.
CHROMIUM_ARGS = ("--headless=new", *TEST_CHROMIUM_ARGS)
SAMPLE_SECONDS = 0.01
PROCESS_LIST_SECONDS = 0.25  # how often the list of Chromium's processes is refreshed
LAND_SECONDS = 60  # how long a file may take to land after the download ended
IDLE_SECONDS = 1.0  # the page settles before the baseline is taken
TIMEOUT = 600  # seconds for one download
FINAL = ("completed", "delegated", "error", "aborted")

SERVER = r"""
import json, sys, threading
import dash, flask
from dash import Input, Output, html
from werkzeug.serving import make_server
import dash_file_cache as dfc

path, max_in_memory, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = dash.Dash(__name__)
service = dfc.ServiceData(dfc.CachePlain(4))
service.serve(app)
url = service.register(path, file_name="download.bin", download=True)
limit = None if max_in_memory == "none" else int(max_in_memory)
app.layout = html.Div([dfc.DownloadLink("Download", id="dl", url=url, max_in_memory=limit),
                       html.Div(id="out")])
events, lock = [], threading.Lock()

@app.callback(Output("out", "children"), Input("dl", "status"), Input("dl", "progress"),
              Input("dl", "mode"))
def record(status, progress, mode):
    import time
    with lock:
        events.append({"status": status, "progress": progress, "mode": mode,
                       "at": time.time()})
    return str(status)

@app.server.route("/events")
def all_events():
    with lock:
        return flask.jsonify(events)

server = make_server("127.0.0.1", port, app.server, threaded=True)
print(url, flush=True)
server.serve_forever()
"""


@dataclass
class Result:
    mode: str
    size_mib: int
    progress_values: int
    completed_s: float | None  # from the click to `completed` in a callback
    landed_s: float | None  # from the click to the final file, full size; None: not saved
    renderer_growth_mib: float
    browser_growth_mib: float
    status: str


@contextmanager
def server(path: Path, max_in_memory: str):
    port = free_port()
    path_list = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path_list))}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path), max_in_memory, str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        yield port
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def chromium(download_dir: Path):
    options = Options()
    options.binary_location = CHROMIUM
    for arg in CHROMIUM_ARGS:
        options.add_argument(arg)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(download_dir),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
        )
        yield driver
    finally:
        driver.quit()


def chromium_processes(driver: webdriver.Chrome) -> tuple[list[psutil.Process], psutil.Process]:
    """The renderer processes and the browser process of ``driver``'s Chromium."""
    children = psutil.Process(driver.service.process.pid).children(recursive=True)
    renderers, browser = [], None
    for proc in children:
        try:
            cmdline = proc.cmdline()
        except psutil.Error:  # gone meanwhile
            continue
        if "--type=renderer" in cmdline:
            renderers.append(proc)
        elif browser is None and not any(arg.startswith("--type=") for arg in cmdline):
            browser = proc
    assert browser is not None
    return renderers, browser


def rss_mib(procs: list[psutil.Process]) -> float:
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total / MIB


class Sampler(threading.Thread):
    """Samples renderer and browser RSS, and watches for the landed file."""

    def __init__(self, driver: webdriver.Chrome, target: Path, size: int) -> None:
        super().__init__(daemon=True)
        self.driver = driver
        self.target = target
        self.size = size
        self.peak_renderer = 0.0
        self.peak_browser = 0.0
        self.landed_at: float | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        procs: tuple[list[psutil.Process], psutil.Process] | None = None
        listed = 0.0
        while not self.stop.is_set():
            now = time.time()
            if procs is None or now - listed > PROCESS_LIST_SECONDS:
                try:  # new renderers may appear (the worker's), others go
                    procs, listed = chromium_processes(self.driver), now
                except (psutil.Error, AssertionError):
                    pass
            if procs is not None:
                renderers, browser = procs
                self.peak_renderer = max(self.peak_renderer, rss_mib(renderers))
                self.peak_browser = max(self.peak_browser, rss_mib([browser]))
            if self.landed_at is None:
                try:
                    if self.target.stat().st_size == self.size:
                        self.landed_at = time.time()
                except FileNotFoundError:
                    pass
            time.sleep(SAMPLE_SECONDS)


def baseline(driver: webdriver.Chrome) -> tuple[float, float]:
    renderer, browser = [], []
    for _ in range(20):
        renderers, process = chromium_processes(driver)
        renderer.append(rss_mib(renderers))
        browser.append(rss_mib([process]))
        time.sleep(0.025)
    return statistics.median(renderer), statistics.median(browser)


def events(port: int) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=30) as answer:
        return json.load(answer)  # type: ignore[no-any-return]


def run_case(mode: str, path: Path, size: int, work: Path) -> Result:
    downloads = work / f"downloads-{mode}-{size}"
    downloads.mkdir()
    max_in_memory = "none" if mode == "memory" else str(256 * MIB)
    host = "dfc.test" if mode == "memory" else "127.0.0.1"
    with server(path, max_in_memory) as port, chromium(downloads) as driver:
        driver.get(f"http://{host}:{port}/")
        deadline = time.time() + 30
        while not driver.find_elements(By.CSS_SELECTOR, ".dfc-download-link__button"):
            assert time.time() < deadline, "the page never rendered"
            time.sleep(0.05)
        time.sleep(IDLE_SECONDS)
        base_renderer, base_browser = baseline(driver)
        sampler = Sampler(driver, downloads / "download.bin", size)
        sampler.start()
        clicked = time.time()
        driver.find_element(By.CSS_SELECTOR, ".dfc-download-link__button").click()
        ended = None
        deadline = clicked + TIMEOUT
        # until the file landed and the component reported its end (either may come first:
        # a small file lands before the status callback reaches the server)
        while time.time() < deadline and (sampler.landed_at is None or ended is None):
            seen = events(port)
            if ended is None:
                ended = next((e for e in seen if e["status"] in FINAL), None)
                if ended is not None:
                    if ended["status"] in ("error", "aborted"):
                        break
                    deadline = min(deadline, time.time() + LAND_SECONDS)
            time.sleep(0.1)
        seen = events(port)
        ended = ended or next((e for e in seen if e["status"] in FINAL), None)
        if sampler.landed_at is None:
            found = {p.name: p.stat().st_size for p in downloads.iterdir()}
            print(f"{mode} {size // MIB} MiB: not saved; folder holds {found}", file=sys.stderr)
        time.sleep(0.5)  # memory held right after the end counts too
        sampler.stop.set()
        sampler.join()
        assert ended is not None, "the download never ended"
        values = {
            e["progress"]["loaded"]
            for e in seen
            if e["status"] == "downloading" and e["progress"] and e["progress"]["loaded"]
        }
        result = Result(
            mode=mode if ended.get("mode") in (None, mode) else f"{mode}->{ended['mode']}",
            size_mib=size // MIB,
            progress_values=len(values),
            completed_s=ended["at"] - clicked if ended["status"] == "completed" else None,
            landed_s=(sampler.landed_at - clicked) if sampler.landed_at else None,
            renderer_growth_mib=sampler.peak_renderer - base_renderer,
            browser_growth_mib=sampler.peak_browser - base_browser,
            status=ended["status"],
        )
    shutil.rmtree(downloads, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mib", default="100,300,1024", help="comma-separated sizes")
    parser.add_argument("--modes", default="worker", help="worker, memory, or both")
    args = parser.parse_args()
    sizes = [int(part) for part in args.sizes_mib.split(",")]
    modes = [part.strip() for part in args.modes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for size_mib in sizes:
            path = work / f"source-{size_mib}.bin"
            write_random_file(str(path), size_mib)
            for mode in modes:
                results.append(run_case(mode, path, size_mib * MIB, work))
            os.remove(path)
    header = (
        "| mode | size | progress values | `completed` at | file landed at "
        "| renderer peak growth | browser process peak growth |"
    )
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        completed = f"{r.completed_s:.2f} s" if r.completed_s is not None else r.status
        landed = f"{r.landed_s:.2f} s" if r.landed_s is not None else "not saved"
        print(
            f"| {r.mode} | {r.size_mib} MiB | {r.progress_values} | {completed} "
            f"| {landed} | {r.renderer_growth_mib:+.0f} MiB "
            f"| {r.browser_growth_mib:+.0f} MiB |"
        )
    workers = [r for r in results if r.mode == "worker"]
    worst = max(workers, key=lambda r: r.renderer_growth_mib, default=None)
    if worst is not None:
        print(
            f"worker mode: largest renderer peak growth {worst.renderer_growth_mib:+.0f} MiB "
            f"({worst.size_mib} MiB file)"
        )


if __name__ == "__main__":
    main()
