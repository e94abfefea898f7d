"""How responsive the app stays while big downloads run, with and without offload.

Behind a real nginx (``docs/deploy/nginx-offload.conf``, verbatim) in front of gunicorn,
``--clients`` clients each download a registered file (default 1 GiB) at a limited rate
(default 50 MB/s) while a probe requests a trivial route of the app every 50 ms. Printed
per setup: the probe's worst and median latency, and the clients' mean rate. Setups:
2 sync workers streaming from Python with clients straight to gunicorn (no proxy), the
same behind nginx (which buffers responses to its temporary files, up to 1 GiB by
default), 2 sync workers with offload to nginx, and 2 gthread workers (4 threads each)
streaming from Python behind nginx.

Also measured in the same run, one client at full speed: the throughput of an offloaded
download against nginx serving the same file directly (its limit).

Run: ``python benchmarks/responsiveness.py [--size-mib 1024] [--clients 4] [--rate-mbs 50]``
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from measure import MIB, free_port, write_random_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deploy.nginx import nginx  # noqa: E402  (the runner the deploy tests use)

DIRECT = "location /_direct/ { alias /; }"  # nginx serving the file itself: the limit
PROBE_INTERVAL = 0.05  # seconds between probes of the trivial route
READ = 256 * 1024  # bytes per client read
SETUPS = {
    "sync x2, clients direct": ("direct", ["--workers", "2", "--worker-class", "sync"]),
    "sync x2, no offload": ("0", ["--workers", "2", "--worker-class", "sync"]),
    "sync x2, offload to nginx": ("1", ["--workers", "2", "--worker-class", "sync"]),
    "gthread 2x4, no offload": (
        "0",
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
}


def request(port: int, method: str, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request(method, path)
        return conn.getresponse().read()
    finally:
        conn.close()


@contextmanager
def app_server(work: Path, big: str, offload: str, options: list[str]) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "DFC_DIR": str(work / "cache"), "DFC_FILE": big}
    env["DFC_OFFLOAD"] = offload
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "docs/deploy/gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "600",
        *options,
        "responsiveness_app:server",
    ]
    with subprocess.Popen(
        command, env=env, cwd=Path(__file__).parent, stderr=subprocess.DEVNULL
    ) as proc:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if request(port, "GET", "/ping") == b"pong":
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield port
        finally:
            proc.terminate()
            proc.wait(60)


def download(port: int, address: str, rate: float | None) -> tuple[int, float]:
    """GET ``address``, reading at most ``rate`` bytes/s; return (bytes, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.monotonic()
    got = 0
    try:
        conn.request("GET", address)
        response = conn.getresponse()
        while data := response.read(READ):
            got += len(data)
            if rate:
                ahead = got / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)  # pacing the client, not synchronisation
    finally:
        conn.close()
    return got, time.monotonic() - start


def run_setup(front: int, clients: int, rate: float, size: int) -> dict[str, float]:
    address = json.loads(request(front, "POST", "/register"))["addr"]
    results: list[tuple[int, float]] = []
    threads = [
        threading.Thread(target=lambda: results.append(download(front, address, rate)))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    latencies = []
    while any(t.is_alive() for t in threads):
        began = time.monotonic()
        assert request(front, "GET", "/ping") == b"pong"
        latencies.append(time.monotonic() - began)
        time.sleep(PROBE_INTERVAL)
    for thread in threads:
        thread.join()
    assert all(got == size for got, _ in results), "a download came back short"
    return {
        "worst_ms": max(latencies) * 1000,
        "median_ms": statistics.median(latencies) * 1000,
        "client_mbs": statistics.mean(got / secs for got, secs in results) / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rate-mbs", type=float, default=50.0)
    args = parser.parse_args()
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big = str(work / "big.bin")
        write_random_file(big, args.size_mib)
        rows = {}
        offload_rate = direct_rate = 0.0
        for name, (offload, options) in SETUPS.items():
            with app_server(work, big, offload, options) as port:
                if offload == "direct":  # no nginx: clients talk to gunicorn itself
                    rows[name] = run_setup(port, args.clients, args.rate_mbs * 1e6, size)
                    continue
                nginx_work = work / f"nginx-{len(rows)}"
                with nginx(nginx_work, "nginx-offload.conf", port, DIRECT) as front:
                    rows[name] = run_setup(front, args.clients, args.rate_mbs * 1e6, size)
                    if offload == "1":
                        address = json.loads(request(front, "POST", "/register"))["addr"]
                        direct = "/_direct" + big
                        offloaded, direct_seconds = [], []
                        for _ in range(3):  # interleaved rounds
                            offloaded.append(download(front, address, None)[1])
                            direct_seconds.append(download(front, direct, None)[1])
                        offload_rate = size / statistics.median(offloaded) / 1e6
                        direct_rate = size / statistics.median(direct_seconds) / 1e6
    print(
        f"{args.clients} clients x {args.size_mib} MiB at {args.rate_mbs} MB/s each; "
        "probe of a trivial route every 50 ms (gunicorn behind nginx)"
    )
    print(f"{'setup':28} {'worst ms':>10} {'median ms':>10} {'client MB/s':>12}")
    for name, row in rows.items():
        print(
            f"{name:28} {row['worst_ms']:10.1f} {row['median_ms']:10.1f} {row['client_mbs']:12.1f}"
        )
    print(
        f"full speed, 1 client: offloaded {offload_rate:.0f} MB/s, nginx direct "
        f"{direct_rate:.0f} MB/s, ratio {offload_rate / direct_rate:.2f}x"
    )


if __name__ == "__main__":
    main()
