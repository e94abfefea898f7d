"""Shared helpers of the CachedImage / DownloadLink browser tests (not fixtures)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import flask

WAIT_SECONDS = 10  # default explicit wait in the browser tests


def svg_bytes(width: int, height: int) -> bytes:
    """A small SVG whose natural size is ``width`` x ``height`` CSS pixels."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="#1f77b4"/></svg>'
    ).encode()


def _png(width: int, height: int, colour_type: int, rows: bytes, level: int = -1) -> bytes:
    """A PNG (8 bits per sample) around ``rows``: the filtered scanlines."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    bit_depth = 8
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, level))
        + chunk(b"IEND", b"")
    )


def png_bytes(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` pixels, built by hand."""
    greyscale = 0
    rows = b"".join(b"\x00" + bytes([(x * 7) % 256 for x in range(width)]) for _ in range(height))
    return _png(width, height, greyscale, rows)


@functools.cache
def noise_png(width: int, height: int) -> bytes:
    """An RGB PNG of random pixels: incompressible, so it is ~3 bytes per pixel.

    Cached: the big ones are shared by several tests.
    """
    truecolour, stored = 2, 0  # colour type; zlib level 0 (random data does not shrink)
    stride = width * 3
    noise = os.urandom(stride * height)
    rows = b"".join(b"\x00" + noise[y * stride : (y + 1) * stride] for y in range(height))
    return _png(width, height, truecolour, rows, stored)


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


# -- a throttled view of a ServiceData ---------------------------------------------------


@dataclasses.dataclass
class Pace:
    """How a throttled body goes out: in ``piece``-byte pieces ``delay`` seconds apart,
    and with ``hold_at`` it stops after that many bytes until ``gate`` is set. The waits
    are throttling inside the server, not test synchronisation."""

    piece: int = 256 * 1024  # bytes
    delay: float = 0.02  # seconds between pieces
    hold_at: int | None = None  # bytes
    gate: threading.Event | None = None

    def __post_init__(self) -> None:
        if (self.hold_at is None) != (self.gate is None):
            raise ValueError("hold_at and gate go together")


@dataclasses.dataclass
class Transfer:
    """What the throttled route did for one GET."""

    uid: str
    total: int  # bytes announced in Content-Length
    sent: int = 0  # bytes the server wrote to the client
    done: bool = False  # every byte was written
    closed_early: bool = False  # the response was closed (client gone) before the end


class ThrottledService:
    """Serve the items of ``service`` at ``path``, slowly: the body goes out in
    ``piece``-byte pieces ``delay`` seconds apart, and with ``hold_at`` the response
    stops after that many bytes until ``gate`` is set (the keywords of :class:`Pace`).

    Everything else (headers, status, HEAD, errors) is the service's own answer:
    the view calls ``service.stream``. Each GET is recorded as a :class:`Transfer`,
    so a test can see server-side whether the client read everything or went away.
    The waits are throttling inside the server, not test synchronisation.
    """

    def __init__(self, app, service, *, path: str = "/slow", **pace: Any) -> None:
        self.service = service
        self.path = path
        self.pace = Pace(**pace)
        self.transfers: list[Transfer] = []
        self._lock = threading.Lock()
        server = app.server if hasattr(app, "server") else app
        server.add_url_rule(path, endpoint=f"throttled{path}", view_func=self._view)

    def address(self, registered: str) -> str:
        """The throttled twin of an address returned by ``service.register``."""
        assert registered.startswith(self.service.service_name + "?"), registered
        return self.path + registered[len(self.service.service_name) :]

    def transfer(self, address: str) -> Transfer | None:
        """The latest GET of ``address`` (a registered or throttled address), if any."""
        uid = address.split("uid=", 1)[1].split("&", 1)[0]
        with self._lock:
            matches = [t for t in self.transfers if t.uid == uid]
        return matches[-1] if matches else None

    def _view(self) -> flask.Response:
        request = flask.request
        uid = request.args.get("uid", "")
        response = self.service.stream(uid, request.args.get("download") == "true")
        if request.method == "HEAD" or response.status_code not in (200, 206):
            return response
        transfer = Transfer(uid, int(response.headers["Content-Length"]))
        with self._lock:
            self.transfers.append(transfer)
        response.response = self._throttle(response.response, transfer)
        return response

    def _throttle(self, body: Iterable[bytes], transfer: Transfer) -> Iterator[bytes]:
        return throttled(body, transfer, self.pace)


def throttled(body: Iterable[bytes], transfer: Transfer, pace: Pace) -> Iterator[bytes]:
    """``body`` sent at ``pace``; counts into ``transfer`` and closes ``body``."""
    try:
        for block in body:
            for start in range(0, len(block), pace.piece):
                if pace.hold_at is not None and transfer.sent == pace.hold_at:
                    pace.gate.wait(GATE_TIMEOUT)
                time.sleep(pace.delay)
                part = block[start : start + pace.piece]
                yield part  # GeneratorExit here when the server closes the response
                transfer.sent += len(part)
        transfer.done = True
    finally:
        transfer.closed_early = not transfer.done
        close = getattr(body, "close", None)
        if close is not None:
            close()


