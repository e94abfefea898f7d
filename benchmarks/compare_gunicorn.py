"""Throughput, CPU and memory where users run it: gunicorn, one sync worker, loopback.

In one run, rounds alternating between the servers (medians of ``--rounds``): this
package's ``ServiceData`` over ``CachePlain``, ``CacheFile`` and ``CacheRedis`` (its own
``redis-server``); ``dash-file-cache`` 0.2.0 from PyPI (in its own virtualenv under
``~/.cache/dfc-bench/``, run by that venv's gunicorn); ``flask.send_file``; a minimal Flask
view answering the small file from memory (the floor of any in-process answer), and one
reading it from disk per request and sending the headers ``ServiceData`` sends; nginx
serving the files itself (the limit); and ``dcc.Download`` with ``dcc.send_file``, what a
Dash app does without this package (the file base64-encoded inside the callback's JSON,
timed until the client has decoded it). Measured: a big file (``--big-mib``) read 1 MiB at a
time by one client: throughput, the worker process's CPU seconds per GiB and peak RSS
growth; a small file (``--small-kib``): requests/s from ``wrk -t1 -c8`` (else threads).

Run: ``python benchmarks/compare_gunicorn.py [--big-mib 1024] [--small-kib 10]
[--rounds 5] [--seconds 5] [--big-repeats 3] [--chart]`` (``--chart`` writes
docs/performance.png).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from gunicorn_cases import (
    BIG_CASES,
    CASES,
    DCC_ROUTE,
    OLD,
    ROOT,
    SLOW_BIG_CASES,
    dcc_request,
    get,
    old_venv_gunicorn,
    probe,
    redis_round_trips,
    start,
    stat,
    worker_pid,
)
from measure import MIB, status_kib

GIB = 1024 * MIB
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def fetch_size(port: int, path: str) -> tuple[int, int]:
    """(status, bytes of the file the client holds) for one full-speed fetch of ``path``."""
    if path.startswith("dcc:"):  # the whole answer, then the file decoded from it
        status, _, body = get(port, path)
        return status, len(body)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        got = 0
        while chunk := response.read(MIB):
            got += len(chunk)
        return response.status, got
    finally:
        conn.close()


def download(port: int, path: str, size: int, worker: int, extra: int | None) -> dict:
    """One full-speed download: MB/s, worker CPU s/GiB, peak RSS growth MiB."""
    with open(f"/proc/{worker}/clear_refs", "w") as refs:
        refs.write("5")  # VmHWM := VmRSS
    rss = status_kib(worker, "VmRSS")
    cpu = cpu_seconds(worker)
    extra_cpu = cpu_seconds(extra) if extra else 0.0
    start = time.perf_counter()
    status, got = fetch_size(port, path)
    elapsed = time.perf_counter() - start
    assert status == 200 and got == size, (path, status, got)
    time.sleep(0.05)  # let the worker finish the response before reading its CPU time
    return {
        "MB/s": size / elapsed / 1e6,
        "CPU s/GiB": (cpu_seconds(worker) - cpu) * GIB / size,
        "peak MiB": (status_kib(worker, "VmHWM") - rss) / 1024,
        "extra": (cpu_seconds(extra) - extra_cpu) * GIB / size if extra else 0.0,
    }


def wrk_rate(port: int, path: str, seconds: float) -> float:
    url = f"http://127.0.0.1:{port}{path}"
    command = ["wrk", "-t1", "-c8", f"-d{max(1, round(seconds))}s", url]
    if path.startswith("dcc:"):  # the callback POST, from a wrk script
        url = f"http://127.0.0.1:{port}{DCC_ROUTE}"
        body = dcc_request(path[4:]).decode()
        script = Path(tempfile.gettempdir()) / f"dfc-bench-{os.getpid()}-{path[4:]}.lua"
        script.write_text(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        command = ["wrk", "-t1", "-c8", f"-d{max(1, round(seconds))}s", "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "Non-2xx" not in out, out
    return float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))


def python_rate(port: int, path: str, seconds: float) -> float:
    """8 threads on keep-alive connections (reconnecting when the server closes)."""
    counts, errors = [0] * 8, []
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        conn = None
        while time.monotonic() < deadline and not errors:
            conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            if path.startswith("dcc:"):
                json_type = {"Content-Type": "application/json"}
                conn.request("POST", DCC_ROUTE, body=dcc_request(path[4:]), headers=json_type)
            else:
                conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
            counts[index] += 1
            if response.will_close:
                conn.close()
                conn = None

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, f"status {errors[0]} under load"
    return sum(counts) / (time.monotonic() - start)


def ratio(a: float, b: float, floor: float = 1e-9) -> float:
    """``a / b``; NaN when ``b`` is below ``floor`` (too small to divide by) or ``a < 0``."""
    return a / b if b >= floor and a >= 0 else math.nan


def fmt(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def table(title: str, unit: str, values: dict[str, float], better: str, floor: float) -> None:
    """The values, then each one's ratio to every other (``-``: divisor below ``floor``)."""
    names = list(values)
    print(f"\n{title} ({better} is better); ratio = row / column")
    print(f"{'':22}{unit:>10}" + "".join(f"{'/' + CASES[n][1]:>11}" for n in names))
    for name in names:
        cells = (ratio(values[name], values[other], floor) for other in names)
        row = "".join(f"{'-':>11}" if math.isnan(c) else f"{c:10.2f}x" for c in cells)
        print(f"{name:22}{values[name]:10.2f}{row}")


