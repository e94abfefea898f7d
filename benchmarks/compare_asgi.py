"""Throughput, CPU, memory and responsiveness on ASGI: uvicorn, one worker per server.

Servers (``asgi_apps.py``), each its own ``uvicorn --workers 1`` on 127.0.0.1, log level
warning, ``--http httptools`` and ``--loop uvloop`` when those are installed (else ``h11``
and ``asyncio``; the run prints which): this package's ``ServiceData(CachePlain)`` with
registered paths on ``dash.Dash(backend="fastapi")``; a bare FastAPI app answering
``FileResponse`` (the reference for it); a Dash ``backend="fastapi"`` app with a
``FileResponse`` route; this package on ``dash.Dash(backend="quart")``; a bare Quart app
answering ``send_file`` (the reference for it).

Measured in one run, in rounds alternating between the servers (order rotated; medians of
``--rounds``):

- a small file (``--small-kib``, default 10): requests/s from ``wrk -t1 -c8`` (else 8
  Python threads on keep-alive connections);
- a big file (``--big-mib``, default 1024): MiB/s for one client reading 1 MiB at a time,
  and the server process's CPU seconds per GiB (``/proc``, all its threads);

then once per server, after the rounds: ``--clients`` clients (default 200, one asyncio
process, ``asgi_slow_clients.py``) each downloading a file (``--slow-mib``, default 100)
throttled to ``--rate`` MB/s (default 2), checked byte for byte, while a trivial ``/ping``
route of the same app is requested every 50 ms on a new connection: downloads complete and
exact, ``/ping`` p50/p99, the server's peak RSS growth, and the clients' own CPU use (to
show the client side is not the bottleneck).

Printed: a Markdown table, then ratios to the references of the same run (medians of the
per-round ratios) with PASS/FAIL per target: ours / FileResponse (and ours on Quart /
``send_file``): requests/s >= 1.5x, throughput >= 3x, CPU per GiB <= 0.5x; under slow
clients, ours: all complete, ``/ping`` p99 < 50 ms, RSS growth < 64 MiB. A FAIL is a
finding; the exit status is 0 either way.

Run: ``python benchmarks/compare_asgi.py [--big-mib 1024] [--small-kib 10] [--slow-mib 100]
[--clients 200] [--rate 2] [--rounds 5] [--seconds 5] [--big-repeats 1]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from compare_gunicorn import GIB, TICK, cpu_seconds, download, python_rate, ratio, wrk_rate
from gunicorn_cases import ROOT, get, process, stat, wait_for
from measure import MIB, free_port, status_kib, write_random_file

HERE = Path(__file__).resolve().parent
PROBE_INTERVAL = 0.05  # seconds between two /ping probes
# case -> BENCH_CASE of asgi_apps.py
CASES = {
    "ours, Dash fastapi": "ours-fastapi",
    "FastAPI FileResponse": "fileresponse",
    "Dash fastapi + FileResponse": "dash-fileresponse",
    "ours, Dash quart": "ours-quart",
    "Quart send_file": "quart",
}
OURS_FASTAPI, FILERESPONSE, DASH_FR = (
    "ours, Dash fastapi",
    "FastAPI FileResponse",
    ("Dash fastapi + FileResponse"),
)
OURS_QUART, SEND_FILE = "ours, Dash quart", "Quart send_file"
#: (ours, reference, whether targets apply)
PAIRS = [
    (OURS_FASTAPI, FILERESPONSE, True),
    (OURS_FASTAPI, DASH_FR, False),
    (OURS_QUART, SEND_FILE, True),
]
OURS = (OURS_FASTAPI, OURS_QUART)
TARGETS = {"req/s": (">=", 1.5), "MiB/s": (">=", 3.0), "CPU s/GiB": ("<=", 0.5)}
PING_P99_MS, RSS_GROWTH_MIB = 50.0, 64.0


def uvicorn_options() -> list[str]:
    """``--http``/``--loop``: the fast implementations only if installed."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return ["--http", http, "--loop", loop]


