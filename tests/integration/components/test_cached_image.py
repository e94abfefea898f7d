"""Browser tests of ``dash_file_cache.CachedImage`` against the real service."""

from __future__ import annotations

import io
import json

import pytest
from component_helpers import (
    SCREENSHOT_FRAME,
    ThrottledGets,
    ThrottledService,
    add_gated_route,
    as_json,
    count,
    install_object_url_probe,
    natural_size,
    noise_png,
    object_urls,
    png_bytes,
    save_element_screenshot,
    settle_animations,
    start,
    svg_bytes,
)
from dash import Input, Output, html

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

SVG_SIZE = (123, 45)
PNG_SIZE = (77, 33)
BIG_SIZE = (2800, 2400)  # RGB noise: a ~20 MB PNG
PIECE = 256 * 1024  # bytes per throttled write
HOLD_AT = 32 * PIECE  # the throttled route holds after 8 MiB (~40 %) until the gate opens
MIN_PROGRESS_VALUES = 5


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
    assert count(dash_duo, "#img img") == 0

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(SVG_SIZE)
    assert json.loads(dash_duo.find_element("#progress").text) == {
        "loaded": len(svg),
        "total": len(svg),
    }
    assert dash_duo.find_element("#img img").get_attribute("alt") == "chart"
    assert dash_duo.find_element("#img img").get_attribute("src").startswith("blob:")
    assert count(dash_duo, "#img [role=progressbar]") == 0
    assert dash_duo.get_logs() == []


def test_cimg002_swap_keeps_one_image_and_revokes_old(dash_duo, app_service):
    """Changing ``src`` swaps in the new PNG and revokes the previous object URL (one-time
    items: their answers cannot be reused, so the component shows Blobs it fetched)."""
    app, service = app_service
    first = service.register(
        io.BytesIO(svg_bytes(*SVG_SIZE)),
        content_type="image/svg+xml",
        mime_type="image/svg+xml",
        one_time_service=True,
    )
    png = png_bytes(*PNG_SIZE)
    second = service.register(io.BytesIO(png), mime_type="image/png", one_time_service=True)
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
    assert count(dash_duo, "#img img") == 1
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
    assert count(dash_duo, "#img img") == 0

    # The only console entries are Chrome's own notes of the failed requests: the HEAD
    # that asks whether the answer may be reused, then the GET whose JSON names the error.
    logs = dash_duo.get_logs()
    assert len(logs) == 2, logs
    assert all(missing in log["message"] and "404" in log["message"] for log in logs), logs
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


