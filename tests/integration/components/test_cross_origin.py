"""Browser tests of the components fetching from a service on another origin (CORS)."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator

import dash
import flask
import pytest
from component_helpers import finished_downloads, natural_size, png_bytes, sha256, start
from dash import Input, Output, html
from werkzeug.serving import make_server

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

IMAGE_SIZE = (321, 123)
FILE_NAME = "rapport d'été.bin"  # only Content-Disposition carries it (RFC 5987)
PAYLOAD = os.urandom(200_000) + b"end"


@pytest.fixture
def other_origin() -> Iterator[tuple[flask.Flask, str]]:
    """A plain Flask app served on 127.0.0.1 (the Dash page is on localhost): another
    origin. Yields the app and its origin; routes must be added before its first request."""
    app = flask.Flask("other_origin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="other-origin", daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_cors001_image_and_download_from_another_origin(dash_duo, other_origin, wait_until):
    """With ``allowed_cross_origin`` naming the page's origin, a CachedImage and a
    DownloadLink work against a service on another origin (the saved file is named by
    the exposed Content-Disposition); the same service without CORS is refused."""
    other, other_url = other_origin
    addresses: dict[str, str] = {}

    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            html.Button("load", id="load"),
            dfc.CachedImage(id="img"),
            dfc.CachedImage(id="refused"),
            dfc.DownloadLink(id="dl", auto_start=True),
            html.Div(id="img-status"),
            html.Div(id="refused-status"),
            html.Div(id="dl-status"),
        ]
    )

    @app.callback(
        Output("img", "src"),
        Output("refused", "src"),
        Output("dl", "url"),
        Input("load", "n_clicks"),
        prevent_initial_call=True,
    )
    def load(_n):
        return addresses["image"], addresses["refused"], addresses["download"]

    @app.callback(
        Output("img-status", "children"),
        Output("refused-status", "children"),
        Output("dl-status", "children"),
        Input("img", "status"),
        Input("refused", "status"),
        Input("dl", "status"),
    )
    def show(image, refused, download):
        return image or "none", refused or "none", download or "none"

    start(dash_duo, app)
    page_origin = dash_duo.server_url.rstrip("/")
    assert page_origin != other_url

    cache = dfc.CachePlain(16)
    shared = dfc.ServiceData(cache)
    shared.serve(other, allowed_cross_origin=[page_origin])
    private = dfc.ServiceData(cache, service_name="/private")
    private.serve(other)  # no CORS: only pages of its own origin may read it
    png = png_bytes(*IMAGE_SIZE)
    addresses["image"] = other_url + shared.register(io.BytesIO(png), mime_type="image/png")
    addresses["refused"] = other_url + private.register(io.BytesIO(png), mime_type="image/png")
    addresses["download"] = other_url + shared.register(
        io.BytesIO(PAYLOAD),
        file_name=FILE_NAME,
        mime_type="application/octet-stream",
        download=True,
    )

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#img-status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(IMAGE_SIZE)
    dash_duo.wait_for_text_to_equal("#dl-status", "completed")
    (saved,) = wait_until(
        lambda: finished_downloads(dash_duo.download_path), "the download was never saved"
    )
    assert saved.name == FILE_NAME
    assert sha256(saved.read_bytes()) == sha256(PAYLOAD)

    # Without CORS headers the browser hides the answer: an error, and Chrome says why.
    dash_duo.wait_for_text_to_equal("#refused-status", "error")
    logs = dash_duo.get_logs()
    assert logs and all("/private?uid=" in entry["message"] for entry in logs), logs
    assert any("CORS" in entry["message"] for entry in logs), logs
    assert dash_duo.get_logs() == []
