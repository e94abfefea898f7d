"""Browser tests of ``DownloadLink.preparing``: a bar while the app makes the file, then
the download (example 8, a real background callback, and callbacks setting it)."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
from pathlib import Path

import dash
import pytest
from component_helpers import finished_downloads, start
from dash import Input, Output, html

import dash_file_cache as dfc

pytestmark = pytest.mark.browser

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ex8_prepare_then_download.py"
BACKGROUND_SECONDS = 60  # a worker process is forked, then polled; the parts take ~3 s
PAYLOAD = b"prepared,bytes\n" * 4096
#: The caption of a determinate preparing bar: "<label> · <percent>% · <value> of <total>".
CAPTION = re.compile(r"(.+) · (\d+)% · (\d+) of (\d+)")

#: Records every state the preparing bar shows (a MutationObserver, from page load on):
#: ``window.__preparing`` is a list of ``[aria-valuenow or null, caption]``.
PREPARING_PROBE = r"""
window.__preparing = [];
new MutationObserver(() => {
    const root = document.querySelector(".dfc-download-link__preparing");
    if (!root) {
        return;
    }
    const bar = root.querySelector("[role=progressbar]");
    const caption = root.querySelector(".dfc-progress__text").textContent;
    const value = bar.getAttribute("aria-valuenow");
    const state = [value === null ? null : Number(value), caption];
    const last = window.__preparing[window.__preparing.length - 1];
    if (!last || last[0] !== state[0] || last[1] !== state[1]) {
        window.__preparing.push(state);
    }
}).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
"""


def load_example() -> object:
    name = "dfc_examples_ex8_prepare_then_download"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, EXAMPLE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # Dash(__name__) looks its module up
        spec.loader.exec_module(module)
    return sys.modules[name]


def wait_saved(wait_until, folder: str, expected: bytes, timeout: float) -> Path:
    """The one finished download in ``folder``, once it holds ``expected`` (Chromium
    reserves the final name with an empty file before the bytes land)."""

    def saved():
        files = finished_downloads(folder)
        return len(files) == 1 and files[0].read_bytes() == expected and files[0]

    return wait_until(saved, f"{folder} never held the expected file", timeout)


def test_prep001_background_callback_prepares_then_downloads(dash_duo, wait_until):
    """Example 8: the background callback's set_progress drives the link's preparing
    bar (captioned, advancing), then the report downloads by itself, byte for byte."""
    ex8 = load_example()
    dash_duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": PREPARING_PROBE}
    )
    dash_duo.start_server(ex8.app)
    dash_duo.wait_for_text_to_equal("#link button", "Download the report")
    assert dash_duo.driver.execute_script("return window.__preparing") == []

    dash_duo.find_element("#make").click()
    dash_duo.wait_for_text_to_equal("#status", "Saved report.csv.", timeout=BACKGROUND_SECONDS)
    saved = wait_saved(
        wait_until, dash_duo.download_path, ex8.report_bytes(), timeout=BACKGROUND_SECONDS
    )
    assert saved.name == "report.csv"

    seen = dash_duo.driver.execute_script("return window.__preparing")
    determinate = [(value, caption) for value, caption in seen if value is not None]
    values = [value for value, _ in determinate]
    # The bar advanced through several parts, in order, each with its own caption.
    assert len(set(values)) >= 3, seen
    assert values == sorted(values), seen
    for value, caption in determinate:
        label, percent, count, total = CAPTION.fullmatch(caption).groups()  # type: ignore[union-attr]
        assert label.startswith(("Writing part ", "Registering the report")), seen
        assert int(total) == ex8.PARTS, seen
        assert int(percent) == value == int(count) * 100 // ex8.PARTS, seen
    # The download took over: no preparing bar and no busy button any more.
    assert (
        dash_duo.driver.execute_script(
            "return document.querySelector('.dfc-download-link__preparing')"
        )
        is None
    )
    assert dash_duo.find_element("#link button").get_attribute("aria-busy") is None
    assert dash_duo.get_logs() == []


def test_prep002_preparing_prop_renders_blocks_clicks_and_clears(dash_duo, wait_until):
    """``preparing`` set by callbacks: determinate and indeterminate bars with their
    label, a busy button that ignores clicks, cleared (None) once the download starts."""
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    app.layout = html.Div(
        [
            html.Button("more", id="more"),
            html.Button("go", id="go"),
            dfc.DownloadLink(
                "Get",
                id="dl",
                n_clicks=0,
                auto_start=True,
                preparing={"label": "Zipping files", "value": 2, "total": 8},
            ),
            html.Div(id="state"),
        ]
    )

    @app.callback(Output("dl", "preparing"), Input("more", "n_clicks"), prevent_initial_call=True)
    def more(_n):
        return {"label": "Uploading", "value": None, "total": None}

    @app.callback(Output("dl", "url"), Input("go", "n_clicks"), prevent_initial_call=True)
    def go(_n):
        return service.register(io.BytesIO(PAYLOAD), file_name="prepared.csv", download=True)

    @app.callback(
        Output("state", "children"),
        Input("dl", "preparing"),
        Input("dl", "status"),
        Input("dl", "n_clicks"),
    )
    def show(preparing, status, n_clicks):
        return json.dumps({"preparing": preparing, "status": status, "n_clicks": n_clicks})

    start(dash_duo, app)
    bar = "#dl .dfc-download-link__preparing [role=progressbar]"
    dash_duo.wait_for_element(bar)
    assert dash_duo.find_element(bar).get_attribute("aria-valuenow") == "25"
    assert dash_duo.find_element(bar).get_attribute("aria-label") == "Zipping files"
    dash_duo.wait_for_text_to_equal("#dl .dfc-progress__text", "Zipping files · 25% · 2 of 8")
    button = dash_duo.find_element("#dl .dfc-download-link__button")
    assert button.get_attribute("aria-busy") == "true"
    assert button.get_attribute("aria-disabled") == "true"
    button.click()  # ignored: counted in n_clicks otherwise (checked below)

    dash_duo.find_element("#more").click()
    dash_duo.wait_for_text_to_equal("#dl .dfc-progress__text", "Uploading")
    assert dash_duo.find_element(bar).get_attribute("aria-valuenow") is None

    dash_duo.find_element("#go").click()

    def ended():
        text = dash_duo.find_element("#state").text
        state = json.loads(text) if text else {}
        return state if state.get("status") == "completed" else None

    state = wait_until(ended, "the download never completed")
    assert state == {"preparing": None, "status": "completed", "n_clicks": 0}
    assert wait_saved(wait_until, dash_duo.download_path, PAYLOAD, 10).name == "prepared.csv"
    assert (
        dash_duo.driver.execute_script(
            "return document.querySelector('.dfc-download-link__preparing')"
        )
        is None
    )
    assert dash_duo.get_logs() == []
