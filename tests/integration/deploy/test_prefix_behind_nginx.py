"""A Dash app under /app/ behind a real nginx, in headless Chromium: the components,
plain ``html.Img``/``html.A`` and a Dash Pages page load their items with no setting
beyond the app's own prefixes (docs/deploy/nginx-*-prefix.conf, verbatim).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import dash
import pytest
from dash import Input, Output, dcc, html
from selenium.webdriver.support.ui import WebDriverWait

import dash_file_cache as dfc
from tests.conftest import free_port
from tests.deploy.nginx import nginx
from tests.helpers import grey_png

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH, HEIGHT = 48, 32
MODES = {
    "strip": (
        "nginx-strip-prefix.conf",
        {"requests_pathname_prefix": "/app/", "routes_pathname_prefix": "/"},
    ),
    "keep": ("nginx-keep-prefix.conf", {"url_base_pathname": "/app/"}),
}


IMAGE = grey_png(WIDTH, HEIGHT)
REPORT = ("id,value\n" + "".join(f"{n},{n * n}\n" for n in range(2000))).encode()


def build_app(prefixes: dict[str, str]) -> tuple[dash.Dash, dfc.ServiceData, str]:
    app = dash.Dash(__name__, use_pages=True, pages_folder="", **prefixes)
    service = dfc.ServiceData(dfc.CachePlain(32))
    service.serve(app)
    at_start_up = service.register(io.BytesIO(IMAGE), mime_type="image/png")

    def home() -> html.Div:
        return html.Div(
            [
                dfc.CachedImage(id="startup", src=at_start_up),
                html.Button("make", id="make"),
                html.Img(id="plain-img"),
                html.A("plain link", id="plain-a"),
                dfc.DownloadLink("download", id="dl", auto_start=True),
                dcc.Link("other page", id="to-other", href=dash.get_relative_path("/other")),
                html.Div(id="state"),
            ]
        )

    def other() -> html.Div:  # registered inside the page request
        return html.Div(
            [
                dfc.CachedImage(
                    id="paged", src=service.register(io.BytesIO(IMAGE), mime_type="image/png")
                ),
                html.Div(id="paged-state"),
            ]
        )

    dash.register_page("home", path="/", layout=home)
    dash.register_page("other", path="/other", layout=other)
    app.layout = html.Div(dash.page_container)

    @app.callback(
        Output("plain-img", "src"),
        Output("plain-a", "href"),
        Output("dl", "url"),
        Input("make", "n_clicks"),
        prevent_initial_call=True,
    )
    def make(_: int) -> tuple[str, str, str]:
        image = service.register(io.BytesIO(IMAGE), mime_type="image/png")
        report = service.register(
            io.BytesIO(REPORT), file_name="données.csv", mime_type="text/csv", download=True
        )
        return image, report, report

    @app.callback(Output("state", "children"), Input("startup", "status"), Input("dl", "status"))
    def state(image: str | None, download: str | None) -> str:
        return json.dumps({"image": image, "download": download})

    @app.callback(Output("paged-state", "children"), Input("paged", "status"))
    def paged_state(status: str | None) -> str:
        return str(status)

    return app, service, at_start_up


def fetch_in_page(dash_duo: Any, url: str) -> dict[str, Any]:
    script = """
    const done = arguments[arguments.length - 1];
    fetch(arguments[0]).then(async (r) => {
        const bytes = new Uint8Array(await r.arrayBuffer());
        let s = ""; for (const b of bytes) s += String.fromCharCode(b);
        done({status: r.status, type: r.headers.get("Content-Type"), body: btoa(s)});
    }).catch((e) => done({error: String(e)}));
    """
    return dash_duo.driver.execute_async_script(script, url)  # type: ignore[no-any-return]


@pytest.mark.parametrize("mode", list(MODES))
def test_prefixed_app_behind_nginx(dash_duo: Any, tmp_path: Path, mode: str) -> None:
    snippet, prefixes = MODES[mode]
    app, _, at_start_up = build_app(prefixes)
    assert at_start_up.startswith("/app/cached-data?uid=")
    port = free_port()
    dash_duo.server(app, port=port)  # started without the browser visiting it unproxied
    wait = WebDriverWait(dash_duo.driver, 15)
    with nginx(tmp_path / "nginx", snippet, port) as front:
        dash_duo.driver.get(f"http://127.0.0.1:{front}/app/")
        wait.until(
            lambda _: (
                json.loads(dash_duo.find_element("#state").text or "{}").get("image") == "loaded"
            )
        )
        dash_duo.find_element("#make").click()
        wait.until(
            lambda _: (
                dash_duo.driver.execute_script(
                    "const i = document.getElementById('plain-img');"
                    "return i.complete && i.naturalWidth;"
                )
                == WIDTH
            )
        )
        href = dash_duo.find_element("#plain-a").get_attribute("href")
        assert href.startswith(f"http://127.0.0.1:{front}/app/cached-data?uid=")
        answer = fetch_in_page(dash_duo, href)
        assert answer["status"] == 200 and base64.b64decode(answer["body"]) == REPORT
        wait.until(
            lambda _: (
                json.loads(dash_duo.find_element("#state").text).get("download") == "completed"
            )
        )
        saved = wait.until(
            lambda _: [
                p
                for p in Path(dash_duo.download_path).iterdir()
                if not p.name.endswith(".crdownload")
            ]
        )
        assert [p.name for p in saved] == ["données.csv"]
        assert hashlib.sha256(saved[0].read_bytes()).digest() == hashlib.sha256(REPORT).digest()
        dash_duo.find_element("#to-other").click()
        wait.until(lambda _: dash_duo.find_element("#paged-state").text == "loaded")
        src = dash_duo.find_element("#paged img").get_attribute("src")
        # fetched through the proxy with reuse=1; the <img> shares that transfer
        assert src.startswith(f"http://127.0.0.1:{front}/app/cached-data?uid=")
        assert src.endswith("&reuse=1")
    assert dash_duo.get_logs() == []


def test_a_service_name_with_the_requests_prefix_is_refused_with_the_fix() -> None:
    """The setup that used to land in Dash's catch-all (HTML saved as the file)."""
    app = dash.Dash(__name__, requests_pathname_prefix="/app/", routes_pathname_prefix="/")
    service = dfc.ServiceData(dfc.CachePlain(4), service_name="/app/cached-data")
    with pytest.raises(ValueError, match="service_name='/cached-data'"):
        service.serve(app)
