"""DownloadLink behaviour through the worker: re-triggers, address changes, several links
and services on a page, request headers; the page itself is never controlled."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import dash
import pytest
from dash import Input, Output, html
from download_helpers import (
    MIB,
    Recorder,
    everything,
    finished,
    require_token,
    sha256_file,
    start,
    state_div,
    write_random_file,
)
from PIL import Image
from server_control import ServerControl

import dash_file_cache as dfc

pytestmark = pytest.mark.browser


def wait_end(recorder: Recorder, wait_until, timeout: float = 60):
    return wait_until(
        lambda: recorder.final("completed", "error", "aborted", "delegated"),
        f"the download never ended: {recorder.statuses()}",
        timeout,
    )


def switch_mid_download(dash_duo, app, first: str, second: str, wait_until, auto_start: bool):
    """A page whose link downloads ``first`` (slowly); once it is under way, a callback
    sets ``url`` to ``second``. Returns the recorder of the link's props."""
    app.layout = html.Div(
        [
            html.Button("switch", id="switch"),
            dfc.DownloadLink("Get", id="dl", url=first, auto_start=auto_start),
            state_div("dl"),
        ]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)

    @app.callback(Output("dl", "url"), Input("switch", "n_clicks"), prevent_initial_call=True)
    def switch(_n):
        return second

    start(dash_duo, app)
    dash_duo.find_element("#dl button").click()
    wait_until(
        lambda: ((recorder.last().progress or {}).get("loaded") or 0) > MIB,
        f"no progress: {recorder.statuses()}",
    )
    dash_duo.find_element("#switch").click()
    return recorder


def test_lb001_auto_start_when_a_callback_sets_the_same_url_again(dash_duo, served, wait_until):
    """The README promises a download whenever a callback "sets or changes" ``url``: a
    callback returning the same address again downloads it again."""
    app, service, control = served
    payload = os.urandom(200_000)
    url = service.register(io.BytesIO(payload), file_name="same.bin", download=True)
    app.layout = html.Div(
        [
            html.Button("again", id="again"),
            dfc.DownloadLink(id="dl", auto_start=True),
            state_div("dl"),
        ]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)

    @app.callback(Output("dl", "url"), Input("again", "n_clicks"), prevent_initial_call=True)
    def again(_n):
        return url

    start(dash_duo, app)
    for attempt in (1, 2):
        dash_duo.find_element("#again").click()
        wait_until(
            lambda attempt=attempt: recorder.statuses().count("completed") == attempt,
            f"download {attempt} never completed: {recorder.statuses()}",
        )
        saved = wait_until(
            lambda: (found := finished(dash_duo.download_path)) and found, "nothing saved"
        )
        assert [p.name for p in saved] == ["same.bin"]
        assert saved[0].read_bytes() == payload
        saved[0].unlink()  # Chrome under CDP overwrites a same-named file: make room
    assert len(control.gets()) == 2
    assert dash_duo.get_logs() == []


def test_lb002_a_new_url_mid_download_aborts_the_old_one(dash_duo, served, wait_until, tmp_path):
    """A callback changing ``url`` while a download runs stops that download (the server
    sees the close, nothing saved), then downloads the new address."""
    app, service, control = served
    control.rate = 4 * MIB  # bytes per second
    slow = tmp_path / "slow.bin"
    write_random_file(slow, 40 * MIB)
    first = service.register(str(slow), file_name="first.bin", download=True)
    second_payload = os.urandom(300_000)
    second = service.register(io.BytesIO(second_payload), file_name="second.bin", download=True)
    recorder = switch_mid_download(dash_duo, app, first, second, wait_until, auto_start=True)
    done = wait_until(
        lambda: recorder.final("completed", "error"), f"never ended: {recorder.statuses()}"
    )
    assert done.status == "completed"
    # Only the new address completed. ("aborted" then "downloading" are set back to back,
    # and Dash may run the callback once, with the latter.)
    assert recorder.statuses().count("completed") == 1
    saved = wait_until(
        lambda: (found := finished(dash_duo.download_path)) and found, "nothing saved"
    )
    assert [p.name for p in saved] == ["second.bin"]
    assert saved[0].read_bytes() == second_payload
    old = control.gets()[0]
    wait_until(lambda: old.closed_early, "the server never saw the first download close")
    wait_until(
        lambda: set(everything(dash_duo.download_path)) == {"second.bin"}, "first.bin left over"
    )
    assert dash_duo.get_logs() == []