def test_cimg005_big_image_reports_progress_then_natural_size(
    dash_duo, app_service, gate, wait_until
):
    """A ~20 MB PNG streamed slowly: callbacks see many progress values before
    "loaded", the bar shows mid-way (screenshot), and the image has its natural size."""
    app, service = app_service
    big = noise_png(*BIG_SIZE)
    slow = ThrottledService(app, service, piece=PIECE, hold_at=HOLD_AT, gate=gate)
    address = slow.address(service.register(io.BytesIO(big), mime_type="image/png"))
    app.layout = html.Div(
        [
            html.Button("load", id="load"),
            html.Div(
                dfc.CachedImage(id="img", alt="Random noise", width=420, height=360),
                id="frame",
                style=SCREENSHOT_FRAME,
            ),
            html.Div(id="log"),
        ]
    )
    seen: list[list] = []

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return address

    @app.callback(
        Output("log", "children"),
        Input("img", "status"),
        Input("img", "progress"),
        prevent_initial_call=True,
    )
    def record(status, progress):
        seen.append([status, progress])
        return json.dumps(seen)

    start(dash_duo, app)
    dash_duo.find_element("#load").click()

    # Held at HOLD_AT bytes: the bar shows that much, on the page and in callbacks.
    bar = dash_duo.wait_for_element("#img [role=progressbar]")
    wait_until(
        lambda: bar.get_attribute("data-loaded") == str(HOLD_AT),
        "the bar never reached the hold point",
    )
    assert bar.get_attribute("data-total") == str(len(big))
    assert bar.get_attribute("aria-valuenow") == str(HOLD_AT * 100 // len(big))
    settle_animations(dash_duo, wait_until)
    save_element_screenshot(dash_duo, "#frame", "cached-image-progress.png")
    assert count(dash_duo, "#img [role=progressbar]") == 1
    assert slow.transfer(address).sent == HOLD_AT

    def callback_log():
        return as_json(dash_duo.find_element("#log").text) or []

    gate.set()
    wait_until(
        lambda: any(status == "loaded" for status, _ in callback_log()),
        "callbacks never saw status loaded",
    )
    log = callback_log()
    first_loaded = [status for status, _ in log].index("loaded")
    loading = [progress for status, progress in log[:first_loaded] if status == "loading"]
    values = sorted({progress["loaded"] for progress in loading})
    assert len(values) >= MIN_PROGRESS_VALUES, log
    assert values[0] == 0 and HOLD_AT in values and values[-1] <= len(big)
    assert all(progress["total"] in (None, len(big)) for progress in loading)
    assert log[first_loaded][1] == {"loaded": len(big), "total": len(big)}

    assert natural_size(dash_duo, "#img img") == list(BIG_SIZE)
    assert count(dash_duo, "#img [role=progressbar]") == 0
    transfer = slow.transfer(address)
    assert transfer.done and transfer.sent == len(big)
    assert dash_duo.get_logs() == []


def test_cimg006_superseded_fetch_aborted_and_object_urls_revoked(
    dash_duo, app_service, gate, wait_until
):
    """Two quick ``src`` swaps (a slow 20 MB image, then a small one) end with the
    second image, and the server sees the first response closed before its end.
    After more swaps only the shown image's object URL is alive; after unmount none."""
    app, service = app_service
    install_object_url_probe(dash_duo)
    slow = ThrottledService(app, service, piece=PIECE, hold_at=HOLD_AT, gate=gate)
    big = noise_png(*BIG_SIZE)
    sizes = [SVG_SIZE, None, PNG_SIZE, (50, 20), (64, 64)]
    once = {"one_time_service": True}  # not reusable: shown through object URLs
    sources = [
        service.register(
            io.BytesIO(svg_bytes(*SVG_SIZE)),
            content_type="image/svg+xml",
            mime_type="image/svg+xml",
            **once,
        ),
        slow.address(service.register(io.BytesIO(big), mime_type="image/png")),
        service.register(io.BytesIO(png_bytes(*PNG_SIZE)), mime_type="image/png", **once),
        service.register(io.BytesIO(png_bytes(50, 20)), mime_type="image/png", **once),
        service.register(
            io.BytesIO(svg_bytes(64, 64)),
            content_type="image/svg+xml",
            mime_type="image/svg+xml",
            **once,
        ),
    ]
    app.layout = html.Div(
        [
            html.Button("swap", id="swap"),
            html.Button("unmount", id="unmount"),
            html.Div(dfc.CachedImage(id="img", src=sources[0]), id="holder"),
        ]
    )

    @app.callback(Output("img", "src"), Input("swap", "n_clicks"), prevent_initial_call=True)
    def swap(n):
        return sources[n]

    @app.callback(
        Output("holder", "children"), Input("unmount", "n_clicks"), prevent_initial_call=True
    )
    def unmount(_n):
        return []

    def wait_image(index: int) -> str:
        wait_until(
            lambda: natural_size(dash_duo, "#img img") == list(sizes[index]),
            f"image {index} never showed",
        )
        return dash_duo.find_element("#img img").get_attribute("src")

    start(dash_duo, app)
    wait_image(0)

    # First swap: the slow image starts streaming (seen by the server) ...
    dash_duo.find_element("#swap").click()
    wait_until(lambda: slow.transfer(sources[1]), "the slow image was never requested")
    # ... second swap right away: the small image wins.
    dash_duo.find_element("#swap").click()
    shown = wait_image(2)
    assert count(dash_duo, "#img img") == 1
    assert count(dash_duo, "#img [role=progressbar]") == 0

    # The server lets the held response go on: the browser has hung up on it.
    gate.set()
    wait_until(lambda: slow.transfer(sources[1]).closed_early, "the first fetch was never aborted")
    aborted = slow.transfer(sources[1])
    assert not aborted.done and aborted.sent < aborted.total == len(big)
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)

    for index in (3, 4):
        dash_duo.find_element("#swap").click()
        shown = wait_image(index)
    wait_until(
        lambda: object_urls(dash_duo)["live"] == [shown],
        f"object URLs left alive: {object_urls(dash_duo)}",
    )
    # One per image shown (0, 2, 3, 4); the aborted fetch never made one.
    assert len(object_urls(dash_duo)["created"]) == 4

    dash_duo.find_element("#unmount").click()
    wait_until(lambda: count(dash_duo, "#img") == 0, "the image was never unmounted")
    wait_until(
        lambda: object_urls(dash_duo)["live"] == [],
        f"object URLs left alive after unmount: {object_urls(dash_duo)}",
    )
    assert dash_duo.get_logs() == []


