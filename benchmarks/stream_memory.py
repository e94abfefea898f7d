"""Peak server memory growth and throughput while streaming a large file.

Serves one file (default 1 GiB) from a fresh server process per case and downloads it
over loopback, reading the server's peak resident memory (``VmHWM``, reset before the
download through ``/proc/<pid>/clear_refs``). ``flask.send_file`` is measured in the same
run as the reference; results are printed as ratios against it.

Run: ``python benchmarks/stream_memory.py [--size-mb 1024]``
"""

from __future__ import annotations

import argparse
import time

from measure import MIB, random_file, server_process

CASES = ("flask.send_file", "ServiceData+CachePlain(path)", "ServiceData+CacheFile(path)")
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
server = make_server("127.0.0.1", port, app, threaded=True)
print(address, flush=True)
server.serve_forever()
"""


def measure(case: str, path: str, size: int) -> tuple[float, float]:
    """Return (peak memory growth in MiB, throughput in MiB/s) for one case."""
    with server_process(SERVER, case, path) as server:
        start = time.perf_counter()
        server.conn.request("GET", server.address)
        response = server.conn.getresponse()
        received = 0
        while chunk := response.read(READ_CHUNK):
            received += len(chunk)
        elapsed = time.perf_counter() - start
        assert response.status == 200 and received == size, (response.status, received)
        return server.peak_growth_mib(), size / MIB / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB")
    args = parser.parse_args()
    size = args.size_mb * MIB
    with random_file(args.size_mb) as path:
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