def test_lb003_several_links_and_services_on_one_page(dash_duo, wait_until, tmp_path):
    """Two services, three links started together and a plain ``html.A`` to a service:
    one worker per service (scoped to it), every file byte-exact, and the page itself is
    never controlled by a worker."""
    app = dash.Dash(__name__)
    reports = dfc.ServiceData(dfc.CachePlain(8))
    exports = dfc.ServiceData(dfc.CachePlain(8), service_name="/exports/files")
    reports.serve(app)
    exports.serve(app)
    control = ServerControl(app)  # paces /cached-data
    control.rate = 8 * MIB
    files = {}
    for name, size in (("a.bin", 12 * MIB), ("b.bin", 3 * MIB), ("c.bin", 5 * MIB)):
        path = tmp_path / name
        files[name] = (write_random_file(path, size), size)
    a = reports.register(str(tmp_path / "a.bin"), download=True)
    b = reports.register(str(tmp_path / "b.bin"), download=True)
    c = exports.register(str(tmp_path / "c.bin"), download=True)
    plain = exports.register(io.BytesIO(b"plain link"), file_name="plain.txt", download=True)
    app.layout = html.Div(
        [
            dfc.DownloadLink("A", id="a", url=a),
            state_div("a"),
            dfc.DownloadLink("B", id="b", url=b),
            state_div("b"),
            dfc.DownloadLink("C", id="c", url=c),
            state_div("c"),
            html.A("plain", id="plain", href=plain),
        ]
    )
    recorders = {k: Recorder(app, k, lambda: dash_duo.download_path) for k in "abc"}
    start(dash_duo, app)
    for key in "abc":
        dash_duo.find_element(f"#{key} button").click()
    for key, recorder in recorders.items():
        done = wait_end(recorder, wait_until)
        assert (done.status, done.mode) == ("completed", "worker"), (key, done)
    for name, (digest, size) in files.items():
        path = Path(dash_duo.download_path) / name
        wait_until(lambda path=path: path in finished(dash_duo.download_path), f"{name} missing")
        wait_until(lambda path=path, size=size: path.stat().st_size == size, f"{name} short")
        assert sha256_file(path) == digest, name

    dash_duo.find_element("#plain").click()  # a navigation the workers let through
    plain_path = Path(dash_duo.download_path) / "plain.txt"
    wait_until(lambda: plain_path in finished(dash_duo.download_path), "plain.txt missing")
    assert plain_path.read_bytes() == b"plain link"

    scopes = dash_duo.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "navigator.serviceWorker.getRegistrations().then("
        "  (all) => done(all.map((r) => new URL(r.scope).pathname).sort()));"
    )
    assert scopes == ["/cached-data", "/exports/files"]
    assert dash_duo.driver.execute_script("return navigator.serviceWorker.controller;") is None
    assert dash_duo.get_logs() == []


