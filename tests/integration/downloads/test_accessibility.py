"""axe-core (an npm dev dependency, injected by the test) on both components: idle,
mid-transfer and after an error, WCAG 2.x A/AA rules plus ``label-content-name-mismatch``
(an accessible name that does not contain the visible label)."""

from __future__ import annotations

import io
import os

import pytest
from dash import Input, Output, html
from download_helpers import MIB, Recorder, start, state_div, write_random_file

import dash_file_cache as dfc
from tests.helpers import AXE, axe_violations

pytestmark = pytest.mark.browser

MISSING = "/cached-data?uid=" + "0" * 32


def violations(dash_duo, selector: str) -> list[dict]:
    return axe_violations(dash_duo.driver, selector)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_ax001_no_violations_idle_mid_transfer_and_after_errors(
    dash_duo, served, wait_until, tmp_path
):
    app, service, control = served
    control.rate = 2 * MIB  # bytes per second: both transfers stay in progress a while
    source = tmp_path / "big.bin"
    write_random_file(source, 40 * MIB)
    download = service.register(str(source), file_name="big.bin", download=True)
    picture = service.register(io.BytesIO(os.urandom(20 * MIB)), mime_type="image/png")
    app.layout = html.Main(
        [
            html.H1("Accessibility"),
            html.Button("load", id="load"),
            html.Div(
                [
                    dfc.DownloadLink("Export the data", id="dl", url=download, cancel_label="Stop"),
                    state_div("dl"),
                    dfc.CachedImage(id="img", alt="A large picture", width=200, height=100),
                    dfc.DownloadLink("Broken", id="broken", url=MISSING),
                    state_div("broken"),
                    dfc.CachedImage(id="missing", alt="A missing picture"),
                ],
                id="frame",
            ),
        ]
    )
    link = Recorder(app, "dl", lambda: dash_duo.download_path)
    broken = Recorder(app, "broken", lambda: dash_duo.download_path)

    @app.callback(
        Output("img", "src"),
        Output("missing", "src"),
        Input("load", "n_clicks"),
        prevent_initial_call=True,
    )
    def load(_n):
        return picture, MISSING

    start(dash_duo, app)
    assert violations(dash_duo, "#frame") == []  # idle

    dash_duo.find_element("#dl button").click()
    dash_duo.find_element("#broken button").click()
    dash_duo.find_element("#load").click()
    wait_until(
        lambda: ((link.last().progress or {}).get("loaded") or 0) > MIB,
        f"no progress: {link.statuses()}",
    )
    dash_duo.wait_for_element("#img [role=progressbar]")
    wait_until(lambda: broken.final("error"), f"no error: {broken.statuses()}")
    dash_duo.wait_for_element("#frame .dfc-download-link__cancel")
    # Mid-transfer (both components) and after errors (both components).
    assert violations(dash_duo, "#frame") == []
    cancel = dash_duo.find_element("#dl .dfc-download-link__cancel")
    assert cancel.accessible_name == "Stop"
    cancel.click()
    wait_until(lambda: link.final("aborted"), f"never aborted: {link.statuses()}")
    assert violations(dash_duo, "#frame") == []
    control.rate = None  # let the image's transfer end before the server stops
    wait_until(
        lambda: not dash_duo.driver.find_elements("css selector", "#img [role=progressbar]"),
        "the image never finished loading",
    )
    assert violations(dash_duo, "#frame") == []  # its bytes are no image: an error state