class ThrottledGets:
    """Throttle the service's own answers in place (a WSGI middleware around the app):
    every GET of an item address (``uid=`` in the query) with a 200 answer is sent as
    :func:`throttled` sends it, and recorded with its method and query in ``requests``.
    HEADs and errors pass untouched (recorded too)."""

    def __init__(self, app, **pace: Any) -> None:
        self.pace = Pace(**pace)
        self.requests: list[tuple[str, str]] = []  # (method, query)
        self.transfers: list[Transfer] = []
        self._inner = app.server.wsgi_app
        app.server.wsgi_app = self._app

    def _app(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "uid=" not in query:
            return self._inner(environ, start_response)
        self.requests.append((environ["REQUEST_METHOD"], query))
        seen = {}

        def recording(status, headers, exc_info=None):
            seen["status"] = status
            seen["length"] = dict(headers).get("Content-Length")
            return start_response(status, headers, exc_info)

        body = self._inner(environ, recording)
        if environ["REQUEST_METHOD"] != "GET" or not seen["status"].startswith("200"):
            return body
        transfer = Transfer(query, int(seen["length"]))
        self.transfers.append(transfer)
        return throttled(body, transfer, self.pace)


# -- browser instrumentation -------------------------------------------------------------

#: Records every object URL the page creates and revokes, in ``window.__dfcUrls``.
OBJECT_URL_PROBE = """
(() => {
    const record = { created: [], revoked: [] };
    const create = URL.createObjectURL.bind(URL);
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.createObjectURL = (object) => {
        const url = create(object);
        record.created.push(url);
        return url;
    };
    URL.revokeObjectURL = (url) => {
        record.revoked.push(url);
        return revoke(url);
    };
    window.__dfcUrls = record;
})();
"""


def install_object_url_probe(dash_duo) -> None:
    """Instrument ``URL.createObjectURL``/``revokeObjectURL`` in every page loaded from
    now on (call before ``start``)."""
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": OBJECT_URL_PROBE}
    )


def object_urls(dash_duo) -> dict[str, list[str]]:
    """``{"created": [...], "revoked": [...], "live": [...]}`` of the current page."""
    record = dash_duo.driver.execute_script("return window.__dfcUrls;")
    assert record is not None, "the object URL probe is not installed"
    revoked = set(record["revoked"])
    record["live"] = [url for url in record["created"] if url not in revoked]
    return record


def count(dash_duo, selector: str) -> int:
    """How many elements match ``selector`` now (no implicit wait, unlike find_elements)."""
    return dash_duo.driver.execute_script(
        "return document.querySelectorAll(arguments[0]).length;", selector
    )


def natural_size(dash_duo, selector: str) -> list[int] | None:
    """``[naturalWidth, naturalHeight]`` of a loaded image, else None."""
    return dash_duo.driver.execute_script(
        "const img = document.querySelector(arguments[0]);"
        "return img && img.complete && img.naturalWidth"
        " ? [img.naturalWidth, img.naturalHeight] : null;",
        selector,
    )


DOCS = Path(__file__).resolve().parents[3] / "docs"
#: A white, padded box around a component, in the page's font: what the docs show.
SCREENSHOT_FRAME = {
    "display": "inline-block",
    "padding": "20px",
    "background": "#fff",
    "fontFamily": "system-ui, sans-serif",
    "fontSize": "15px",
}


def settle_animations(dash_duo, wait_until) -> None:
    """Wait until no CSS transition or animation runs (so a screenshot is stable)."""
    wait_until(
        lambda: dash_duo.driver.execute_script("return document.getAnimations().length") == 0,
        "animations never settled",
    )


def save_element_screenshot(dash_duo, selector: str, name: str) -> Path:
    """Save a PNG of the element ``selector`` as ``docs/<name>``."""
    DOCS.mkdir(exist_ok=True)
    target = DOCS / name
    # Dash's floating dev-tools menu (debug mode) would cover part of the element.
    dash_duo.driver.execute_script(
        "const style = document.createElement('style');"
        "style.id = 'hide-dev-tools';"
        "style.textContent = '[class*=dash-debug-menu] { display: none !important; }';"
        "document.head.appendChild(style);"
    )
    try:
        png = dash_duo.find_element(selector).screenshot_as_png
    finally:
        dash_duo.driver.execute_script("document.getElementById('hide-dev-tools').remove();")
    if not target.exists() or target.read_bytes() != png:
        target.write_bytes(png)
    return target


def as_json(text: str):
    return json.loads(text) if text else None
