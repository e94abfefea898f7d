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
import base64
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from measure import MIB, free_port, status_kib, write_random_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deploy.nginx import nginx  # noqa: E402  (the runner the deploy tests use)

GIB = 1024 * MIB
OLD = "0.2.0"  # the release on PyPI a user would pick instead
VENV = Path.home() / ".cache" / "dfc-bench" / f"venv-{OLD}"
TICK = os.sysconf("SC_CLK_TCK")
# case -> (server, short name); the small-file-only case last
CASES = {
    "ours CachePlain": ("CachePlain", "plain"),
    "ours CacheFile": ("CacheFile", "file"),
    "ours CacheRedis": ("CacheRedis", "redis"),
    f"dash-file-cache {OLD}": (OLD, OLD),
    "flask.send_file": ("flask", "send_file"),
    "nginx (direct)": ("nginx", "nginx"),
    "dcc.Download": ("dcc", "dcc"),
    "minimal view": ("flask", "minimal"),
    "view, file + headers": ("flask", "same"),
}
BIG_CASES = list(CASES)[:-2]
SLOW_BIG_CASES = ("ours CacheRedis", "dcc.Download")  # seconds per GiB: one sample a round
DCC_ROUTE = "/_dash-update-component"


def dcc_request(which: str) -> bytes:
    """The callback POST a browser sends when the ``which`` button is clicked."""
    return json.dumps(
        {
            "output": "dl.data",
            "outputs": {"id": "dl", "property": "data"},
            "inputs": [
                {"id": "big", "property": "n_clicks", "value": 1 if which == "big" else None},
                {"id": "small", "property": "n_clicks", "value": 1 if which == "small" else None},
            ],
            "changedPropIds": [f"{which}.n_clicks"],
            "state": [],
        }
    ).encode()


def dcc_file(body: bytes) -> bytes:
    """The file inside a ``dcc.send_file`` callback answer (decoded, as the browser does)."""
    data = json.loads(body)["response"]["dl"]["data"]
    return base64.b64decode(data["content"]) if data["base64"] else data["content"].encode()


APP = Path(__file__).with_name("compare_app.py")  # started by each gunicorn case


