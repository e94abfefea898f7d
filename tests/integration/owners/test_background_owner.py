"""A background callback (DiskcacheManager, a forked worker process) registers with
``owner=``: the item is served to the browser whose owner it names, and to no other."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import dash
import diskcache
import pytest
from dash import DiskcacheManager, Input, Output, State, dcc, html
from selenium.webdriver.support.ui import WebDriverWait

import dash_file_cache as dfc

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="90" height="30">'
    b'<rect width="90" height="30"/></svg>'
)


def build_app(cache_dir: Path, jobs_dir: str) -> dash.Dash:
    jobs = DiskcacheManager(diskcache.Cache(jobs_dir))
    app = dash.Dash(__name__, background_callback_manager=jobs)
    app.server.secret_key = "test only"
    service = dfc.ServiceData(dfc.CacheFile(cache_dir), resolve_owner=dfc.owners.browser_session)
    service.serve(app)

    def layout() -> html.Div:  # runs in the page request: the browser's owner is known
        return html.Div(
            [
                dcc.Store(id="owner", data=service.current_owner()),
                html.Button("make", id="make"),
                dfc.CachedImage(id="image"),
                html.Div(id="address"),
                html.Div(id="state"),
            ]
        )

    app.layout = layout

    @app.callback(
        Output("image", "src"),
        Output("address", "children"),
        Input("make", "n_clicks"),
        State("owner", "data"),
        background=True,
        prevent_initial_call=True,
    )
    def make(_: int, owner: str) -> tuple[str, str]:
        import io

        address = service.register(io.BytesIO(SVG), mime_type="image/svg+xml", owner=owner)
        return address, json.dumps({"address": address, "pid": os.getpid()})

    @app.callback(Output("state", "children"), Input("image", "status"))
    def state(status: str | None) -> str:
        return str(status)

    return app


def test_background_callback_binds_the_item_to_its_browser(dash_duo: Any, tmp_path: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="dfc-jobs-") as jobs_dir:
        dash_duo.start_server(build_app(tmp_path / "cache", jobs_dir))
        wait = WebDriverWait(dash_duo.driver, 30)
        dash_duo.find_element("#make").click()
        wait.until(lambda _: dash_duo.find_element("#state").text == "loaded")
        made = json.loads(dash_duo.find_element("#address").text)
        assert made["pid"] != os.getpid()  # registered in the worker process
        script = """
        const [url, done] = arguments;
        fetch(url).then((r) => done(r.status)).catch(() => done(-1));
        """
        assert dash_duo.driver.execute_async_script(script, made["address"]) == 200
        dash_duo.driver.delete_all_cookies()  # another browser, as far as the app knows
        dash_duo.driver.get(dash_duo.server_url)
        dash_duo.wait_for_element("#make")
        assert dash_duo.driver.execute_async_script(script, made["address"]) == 404
        logs = [e for e in dash_duo.get_logs() if "status of 404" not in e["message"]]
        assert logs == []