def test_lb004_headers_reach_the_service_through_the_worker(dash_duo, served_each, wait_until):
    """``headers`` (a bearer token) go with the worker's request; without them the
    service's refusal is the error. On each backend."""
    app, service, _control = served_each
    seen = require_token(app, "t0ken")
    payload = os.urandom(150_000)
    url = service.register(io.BytesIO(payload), file_name="private.bin", download=True)
    app.layout = html.Div(
        [
            dfc.DownloadLink("With", id="with", url=url, headers={"Authorization": "Bearer t0ken"}),
            state_div("with"),
            dfc.DownloadLink("Without", id="without", url=url),
            state_div("without"),
        ]
    )
    with_token = Recorder(app, "with", lambda: dash_duo.download_path)
    without = Recorder(app, "without", lambda: dash_duo.download_path)
    start(dash_duo, app)

    dash_duo.find_element("#without button").click()
    done = wait_end(without, wait_until)
    assert (done.status, done.mode, done.error) == ("error", "worker", "a token is needed")
    dash_duo.find_element("#with button").click()
    done = wait_end(with_token, wait_until)
    assert (done.status, done.mode) == ("completed", "worker"), done
    assert seen == [None, "Bearer t0ken"]
    saved = wait_until(
        lambda: (found := finished(dash_duo.download_path)) and found, "nothing saved"
    )
    assert saved[0].read_bytes() == payload
    assert dash_duo.get_logs() == []


def test_lb005_without_auto_start_a_new_url_mid_download_reports_aborted(
    dash_duo, served, wait_until, tmp_path
):
    """Without ``auto_start``, changing ``url`` mid-download stops it: ``aborted`` with
    the progress reached; the new address waits for a click."""
    app, service, control = served
    control.rate = 4 * MIB
    slow = tmp_path / "slow.bin"
    write_random_file(slow, 40 * MIB)
    first = service.register(str(slow), file_name="first.bin", download=True)
    second = service.register(io.BytesIO(b"second"), file_name="second.bin", download=True)
    recorder = switch_mid_download(dash_duo, app, first, second, wait_until, auto_start=False)
    done = wait_end(recorder, wait_until)
    assert done.status == "aborted", done
    assert MIB < done.progress["loaded"] < 40 * MIB
    old = control.gets()[0]
    wait_until(lambda: old.closed_early, "the server never saw the download close")
    wait_until(lambda: everything(dash_duo.download_path) == {}, "a file was left")
    assert len(control.gets()) == 1

    dash_duo.find_element("#dl button").click()  # the new address, on request
    done = wait_until(lambda: recorder.final("completed"), f"never ended: {recorder.statuses()}")
    saved = wait_until(
        lambda: (found := finished(dash_duo.download_path)) and found, "nothing saved"
    )
    assert [p.name for p in saved] == ["second.bin"]
    assert dash_duo.get_logs() == []


def test_lb006_cached_image_keeps_the_progress_reached_on_error(dash_duo, served_each, wait_until):
    """``CachedImage`` too reports where a failed load stopped, not 0. On each backend.
    (A one-time item: its bytes are fetched with progress from the first one. Items
    that load straight into an ``<img>`` resume instead: see lb013.)"""
    app, service, control = served_each
    url = service.register(
        io.BytesIO(os.urandom(1_000_000)), mime_type="image/png", one_time_service=True
    )
    seen: list[tuple[str | None, dict | None, str | None]] = []
    app.layout = html.Div(
        [html.Button("load", id="load"), dfc.CachedImage(id="img"), html.Div(id="out")]
    )

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return url

    @app.callback(
        Output("out", "children"),
        Input("img", "status"),
        Input("img", "progress"),
        Input("img", "error"),
    )
    def record(status, progress, error):
        seen.append((status, progress, error))
        return str(status)

    start(dash_duo, app)
    control.cut_next(0.5)
    dash_duo.find_element("#load").click()
    wait_until(lambda: seen and seen[-1][0] == "error", f"never failed: {seen}")
    status, progress, error = seen[-1]
    assert progress == {"loaded": 500_000, "total": 1_000_000}
    assert error
    (transfer,) = control.gets()  # one cut GET: no retry
    assert transfer.cut and transfer.sent == 500_000 and transfer.length == 1_000_000
    logs = dash_duo.get_logs()  # Chrome reports the cut body in the console
    assert all("cached-data?uid=" in entry["message"] for entry in logs), logs