def test_cimg007_same_origin_items_load_in_one_transfer(dash_duo, app_service, wait_until):
    """An item of the page's own service: a HEAD says its answer may be reused
    (``reuse=1``), and the picture loads straight into an ``<img>``: one GET per image
    (counted by the server), the picture shown from the address itself, the final
    progress exact; a swap does the same for the next item."""
    app, service = app_service
    big = noise_png(800, 600)
    png = png_bytes(*PNG_SIZE)
    sources = [
        service.register(io.BytesIO(big), mime_type="image/png"),
        service.register(io.BytesIO(png), mime_type="image/png"),
    ]
    gets: list[str] = []
    inner = app.server.wsgi_app

    def counting(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "GET" and "uid=" in query:
            gets.append(query)
        return inner(environ, start_response)

    app.server.wsgi_app = counting
    app.layout = status_layout(dfc.CachedImage(id="img", src=sources[0]))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def swap(n):
        return sources[n]

    start(dash_duo, app)
    for index, (data, size) in enumerate([(big, [800, 600]), (png, list(PNG_SIZE))]):
        if index:
            dash_duo.find_element("#load").click()
        dash_duo.wait_for_text_to_equal(
            "#progress", json.dumps({"loaded": len(data), "total": len(data)})
        )
        dash_duo.wait_for_text_to_equal("#status", "loaded")
        wait_until(lambda size=size: natural_size(dash_duo, "#img img") == size, "no image")
        shown = dash_duo.find_element("#img img").get_attribute("src")
        assert shown.endswith(sources[index][sources[index].index("?") :] + "&reuse=1"), shown
        uid = sources[index].split("uid=")[1]
        assert [query for query in gets if uid in query] == [f"uid={uid}&reuse=1"]
    assert count(dash_duo, "#img img") == 1
    assert dash_duo.get_logs() == []


def test_cimg008_without_cookies_the_blob_is_shown(dash_duo, app_service):
    """``credentials="omit"``: the fetch and an ``<img>`` (which sends cookies) would not
    be one request, so the component keeps the bytes it fetched and shows a Blob."""
    app, service = app_service
    png = png_bytes(*PNG_SIZE)
    address = service.register(io.BytesIO(png), mime_type="image/png")
    app.layout = status_layout(dfc.CachedImage(id="img", src=address, credentials="omit"))
    add_status_callback(app)

    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    assert dash_duo.find_element("#img img").get_attribute("src").startswith("blob:")
    assert dash_duo.get_logs() == []


def test_cimg009_direct_load_counts_progress_from_the_same_transfer(
    dash_duo, app_service, gate, wait_until
):
    """A slow ~20 MB PNG of the page's own service loads straight into an ``<img>``;
    once it has taken longer than the count delay, a cache-only fetch counts the bytes
    of that same transfer: the bar and callbacks reach the bytes the server has sent
    while it holds, the server sees one HEAD and one GET, and the image shown is the
    address itself (no Blob)."""
    app, service = app_service
    big = noise_png(*BIG_SIZE)
    address = service.register(io.BytesIO(big), mime_type="image/png")
    slow = ThrottledGets(app, piece=PIECE, hold_at=HOLD_AT, gate=gate)
    install_object_url_probe(dash_duo)
    app.layout = status_layout(dfc.CachedImage(id="img", alt="Random noise"))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return address

    start(dash_duo, app)
    dash_duo.find_element("#load").click()
    bar = dash_duo.wait_for_element("#img [role=progressbar]")
    wait_until(
        lambda: bar.get_attribute("data-loaded") == str(HOLD_AT),
        "the bar never counted the bytes sent before the hold",
    )
    assert bar.get_attribute("data-total") == str(len(big))
    dash_duo.wait_for_text_to_equal("#progress", json.dumps({"loaded": HOLD_AT, "total": len(big)}))
    assert dash_duo.find_element("#status").text == "loading"
    assert count(dash_duo, "#img img") == 0

    gate.set()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert json.loads(dash_duo.find_element("#progress").text) == {
        "loaded": len(big),
        "total": len(big),
    }
    assert natural_size(dash_duo, "#img img") == list(BIG_SIZE)
    shown = dash_duo.find_element("#img img").get_attribute("src")
    assert shown.endswith(address[address.index("?") :] + "&reuse=1"), shown
    query = address.split("?", 1)[1] + "&reuse=1"
    assert slow.requests == [("HEAD", query), ("GET", query)]
    assert len(slow.transfers) == 1 and slow.transfers[0].done
    assert object_urls(dash_duo)["created"] == []
    assert count(dash_duo, "#img [role=progressbar]") == 0
    assert dash_duo.get_logs() == []


def test_cimg010_a_superseded_direct_load_is_stopped(dash_duo, app_service, gate, wait_until):
    """A new ``src`` while a picture of the page's own service loads straight into an
    ``<img>`` (and its bytes are being counted): the new picture is shown, the old
    transfer is closed on the server before its end, and nothing of it ever shows."""
    app, service = app_service
    big = noise_png(*BIG_SIZE)
    png = png_bytes(*PNG_SIZE)
    sources = [
        None,
        service.register(io.BytesIO(big), mime_type="image/png"),
        service.register(io.BytesIO(png), mime_type="image/png"),
    ]
    slow = ThrottledGets(app, piece=PIECE, hold_at=HOLD_AT, gate=gate)
    app.layout = status_layout(dfc.CachedImage(id="img"))
    add_status_callback(app)

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def swap(n):
        return sources[n]

    start(dash_duo, app)
    dash_duo.find_element("#load").click()
    bar = dash_duo.wait_for_element("#img [role=progressbar]")
    wait_until(lambda: bar.get_attribute("data-loaded") == str(HOLD_AT), "never counted")

    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    gate.set()  # the held response may go on: the browser has closed it
    wait_until(lambda: slow.transfers[0].closed_early, "the old transfer was never closed")
    assert slow.transfers[0].sent < len(big)
    assert natural_size(dash_duo, "#img img") == list(PNG_SIZE)
    assert count(dash_duo, "#img img") == 1
    assert dash_duo.get_logs() == []
