"""The dash-file-cache 0.2.0 compatibility components, Downloader and PlainDownloader, in
headless Chromium (debug mode: prop-type violations surface): each `url` set by a
callback downloads once, `url` goes back to "", and Downloader's `status` has 0.2.0's
shape."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import dash
import flask
import pytest
from component_helpers import finished_downloads, start
from dash import Input, Output, State, html
from dash.testing.wait import until

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

PAYLOAD = os.urandom(50_000)
KINDS = ("named", "fallback", "missing", "other")


def build() -> tuple[dash.Dash, dfc.ServiceData]:
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    app.server.add_url_rule("/raw-data", "raw", lambda: flask.Response(PAYLOAD))
    app.layout = html.Div(
        [
            *[html.Button(kind, id=f"go-{kind}") for kind in KINDS],
            html.Button("plain", id="plain"),
            dfc.Downloader(id="dl", mitm="/dfc-downloader"),
            dfc.PlainDownloader(id="pdl"),
            html.Div(id="state"),
            html.Div(id="plain-state"),
        ]
    )

    @app.callback(
        Output("dl", "url"),
        [Input(f"go-{kind}", "n_clicks") for kind in KINDS],
        prevent_initial_call=True,
    )
    def go(*_: int) -> object:
        which = str(dash.ctx.triggered_id).removeprefix("go-")
        if which == "named":
            return service.register(io.BytesIO(PAYLOAD), file_name="named.bin", download=True)
        if which == "fallback":  # the response names no file: file_name_fallback does
            return {"url": "/raw-data", "file_name_fallback": "fallback.bin"}
        if which == "missing":
            return "/cached-data?uid=" + "0" * 32
        return "https://elsewhere.invalid/file.bin"  # another origin

    @app.callback(Output("pdl", "url"), Input("plain", "n_clicks"), prevent_initial_call=True)
    def plain(_: int) -> str:
        return service.register(io.BytesIO(PAYLOAD), file_name="plain.bin", download=True)

    @app.callback(Output("state", "children"), Input("dl", "status"), State("dl", "url"))
    def state(status: object, url: object) -> str:
        return json.dumps({"status": status, "url": url})

    @app.callback(Output("plain-state", "children"), Input("pdl", "url"))
    def plain_state(url: object) -> str:
        return json.dumps({"url": url})

    return app, service


def run(dash_duo, which: str) -> dict:  # type: ignore[no-untyped-def]
    """Start a Downloader download of kind ``which``; the state once its status is set."""
    before = dash_duo.find_element("#state").text
    dash_duo.find_element(f"#go-{which}").click()
    until(lambda: dash_duo.find_element("#state").text not in ("", before), timeout=20)
    return json.loads(dash_duo.find_element("#state").text)


def saved(folder: str, name: str) -> Path | None:
    found = [p for p in finished_downloads(folder) if p.name == name]
    return found[0] if found else None


def test_downloader_statuses_and_names(dash_duo) -> None:  # type: ignore[no-untyped-def]
    app, _ = build()
    start(dash_duo, app)
    dash_duo.driver.execute_cdp_cmd(  # record console warnings from the next load on
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "window.__warnings = []; const warn = console.warn;"
            "console.warn = (...a) => { window.__warnings.push(a.join(' ')); warn(...a); };"
        },
    )
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#go-named")
    folder = dash_duo.download_path

    named = run(dash_duo, "named")
    assert named == {
        "status": {"type": "success", "code": "success", "http_code": 200},
        "url": "",
    }
    until(lambda: saved(folder, "named.bin"), timeout=20)
    assert saved(folder, "named.bin").read_bytes() == PAYLOAD  # type: ignore[union-attr]

    missing = run(dash_duo, "missing")
    assert missing["status"] == {"type": "error-connect", "code": "error-connect", "http_code": 404}
    assert missing["url"] == ""

    other = run(dash_duo, "other")
    assert other["status"]["type"] == "error-config" and other["url"] == ""

    warnings = dash_duo.driver.execute_script("return window.__warnings;")
    assert len([w for w in warnings if "`mitm` prop is ignored" in w]) == 1  # once a page


def test_downloader_file_name_fallback(dash_duo) -> None:  # type: ignore[no-untyped-def]
    """A response that names no file is saved under ``file_name_fallback`` (not the
    URL's last segment, ``raw-data``), as in 0.2.0."""
    app, _ = build()
    start(dash_duo, app)
    result = run(dash_duo, "fallback")
    assert result["status"]["type"] == "success"
    until(lambda: finished_downloads(dash_duo.download_path), timeout=20)
    (only,) = finished_downloads(dash_duo.download_path)
    assert only.name == "fallback.bin"
    assert only.read_bytes() == PAYLOAD


def test_plain_downloader(dash_duo) -> None:  # type: ignore[no-untyped-def]
    app, _ = build()
    start(dash_duo, app)
    dash_duo.find_element("#plain").click()
    until(lambda: saved(dash_duo.download_path, "plain.bin"), timeout=20)
    assert saved(dash_duo.download_path, "plain.bin").read_bytes() == PAYLOAD  # type: ignore[union-attr]
    until(lambda: json.loads(dash_duo.find_element("#plain-state").text)["url"] == "", 20)
