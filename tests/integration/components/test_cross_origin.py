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
from dash_file_cache.services.respond import NOT_FOUND

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


def test_cors002_owned_items_from_another_origin_with_credentials(
    dash_duo, other_origin, wait_until, tmp_path
):
    """Items bound to their browser (``owners.browser_session``) on a files host of
    another origin: components with ``credentials="include"`` send the session cookie
    and get them; the same components without it are refused with the unknown-uid 404,
    and that refused request leaves a one-time item unconsumed; another browser (no
    cookie) is refused too."""
    other, other_url = other_origin
    secret = "shared by the page app and the files host (test only)"
    resolve = dfc.owners.browser_session
    addresses: dict[str, str] = {}

    app = dash.Dash(__name__)
    app.server.secret_key = secret
    page_service = dfc.ServiceData(dfc.CacheFile(tmp_path / "cache"), resolve_owner=resolve)
    app.layout = html.Div(
        [
            html.Button("load", id="load"),
            html.Button("retry", id="retry"),
            dfc.CachedImage(id="img", credentials="include"),
            dfc.CachedImage(id="anonymous"),
            dfc.DownloadLink("save", id="plain", auto_start=True),
            dfc.DownloadLink("save", id="dl", auto_start=True, credentials="include"),
            html.Div(id="state"),
        ]
    )

    @app.callback(
        Output("img", "src"),
        Output("anonymous", "src"),
        Output("plain", "url"),
        Input("load", "n_clicks"),
        prevent_initial_call=True,
    )
    def load(_n):
        # In the page's request: the items belong to this browser's session id.
        png = png_bytes(*IMAGE_SIZE)
        image = other_url + page_service.register(io.BytesIO(png), mime_type="image/png")
        addresses["download"] = other_url + page_service.register(
            io.BytesIO(PAYLOAD), file_name="mine.bin", download=True, one_time_service=True
        )
        addresses["image"] = image
        return image, image, addresses["download"]

    @app.callback(Output("dl", "url"), Input("retry", "n_clicks"), prevent_initial_call=True)
    def retry(_n):
        return addresses["download"]

    @app.callback(
        Output("state", "children"),
        Input("img", "status"),
        Input("anonymous", "status"),
        Input("anonymous", "error"),
        Input("plain", "status"),
        Input("plain", "error"),
        Input("dl", "status"),
    )
    def show(*values):
        return " | ".join(str(value) for value in values)

    dash_duo.server.host = "127.0.0.1"  # same site as the files host: cookies travel
    start(dash_duo, app)
    page_origin = dash_duo.server_url.rstrip("/")
    other.secret_key = secret
    files_service = dfc.ServiceData(dfc.CacheFile(tmp_path / "cache"), resolve_owner=resolve)
    files_service.serve(other, allowed_cross_origin=[page_origin], allow_credentials=True)

    dash_duo.find_element("#load").click()
    refused = NOT_FOUND
    wait_until(
        lambda: dash_duo.find_element("#state").text.startswith(
            f"loaded | error | {refused} | error | {refused} | "
        ),
        "the credentialed image should load and the anonymous requests be refused",
    )
    assert natural_size(dash_duo, "#img img") == list(IMAGE_SIZE)
    dash_duo.find_element("#retry").click()  # the one-time item is still there
    wait_until(lambda: dash_duo.find_element("#state").text.endswith("| completed"), "no save")
    (saved,) = wait_until(
        lambda: finished_downloads(dash_duo.download_path), "the download was never saved"
    )
    assert saved.name == "mine.bin"
    assert sha256(saved.read_bytes()) == sha256(PAYLOAD)

    # Another browser (no session cookie) holding the address gets the unknown-uid 404.
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(dash_duo.server_url)
    dash_duo.wait_for_element("#load")
    script = """
    const [url, done] = arguments;
    fetch(url, {credentials: "include"}).then((r) => done(r.status)).catch(() => done(-1));
    """
    assert dash_duo.driver.execute_async_script(script, addresses["image"]) == 404
    logs = [e for e in dash_duo.get_logs() if "status of 404" not in e["message"]]
    assert logs == []
