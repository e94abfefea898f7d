"""The dash-file-cache demo: streamed images and downloads with progress bars.

Run it from the repository root::

    python3 -m pip install -e . && python3 usage.py

and open http://127.0.0.1:8050. Everything runs in this one process, on an in-memory
``CachePlain``; no other server, no external CSS or fonts. The page has three sections:

1. ``CachedImage`` loading a ~5 MiB PNG generated at start (registered by path).
2. Buttons whose callbacks ``register()`` a path, a ``BytesIO`` PNG or a ``StringIO`` SVG
   and hand the address to one ``CachedImage``; its ``status``/``progress`` shown live.
3. ``DownloadLink`` buttons: a 100 MiB file streamed from disk (cancellable), a report
   made by a callback that sets ``url``, and a file with a non-ASCII name.

On localhost transfers finish in a blink; the "Slow network" switch at the top makes
this browser's ``/cached-data`` transfers run at about 3 MiB/s so the progress bars
and the Cancel button can be watched.

Optional environment variables (the test of this demo uses them):

- ``DFC_DEMO_PORT``: the port to serve on (default 8050; always on 127.0.0.1 only).
- ``DFC_DEMO_DIR``: the folder for the generated files (default: a temporary folder,
  deleted when the demo stops).
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import signal
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import dash
from dash import Input, Output, callback_context, html
from werkzeug.http import parse_cookie

import dash_file_cache as dfc

MIB = 1024 * 1024  # bytes
BIG_IMAGE_SIZE = (1600, 1200)  # pixels of the large image
PATH_IMAGE_SIZE = (800, 450)  # ... of the image swapped in from a path
BYTES_IMAGE_SIZE = (640, 360)  # ... of the images made into a BytesIO
SVG_SIZE = (480, 270)  # ... of the StringIO SVGs
BIG_DOWNLOAD_MIB = 100  # size of the generated download
BIG_DOWNLOAD_NAME = "big-data.bin"
UNICODE_NAME = "données-été-Ωμέγα.csv"
UNICODE_CSV = "ville,température °C\nZürich,21\nΑθήνα,31\nМосква,18\nSão Paulo,26\n"
SERVICE_NAME = "/cached-data"
SLOW_COOKIE = "dfc_demo_slow"
SLOW_RATE = 3 * MIB  # bytes per second while "Slow network" is on
SLOW_STEP = 64 * 1024  # bytes sent between two pauses

PORT = int(os.environ.get("DFC_DEMO_PORT") or 8050)
Colour = tuple[int, int, int]


# -- generated files ----------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def gradient_png(
    width: int, height: int, top_left: Colour, top_right: Colour, bottom_left: Colour
) -> bytes:
    """An RGB PNG of a soft colour gradient with film grain.

    The grain is random, so the file stays about 2.6 bytes per pixel: big enough for a
    progress bar to have something to show. Pure Python, well under a second.
    """
    grain = 24  # amplitude of the noise added to each channel
    top = 255 - grain
    columns = []  # per channel: the top row's values, one byte per pixel
    for channel in range(3):
        start, end = top_left[channel], top_right[channel]
        columns.append(bytes(start + (end - start) * x // (width - 1) for x in range(width)))
    noise_table = bytes(value * grain // 256 for value in range(256))
    shifts: dict[int, bytes] = {}  # translate tables adding a row's offset, clamped
    row = bytearray(width * 3)
    rows = []
    for y in range(height):
        for channel in range(3):
            offset = (bottom_left[channel] - top_left[channel]) * y // (height - 1)
            table = shifts.get(offset)
            if table is None:
                table = bytes(max(0, min(top, v + offset)) for v in range(256))
                shifts[offset] = table
            row[channel::3] = columns[channel].translate(table)
        noise = os.urandom(width * 3).translate(noise_table)
        # Byte-wise sum in one big-integer addition: no byte exceeds 255, so no carries.
        mixed = int.from_bytes(row, "big") + int.from_bytes(noise, "big")
        rows.append(b"\x00" + mixed.to_bytes(width * 3, "big"))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"".join(rows), 1))
        + png_chunk(b"IEND", b"")
    )


PALETTES: list[tuple[Colour, Colour, Colour]] = [
    ((38, 40, 120), (210, 70, 140), (20, 150, 160)),  # indigo, pink, teal
    ((20, 60, 110), (40, 170, 200), (190, 120, 40)),  # navy, sky, amber
    ((90, 30, 90), (230, 120, 60), (40, 110, 80)),  # plum, orange, green
    ((30, 90, 70), (200, 200, 90), (40, 60, 150)),  # pine, lime, blue
]
SVG_COLOURS = [("#3f51b5", "#00acc1"), ("#8e24aa", "#f4511e"), ("#00897b", "#c0ca33")]


def make_svg(number: int) -> str:
    """A small vector card, different for each click."""
    first, second = SVG_COLOURS[number % len(SVG_COLOURS)]
    width, height = SVG_SIZE
    circles = "".join(
        f'<circle cx="{60 + 90 * i}" cy="{200 - 25 * ((i + number) % 4)}" r="{18 + 6 * i}" '
        f'fill="white" fill-opacity="{0.10 + 0.05 * i:.2f}"/>'
        for i in range(5)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="{first}"/><stop offset="1" stop-color="{second}"/>'
        "</linearGradient></defs>"
        f'<rect width="{width}" height="{height}" fill="url(#g)"/>{circles}'
        '<text x="32" y="92" font-family="sans-serif" font-size="38" font-weight="700" '
        f'fill="white">StringIO SVG #{number}</text>'
        '<text x="32" y="128" font-family="sans-serif" font-size="18" fill="white" '
        'fill-opacity="0.85">vector art, from an io.StringIO</text>'
        "</svg>"
    )


def report_csv(number: int) -> str:
    """The report made by the "Generate report" button (number: its click count)."""
    lines = [f"# report {number}", "n,square,cube"]
    lines += [f"{n},{n * n},{n * n * n}" for n in range(1, 20_001)]
    return "\n".join(lines) + "\n"


def write_big_file(path: str, size_mib: int) -> None:
    """Random bytes, written one MiB at a time (never held whole in memory)."""
    with open(path, "wb") as out:
        for _ in range(size_mib):
            out.write(os.urandom(MIB))


def make_workdir() -> str:
    folder = os.environ.get("DFC_DEMO_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        return folder
    folder = tempfile.mkdtemp(prefix="dfc-demo-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


WORKDIR = make_workdir()
BIG_IMAGE = os.path.join(WORKDIR, "big-image.png")
with open(BIG_IMAGE, "wb") as image_file:
    image_file.write(gradient_png(*BIG_IMAGE_SIZE, *PALETTES[0]))
PATH_IMAGE = os.path.join(WORKDIR, "from-disk.png")
with open(PATH_IMAGE, "wb") as image_file:
    image_file.write(gradient_png(*PATH_IMAGE_SIZE, *PALETTES[1]))
BIG_FILE = os.path.join(WORKDIR, BIG_DOWNLOAD_NAME)
write_big_file(BIG_FILE, BIG_DOWNLOAD_MIB)


# -- the "Slow network" switch --------------------------------------------------------------


class SlowNetwork:
    """WSGI middleware: sends the service's responses at ``SLOW_RATE`` to browsers whose
    "Slow network" cookie is set, so progress bars are visible on localhost."""

    def __init__(self, app: Callable[..., Iterable[bytes]], prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = self.app(environ, start_response)
        slow = parse_cookie(environ).get(SLOW_COOKIE) == "1"
        if slow and environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.throttle(body)
        return body

    @staticmethod
    def throttle(body: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for chunk in body:
                for start in range(0, len(chunk), SLOW_STEP):
                    piece = chunk[start : start + SLOW_STEP]
                    time.sleep(len(piece) / SLOW_RATE)
                    yield piece
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


# -- the app -----------------------------------------------------------------------------

CSS = """
:root {
    --ink: #1d2733; --muted: #5d6b7b; --line: #e2e7ee; --bg: #f2f4f8;
    --brand: #1f77b4; --ok: #1b7f4f; --warn: #a86300; --bad: #b42318;
}
* { box-sizing: border-box; }
body {
    margin: 0; background: var(--bg); color: var(--ink);
    font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
        sans-serif;
}
code {
    font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
        monospace;
    font-size: 0.85em; background: #eef2f6; padding: 1px 5px; border-radius: 4px;
}
.topbar { background: #15263a; color: #fff; }
.topbar__inner, .page { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
.topbar__inner {
    display: flex; align-items: center; justify-content: space-between; gap: 24px;
    padding-top: 18px; padding-bottom: 18px;
}
.brand { display: flex; align-items: center; gap: 12px; margin: 0; font-size: 21px; }
.brand__mark {
    width: 30px; height: 30px; border-radius: 8px; flex: none;
    background: linear-gradient(135deg, #3b82f6, #c026d3);
}
.brand__tag {
    font-size: 11px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase;
    padding: 2px 8px; border-radius: 999px; background: rgba(255,255,255,.14);
}
.tagline { margin: 4px 0 0 42px; color: #b7c3d2; font-size: 14px; }
.switch {
    display: flex; align-items: center; gap: 10px; flex: none; cursor: pointer;
    font: inherit; font-size: 14px; color: #dbe3ec; background: none; border: 0; padding: 6px;
}
.switch__track {
    width: 38px; height: 22px; border-radius: 11px; background: #4a5b70; position: relative;
    transition: background .15s;
}
.switch__knob {
    position: absolute; top: 3px; left: 3px; width: 16px; height: 16px; border-radius: 50%;
    background: #fff; transition: left .15s;
}
.switch--on .switch__track { background: #3b82f6; }
.switch--on .switch__knob { left: 19px; }
.switch small { display: block; color: #8fa0b4; font-size: 12px; }
.page { padding-top: 24px; padding-bottom: 32px; }
.card {
    background: #fff; border: 1px solid var(--line); border-radius: 12px;
    padding: 20px 24px 22px; margin-bottom: 20px; box-shadow: 0 1px 2px rgba(16,24,40,.05);
}
.card__head { display: flex; gap: 12px; margin-bottom: 16px; }
.step {
    flex: none; width: 28px; height: 28px; border-radius: 50%; display: grid;
    place-items: center; background: #e6f0f9; color: var(--brand); font-weight: 700;
}
.card h2 { margin: 0; font-size: 18px; line-height: 28px; }
.card__note { margin: 2px 0 0; color: var(--muted); font-size: 14px; }
.split {
    display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 28px;
    align-items: start;
}
.frame {
    position: relative; display: flex; align-items: center; overflow: hidden;
    border: 1px solid var(--line); border-radius: 10px;
    background: repeating-conic-gradient(#f0f3f7 0 25%, #fafbfc 0 50%) 0 0 / 20px 20px;
}
.frame--wide { aspect-ratio: 16 / 9; }
.frame--photo { aspect-ratio: 4 / 3; }
.frame .dfc-cached-image { position: relative; z-index: 1; width: 100%; }
.frame .dfc-cached-image__img { width: 100%; height: auto; }
.frame .dfc-cached-image__placeholder { margin: 0 auto; }
.frame__hint {
    position: absolute; inset: 0; display: grid; place-items: center; color: var(--muted);
    font-size: 14px;
}
.side { display: flex; flex-direction: column; gap: 14px; }
.facts {
    margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 6px 16px; font-size: 14px;
}
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.btn {
    font: inherit; font-size: 14px; color: var(--ink); background: #fff; cursor: pointer;
    border: 1px solid #c8d0da; border-radius: 8px; padding: 8px 14px;
}
.btn:hover { border-color: var(--brand); color: var(--brand); }
.btn:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
.sources { display: flex; flex-direction: column; gap: 8px; }
.source { text-align: left; display: flex; flex-direction: column; gap: 2px; }
.source b { font-weight: 600; }
.source code { align-self: flex-start; }
.caption { margin: 8px 2px 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.status {
    display: flex; align-items: center; gap: 10px; font-size: 13px; color: var(--muted);
    font-variant-numeric: tabular-nums;
}
.status--boxed {
    padding: 8px 12px; background: #f7f9fb; border: 1px solid var(--line); border-radius: 8px;
}
.chip {
    font-size: 11px; font-weight: 700; letter-spacing: .05em; text-transform: uppercase;
    padding: 2px 9px; border-radius: 999px; background: #eceff3; color: #52606d;
}
.chip--loading, .chip--downloading { background: #e3eefa; color: var(--brand); }
.chip--loaded, .chip--completed { background: #e1f3e8; color: var(--ok); }
.chip--aborted { background: #fcf0da; color: var(--warn); }
.chip--error { background: #fbe3e0; color: var(--bad); }
.files { list-style: none; margin: 0; padding: 0; }
.file {
    display: grid; grid-template-columns: 46px minmax(0, 1fr) auto; gap: 16px;
    align-items: center; padding: 14px 0; border-top: 1px solid var(--line);
}
.file:first-child { border-top: 0; padding-top: 4px; }
.file__icon {
    width: 46px; height: 46px; border-radius: 10px; display: grid; place-items: center;
    color: #fff; font-size: 11px; font-weight: 700; letter-spacing: .04em;
}
.file__icon--bin { background: linear-gradient(135deg, #475569, #1e293b); }
.file__icon--csv { background: linear-gradient(135deg, #22a06b, #177245); }
.file__icon--txt { background: linear-gradient(135deg, #7c3aed, #4c1d95); }
.file__name { font-weight: 600; overflow-wrap: anywhere; }
.file__meta { color: var(--muted); font-size: 13px; }
.file__actions { display: flex; flex-direction: column; align-items: flex-end; gap: 6px; }
.file__buttons { display: flex; align-items: center; gap: 10px; }
.snippet {
    margin: 0; padding: 12px 14px; border-radius: 8px; background: #14263a; color: #d7e3f1;
    font-size: 14px; line-height: 1.6; overflow-x: auto;
}
.snippet code { background: none; padding: 0; color: inherit; }
.footer { color: var(--muted); font-size: 13px; text-align: center; }
@media (max-width: 760px) {
    .split { grid-template-columns: 1fr; }
    .topbar__inner { flex-direction: column; align-items: flex-start; }
}
"""

INDEX = (
    "<!DOCTYPE html>\n<html lang='en'>\n<head>\n{%metas%}\n<title>{%title%}</title>\n"
    "{%favicon%}\n{%css%}\n<style>" + CSS + "</style>\n</head>\n<body>\n{%app_entry%}\n"
    "<footer>\n{%config%}\n{%scripts%}\n{%renderer%}\n</footer>\n</body>\n</html>\n"
)

app = dash.Dash(
    __name__,
    title="dash-file-cache demo",
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
app.index_string = INDEX
service = dfc.ServiceData(dfc.CachePlain(64), service_name=SERVICE_NAME)
service.serve(app)
app.server.wsgi_app = SlowNetwork(app.server.wsgi_app, SERVICE_NAME)


def size_text(size: int | None) -> str:
    """``1536`` -> ``"1.5 KiB"``."""
    if size is None:
        return "?"
    if size < 1024:
        return f"{size} B"
    if size < MIB:
        return f"{size / 1024:.1f} KiB"
    return f"{size / MIB:.1f} MiB"


def status_view(
    status: str | None, progress: dict[str, int | None] | None, error: str | None = None
) -> html.Div:
    """A status chip and the bytes so far, with the raw values as data attributes."""
    status = status or "idle"
    progress = progress or {}
    loaded, total = progress.get("loaded"), progress.get("total")
    if error and status == "error":
        text = error
    elif status in ("loading", "downloading"):
        text = f"{size_text(loaded)} of {size_text(total)}"
        if loaded is not None and total:
            text += f" · {loaded * 100 // total}%"
    elif status in ("loaded", "completed"):
        text = "in the browser's download manager" if loaded is None else size_text(total or loaded)
    elif status == "aborted":
        text = f"cancelled after {size_text(loaded)}"
    else:
        text = "ready"
    attributes: dict[str, Any] = {
        "data-status": status,
        "data-loaded": "" if loaded is None else str(loaded),
        "data-total": "" if total is None else str(total),
    }
    return html.Div(
        [html.Span(status, className=f"chip chip--{status}"), html.Span(text)],
        className="status",
        **attributes,
    )


def card(step: int, title: str, note: Any, *children: Any) -> html.Section:
    return html.Section(
        [
            html.Div(
                [
                    html.Span(str(step), className="step"),
                    html.Div([html.H2(title), html.P(note, className="card__note")]),
                ],
                className="card__head",
            ),
            *children,
        ],
        className="card",
        id=f"section-{step}",
    )


def file_row(icon: str, name: Any, meta: Any, *actions: Any, status_id: str) -> html.Li:
    return html.Li(
        [
            html.Div(icon.upper(), className=f"file__icon file__icon--{icon}"),
            html.Div(
                [html.Div(name, className="file__name"), html.Div(meta, className="file__meta")]
            ),
            html.Div(
                [
                    html.Div(list(actions), className="file__buttons"),
                    html.Div(status_view("idle", None), id=status_id),
                ],
                className="file__actions",
            ),
        ],
        className="file",
    )


def layout() -> html.Div:
    """The page; the files are registered for each visit, so no address goes stale."""
    big_size = os.path.getsize(BIG_IMAGE)
    big_image = card(
        1,
        "A large image, streamed",
        [
            "A PNG generated by the server, loaded by ",
            html.Code("CachedImage"),
            " with a progress bar while the bytes arrive.",
        ],
        html.Div(
            [
                html.Div(
                    dfc.CachedImage(
                        id="big-image",
                        src=service.register(BIG_IMAGE, mime_type="image/png"),
                        alt="a large generated gradient",
                        status="idle",
                    ),
                    className="frame frame--photo",
                ),
                html.Div(
                    [
                        html.Dl(
                            [
                                html.Dt("Source"),
                                html.Dd([html.Code("register(path)"), " of a file on disk"]),
                                html.Dt("Pixels"),
                                html.Dd("{} × {}".format(*BIG_IMAGE_SIZE)),
                                html.Dt("Size"),
                                html.Dd(f"{size_text(big_size)} ({big_size:,} bytes)"),
                            ],
                            className="facts",
                        ),
                        html.Pre(
                            html.Code(
                                "src = service.register(\n"
                                '    path, mime_type="image/png"\n'
                                ")\n"
                                "dfc.CachedImage(src=src)"
                            ),
                            className="snippet",
                        ),
                        html.Div(
                            status_view("idle", None),
                            id="big-status",
                            className="status--boxed",
                        ),
                        html.Div(
                            html.Button("Load it again", id="big-reload", className="btn"),
                        ),
                        html.P(
                            "On localhost it loads in a blink: turn on “Slow network” "
                            "above and load it again to watch the bar.",
                            className="card__note",
                        ),
                    ],
                    className="side",
                ),
            ],
            className="split",
        ),
    )

    def source(title: str, code: str, button_id: str) -> html.Button:
        return html.Button([html.B(title), html.Code(code)], id=button_id, className="btn source")

    swap = card(
        2,
        "Swap images from callbacks",
        [
            "Each button's callback registers a different source and returns its address "
            "to the same ",
            html.Code("CachedImage"),
            "; another callback shows its ",
            html.Code("status"),
            " and ",
            html.Code("progress"),
            " live.",
        ],
        html.Div(
            [
                html.Div(
                    [
                        html.Div(
                            [
                                html.Div("Pick a source →", className="frame__hint"),
                                dfc.CachedImage(
                                    id="swap-image", alt="the chosen image", status="idle"
                                ),
                            ],
                            className="frame frame--wide",
                        ),
                        html.P("No image yet.", id="swap-caption", className="caption"),
                    ]
                ),
                html.Div(
                    [
                        html.Div(
                            [
                                source("PNG from a path", "register('from-disk.png')", "swap-path"),
                                source(
                                    "PNG from BytesIO", "register(io.BytesIO(png))", "swap-bytes"
                                ),
                                source(
                                    "SVG from StringIO", "register(io.StringIO(svg))", "swap-svg"
                                ),
                            ],
                            className="sources",
                        ),
                        html.Div(
                            status_view("idle", None),
                            id="swap-status",
                            className="status--boxed",
                        ),
                        html.P(
                            "The shown image stays until the next one has loaded (no "
                            "flicker); a click that comes first aborts the older fetch.",
                            className="card__note",
                        ),
                    ],
                    className="side",
                ),
            ],
            className="split",
        ),
    )

    big_url = service.register(
        BIG_FILE,
        file_name=BIG_DOWNLOAD_NAME,
        mime_type="application/octet-stream",
        download=True,
    )
    unicode_url = service.register(
        io.StringIO(UNICODE_CSV),
        file_name=UNICODE_NAME,
        content_type="text/csv; charset=utf-8",
        mime_type="text/csv",
        download=True,
    )
    downloads = card(
        3,
        "Downloads with progress",
        [
            html.Code("DownloadLink"),
            " fetches with a progress bar and a Cancel button, then saves the file under "
            "the name the server sent.",
        ],
        html.Ul(
            [
                file_row(
                    "bin",
                    BIG_DOWNLOAD_NAME,
                    f"{BIG_DOWNLOAD_MIB} MiB of random bytes, streamed from a file on the "
                    "server (never held whole in memory). Cancel it while it runs.",
                    dfc.DownloadLink(f"Download {BIG_DOWNLOAD_MIB} MiB", id="dl-big", url=big_url),
                    status_id="dl-big-status",
                ),
                file_row(
                    "csv",
                    "A fresh report",
                    [
                        "Made when you click: the callback registers a ",
                        html.Code("StringIO"),
                        " and sets the link's ",
                        html.Code("url"),
                        "; ",
                        html.Code("auto_start"),
                        " downloads it.",
                    ],
                    html.Button("Generate report", id="make-report", className="btn"),
                    dfc.DownloadLink(
                        "Save again", id="dl-report", auto_start=True, style={"display": "none"}
                    ),
                    status_id="dl-report-status",
                ),
                file_row(
                    "txt",
                    UNICODE_NAME,
                    "A non-ASCII file name, sent in an RFC 5987 Content-Disposition.",
                    dfc.DownloadLink("Download", id="dl-unicode", url=unicode_url),
                    status_id="dl-unicode-status",
                ),
            ],
            className="files",
        ),
    )
    header = html.Header(
        html.Div(
            [
                html.Div(
                    [
                        html.H1(
                            [
                                html.Span(className="brand__mark"),
                                "dash-file-cache",
                                html.Span("demo", className="brand__tag"),
                            ],
                            className="brand",
                        ),
                        html.P(
                            "Files your Dash app makes at run time, streamed to the browser "
                            "by URL, with progress and cancel.",
                            className="tagline",
                        ),
                    ]
                ),
                html.Button(id="slow-toggle", className="switch", title="Slow network"),
            ],
            className="topbar__inner",
        ),
        className="topbar",
    )
    footer = html.P(
        [
            "Served by ",
            html.Code("ServiceData(CachePlain(64)).serve(app)"),
            f" at {SERVICE_NAME} on this Dash server.",
        ],
        className="footer",
    )
    return html.Div([header, html.Main([big_image, swap, downloads, footer], className="page")])


app.layout = layout


@app.callback(
    Output("slow-toggle", "className"),
    Output("slow-toggle", "children"),
    Input("slow-toggle", "n_clicks"),
)
def toggle_slow(n_clicks: int | None) -> tuple[str, list[Any]]:
    """Each page load starts fast; a click flips this browser's cookie."""
    slow = bool((n_clicks or 0) % 2)
    response = callback_context.response
    if slow:
        response.set_cookie(SLOW_COOKIE, "1", samesite="Strict")
    else:  # max_age=0 deletes it (Dash 4's response adapter has no delete_cookie)
        response.set_cookie(SLOW_COOKIE, "", max_age=0, samesite="Strict")
    children = [
        html.Span(html.Span(className="switch__knob"), className="switch__track"),
        html.Span(["Slow network", html.Small(f"≈ {SLOW_RATE // MIB} MiB/s, this browser")]),
    ]
    return ("switch switch--on" if slow else "switch"), children


@app.callback(
    Output("big-image", "src"), Input("big-reload", "n_clicks"), prevent_initial_call=True
)
def reload_big_image(_: int) -> str:
    return service.register(BIG_IMAGE, mime_type="image/png")


@app.callback(
    Output("swap-image", "src"),
    Output("swap-caption", "children"),
    Input("swap-path", "n_clicks"),
    Input("swap-bytes", "n_clicks"),
    Input("swap-svg", "n_clicks"),
    prevent_initial_call=True,
)
def swap(path_clicks: int | None, bytes_clicks: int | None, svg_clicks: int | None) -> Any:
    trigger = callback_context.triggered_id
    if trigger == "swap-path":
        url = service.register(PATH_IMAGE, mime_type="image/png")
        what = "from-disk.png ({} × {}), registered by path".format(*PATH_IMAGE_SIZE)
    elif trigger == "swap-bytes":
        number = bytes_clicks or 0
        png = gradient_png(*BYTES_IMAGE_SIZE, *PALETTES[(number + 1) % len(PALETTES)])
        url = service.register(io.BytesIO(png), mime_type="image/png")
        what = "a PNG ({} × {}) drawn into a BytesIO, click {}".format(*BYTES_IMAGE_SIZE, number)
    else:
        number = svg_clicks or 0
        svg = make_svg(number)
        url = service.register(io.StringIO(svg), content_type="image/svg+xml")
        what = "an SVG ({} × {}) written into a StringIO, click {}".format(*SVG_SIZE, number)
    return url, [html.Span(f"Showing {what}:"), html.Br(), html.Code(url)]


STATUS_VIEWS = {  # component -> the element showing its status, progress and error
    "big-image": "big-status",
    "swap-image": "swap-status",
    "dl-big": "dl-big-status",
    "dl-report": "dl-report-status",
    "dl-unicode": "dl-unicode-status",
}
for component, view in STATUS_VIEWS.items():
    app.callback(
        Output(view, "children"),
        Input(component, "status"),
        Input(component, "progress"),
        Input(component, "error"),
    )(status_view)


@app.callback(
    Output("dl-report", "url"),
    Output("dl-report", "style"),
    Input("make-report", "n_clicks"),
    prevent_initial_call=True,
)
def make_report(n_clicks: int) -> tuple[str, dict[str, str]]:
    url = service.register(
        io.StringIO(report_csv(n_clicks)),
        file_name=f"report-{n_clicks}.csv",
        content_type="text/csv; charset=utf-8",
        mime_type="text/csv",
        download=True,
    )
    return url, {}


def stop(*_: object) -> None:
    sys.exit(0)  # runs the atexit clean-up of the generated files


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    app.run(host="127.0.0.1", port=PORT, debug=False)
