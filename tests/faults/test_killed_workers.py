"""Fault: processes writing to or streaming from a ``CacheFile`` are SIGKILLed.

- a writer process killed mid-write leaves no item, and its orphaned staging file is
  swept once old, while a live (stalled) writer's file is never swept;
- a real gunicorn sync worker killed while it streams a 32 MiB item to a slow client:
  the item (and the others) are still served byte-exact, and nothing is left behind.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import dash_file_cache as dfc

from ..helpers import wait_until
from ..multiprocess.servers import request
from .procs import ROOT, get, gone, gunicorn_logged

MEGABYTE = 1024 * 1024
DB_FILES = {"cache.db", "cache.db-wal", "cache.db-shm"}


def staging_files(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "staging").glob("*.part"))


def data_files(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*.val") if "staging" not in p.parts)


def age(path: Path, seconds: float) -> None:
    """Make ``path`` look ``seconds`` old, as if its writer had stalled that long."""
    then = os.stat(path).st_mtime - seconds
    os.utime(path, (then, then))


def start_writer(cache_dir: Path, uid: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "tests.faults.stalling_writer", str(cache_dir), uid]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def wait_for_line(process: subprocess.Popen[str], expected: str, timeout: float = 30) -> None:
    """Wait (with a deadline) until ``process`` prints the line ``expected``."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or process.poll() is not None:
            raise AssertionError(f"{process.args} did not print {expected!r}")
        readable, _, _ = select.select([process.stdout], [], [], left)
        if readable and process.stdout.readline().strip() == expected:
            return


def kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(30)
    if process.stdout is not None:
        process.stdout.close()


@pytest.mark.slow
def test_writer_killed_mid_write_is_swept_but_a_live_writer_is_not(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    dead_uid, live_uid = "a" * 32, "b" * 32
    killed = start_writer(cache_dir, dead_uid)
    live: subprocess.Popen[str] | None = None
    try:
        wait_for_line(killed, "stalled")
        kill(killed)  # SIGKILL mid-write: no clean-up runs in the writer
        (orphan,) = staging_files(cache_dir)
        assert orphan.stat().st_size == 2 * MEGABYTE

        with dfc.CacheFile(cache_dir) as cache:  # opening sweeps, but the orphan is young
            assert dead_uid not in cache
            assert len(cache) == 0
            assert data_files(cache_dir) == []
            assert staging_files(cache_dir) == [orphan]

            live = start_writer(cache_dir, live_uid)
            wait_for_line(live, "stalled")
            (writing,) = set(staging_files(cache_dir)) - {orphan}

            assert cache.sweep() == 0  # both younger than a minute: nothing is taken
            assert staging_files(cache_dir) == sorted([orphan, writing])

            age(orphan, 120)
            age(writing, 7200)  # stalled for two hours, but alive and holding its lock
            assert cache.sweep() == 1
            assert staging_files(cache_dir) == [writing]
            with dfc.CacheFile(cache_dir) as reopened:  # the sweep at opening spares it too
                assert len(reopened) == 0
            assert staging_files(cache_dir) == [writing]
            assert live.poll() is None

            kill(live)  # now it is an orphan as well
            assert cache.sweep() == 1
            assert staging_files(cache_dir) == []
            assert data_files(cache_dir) == []
            assert live_uid not in cache and len(cache) == 0
    finally:
        kill(killed)
        if live is not None:
            kill(live)


def register(port: int, payload: bytes) -> str:
    status, body, _ = request(port, "POST", "/register", payload)
    assert status == 200, body[:300]
    return str(json.loads(body)["addr"])


def serving_worker(
    master: psutil.Process, server_port: int, client_port: int
) -> psutil.Process | None:
    """The gunicorn worker holding the client's connection (``None`` if none yet)."""
    for worker in master.children():
        try:
            for conn in worker.net_connections(kind="tcp"):
                if (
                    conn.status == psutil.CONN_ESTABLISHED
                    and conn.laddr.port == server_port
                    and conn.raddr
                    and conn.raddr.port == client_port
                ):
                    return worker
        except psutil.NoSuchProcess:
            continue
    return None


def live_workers(master: psutil.Process) -> set[int]:
    return {worker.pid for worker in master.children() if not gone(worker)}


@pytest.mark.slow
def test_gunicorn_worker_killed_mid_stream(tmp_path: Path) -> None:
    cache_dir = tmp_path / "shared"
    log = tmp_path / "gunicorn.log"
    big = os.urandom(32 * MEGABYTE)
    small = [os.urandom(50_000 + n) for n in range(3)]
    env = {"DFC_CACHE_DIR": str(cache_dir)}
    with gunicorn_logged(env, log, "--workers=2", "--worker-class=sync") as (port, server):
        master = psutil.Process(server.pid)
        big_address = register(port, big)
        small_addresses = [register(port, payload) for payload in small]
        wait_until(lambda: len(live_workers(master)) == 2, what="two gunicorn workers")

        # A client starts downloading the big item, reads a little, then stops reading.
        with socket.socket() as client:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
            client.settimeout(30)
            client.connect(("127.0.0.1", port))
            client.sendall(
                f"GET {big_address} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            received = b""
            while b"\r\n\r\n" not in received or len(received) < 256 * 1024:
                piece = client.recv(64 * 1024)
                assert piece, "the server closed the connection early"
                received += piece
            head, _, body = received.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200"), head
            assert f"content-length: {len(big)}".encode() in head.lower()

            client_port = client.getsockname()[1]
            worker = wait_until(
                lambda: serving_worker(master, port, client_port),
                what="the worker serving the slow client",
            )
            # It is mid-stream: it has the item's data file open.
            assert any(f.path.endswith(".val") for f in worker.open_files())
            worker.send_signal(signal.SIGKILL)
            wait_until(lambda: gone(worker), what="the serving worker to die")

            try:  # what was in flight still arrives; then the connection ends
                while piece := client.recv(1024 * 1024):
                    body += piece
            except ConnectionResetError:
                pass
            assert len(body) < len(big), "the download was not cut: nothing was killed"
            assert body == big[: len(body)]

        # The master replaces the worker; everything is still served byte-exact.
        wait_until(
            lambda: len(live_workers(master)) == 2 and worker.pid not in live_workers(master),
            timeout=30,
            what="gunicorn to replace the killed worker",
        )
        served_by = set()
        for _ in range(4):
            answer = get(port, big_address)
            assert answer.status == 200
            assert answer.body == big
            served_by.add(answer.headers["x-worker-pid"])
        for address, payload in zip(small_addresses, small, strict=True):
            answer = get(port, address)
            assert (answer.status, answer.body) == (200, payload)
        assert str(worker.pid) not in served_by

    assert f"pid:{worker.pid}" in log.read_text(errors="replace")  # gunicorn saw the kill
    # Nothing leaked: only the index and the four items' files are in the directory.
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    extra = [p for p in files if p.name not in DB_FILES and p.suffix != ".val"]
    assert extra == []
    assert staging_files(cache_dir) == []
    values = data_files(cache_dir)
    assert sorted(p.stat().st_size for p in values) == sorted(map(len, [big, *small]))
    with dfc.CacheFile(cache_dir) as cache:
        assert len(cache) == 4
        assert cache.nbytes == len(big) + sum(map(len, small))
