"""Section 2: buttons whose callbacks register a path, a ``BytesIO`` PNG or a ``StringIO``
SVG and hand its address to one ``CachedImage``."""

from __future__ import annotations

import io

import dash
from dash import Input, Output, callback_context, html

import dash_file_cache as dfc
from demo.files import (
    BYTES_IMAGE_SIZE,
    PALETTES,
    PATH_IMAGE_SIZE,
    SVG_SIZE,
    DemoFiles,
    gradient_png,
    make_svg,
)
from demo.widgets import card, show_status, status_view

SOURCES = [  # button id, title, the call it makes
    ("swap-path", "PNG from a path", "register('from-disk.png')"),
    ("swap-bytes", "PNG from BytesIO", "register(io.BytesIO(png))"),
    ("swap-svg", "SVG from StringIO", "register(io.StringIO(svg))"),
]


def source_button(button_id: str, title: str, code: str) -> html.Button:
    """A button naming a source and the ``register()`` call it makes."""
    return html.Button([html.B(title), html.Code(code)], id=button_id, className="btn source")


def layout() -> html.Section:
    """The section: an empty image, the three source buttons and the image's status."""
    picture = html.Div(
        [
            html.Div(
                [
                    html.Div("Pick a source →", className="frame__hint"),
                    dfc.CachedImage(id="swap-image", alt="the chosen image", status="idle"),
                ],
                className="frame frame--wide",
            ),
            html.P("No image yet.", id="swap-caption", className="caption"),
        ]
    )
    side = html.Div(
        [
            html.Div([source_button(*source) for source in SOURCES], className="sources"),
            html.Div(status_view("idle", None), id="swap-status", className="status--boxed"),
            html.P(
                "The shown image stays until the next one has loaded (no flicker); a click "
                "that comes first aborts the older fetch.",
                className="card__note",
            ),
        ],
        className="side",
    )
    note = [
        "Each button's callback registers a different source and returns its address to the same ",
        html.Code("CachedImage"),
        "; another callback shows its ",
        html.Code("status"),
        " and ",
        html.Code("progress"),
        " live.",
    ]
    return card(2, "Swap images from callbacks", note, html.Div([picture, side], className="split"))


def register_source(
    service: dfc.ServiceData, files: DemoFiles, trigger: str, number: int
) -> tuple[str, str]:
    """Register what the button ``trigger`` stands for.

    :param service: the demo's service.
    :param files: the demo's files.
    :param trigger: the id of the button clicked.
    :param number: that button's click count.
    :returns: the address, and a description of what it is.
    """
    if trigger == "swap-path":
        url = service.register(files.path_image, mime_type="image/png")
        return url, "from-disk.png ({} × {}), registered by path".format(*PATH_IMAGE_SIZE)
    if trigger == "swap-bytes":
        png = gradient_png(*BYTES_IMAGE_SIZE, *PALETTES[(number + 1) % len(PALETTES)])
        url = service.register(io.BytesIO(png), mime_type="image/png")
        return url, "a PNG ({} × {}) drawn into a BytesIO, click {}".format(
            *BYTES_IMAGE_SIZE, number
        )
    url = service.register(io.StringIO(make_svg(number)), content_type="image/svg+xml")
    return url, "an SVG ({} × {}) written into a StringIO, click {}".format(*SVG_SIZE, number)


def register_callbacks(app: dash.Dash, service: dfc.ServiceData, files: DemoFiles) -> None:
    """Each source button swaps the image; the status view follows it.

    :param app: the demo's app.
    :param service: the demo's service.
    :param files: the demo's files.
    """

    @app.callback(
        Output("swap-image", "src"),
        Output("swap-caption", "children"),
        *(Input(button_id, "n_clicks") for button_id, _, _ in SOURCES),
        prevent_initial_call=True,
    )
    def swap(*clicks: int | None) -> tuple[str, list[object]]:
        """Show the source whose button was clicked, and say what it is."""
        trigger = str(callback_context.triggered_id)
        number = clicks[[button_id for button_id, _, _ in SOURCES].index(trigger)] or 0
        url, what = register_source(service, files, trigger, number)
        return url, [html.Span(f"Showing {what}:"), html.Br(), html.Code(url)]

    show_status(app, "swap-image", "swap-status")