def test_lb007_a_worker_download_outlives_its_component(dash_duo, served, wait_until, tmp_path):
    """In worker mode the download is the browser's own: removing the DownloadLink
    mid-transfer (e.g. another page of the app) does not stop it."""
    app, service, control = served
    control.rate = 8 * MIB
    source = tmp_path / "source.bin"
    digest = write_random_file(source, 24 * MIB)
    url = service.register(str(source), file_name="kept.bin", download=True)
    app.layout = html.Div(
        [
            html.Button("leave", id="leave"),
            html.Div([dfc.DownloadLink("Get", id="dl", url=url), state_div("dl")], id="holder"),
        ]
    )
    recorder = Recorder(app, "dl", lambda: dash_duo.download_path)

    @app.callback(
        Output("holder", "children"), Input("leave", "n_clicks"), prevent_initial_call=True
    )
    def leave(_n):
        return html.P("elsewhere")

    start(dash_duo, app)
    dash_duo.find_element("#dl button").click()
    wait_until(
        lambda: ((recorder.last().progress or {}).get("loaded") or 0) > 2 * MIB,
        f"no progress: {recorder.statuses()}",
    )
    dash_duo.find_element("#leave").click()
    dash_duo.wait_for_text_to_equal("#holder", "elsewhere")
    saved = Path(dash_duo.download_path) / "kept.bin"
    wait_until(lambda: saved in finished(dash_duo.download_path), "the download stopped", 30)
    wait_until(lambda: saved.stat().st_size == 24 * MIB, "short file")
    assert sha256_file(saved) == digest
    (transfer,) = control.gets()
    assert transfer.done
    assert dash_duo.get_logs() == []


def test_lb013_cached_image_resumes_a_direct_load_cut_short(dash_duo, served_each, wait_until):
    """A picture that loads straight into an ``<img>`` and whose connection closes
    half-way is not lost: the component's fetch of the same address is resumed by the
    browser's HTTP cache with a range request for the rest (the bytes already received
    are not sent again), and the picture is shown. On each backend."""
    app, service, control = served_each
    picture = io.BytesIO()  # ~1 MB of noise, stored uncompressed
    Image.frombytes("RGB", (600, 560), os.urandom(600 * 560 * 3)).save(
        picture, "PNG", compress_level=0
    )
    png = picture.getvalue()
    url = service.register(io.BytesIO(png), mime_type="image/png")
    app.layout = html.Div(
        [
            html.Button("load", id="load"),
            dfc.CachedImage(id="img"),
            html.Div(id="status"),
            html.Div(id="progress"),
        ]
    )

    @app.callback(Output("img", "src"), Input("load", "n_clicks"), prevent_initial_call=True)
    def load(_n):
        return url

    @app.callback(
        Output("status", "children"),
        Output("progress", "children"),
        Input("img", "status"),
        Input("img", "progress"),
    )
    def record(status, progress):
        return str(status), json.dumps(progress)

    start(dash_duo, app)
    control.cut_next(0.5)
    dash_duo.find_element("#load").click()
    dash_duo.wait_for_text_to_equal("#status", "loaded")
    assert json.loads(dash_duo.find_element("#progress").text) == {
        "loaded": len(png),
        "total": len(png),
    }
    assert dash_duo.driver.execute_script(
        "const img = document.querySelector('#img img');"
        "return [img.naturalWidth, img.naturalHeight];"
    ) == [600, 560]
    first, *rest = control.gets()
    assert first.cut and first.range is None and first.sent == len(png) // 2
    resumed = [t for t in rest if t.status == 206]
    assert resumed and all(t.if_range == first.etag for t in resumed), rest
    assert resumed[-1].range == f"bytes={len(png) // 2}-{len(png) - 1}", rest
    assert resumed[-1].done and resumed[-1].sent == len(png) - len(png) // 2
    assert all(t.status == 206 for t in rest), rest  # nothing sent again from the start
