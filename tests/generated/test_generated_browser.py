"""Generated items in Chromium: a DownloadLink saves a generated CSV through the download
worker (a chunked body, of unknown size until its end) byte-exact, CachedImage shows a
generated PNG, and a source that fails mid-way ends the DownloadLink in ``error``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from dash import Input, Output, html
from dash.testing.wait import until

import dash_file_cache as dfc
from tests.helpers import grey_png

pytestmark = pytest.mark.browser

ROWS = 200_000
CSV = "".join(f"{n},{n * 7 % 1000},row {n}\n" for n in range(ROWS)).encode()
WIDTH = "return arguments[0].complete ? arguments[0].naturalWidth : 0"


def test_generated_items_in_the_components(dash_duo: Any) -> None:
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(16))
    service.serve(app)
    halfway = threading.Event()

    def export() -> Iterator[str]:
        for n in range(ROWS):
            if n == ROWS // 2:
                halfway.set()
            yield f"{n},{n * 7 % 1000},row {n}\n"

    def broken() -> Iterator[bytes]:
        yield b"x" * 500_000
        raise RuntimeError("the export failed")

    app.layout = html.Div(
        [
            html.Button("go", id="go"),
            dfc.DownloadLink("CSV", id="csv", auto_start=True),
            dfc.DownloadLink("broken", id="broken", auto_start=True),
            dfc.CachedImage(id="picture"),
            html.Div(id="csv-status"),
            html.Div(id="broken-status"),
        ]
    )

    @app.callback(
        Output("csv", "url"),
        Output("broken", "url"),
        Output("picture", "src"),
        Input("go", "n_clicks"),
        prevent_initial_call=True,
    )
    def start(_: int) -> tuple[str, str, str]:
        return (
            service.register(export, file_name="export.csv", content_type="text/csv"),
            service.register(broken, file_name="broken.bin"),
            service.register(lambda: iter([grey_png(41, 9)]), mime_type="image/png"),
        )

    for name in ("csv", "broken"):

        @app.callback(Output(f"{name}-status", "children"), Input(name, "status"))
        def show(status: str | None) -> str:
            return str(status)

    dash_duo.start_server(app)
    dash_duo.wait_for_element("#go").click()
    dash_duo.wait_for_text_to_equal("#csv-status", "completed", timeout=60)
    assert halfway.is_set()
    saved = Path(dash_duo.download_path) / "export.csv"
    until(saved.exists, timeout=30)
    until(lambda: saved.stat().st_size == len(CSV), timeout=30)
    assert saved.read_bytes() == CSV
    dash_duo.wait_for_text_to_equal("#broken-status", "error", timeout=60)
    image = dash_duo.wait_for_element("#picture img")
    until(lambda: dash_duo.driver.execute_script(WIDTH, image) == 41, timeout=20)
