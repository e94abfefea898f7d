"""Dash on its ``fastapi`` and ``quart`` backends under a real uvicorn, in Chromium: a
callback registers an image, CachedImage and a plain ``html.Img`` show it, and a
DownloadLink saves a file through the service's download worker."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from dash import Input, Output, html
from dash.testing.wait import until

import dash_file_cache as dfc
from tests.helpers import grey_png

from .apps import make_app

pytestmark = pytest.mark.browser

WIDTH = "return arguments[0].complete ? arguments[0].naturalWidth : 0"
REPORT = os.urandom(300_000)


@pytest.mark.parametrize("kind", ["dash-fastapi", "dash-quart"])
def test_images_and_a_download_on_an_asgi_backend(dash_br: Any, kind: str, serving: Any) -> None:
    app, asgi = make_app(kind)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    app.layout = html.Div(
        [
            html.Button("make", id="make"),
            dfc.CachedImage(id="cached"),
            html.Img(id="plain"),
            dfc.DownloadLink("Get the report", id="report", auto_start=True),
            html.Div(id="status"),
        ]
    )

    @app.callback(
        Output("cached", "src"),
        Output("plain", "src"),
        Output("report", "url"),
        Input("make", "n_clicks"),
        prevent_initial_call=True,
    )
    def make(clicks: int) -> tuple[str, str, str]:
        image = service.register(io.BytesIO(grey_png(30 + clicks, 12)), mime_type="image/png")
        report = service.register(
            io.BytesIO(REPORT), file_name="report.bin", mime_type="application/octet-stream"
        )
        return image, image, report

    @app.callback(Output("status", "children"), Input("report", "status"))
    def status(value: str | None) -> str:
        return str(value)

    with serving(asgi) as base:
        dash_br.server_url = base
        dash_br.wait_for_element("#make").click()
        for selector in ("#cached img", "#plain"):
            until(lambda s=selector: _width(dash_br, s) == 31, timeout=20)
        dash_br.wait_for_text_to_equal("#status", "completed", timeout=30)
        saved = Path(dash_br.download_path) / "report.bin"
        # Chromium reserves the final name (an empty file) before the bytes land.
        until(lambda: saved.exists() and saved.read_bytes() == REPORT, timeout=20)


def _width(dash_br: Any, selector: str) -> int:
    found = dash_br.driver.find_elements("css selector", selector)
    return int(dash_br.driver.execute_script(WIDTH, found[0])) if found else 0