def chart(ratios: dict[str, dict[str, float]], path: Path) -> None:
    try:
        import matplotlib
    except ImportError:
        install = [sys.executable, "-m", "pip", "install", "-q", "matplotlib"]
        if subprocess.run(install, capture_output=True).returncode != 0:
            print("chart skipped: matplotlib is not installed and could not be installed")
            return
        import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(next(iter(ratios.values())))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(metrics)
    for i, metric in enumerate(metrics):
        xs = [g + (i - (len(metrics) - 1) / 2) * width for g in range(len(ratios))]
        ys = [ratios[pair][metric] for pair in ratios]
        shown = [y if y > 0 else math.nan for y in ys]  # a log scale has no 0
        bars = ax.bar(xs, shown, width, label=metric)
        labels = ["" if math.isnan(y) else f"{y:.2f}" if y >= 0.01 else f"{y:.0e}" for y in shown]
        ax.bar_label(bars, labels=labels, fontsize=7)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=1)
    ax.set_xticks(range(len(ratios)), [n.replace("/", "/\n") for n in ratios], fontsize=8)
    ax.set_ylabel("ratio (log scale)")
    ax.set_title("dash-file-cache under gunicorn (1 sync worker), ratios (medians)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"chart written: {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big-mib", type=int, default=1024, help="big file size in MiB")
    parser.add_argument("--small-kib", type=int, default=10, help="small file size in KiB")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per round")
    parser.add_argument(
        "--big-repeats",
        type=int,
        default=3,
        help="big-file downloads per round for the fast cases (one for CacheRedis and dcc)",
    )
    parser.add_argument("--chart", action="store_true", help="write docs/performance.png")
    args = parser.parse_args()
    big_size = args.big_mib * MIB
    loader = "wrk -t1 -c8" if shutil.which("wrk") else "Python threads (wrk not installed)"
    rate = wrk_rate if shutil.which("wrk") else python_rate
    old_venv_gunicorn()  # create the 0.2.0 venv before anything is timed
    big_runs: dict[str, list[dict[str, float]]] = {case: [] for case in BIG_CASES}
    small_runs: dict[str, list[float]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        work = Path(folder)
        targets, redis_pid, redis_url = start(stack, work, args.big_mib, args.small_kib)
        ping_bare, ping_client = redis_round_trips(redis_url)
        features = probe(targets, (work / "files" / "small.bin").read_bytes())
        for index in range(args.rounds):  # rounds alternate between servers, order rotated
            turn = index % len(BIG_CASES)
            rotated = BIG_CASES[turn:] + BIG_CASES[:turn]
            for repeat in range(args.big_repeats):  # loopback copies vary: more samples
                cases = [c for c in rotated if repeat == 0 or c not in SLOW_BIG_CASES]
                for case in cases:
                    port, paths, master = targets[case]
                    also = redis_pid if case == "ours CacheRedis" else None
                    run = download(port, paths["big"], big_size, worker_pid(master), also)
                    big_runs[case].append(run)
            turn = index % len(CASES)
            for case in list(CASES)[turn:] + list(CASES)[:turn]:
                port, paths, _ = targets[case]
                small_runs[case].append(rate(port, paths["small"], args.seconds))

    def med(case: str, key: str) -> float:
        return statistics.median(run[key] for run in big_runs[case])

    tick = GIB / big_size / TICK  # s/GiB of one clock tick, the CPU time resolution
    print("gunicorn, 1 sync worker each, 127.0.0.1; nginx serving the files itself")
    print(
        f"{args.rounds} interleaved round(s), big file {args.big_repeats}x a round (once for "
        f"{' and '.join(SLOW_BIG_CASES)}); medians; '-': ratio to a value too small"
    )
    print(f"\n{args.small_kib} KiB file, GET with Range: bytes=0-9 -> status; ETag; Accept-Ranges")
    for case, (status, etag, ranges) in features.items():
        print(f"  {case:22} {status}  ETag {'yes' if etag else 'no':3}  Accept-Ranges {ranges}")
    big_label = f"{args.big_mib} MiB file, one client"
    speed = {case: med(case, "MB/s") for case in BIG_CASES}
    cpu = {case: med(case, "CPU s/GiB") for case in BIG_CASES}
    peak = {case: med(case, "peak MiB") for case in BIG_CASES}
    reqs = {case: statistics.median(small_runs[case]) for case in CASES}
    table(f"{big_label}: throughput", "MB/s", speed, "higher", 1e-9)
    table(f"{big_label}: worker CPU per GiB (tick {tick:.3f})", "s/GiB", cpu, "lower", tick)
    table(f"{big_label}: worker peak RSS growth", "MiB", peak, "lower", 1.0)
    print(
        f"(CacheRedis: the file is copied into Redis at register; redis-server's own CPU, "
        f"{med('ours CacheRedis', 'extra'):.2f} s/GiB, is not in its row)"
    )
    table(f"{args.small_kib} KiB file: requests/s, load: {loader}", "req/s", reqs, "higher", 1e-9)
    print(
        f"(CacheRedis: a PING round trip to the same redis-server takes {ping_bare:.0f} µs over "
        f"a bare socket, {ping_client:.0f} µs through redis-py: medians of 2000, before the "
        "rounds)"
    )
    ours, old = "ours CachePlain", f"dash-file-cache {OLD}"
    best_speed = max((old, "flask.send_file"), key=speed.__getitem__)
    best_cpu = min((old, "flask.send_file"), key=cpu.__getitem__)
    print(
        f"\n{big_label}: ours (CachePlain) vs best of {{{OLD}, send_file}}: throughput "
        f"{fmt(ratio(speed[ours], speed[best_speed]))} ({best_speed}), CPU/GiB "
        f"{fmt(ratio(cpu[ours], cpu[best_cpu], tick))} ({best_cpu}; lower is better)"
    )

    def paired_big(other: str, key: str) -> float:
        """The median of the ratios of downloads made one after the other."""
        runs = zip(big_runs[ours], big_runs[other], strict=True)
        return statistics.median(ratio(a[key], b[key], tick) for a, b in runs)

    print(
        f"{big_label}, medians of the ratios of consecutive downloads: "
        + "; ".join(
            f"ours vs {name} throughput {fmt(paired_big(other, 'MB/s'))}, CPU/GiB "
            f"{fmt(paired_big(other, 'CPU s/GiB'))}"
            for name, other in ((OLD, old), ("send_file", "flask.send_file"))
        )
    )

    def paired(a: str, b: str) -> float:
        """The median of the per-round ratios: each round runs every case within seconds."""
        rounds = zip(small_runs[a], small_runs[b], strict=True)
        return statistics.median(ratio(x, y) for x, y in rounds)

    small_pairs = {
        f"ours (CachePlain) vs {OLD}": (ours, old),
        "vs minimal view": (ours, "minimal view"),
        "vs a view reading the file and sending the same headers": (
            ours,
            "view, file + headers",
        ),
        "ours through Flask (an app with a hook) vs minimal view": (
            "ours, through Flask",
            "minimal view",
        ),
        "CacheFile vs CachePlain": ("ours CacheFile", ours),
        "CacheRedis vs CachePlain": ("ours CacheRedis", ours),
    }
    print(
        f"{args.small_kib} KiB requests/s, medians of the per-round ratios: "
        + "; ".join(f"{label} {fmt(paired(a, b))}" for label, (a, b) in small_pairs.items())
    )
    if args.chart:
        pairs = {
            f"ours/{OLD}": (ours, old),
            "ours/send_file": (ours, "flask.send_file"),
            "ours/minimal view": (ours, "minimal view"),
            "ours via Flask/minimal view": ("ours, through Flask", "minimal view"),
            "CacheFile/CachePlain": ("ours CacheFile", ours),
            "CacheRedis/CachePlain": ("ours CacheRedis", ours),
            "ours/dcc.Download": (ours, "dcc.Download"),
        }
        metrics = {
            f"{args.big_mib} MiB: MB/s": (speed, 1e-9),
            f"{args.big_mib} MiB: CPU s/GiB (lower is better)": (cpu, tick),
            f"{args.small_kib} KiB: req/s": (reqs, 1e-9),
            f"{args.big_mib} MiB: peak RSS growth (lower is better)": (peak, 1.0),
        }
        ratios = {
            label: {m: ratio(v.get(a, -1), v.get(b, 0), f) for m, (v, f) in metrics.items()}
            for label, (a, b) in pairs.items()
        }
        chart(ratios, ROOT / "docs" / "performance.png")


if __name__ == "__main__":
    main()
