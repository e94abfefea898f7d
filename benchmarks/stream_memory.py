"""Peak server memory growth and throughput while streaming a large file.

Serves one file (default 1 GiB) from a fresh server process per case and downloads it
over loopback, reading the server's peak resident memory (``VmHWM``, reset before the
download through ``/proc/<pid>/clear_refs``). ``flask.send_file`` is measured in the same
run as the reference; results are printed as ratios against it.

Run: ``python benchmarks/stream_memory.py [--size-mb 1024]``
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time

CASES = ("flask.send_file", "ServiceData+CachePlain(path)", "ServiceData+CacheFile(path)")
MIB = 1024 * 1024  # bytes
READ_CHUNK = 1 * MIB  # bytes per client read

SERVER = r"""
import sys, flask, dash_file_cache as dfc
from werkzeug.serving import make_server
case, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = flask.Flask(__name__)
if case == "flask.send_file":
    @app.route("/file")
    def file():
        return flask.send_file(path, mimetype="application/octet-stream")
    address = "/file"
else:
    cache = dfc.CachePlain(4) if "CachePlain" in case else dfc.CacheFile()
    service = dfc.ServiceData(cache)
    service.serve(app)
    address = service.register(path, mime_type="application/octet-stream")
print(address, flush=True)
make_server("127.0.0.1", port, app, threaded=True).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def measure(case: str, path: str, size: int) -> tuple[float, float]:
    """Return (peak memory growth in MiB, throughput in MiB/s) for one case."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, case, path, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        address = server.stdout.readline().strip()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("HEAD", address)  # warm up: imports, first request
        conn.getresponse().read()
        with open(f"/proc/{server.pid}/clear_refs", "w") as refs:
            refs.write("5")  # reset the peak-RSS counter
        before = status_kib(server.pid, "VmRSS")
        start = time.perf_counter()
        conn.request("GET", address)
        response = conn.getresponse()
        received = 0
        while chunk := response.read(READ_CHUNK):
            received += len(chunk)
        elapsed = time.perf_counter() - start
        conn.close()
        assert response.status == 200 and received == size, (response.status, received)
        peak = status_kib(server.pid, "VmHWM")
        return (peak - before) / 1024, size / MIB / elapsed
    finally:
        server.terminate()
        server.wait(30)
        if server.stdout is not None:
            server.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    args = parser.parse_args()
    size = args.size_mb * MIB
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "big.bin")
        with open(path, "wb") as big:
            block = os.urandom(MIB)
            for _ in range(args.size_mb):
                big.write(block)
        results = {case: measure(case, path, size) for case in CASES}
    ref_mem, ref_speed = results[CASES[0]]
    print(f"file: {args.size_mb} MiB, served by Werkzeug's threaded server on 127.0.0.1")
    print(f"{'case':32} {'peak growth':>12} {'throughput':>12} {'speed vs ref':>13}")
    for case, (mem, speed) in results.items():
        print(f"{case:32} {mem:9.1f} MiB {speed:7.0f} MiB/s {speed / ref_speed:12.2f}x")
    worst = max(mem for mem, _ in list(results.values())[1:])
    verdict = "PASS" if worst < 64 else "FAIL"
    print(
        f"{verdict}: largest ServiceData peak growth {worst:.1f} MiB (target < 64 MiB); "
        f"flask.send_file grew {ref_mem:.1f} MiB"
    )


if __name__ == "__main__":
    main()
