"""Shared helpers of the CachedImage / DownloadLink browser tests (not fixtures)."""

from __future__ import annotations

import hashlib
import struct
import threading
import zlib
from pathlib import Path

import flask

WAIT_SECONDS = 10  # default explicit wait in the browser tests


def svg_bytes(width: int, height: int) -> bytes:
    """A small SVG whose natural size is ``width`` x ``height`` CSS pixels."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="#1f77b4"/></svg>'
    ).encode()


def png_bytes(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` pixels, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bit_depth, colour_type = 8, 0  # 8-bit greyscale
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([(x * 7) % 256 for x in range(width)]) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def finished_downloads(folder: str | Path) -> list[Path]:
    """Files in ``folder`` that are complete (no ``.crdownload`` partials)."""
    return sorted(
        p for p in Path(folder).iterdir() if p.is_file() and not p.name.endswith(".crdownload")
    )


def all_files(folder: str | Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.is_file())


DEBUG_SERVER = {
    "debug": True,  # dev renderer + prop-type checks of our components
    "use_reloader": False,
    "use_debugger": True,
    "dev_tools_hot_reload": False,
}


def start(dash_duo, app) -> None:
    """Start ``app`` in debug mode, so prop-type violations of the components surface."""
    dash_duo.start_server(app, **DEBUG_SERVER)


GATE_TIMEOUT = 30  # seconds; a gated response never holds a server thread longer


def add_gated_route(
    app,
    gate: threading.Event,
    data: bytes,
    first: int,
    mimetype: str = "application/octet-stream",
    path: str = "/gated",
) -> None:
    """Serve ``data`` at ``path`` with its ``Content-Length``, sending ``first`` bytes
    and then holding the rest until ``gate`` is set: a transfer that stays "in
    progress" for as long as a test needs, without sleeping."""

    def view() -> flask.Response:
        def body():
            yield data[:first]
            gate.wait(GATE_TIMEOUT)
            yield data[first:]

        return flask.Response(body(), headers={"Content-Length": str(len(data))}, mimetype=mimetype)

    app.server.add_url_rule(path, endpoint=f"gated{path}", view_func=view)
