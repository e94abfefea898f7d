"""What the components show when something is wrong, in headless Chromium with axe-core:
a CachedImage whose address fails says so in place of the image; a DownloadLink with
nothing to download is disabled and says why; a failed or cancelled download says so
next to the button until the next attempt."""

from __future__ import annotations

import io
import json

import dash
import pytest
from component_helpers import start
from dash import Input, Output, html
from dash.testing.wait import until

import dash_file_cache as dfc
from tests.helpers import axe_violations

pytestmark = pytest.mark.browser

MISSING = "/cached-data?uid=" + "0" * 32


def test_err001_a_failed_image_shows_its_alt_and_the_error(dash_duo) -> None:  # type: ignore[no-untyped-def]
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    good = service.register(
        io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"/>'), mime_type="image/svg+xml"
    )
    app.layout = html.Div(
        [
            html.Button("fix", id="fix"),
            dfc.CachedImage(id="img", src=MISSING, alt="Sales chart", width=200, height=80),
        ]
    )

    @app.callback(Output("img", "src"), Input("fix", "n_clicks"), prevent_initial_call=True)
    def fix(_: int) -> str:
        return good

    start(dash_duo, app)
    error = dash_duo.wait_for_element("#img .dfc-cached-image__error")
    assert error.get_attribute("role") == "alert"
    until(lambda: "could not be loaded" in error.text, timeout=10)
    assert error.text.startswith("Sales chart could not be loaded: no cached item")
    assert error.is_displayed() and error.size["width"] >= 200
    assert axe_violations(dash_duo.driver, "#img") == []
    dash_duo.find_element("#fix").click()
    dash_duo.wait_for_element("#img img")
    assert dash_duo.driver.find_elements("css selector", "#img .dfc-cached-image__error") == []


def test_err002_a_link_without_url_is_disabled_and_says_why(dash_duo) -> None:  # type: ignore[no-untyped-def]
    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            dfc.DownloadLink("Get it", id="empty"),
            dfc.DownloadLink("Make it", id="asks", auto_start=True),
            html.Div(id="clicks"),
        ]
    )

    @app.callback(
        Output("clicks", "children"), Input("empty", "n_clicks"), Input("asks", "n_clicks")
    )
    def clicks(empty: int | None, asks: int | None) -> str:
        return json.dumps([empty, asks])

    start(dash_duo, app)
    button = dash_duo.wait_for_element("#empty button")
    assert button.get_attribute("aria-disabled") == "true"
    hint = button.get_attribute("aria-describedby")
    assert (
        dash_duo.driver.execute_script(
            "return document.getElementById(arguments[0]).textContent;", hint
        )
        == "Nothing to download yet."
    )
    button.click()
    asks = dash_duo.find_element("#asks button")  # its click may make the app set `url`
    assert asks.get_attribute("aria-disabled") is None
    asks.click()
    until(lambda: json.loads(dash_duo.find_element("#clicks").text)[1] == 1, timeout=10)
    assert json.loads(dash_duo.find_element("#clicks").text)[0] in (None, 0)
    assert axe_violations(dash_duo.driver, "#empty") == []


def test_err003_a_failed_download_shows_its_outcome_until_the_next(dash_duo) -> None:  # type: ignore[no-untyped-def]
    app = dash.Dash(__name__)
    service = dfc.ServiceData(dfc.CachePlain(4))
    service.serve(app)
    good = service.register(io.BytesIO(b"data"), file_name="d.txt", download=True)
    app.layout = html.Div(
        [
            html.Button("fix", id="fix"),
            dfc.DownloadLink("Get it", id="dl", url=MISSING),
            html.Div(id="status"),
        ]
    )

    @app.callback(Output("dl", "url"), Input("fix", "n_clicks"), prevent_initial_call=True)
    def fix(_: int) -> str:
        return good

    @app.callback(Output("status", "children"), Input("dl", "status"))
    def status(value: str | None) -> str:
        return str(value)

    start(dash_duo, app)
    dash_duo.wait_for_element("#dl button").click()
    outcome = dash_duo.wait_for_element("#dl .dfc-download-link__outcome--error")
    assert outcome.text.startswith("Download failed: no cached item")
    assert outcome.get_attribute("role") == "status"
    dash_duo.wait_for_text_to_equal("#status", "error")
    assert axe_violations(dash_duo.driver, "#dl") == []
    dash_duo.find_element("#fix").click()
    until(lambda: dash_duo.find_element("#dl button").get_attribute("aria-disabled") is None, 10)
    dash_duo.find_element("#dl button").click()
    dash_duo.wait_for_text_to_equal("#status", "completed", timeout=20)
    assert dash_duo.driver.find_elements("css selector", "#dl .dfc-download-link__outcome") == []
