"""The slow clients of ``compare_asgi.py``: one asyncio process, N throttled downloads.

Each client opens its own connection, GETs the path and reads the body at most ``rate``
bytes/s, comparing every piece with the file (byte-exact, not just the length). Run in a
process of its own so that its work does not delay the probe of the server, and so that its
CPU time can be read: printed as JSON, with the clients' results, the process's CPU seconds
and the wall time.

Run (by ``compare_asgi.py``): ``python asgi_slow_clients.py PORT PATH FILE CLIENTS RATE``
(``RATE`` in bytes/s).
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

READ = 256 * 1024  # bytes asked for per read
STALL = 120.0  # seconds without a byte before a client gives up


async def client(port: int, path: str, expected: bytes, rate: float) -> dict:
    """One throttled download: ``{"exact": bool, "bytes": int, "seconds": float, ...}``."""
    started = time.monotonic()
    got, exact, error = 0, True, ""
    writer = None
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, limit=4 * READ), STALL
        )
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STALL)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        length = int(headers.get("content-length", "-1"))
        if status != 200 or length != len(expected):
            raise ValueError(f"status {status}, Content-Length {length}")
        while got < length:
            data = await asyncio.wait_for(reader.read(READ), STALL)
            if not data:
                raise ValueError(f"connection closed at {got} of {length} bytes")
            if exact and data != expected[got : got + len(data)]:
                exact = False
            got += len(data)
            ahead = got / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)  # pacing the client
        if await reader.read(1):
            raise ValueError("more bytes than Content-Length")
    except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError) as err:
        error = f"{type(err).__name__}: {err}"
    finally:
        if writer is not None:
            writer.close()
    return {
        "exact": exact and not error and got == len(expected),
        "bytes": got,
        "seconds": time.monotonic() - started,
        "error": error,
    }


async def run(port: int, path: str, expected: bytes, clients: int, rate: float) -> list[dict]:
    return await asyncio.gather(*(client(port, path, expected, rate) for _ in range(clients)))


def main() -> None:
    port, path, file, clients, rate = sys.argv[1:6]
    with open(file, "rb") as source:
        expected = source.read()
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.monotonic()
    results = asyncio.run(run(int(port), path, expected, int(clients), float(rate)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    json.dump(
        {
            "results": results,
            "cpu_s": usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime,
            "wall_s": time.monotonic() - began,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
