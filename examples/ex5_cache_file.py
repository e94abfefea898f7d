"""Example 5: keep the cached items as files in a temporary directory (``CacheFile``).

``CacheFile()`` creates a temporary directory, removed when the program exits (also when
it is stopped with SIGTERM, see the end of this file), and keeps
each registered item there: the SVG drawn into an ``io.StringIO`` is written to a file of
the directory, while a file registered by path is kept as a reference to that path.
Because the items are files, every process that opens the same directory sees them.
The page tells where the directory is and how many items it holds.

Needs only this package (``pip install -e .`` from the repository). Run it with::

    python examples/ex5_cache_file.py

and open http://127.0.0.1:8050/ in a browser.
"""

from __future__ import annotations

import io
import signal
import sys
from pathlib import Path

import dash
from dash import Input, Output, ctx, html

import dash_file_cache as dfc

CIRCLE = Path(__file__).resolve().parent / "assets" / "circle.svg"  # 120x120 px

cache = dfc.CacheFile()  # cache_dir=None: a temporary directory, removed at exit
service = dfc.ServiceData(cache)

app = dash.Dash(__name__, title="Example 5: a cache of files")
service.serve(app)

app.layout = html.Div(
    [
        html.H1("A cache kept as files"),
        html.Button("Draw in memory", id="draw"),
        html.Button("Show a file", id="show-file", style={"marginLeft": 8}),
        html.P(id="status"),
        html.Img(id="image", alt="the registered SVG"),
    ]
)


def svg_width(clicks: int) -> int:
    """The width (px) of the SVG drawn after ``clicks`` clicks."""
    return 120 + 30 * clicks


SVG_HEIGHT = 90  # px


def draw_svg(clicks: int) -> str:
    """An SVG that widens with the number of clicks."""
    width = svg_width(clicks)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{SVG_HEIGHT}">'
        f'<rect width="{width}" height="{SVG_HEIGHT}" fill="#d62728"/>'
        f'<text x="8" y="50" font-family="sans-serif" font-size="16" fill="white">'
        f"drawing {clicks}</text>"
        "</svg>"
    )


@app.callback(
    Output("image", "src"),
    Output("status", "children"),
    Input("draw", "n_clicks"),
    Input("show-file", "n_clicks"),
    prevent_initial_call=True,
)
def show(draws: int | None, _shows: int | None) -> tuple[str, str]:
    """Register a new drawing (written into the cache directory) or the file by path."""
    if ctx.triggered_id == "draw":
        addr = service.register(io.StringIO(draw_svg(draws or 0)), mime_type="image/svg+xml")
    else:
        addr = service.register(CIRCLE, mime_type="image/svg+xml")
    return addr, f"{len(cache)} item(s) cached in {cache.cache_dir}"


if __name__ == "__main__":
    # Python ends on SIGTERM (how systemd, docker and process managers stop a program)
    # without running its exit handlers, so the temporary directory would stay behind:
    # turn SIGTERM into a normal exit, as Ctrl+C (SIGINT) already is.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    app.run(host="127.0.0.1", port=8050, debug=False)