def old_venv_gunicorn() -> Path:
    """The 0.2.0 virtualenv's gunicorn; the venv is created on first use, then reused."""
    python, gunicorn = VENV / "bin" / "python", VENV / "bin" / "gunicorn"
    check = [str(python), "-I", "-c", "import dash_file_cache as d; print(d.__version__)"]
    if gunicorn.exists() and python.exists():
        found = subprocess.run(check, capture_output=True, text=True)
        if found.stdout.strip() == OLD:
            return gunicorn
    print(f"creating {VENV} (dash-file-cache=={OLD}, gunicorn), once", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", f"dash-file-cache=={OLD}", "gunicorn"]
    done = subprocess.run(pip, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip install into {VENV} failed: {done.stderr[-3000:]}")
    return gunicorn


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    """GET ``path`` (``dcc:<which>``: POST that callback, and return the file it carries)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        if path.startswith("dcc:"):
            json_type = {"Content-Type": "application/json"}
            conn.request("POST", DCC_ROUTE, body=dcc_request(path[4:]), headers=json_type)
            response = conn.getresponse()
            body = response.read()
            return response.status, dict(response.getheaders()), dcc_file(body)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, ...)."""
    with open(f"/proc/{pid}/stat") as lines:
        return lines.read().rsplit(")", 1)[1].split()


def worker_pid(master: int) -> int:
    """The one child of ``master`` (gunicorn's worker, nginx's worker)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if int(stat(entry)[1]) == master:
                found.append(int(entry))
        except (FileNotFoundError, ProcessLookupError):  # ended meanwhile
            continue
    assert len(found) == 1, f"expected one worker under {master}, found {found}"
    return found[0]


def cpu_seconds(pid: int) -> float:
    fields = stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


@contextmanager
def process(command: list[str], log: Path, **kwargs: object) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (its output to ``log``); terminate it on leaving."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **kwargs)
    proc.log = log  # type: ignore[attr-defined]
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(check: Callable[[], object], proc: subprocess.Popen[bytes], what: str) -> None:
    """Poll ``check`` until it is true; fail if ``proc`` ends first (its log in the error)."""
    deadline = time.monotonic() + 600  # CacheRedis copies the big file in at start-up
    while True:
        try:
            if check():
                return
        except OSError:  # not listening yet
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start: {proc.log.read_text()[-3000:]}")
        time.sleep(0.1)


@contextmanager
def redis_server(work: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    command = [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1"]
    command += ["--port", str(port), "--save", "", "--appendonly", "no", "--loglevel", "warning"]
    with process(command, work / "redis.log") as proc:
        import redis

        client = redis.Redis(port=port)

        def pong() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(pong, proc, "redis-server")
        client.close()
        yield f"redis://127.0.0.1:{port}/0", proc.pid


def start_gunicorn(stack: ExitStack, work: Path, server: str, env: dict[str, str]) -> dict:
    """Start one app under gunicorn (not waiting for it); return what describes it."""
    port = free_port()
    command = [str(old_venv_gunicorn())] if server == OLD else [sys.executable, "-m", "gunicorn"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "sync"]
    command += ["--timeout", "600", "--graceful-timeout", "5", "--chdir", str(work)]
    command += ["bench_app:server"]
    env = {**env, "BENCH_CASE": server, "BENCH_DIR": str(work / "cache")}
    proc = stack.enter_context(process(command, work / f"{server}.log", cwd=work, env=env))
    return {"proc": proc, "port": port, "name": server}


def ready(server: dict) -> dict:
    """Wait until the app answers; check which dash_file_cache it runs."""

    def answered() -> bool:
        status, _, body = get(server["port"], "/_info")
        if status == 200:
            server.update(json.loads(body))
        return status == 200

    wait_for(answered, server["proc"], f"gunicorn ({server['name']})")
    version = server["version"]
    assert version == OLD if server["name"] == OLD else version != OLD, (server["name"], version)
    return server


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
    fig, ax = plt.subplots(figsize=(9, 4.5))
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
    ax.set_xticks(range(len(ratios)), list(ratios), fontsize=8)
    ax.set_ylabel("ratio (log scale)")
    ax.set_title("dash-file-cache under gunicorn (1 sync worker), ratios (medians)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"chart written: {path.relative_to(ROOT)}")


def start(stack: ExitStack, work: Path, big_mib: int, small_kib: int) -> tuple[dict, int]:
    """Every server, warmed up and checked: ({case: (port, paths, master pid)}, redis pid)."""
    files = work / "files"
    files.mkdir()
    big, small = files / "big.bin", files / "small.bin"
    write_random_file(str(big), big_mib)
    small.write_bytes(os.urandom(small_kib * 1024))
    (work / "bench_app.py").write_text(APP.read_text())
    redis_url, redis_pid = stack.enter_context(redis_server(work))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(BENCH_BIG=str(big), BENCH_SMALL=str(small), BENCH_REDIS=redis_url)
    names = ["CachePlain", "CacheFile", "CacheRedis", OLD, "flask", "dcc"]
    servers = [start_gunicorn(stack, work, name, env) for name in names]  # start together
    apps = {s["name"]: ready(s) for s in servers}
    extra = f"location /files/ {{ alias {files}/; sendfile on; }}"  # as distributions ship it
    front = stack.enter_context(nginx(work / "nginx", "nginx-strip-prefix.conf", 1, extra))
    apps["nginx"] = {"port": front, "paths": {"big": "/files/big.bin", "small": "/files/small.bin"}}
    pid_file = work / "nginx" / "nginx.pid"  # written a moment after nginx listens
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip()):
        if time.monotonic() > deadline:
            raise RuntimeError("nginx wrote no pid file")
        time.sleep(0.05)
    apps["nginx"]["pid"] = int(pid_file.read_text())
    targets = {}
    for case, (name, _) in CASES.items():
        app = apps[name]
        paths = app["paths"]
        if case == "minimal view":
            paths = {"small": app["paths"]["memory"]}
        elif case == "view, file + headers":
            paths = {"small": app["paths"]["same"]}
        targets[case] = (app["port"], paths, app.get("pid") or app["proc"].pid)
    return targets, redis_pid


def probe(targets: dict, small: bytes) -> dict[str, tuple[int, bool, str]]:
    """Warm each case up, check its bytes; how it answers Range, whether it sends an ETag."""
    features = {}
    for case, (port, paths, _) in targets.items():
        status, headers, body = get(port, paths["small"])
        assert status == 200 and body == small, (case, status, len(body))
        if case == "dcc.Download":  # a callback answer: no Range, no ETag of the file
            features[case] = (status, False, "-")
            continue
        status, _, _ = get(port, paths["small"], {"Range": "bytes=0-9"})
        features[case] = (status, "ETag" in headers, headers.get("Accept-Ranges", "-"))
    return features


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
        targets, redis_pid = start(stack, work, args.big_mib, args.small_kib)
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
    ours, old = "ours CachePlain", f"dash-file-cache {OLD}"
    best_speed = max((old, "flask.send_file"), key=speed.__getitem__)
    best_cpu = min((old, "flask.send_file"), key=cpu.__getitem__)
    print(
        f"\n{big_label}: ours (CachePlain) vs best of {{{OLD}, send_file}}: throughput "
        f"{fmt(ratio(speed[ours], speed[best_speed]))} ({best_speed}), CPU/GiB "
        f"{fmt(ratio(cpu[ours], cpu[best_cpu], tick))} ({best_cpu}; lower is better)"
    )
    print(
        f"{args.small_kib} KiB requests/s: ours (CachePlain) vs {OLD} "
        f"{fmt(ratio(reqs[ours], reqs[old]))}, vs minimal view "
        f"{fmt(ratio(reqs[ours], reqs['minimal view']))}, vs a view reading the file and "
        f"sending the same headers {fmt(ratio(reqs[ours], reqs['view, file + headers']))}; "
        f"CacheFile vs CachePlain "
        f"{fmt(ratio(reqs['ours CacheFile'], reqs[ours]))}, CacheRedis vs CachePlain "
        f"{fmt(ratio(reqs['ours CacheRedis'], reqs[ours]))}"
    )
    if args.chart:
        pairs = {
            f"ours/{OLD}": (ours, old),
            "ours/send_file": (ours, "flask.send_file"),
            "ours/minimal view": (ours, "minimal view"),
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
