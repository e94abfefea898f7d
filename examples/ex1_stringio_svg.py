"""Example 1: show an SVG drawn in memory (``io.StringIO``) through a one-time address.

Each click on the button draws a new SVG into an ``io.StringIO``, registers it with
``one_time_service=True`` and puts the returned address into an ``html.Img``. The browser
fetches the image once; the item is then removed from the cache, so fetching the same
address again answers 404 (a JSON body with ``"error"``) and nothing piles up in memory.

Needs only this package (``pip install -e .`` from the repository). Run it with::

    python examples/ex1_stringio_svg.py

and open http://127.0.0.1:8050/ in a browser.
"""

from __future__ import annotations

import io

import dash
from dash import Input, Output, html

import dash_file_cache as dfc

app = dash.Dash(__name__, title="Example 1: an SVG drawn in memory")

# Items live in this process's memory; one-time items leave as soon as they are served.
service = dfc.ServiceData(dfc.CachePlain(16))
service.serve(app)

app.layout = html.Div(
    [
        html.H1("An SVG drawn in memory"),
        html.P("Each click draws a wider bar, served once from an in-memory StringIO."),
        html.Button("Draw", id="draw"),
        html.Div(html.Img(id="image", alt="the SVG drawn in memory"), style={"marginTop": 16}),
    ]
)


def svg_width(clicks: int) -> int:
    """The width (px) of the SVG drawn after ``clicks`` clicks."""
    return 100 + 40 * clicks


SVG_HEIGHT = 80  # px


def draw_svg(clicks: int) -> str:
    """An SVG whose bar (and the picture itself) grows with the number of clicks."""
    width = svg_width(clicks)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{SVG_HEIGHT}">'
        f'<rect x="0" y="20" width="{width}" height="40" fill="#2ca02c"/>'
        f'<text x="8" y="46" font-family="sans-serif" font-size="16" fill="white">'
        f"click {clicks}</text>"
        "</svg>"
    )


@app.callback(Output("image", "src"), Input("draw", "n_clicks"), prevent_initial_call=True)
def draw(clicks: int) -> str:
    """Register the new drawing and hand its address to the image."""
    return service.register(
        io.StringIO(draw_svg(clicks)),
        content_type="image/svg+xml",
        mime_type="image/svg+xml",
        one_time_service=True,
    )


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