def server_pid(master: int) -> int:
    """The process answering: uvicorn itself with one worker (or its one child, if any)."""
    children = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(stat(entry)[1]) == master:
                children.append(int(entry))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return children[0] if len(children) == 1 else master


def start(stack: ExitStack, work: Path, env: dict[str, str]) -> dict[str, dict]:
    """Every server, started together, then waited for: ``{case: {port, paths, pid}}``."""
    started = {}
    for case, name in CASES.items():
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--workers", "1", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "warning", *uvicorn_options()]
        command += ["--app-dir", str(HERE), "asgi_apps:app"]
        proc = stack.enter_context(
            process(command, work / f"{name}.log", cwd=work, env={**env, "BENCH_CASE": name})
        )
        started[case] = {"proc": proc, "port": port}
    for case, server in started.items():

        def answered(server: dict = server) -> bool:
            status, _, body = get(server["port"], "/_info")
            if status == 200:
                server.update(json.loads(body))
            return status == 200

        wait_for(answered, server["proc"], f"uvicorn ({case})")
        module = server.pop("module")
        assert module is None or Path(module).is_relative_to(ROOT), (case, module)
        server["pid"] = server_pid(server["proc"].pid)
    return started


def check(servers: dict[str, dict], small: bytes) -> None:
    """Warm each server up; the small file comes back whole, ``/ping`` answers."""
    for case, server in servers.items():
        status, _, body = get(server["port"], server["paths"]["small"])
        assert status == 200 and body == small, (case, status, len(body))
        status, _, body = get(server["port"], "/ping")
        assert status == 200 and body == b"pong", (case, status, body[:100])


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def slow_clients(
    server: dict, file: Path, clients: int, rate: float, work: Path
) -> dict[str, float]:
    """``clients`` throttled downloads of ``file`` while ``/ping`` is probed every 50 ms."""
    port, pid = server["port"], server["pid"]
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")  # VmHWM := VmRSS
    rss, cpu = status_kib(pid, "VmRSS"), cpu_seconds(pid)
    command = [sys.executable, str(HERE / "asgi_slow_clients.py"), str(port)]
    command += [server["paths"]["slow"], str(file), str(clients), str(rate)]
    out_path = work / "slow-clients.json"
    with open(out_path, "w") as out:
        load = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True)
    latencies, failed = [], 0
    tick = time.monotonic()
    while load.poll() is None:
        began = time.perf_counter()
        try:
            status, _, body = get(port, "/ping")
            failed += not (status == 200 and body == b"pong")
        except OSError:
            failed += 1
        latencies.append(time.perf_counter() - began)
        tick = max(tick + PROBE_INTERVAL, time.monotonic())
        time.sleep(max(0.0, tick - time.monotonic()))
    _, errors = load.communicate()
    assert load.returncode == 0, errors[-3000:]
    time.sleep(0.05)
    report = json.loads(out_path.read_text())
    results = report["results"]
    done = [r for r in results if r["exact"]]
    moved = sum(r["bytes"] for r in results)
    problems = sorted({r["error"] for r in results if r["error"]})
    return {
        "exact": len(done),
        "clients": clients,
        "ping p50": statistics.median(latencies) * 1000,
        "ping p99": percentile(latencies, 0.99) * 1000,
        "ping max": max(latencies) * 1000,
        "ping failed": failed,
        "probes": len(latencies),
        "RSS growth": (status_kib(pid, "VmHWM") - rss) / 1024,
        "server CPU s/GiB": (cpu_seconds(pid) - cpu) * GIB / moved if moved else math.nan,
        "client MB/s": statistics.mean(r["bytes"] / r["seconds"] for r in done) / 1e6
        if done
        else math.nan,
        "client core": report["cpu_s"] / report["wall_s"],
        "wall s": report["wall_s"],
        "errors": "; ".join(problems)[:300],
    }


