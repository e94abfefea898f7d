"""Example 3: register files from a Dash *background* callback into a ``CacheQueue``.

A background callback runs in a worker process that Dash's ``DiskcacheManager`` forks
from the web process, so it cannot write into the web process's memory. ``CacheQueue``
solves this: the web process holds the items, and a worker's ``register()`` sends its
item there through a ``multiprocessing`` manager queue. Choose what to register (an SVG
in an ``io.StringIO``, SVG bytes in an ``io.BytesIO`` or the path of an SVG file) and
click the button; the page also says which process registered the item.

It works whether workers are forked (the default on Linux) or spawned (the default on
macOS and Windows: the worker re-imports this module, and the ``CacheQueue`` made again
at the same line feeds the web process's queue). ``DiskcacheManager`` needs
``pip install "dash[diskcache]"`` (multiprocess, psutil).

Run it with::

    python examples/ex3_background_callback.py

and open http://127.0.0.1:8050/ in a browser.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import dash
import diskcache
from dash import DiskcacheManager, Input, Output, State, dcc, html

import dash_file_cache as dfc

SQUARE = Path(__file__).resolve().parent / "assets" / "square.svg"  # 200x150 px

# The items are held by this (the web) process; workers send theirs through the queue of
# a multiprocessing manager that the cache starts here (and never in a worker).
cache = dfc.CacheQueue(16)
service = dfc.ServiceData(cache)

# Dash runs each background job in a forked worker process and keeps the jobs' results
# in a diskcache, here in a temporary directory (removed at exit).
jobs_dir = tempfile.TemporaryDirectory(prefix="dfc-ex3-jobs-")
jobs = DiskcacheManager(diskcache.Cache(jobs_dir.name))
app = dash.Dash(__name__, title="Example 3: background callback", background_callback_manager=jobs)
service.serve(app)

app.layout = html.Div(
    [
        html.H1("Register from a background callback"),
        dcc.RadioItems(
            id="kind",
            options=[
                {"label": "an SVG in an io.StringIO", "value": "stringio"},
                {"label": "SVG bytes in an io.BytesIO", "value": "bytesio"},
                {"label": "the path of an SVG file", "value": "path"},
            ],
            value="stringio",
        ),
        html.Button("Register", id="register"),
        html.P(id="worker"),
        html.Img(id="image", alt="the registered SVG"),
    ]
)


def draw_svg(width: int, height: int, label: str) -> str:
    """A ``width`` x ``height`` px SVG showing ``label``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="#9467bd"/>'
        f'<text x="8" y="24" font-family="sans-serif" font-size="16" fill="white">'
        f"{label}</text>"
        "</svg>"
    )


@app.callback(
    Output("image", "src"),
    Output("worker", "children"),
    Input("register", "n_clicks"),
    State("kind", "value"),
    background=True,
    running=[(Output("register", "disabled"), True, False)],
    prevent_initial_call=True,
)
def register(clicks: int, kind: str) -> tuple[str, str]:
    """Runs in a worker process: register the chosen source and return its address."""
    if kind == "stringio":
        text = draw_svg(240, 80, "StringIO")
        addr = service.register(io.StringIO(text), mime_type="image/svg+xml")
    elif kind == "bytesio":
        data = draw_svg(160, 160, "BytesIO").encode("utf-8")
        addr = service.register(io.BytesIO(data), mime_type="image/svg+xml")
    else:
        addr = service.register(SQUARE, mime_type="image/svg+xml")
    return addr, f"{kind} registered by process {os.getpid()}"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
