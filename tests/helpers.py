"""Small helpers shared by tests: waiting for a condition, a live WSGI server, a PNG."""

from __future__ import annotations

import json
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

#: axe-core, an npm dev dependency (``npm ci``), injected into pages by the a11y checks.
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.x A/AA rules, plus label-content-name-mismatch (an accessible name that does not
# contain the visible label). arguments[0]: a CSS selector to check, or null: the document.
_RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(
    arguments[0] ? { include: [[arguments[0]]] } : document,
    {
        runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
        rules: { "label-content-name-mismatch": { enabled: true } },
        resultTypes: ["violations"],
    }
).then((r) => done(JSON.stringify(r.violations.map(
    (v) => ({ id: v.id, nodes: v.nodes.map((n) => n.html) })
))), (e) => done(JSON.stringify([{ id: "axe failed", nodes: [String(e)] }])));
"""


def axe_violations(driver: Any, selector: str | None = None) -> list[dict[str, Any]]:
    """axe-core's violations in the page of a Selenium ``driver`` (within ``selector``)."""
    if not driver.execute_script("return typeof axe !== 'undefined';"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = json.loads(driver.execute_async_script(_RUN_AXE, selector))
    return found


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a process we started and wait for it (kill it if it lingers)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


def wait_until(condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


@contextmanager
def live_server(app: Any, request_handler: Any = None) -> Iterator[str]:
    """Serve ``app`` with Werkzeug's threaded server on 127.0.0.1; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=request_handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def grey_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` pixels (8 bits), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((x * 5) % 256 for x in range(width)) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")
