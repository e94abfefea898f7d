"""Real processes for the fault-injection tests: redis-server, gunicorn with a captured log,
plain HTTP requests that keep the headers, and checks on processes being gone."""

from __future__ import annotations

import http.client
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from ..conftest import free_port, start_redis  # noqa: F401 (re-exported)
from ..helpers import stop, wait_until  # noqa: F401 (stop re-exported)
from ..multiprocess.servers import gunicorn_command, ready

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_APP = "tests.multiprocess.gunicorn_app:app"


class Answer:
    """One HTTP answer: status, headers (lower-case names) and the whole body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def get(port: int, path: str, timeout: float = 30) -> Answer:
    """``GET path`` on a fresh connection, read whole."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return Answer(response.status, headers, body)
    finally:
        conn.close()


@contextmanager
def gunicorn_logged(
    env: dict[str, str], log_path: Path, *options: str, app: str = GUNICORN_APP
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run gunicorn on ``app`` (``tests/multiprocess/gunicorn_app.py``) on a free port of
    127.0.0.1, its stdout and stderr going to ``log_path``; yield ``(port, master process)``."""
    port = free_port()
    command = gunicorn_command(app, port, *options)
    with (
        open(log_path, "wb") as log,
        subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=log
        ) as server,
    ):
        try:
            wait_until(
                lambda: server.poll() is not None or ready(port),
                timeout=60,
                what="gunicorn to answer",
            )
            if server.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
            yield port, server
        finally:
            stop(server)


def gone(process: psutil.Process) -> bool:
    """Whether ``process`` has ended (a zombie waiting to be reaped counts as ended)."""
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
