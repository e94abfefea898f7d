"""Shared by the benchmarks: a server process whose peak memory is read around a request."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MIB = 1024 * 1024  # bytes
REQUEST_TIMEOUT = 600  # seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` field in KiB (``VmRSS``, ``VmHWM``)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def write_random_file(path: str, size_mib: int) -> None:
    """A file of ``size_mib`` MiB of random bytes, written 1 MiB at a time."""
    block = os.urandom(MIB)
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(block)


@contextmanager
def random_file(size_mib: int) -> Iterator[str]:
    """A temporary file of ``size_mib`` MiB of random bytes; removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "big.bin")
        write_random_file(path, size_mib)
        yield path


@dataclass
class Server:
    """A server process, a connection to it, and the address it printed on start."""

    process: subprocess.Popen[str]
    conn: http.client.HTTPConnection
    address: str

    def reset_peak(self) -> None:
        """Forget the peak memory so far; the next :meth:`peak_growth_mib` counts from now."""
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as refs:
            refs.write("5")
        self._before = status_kib(self.process.pid, "VmRSS")

    def peak_growth_mib(self) -> float:
        return (status_kib(self.process.pid, "VmHWM") - self._before) / 1024


@contextmanager
def server_process(script: str, *args: str, warm_up: str | None = None) -> Iterator[Server]:
    """Run ``script`` (which binds the port given last, prints an address, then serves).

    ``warm_up`` is a path fetched once (imports, first-request setup) before the peak
    memory is reset; ``None`` sends a HEAD request for the printed address.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        if warm_up is None:
            conn.request("HEAD", address)
        else:
            conn.request("GET", warm_up)
        conn.getresponse().read()
        server = Server(process, conn, address)
        server.reset_peak()
        yield server
        conn.close()
    finally:
        process.terminate()
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