def verdict(value: float, op: str, target: float) -> str:
    if math.isnan(value):
        return "FAIL (not measurable)"
    good = {">=": value >= target, "<=": value <= target, "<": value < target}[op]
    return f"{'PASS' if good else 'FAIL'} ({op} {target:g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big-mib", type=int, default=1024, help="big file size in MiB")
    parser.add_argument("--small-kib", type=int, default=10, help="small file size in KiB")
    parser.add_argument("--slow-mib", type=int, default=100, help="slow clients' file, MiB")
    parser.add_argument("--clients", type=int, default=200, help="slow clients")
    parser.add_argument("--rate", type=float, default=2.0, help="MB/s per slow client")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per round")
    parser.add_argument("--big-repeats", type=int, default=1, help="big downloads per round")
    args = parser.parse_args()
    big_size = args.big_mib * MIB
    loader = "wrk -t1 -c8" if shutil.which("wrk") else "8 Python threads (wrk not installed)"
    rate = wrk_rate if shutil.which("wrk") else python_rate
    big_runs: dict[str, list[dict[str, float]]] = {case: [] for case in CASES}
    small_runs: dict[str, list[float]] = {case: [] for case in CASES}
    slow: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        work = Path(folder)
        big, small, slow_file = work / "big.bin", work / "small.bin", work / "slow.bin"
        write_random_file(str(big), args.big_mib)
        write_random_file(str(slow_file), args.slow_mib)
        small.write_bytes(os.urandom(args.small_kib * 1024))
        env = dict(os.environ)  # the servers import the dash_file_cache beside this script
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update(BENCH_BIG=str(big), BENCH_SMALL=str(small), BENCH_SLOW=str(slow_file))
        servers = start(stack, work, env)
        check(servers, small.read_bytes())
        names = list(CASES)
        for index in range(args.rounds):  # each round: every server, order rotated
            turn = index % len(names)
            rotated = names[turn:] + names[:turn]
            for _ in range(args.big_repeats):
                for case in rotated:
                    server = servers[case]
                    run = download(
                        server["port"], server["paths"]["big"], big_size, server["pid"], None
                    )
                    big_runs[case].append(run)
            for case in rotated:
                server = servers[case]
                small_runs[case].append(
                    rate(server["port"], server["paths"]["small"], args.seconds)
                )
        for case in names:  # the long phase: once per server
            slow[case] = slow_clients(servers[case], slow_file, args.clients, args.rate * 1e6, work)
    elapsed = time.monotonic() - began

    def med(case: str, key: str) -> float:
        return statistics.median(run[key] for run in big_runs[case])

    tick = GIB / big_size / TICK  # s/GiB of one clock tick, the CPU time resolution
    reqs = {case: statistics.median(small_runs[case]) for case in CASES}
    speed = {case: med(case, "MB/s") * 1e6 / MIB for case in CASES}
    cpu = {case: med(case, "CPU s/GiB") for case in CASES}
    peak = {case: med(case, "peak MiB") for case in CASES}
    http, loop = uvicorn_options()[1], uvicorn_options()[3]
    import uvicorn

    print(
        f"uvicorn {uvicorn.__version__} --workers 1 --http {http} --loop {loop} per server, "
        f"127.0.0.1; Python {platform.python_version()}; {os.cpu_count()} CPUs; load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after; {elapsed:.0f} s"
    )
    print(
        f"{args.rounds} interleaved round(s) (big file {args.big_repeats}x a round), medians; "
        f"small-file load: {loader}, {args.seconds:g} s a round; slow clients: "
        f"{args.clients} x {args.slow_mib} MiB at {args.rate:g} MB/s each, once per server, "
        f"/ping every {PROBE_INTERVAL * 1000:.0f} ms"
    )
    big_label = f"{args.big_mib} MiB"
    print(
        f"\n| server | {args.small_kib} KiB req/s | {big_label} MiB/s | CPU s/GiB | big peak RSS "
        "MiB | slow: exact | /ping p50 ms | /ping p99 ms | /ping max ms | slow RSS growth MiB "
        "| slow server CPU s/GiB | client MB/s | client core |"
    )
    print("|---|" + "---:|" * 12)
    for case in CASES:
        s = slow[case]
        print(
            f"| {case} | {reqs[case]:.0f} | {speed[case]:.0f} | {cpu[case]:.2f} | "
            f"{peak[case]:.1f} | {s['exact']}/{s['clients']} | {s['ping p50']:.1f} | "
            f"{s['ping p99']:.1f} | {s['ping max']:.1f} | {s['RSS growth']:.1f} | "
            f"{s['server CPU s/GiB']:.2f} | {s['client MB/s']:.2f} | {s['client core']:.0%} |"
        )
    print(f"\n(CPU time resolution: one tick = {tick:.3f} s/GiB on the big file)")
    for case, s in slow.items():
        if s["errors"] or s["ping failed"]:
            print(f"{case}, slow clients: {s['ping failed']} failed probes; {s['errors']}")

    def paired_small(a: str, b: str) -> float:
        rounds = zip(small_runs[a], small_runs[b], strict=True)
        return statistics.median(ratio(x, y) for x, y in rounds)

    def paired_big(a: str, b: str, key: str, floor: float) -> float:
        runs = zip(big_runs[a], big_runs[b], strict=True)
        return statistics.median(ratio(x[key], y[key], floor) for x, y in runs)

    print("\nRatios (medians of the per-round ratios; ratio of the medians in brackets):\n")
    print("| ratio | req/s | throughput | CPU per GiB |")
    print("|---|---|---|---|")
    for ours, reference, targeted in PAIRS:
        values = {
            "req/s": (paired_small(ours, reference), ratio(reqs[ours], reqs[reference])),
            "MiB/s": (
                paired_big(ours, reference, "MB/s", 1e-9),
                ratio(speed[ours], speed[reference]),
            ),
            "CPU s/GiB": (
                paired_big(ours, reference, "CPU s/GiB", tick),
                ratio(cpu[ours], cpu[reference], tick),
            ),
        }
        cells = []
        for key, (paired, of_medians) in values.items():
            cell = f"{paired:.2f}x [{of_medians:.2f}x]"
            if targeted:
                cell += " " + verdict(paired, *TARGETS[key])
            cells.append(cell)
        print(f"| {ours} / {reference} | " + " | ".join(cells) + " |")
    print(f"\nSlow clients ({args.clients} x {args.slow_mib} MiB at {args.rate:g} MB/s):")
    for case in OURS:
        s = slow[case]
        complete = "PASS" if s["exact"] == s["clients"] else "FAIL"
        print(
            f"- {case}: all complete and exact: {complete} ({s['exact']}/{s['clients']}); "
            f"/ping p99 {s['ping p99']:.1f} ms: {verdict(s['ping p99'], '<', PING_P99_MS)}; "
            f"RSS growth {s['RSS growth']:.1f} MiB: "
            f"{verdict(s['RSS growth'], '<', RSS_GROWTH_MIB)}"
        )
    worst_core = max(s["client core"] for s in slow.values())
    paces = ", ".join(f"{case} {s['client MB/s']:.2f}" for case, s in slow.items())
    headroom = (
        "it had headroom, so a download under the rate was held back by the server"
        if worst_core < 0.8
        else "near a full core: the client side may be the bottleneck"
    )
    print(
        f"Client side: the slow-client process (one asyncio thread) used at most "
        f"{worst_core:.0%} of one core ({headroom}); mean MB/s of the exact downloads "
        f"(asked {args.rate:g}): {paces}"
    )


if __name__ == "__main__":
    main()
