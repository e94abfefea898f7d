"""The demo app: one ``ServiceData`` on an in-memory ``CachePlain``, the "Slow network"
middleware, and the page made of the four sections, on any of Dash's backends."""

from __future__ import annotations

import dash
from dash import html

import dash_file_cache as dfc
from demo import section_downloads, section_exports, section_image, section_swaps, slow
from demo.files import DemoFiles
from demo.style import INDEX

SERVICE_NAME = "/cached-data"  # the service's address on this server
CACHE_ITEMS = 64  # the cache keeps the 64 most recently used items
BACKENDS = ("flask", "fastapi", "quart")  # Dash's backends, each a server of its own


def header() -> html.Header:
    """The top bar: the name, a tag line and the "Slow network" switch."""
    title = html.H1(
        [
            html.Span(className="brand__mark"),
            "dash-file-cache",
            html.Span("demo", className="brand__tag"),
        ],
        className="brand",
    )
    tagline = html.P(
        "Files your Dash app makes at run time, streamed to the browser by URL, with "
        "progress and cancel.",
        className="tagline",
    )
    inner = html.Div([html.Div([title, tagline]), slow.switch()], className="topbar__inner")
    return html.Header(inner, className="topbar")


def footer() -> html.P:
    """Where the files come from."""
    return html.P(
        [
            "Served by ",
            html.Code(f"ServiceData(CachePlain({CACHE_ITEMS})).serve(app)"),
            f" at {SERVICE_NAME} on this Dash server.",
        ],
        className="footer",
    )


def create_app(files: DemoFiles, backend: str = "flask") -> dash.Dash:
    """Build the demo.

    :param files: the files written at start (see :func:`demo.files.write_start_files`).
    :param backend: Dash's backend, one of :data:`BACKENDS`.
    :returns: the app, ready to serve (see ``usage.py``).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown Dash backend {backend!r}: one of {', '.join(BACKENDS)}")
    app = dash.Dash(
        __name__,
        backend=backend,
        title="dash-file-cache demo",
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = INDEX
    service = dfc.ServiceData(dfc.CachePlain(CACHE_ITEMS), service_name=SERVICE_NAME)
    service.serve(app)
    slow.install(app, backend, SERVICE_NAME)

    def layout() -> html.Div:
        """The page; its files are registered for each visit, so no address goes stale."""
        sections = [
            section_image.layout(service, files),
            section_swaps.layout(),
            section_downloads.layout(service),
            section_exports.layout(files),
            footer(),
        ]
        return html.Div([header(), html.Main(sections, className="page")])

    app.layout = layout
    slow.register_callbacks(app)
    for section in (section_image, section_swaps):
        section.register_callbacks(app, service, files)
    section_downloads.register_callbacks(app, service, files, asgi=backend != "flask")
    section_exports.register_callbacks(app, service, files)
    return app
