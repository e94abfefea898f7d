"""Browser tests of ``dash_file_cache.CachedImage`` against the real service."""

from __future__ import annotations

import io
import json

import pytest
from component_helpers import add_gated_route, png_bytes, start, svg_bytes
from dash import Input, Output, html

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

SVG_SIZE = (123, 45)
PNG_SIZE = (77, 33)


def natural_size(dash_duo, selector: str):
    return dash_duo.driver.execute_script(
        "const img = document.querySelector(arguments[0]);"
        "return img && img.complete ? [img.naturalWidth, img.naturalHeight] : null;",
        selector,
    )


def status_layout(image: dfc.CachedImage) -> html.Div:
    return html.Div(
        [
            html.Button("load", id="load"),
            image,
            html.Div(id="status"),
            html.Div(id="progress"),
            html.Div(id="error"),
        ]
    )


def add_status_callback(app) -> None:
    @app.callback(
        Output("status", "children"),
        Output("progress", "children"),
        Output("error", "children"),
        Input("img", "status"),
        Input("img", "progress"),
        Input("img", "error"),
    )
    def show_status(status, progress, error):
        return status or "none", json.dumps(progress), error or ""


def test_cimg001_svg_from_callback_loads(dash_duo, app_service):
    """A one-time in-memory SVG registered by a callback is shown at its natural size."""
    app, service = app_service
    svg = svg_bytes(*SVG_SIZE)
    app.layout = status_layout(dfc.CachedImage(id="img", alt="chart"))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return service.register(
            io.StringIO(svg.decode()),
            content_type="image/svg+xml",
            mime_type="image/svg+xml",
            one_time_service=True,
        )

    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#status", "none")
    assert dash_duo.find_elements("#img img") == []

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(SVG_SIZE)
    assert json.loads(dash_duo.find_element("#progress").text) == {
        "loaded": len(svg),
        "total": len(svg),
    }
    assert dash_duo.find_element("#img img").get_attribute("alt") == "chart"
    assert dash_duo.find_element("#img img").get_attribute("src").startswith("blob:")
    assert dash_duo.find_elements("#img [role=progressbar]") == []
    assert dash_duo.get_logs() == []


def test_cimg002_swap_keeps_one_image_and_revokes_old(dash_duo, app_service):
    """Changing ``src`` swaps in the new PNG and revokes the previous object URL."""
    app, service = app_service
    first = service.register(
        io.BytesIO(svg_bytes(*SVG_SIZE)), content_type="image/svg+xml", mime_type="image/svg+xml"
    )
    png = png_bytes(*PNG_SIZE)
    second = service.register(io.BytesIO(png), mime_type="image/png")
    app.layout = status_layout(dfc.CachedImage(id="img", src=first, width=200))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def swap(_n):
        return second

    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(SVG_SIZE)
    old_url = dash_duo.find_element("#img img").get_attribute("src")

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal(
        "#progress", json.dumps({"loaded": len(png), "total": len(png)})
    )
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    assert len(dash_duo.find_elements("#img img")) == 1
    assert dash_duo.find_element("#img img").get_attribute("width") == "200"
    new_url = dash_duo.find_element("#img img").get_attribute("src")
    assert new_url != old_url

    assert dash_duo.get_logs() == []

    # A revoked blob: URL can no longer be fetched; the one on screen still can.
    probe = (
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(() => done('alive'), () => done('revoked'));"
    )
    assert dash_duo.driver.execute_async_script(probe, old_url) == "revoked"
    assert dash_duo.driver.execute_async_script(probe, new_url) == "alive"
    # The probe's failed fetch of the revoked URL is the only console entry.
    logs = dash_duo.get_logs()
    assert [entry["message"].split(" ")[0] for entry in logs] == [old_url], logs
    assert dash_duo.get_logs() == []


def test_cimg003_unknown_uid_reports_service_error(dash_duo, app_service):
    """A 404 from the service ends in status "error" with the service's own message."""
    app, _service = app_service
    missing = "/cached-data?uid=" + "0" * 32
    app.layout = status_layout(dfc.CachedImage(id="img"))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return missing

    start(dash_duo, app)
    with app.server.test_request_context():
        expected = app.server.test_client().get(missing).get_json()["error"]
    assert expected

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "error")
    dash_duo.wait_for_text_to_equal("#error", expected)
    assert dash_duo.find_elements("#img img") == []

    # The only console entry is Chrome's own note of the failed request.
    logs = dash_duo.get_logs()
    assert len(logs) == 1 and "404" in logs[0]["message"], logs
    assert dash_duo.get_logs() == []


def test_cimg004_old_image_stays_while_next_loads(dash_duo, app_service, gate):
    """While a new ``src`` loads, the old image stays with a progress bar over it; a
    newer ``src`` supersedes the stalled load, which never shows."""
    app, service = app_service
    first = service.register(
        io.BytesIO(svg_bytes(*SVG_SIZE)), content_type="image/svg+xml", mime_type="image/svg+xml"
    )
    stalled = svg_bytes(300, 300) + b" " * 20_000  # padded so the first chunk is partial
    add_gated_route(app, gate, stalled, first=1000, mimetype="image/svg+xml")
    png = png_bytes(*PNG_SIZE)
    last = service.register(io.BytesIO(png), mime_type="image/png")
    sources = [first, "/gated", last]
    app.layout = status_layout(dfc.CachedImage(id="img", src=first))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def swap(n):
        return sources[n]

    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    old_url = dash_duo.find_element("#img img").get_attribute("src")

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loading")
    bar = dash_duo.wait_for_element("#img [role=progressbar]")
    dash_duo.wait_for_text_to_equal(
        "#progress", json.dumps({"loaded": 1000, "total": len(stalled)})
    )
    assert bar.get_attribute("aria-valuenow") == str(1000 * 100 // len(stalled))
    assert [img.get_attribute("src") for img in dash_duo.find_elements("#img img")] == [old_url]
    assert natural_size(dash_duo, "#img img") == list(SVG_SIZE)

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    gate.set()  # the aborted response may now finish on the server; nothing changes
    dash_duo.wait_for_text_to_equal(
        "#progress", json.dumps({"loaded": len(png), "total": len(png)})
    )
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    assert dash_duo.get_logs() == []
