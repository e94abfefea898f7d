"""Example 2: swap an image between two SVG files on disk, by callback.

The callback registers a file by its *path*: the cache keeps only the path, and the file
is read from disk when the browser fetches the address. Each click on the button shows
the other file (``assets/circle.svg`` is 120x120 px, ``assets/square.svg`` 200x150 px).

Needs only this package (``pip install -e .`` from the repository). Run it with::

    python examples/ex2_swap_svg_files.py

and open http://127.0.0.1:8050/ in a browser.
"""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Input, Output, html

import dash_file_cache as dfc

FILES = Path(__file__).resolve().parent / "assets"
SHAPES = (FILES / "circle.svg", FILES / "square.svg")

app = dash.Dash(__name__, title="Example 2: swap SVG files")

# A path item costs only its path in memory; keep the 8 most recently used addresses.
service = dfc.ServiceData(dfc.CachePlain(8))
service.serve(app)

app.layout = html.Div(
    [
        html.H1("Swap two SVG files"),
        html.Button("Swap", id="swap"),
        html.P(id="name"),
        html.Img(id="image", alt="one of the two SVG files"),
    ]
)


@app.callback(Output("image", "src"), Output("name", "children"), Input("swap", "n_clicks"))
def swap(clicks: int | None) -> tuple[str, str]:
    """Show the circle first, then the other file on each click."""
    path = SHAPES[(clicks or 0) % len(SHAPES)]
    return service.register(path, mime_type="image/svg+xml"), path.name


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
