"""The servers ``compare_gunicorn.py`` measures: each case under gunicorn, nginx, Redis.

Each gunicorn case runs ``compare_app.py`` (copied beside the data, so that the 0.2.0
virtualenv imports its own ``dash_file_cache``); :func:`start` starts them all, warmed up
and checked, and :func:`probe` records how each answers ``Range``.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from measure import free_port, write_random_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.deploy.nginx import nginx  # noqa: E402  (the runner the deploy tests use)

OLD = "0.2.0"  # the release on PyPI a user would pick instead
VENV = Path.home() / ".cache" / "dfc-bench" / f"venv-{OLD}"
# case -> (server, short name)
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
    "ours, through Flask": ("hooked", "hooked"),
}
#: Measured on the small file only: two reference views, and ours in an app with a
#: ``before_request`` hook (so the route goes through Flask, as with an auth hook).
SMALL_ONLY = ("minimal view", "view, file + headers", "ours, through Flask")
BIG_CASES = [case for case in CASES if case not in SMALL_ONLY]
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


def start(stack: ExitStack, work: Path, big_mib: int, small_kib: int) -> tuple[dict, int, str]:
    """Every server, warmed up and checked.

    :returns: ``{case: (port, paths, master pid)}``, redis-server's pid and URL.
    """
    files = work / "files"
    files.mkdir()
    big, small = files / "big.bin", files / "small.bin"
    write_random_file(str(big), big_mib)
    small.write_bytes(os.urandom(small_kib * 1024))
    (work / "bench_app.py").write_text(APP.read_text())
    redis_url, redis_pid = stack.enter_context(redis_server(work))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(BENCH_BIG=str(big), BENCH_SMALL=str(small), BENCH_REDIS=redis_url)
    names = ["CachePlain", "CacheFile", "CacheRedis", OLD, "flask", "dcc", "hooked"]
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
    return targets, redis_pid, redis_url


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


def redis_round_trips(url: str, count: int = 2000) -> tuple[float, float]:
    """Median ``PING`` round trip to redis-server in µs: over a bare socket, through redis-py.

    The floor of any request ``CacheRedis`` answers (one round trip per small item).
    """
    import socket

    import redis

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    bare = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for _ in range(count):
            began = time.perf_counter()
            sock.sendall(b"PING\r\n")
            assert sock.recv(64) == b"+PONG\r\n"
            bare.append(time.perf_counter() - began)
    client = redis.Redis.from_url(url)
    through = []
    try:
        for _ in range(count):
            began = time.perf_counter()
            client.ping()
            through.append(time.perf_counter() - began)
    finally:
        client.close()
    return statistics.median(bare) * 1e6, statistics.median(through) * 1e6
